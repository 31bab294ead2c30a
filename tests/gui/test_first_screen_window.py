"""A new account's window: the first rows it shows are the newest of the Inbox, the rest arrives after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.engine.imap.sync import FIRST_BATCH
from tests.gui.test_mail_testbed import open_window, view_of
from tests.integration.imaptools import message

pytestmark = pytest.mark.gui


def test_first_rows_are_the_newest_and_the_rest_streams_in(qtbot: QtBot, testbed: Any, deskmail_home: Path) -> None:
    email, password = "first-screen@example.test", "first-screen-pw"
    testbed.mail.add_user(email, password)
    total = 1200
    for n in range(total):  # written in order: Dovecot numbers them by file name, the newest last
        testbed.mail.put_message(email, message(f"Number {n:04}"), name=f"{1_700_000_000 + n}.first{n:04}.bed")
    window = open_window(qtbot, testbed, deskmail_home, email, password, testbed.mail.host)
    try:
        view = view_of(window)
        qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20000)
        first = view.model.rowCount()
        newest = view.model.summary(0)
        assert newest is not None and newest.subject == f"Number {total - 1:04}"
        shown = [view.model.summary(row) for row in range(min(first, FIRST_BATCH))]
        assert [s.subject for s in shown if s is not None] == [f"Number {total - 1 - n:04}" for n in range(len(shown))]
        qtbot.waitUntil(lambda: view.model.rowCount() == total, timeout=30000)
        last = view.model.summary(total - 1)
        assert last is not None and last.subject == "Number 0000"
    finally:
        window.close()
        window.runner.shutdown(wait=True)  # type: ignore[attr-defined]
