"""New-mail notification on the real test bed: quiet for the first sync, then one naming sender and subject."""

# ruff: noqa: F811  (the test bed fixtures are imported from test_mail_testbed and used as arguments)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.notify import NewMailNotifier
from deskmail.ui.main_window import MainWindow
from tests.gui.test_mail_testbed import mailbox, message, subjects, view_of, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui


class FakeTray:
    """Stands in for the tray icon (Xvfb and offscreen have no tray): records what would pop up."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def showMessage(self, title: str, text: str, *_rest: object) -> None:
        self.shown.append((title, text))

    def hide(self) -> None:
        pass


@pytest.fixture
def tray(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTray]:
    """Every notifier made from now on pops up here (set before the window exists: its first sync counts too)."""
    fake = FakeTray()
    monkeypatch.setattr(NewMailNotifier, "_tray", lambda self: fake)
    yield fake


def test_delivered_mail_is_announced_once(
    qtbot: QtBot,
    testbed: Any,
    tray: FakeTray,
    window: MainWindow,
    mailbox: tuple[str, str],
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=20000)
    assert tray.shown == []  # the account's first sync brings old mail, not news
    email = mailbox[0]
    testbed.mail.deliver(email, message(("Alice", testbed.user), email, "Just arrived", "Hi!"))
    qtbot.waitUntil(lambda: bool(tray.shown), timeout=30000)  # IDLE or the next check, no button pressed
    assert tray.shown == [("New message from Alice", "Just arrived")]
    view.controller.sync(email)
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=20000)
    assert len(tray.shown) == 1  # nothing newer: no second notification
