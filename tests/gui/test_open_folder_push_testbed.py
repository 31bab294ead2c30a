"""The folder open in the mail window is pushed: mail another program puts there shows up without a check."""

# ruff: noqa: F811  (the test bed fixtures are imported from test_mail_testbed and used as arguments)

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.ui.main_window import MainWindow
from tests.gui.test_mail_testbed import imap_as, mailbox, message, subjects, view_of, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui


@pytest.fixture
def work_folder(testbed: Any, mailbox: tuple[str, str]) -> str:
    """A "Work" folder with one message, made before the window's first sync."""
    email = mailbox[0]
    testbed.mail.put_message(email, message(("Alice", testbed.user), email, "Work plan", "Monday."), folder="Work")
    return "Work"


def test_mail_put_into_the_open_folder_appears(
    qtbot: QtBot, testbed: Any, mailbox: tuple[str, str], work_folder: str, window: MainWindow
) -> None:
    view = view_of(window)
    email, password = mailbox
    qtbot.waitUntil(lambda: view.folders.select(email, work_folder), timeout=20000)
    qtbot.waitUntil(lambda: "Work plan" in subjects(view), timeout=20000)
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=20000)
    # No waiting for the watcher: mail that comes before its IDLE runs is fetched by the catch-up it asks
    # for then, later mail is pushed (tests/integration/test_open_folder_push.py: without a window).

    other = imap_as(testbed, email, password)  # another mail program files a message there
    try:
        other.append(work_folder, message(("Bob", "bob@example.test"), email, "Filed elsewhere", "Hi."))
    finally:
        other.logout()
    qtbot.waitUntil(lambda: "Filed elsewhere" in subjects(view), timeout=30000)  # no button pressed
