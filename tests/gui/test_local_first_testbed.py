"""The person's actions apply at once while the account's server has gone silent (a dead network that
does not refuse, so a sync hangs in its connect for up to a minute), against the test bed's Dovecot."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.test_mail_testbed import message, open_subject, open_window, subjects, view_of

pytestmark = pytest.mark.gui
_numbers = itertools.count(1)


def test_delete_while_a_sync_hangs_on_a_silent_server_takes_exactly_one_message_each_time(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, fault_proxy: Any
) -> None:
    email, password = f"quiet{next(_numbers)}@example.test", "quiet-secret-pw"
    testbed.mail.add_user(email, password)
    names = [f"Tide table {n}" for n in (1, 2, 3, 4)]
    for name in names:
        testbed.mail.put_message(email, message(("Alice", testbed.user), email, name, "High water at noon."))
    proxy = fault_proxy(testbed.mail.ip, 993)
    window = open_window(qtbot, testbed, deskmail_home, email, password, proxy.host)
    view = view_of(window)
    qtbot.waitUntil(lambda: view.model.rowCount() == 4 and not view.controller.syncing, timeout=20000)
    open_subject(qtbot, view, names[0])
    proxy.stall_connects()  # the server goes quiet: a new connection never completes
    proxy.break_open()
    view.controller.sync(email)  # a check for new mail now waits in its connect, on the account's queue
    qtbot.wait(300)
    assert email in view.controller.syncing
    window.activateWindow()  # the Delete key is the window's shortcut
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view.list.setFocus()

    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=1000)  # not after the sync gives up
    gone = set(names) - subjects(view)
    assert len(gone) == 1
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=1000)
    qtbot.wait(1000)
    assert view.model.rowCount() == 2  # two presses, two messages: no backlog deleting more later
    assert email in view.controller.syncing  # all the while the sync still waited on the network
    reader = view.controller.readers[email]
    inbox, trash = reader.folder("INBOX"), reader.folder("Trash")
    assert inbox is not None and trash is not None
    assert [op.kind for op in reader.pending_ops()] == ["move", "move"]  # for the server, when it answers
    window.close()
    window.runner.shutdown(wait=False)  # type: ignore[attr-defined]
