"""Answers from workers that arrive after the mail window closed change nothing (real Dovecot behind it)."""

# ruff: noqa: F811  (the test bed fixtures are imported from test_mail_testbed and used as arguments)
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from deskmail.engine.imap import push
from tests.gui.test_mail_testbed import mailbox, open_window, view_of  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui
WAIT_MS = 20000


def test_the_account_list_arriving_after_the_window_closed_and_went_away_opens_nothing(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]
) -> None:
    email = mailbox[0]
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host, closed_by_qtbot=False)
    runner = win.runner  # type: ignore[attr-defined]
    controller = view_of(win).controller
    qtbot.waitUntil(lambda: controller.reader(email) is not None, timeout=WAIT_MS)
    gate = threading.Event()
    runner.run(lambda cancel, progress: gate.wait(WAIT_MS / 1000), key=email, name="busy")  # the account's queue
    try:
        # Settings saved a change: the window reads the accounts again on a worker, and closes before the answer.
        win.reload_accounts()
        win.close()
        qtbot.waitUntil(lambda: all(t.name != "list-accounts" for t in runner.active), timeout=WAIT_MS)
        # The window is gone (deleted) while whatever that answer started still waits on the account's queue.
        win.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not runner.active, timeout=WAIT_MS)
    qtbot.wait(100)  # any answer still queued for the GUI thread arrives (a slot failing here fails the test)
    assert controller.runtimes == {} and controller.readers == {}  # nothing opened again for a closed window
    assert not [w for w in push.running_watchers() if not w.cancel.cancelled]
    runner.shutdown(wait=True)
