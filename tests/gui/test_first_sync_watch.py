"""A new account's Inbox watcher (IDLE, its own connection) waits for the account's first sync.

Opened at once, its SELECT INBOX competed with the first sync's on the server: on the bed's Maildir
Dovecot the two sessions took turns reading the same index, and the first rows came later.
"""

# ruff: noqa: F811  (the test bed fixtures are imported from test_mail_testbed and used as arguments)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.mail import MailController
from deskmail.ui.main_window import MainWindow
from tests.gui.test_mail_testbed import mailbox, subjects, view_of, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui


@pytest.fixture
def watch_starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """For each Inbox watcher started: the uidnext its account's Inbox had then (0: never synced)."""
    starts: list[int] = []
    original = MailController._watch

    def watch(self: MailController, email: str) -> None:
        if email not in self._watching and email in self.runtimes:
            reader = self.readers.get(email)
            inbox = reader.folder("INBOX") if reader is not None else None
            starts.append(inbox.uidnext if inbox is not None else 0)
        original(self, email)

    monkeypatch.setattr(MailController, "_watch", watch)
    yield starts


def test_the_inbox_watcher_starts_after_the_first_sync(
    qtbot: QtBot, testbed: Any, watch_starts: list[int], window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    qtbot.waitUntil(lambda: bool(watch_starts), timeout=20000)
    assert len(watch_starts) == 1 and watch_starts[0] > 0  # the Inbox was synced to its end first
