"""Deleting from search results with the keyboard, against the test bed's Dovecot: the next result is
chosen, never another mail, and Undo puts the message back on the server and among the results."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.message_model import ListSource
from deskmail.ui.main_window import MainWindow
from tests.gui.test_mail_testbed import imap_as, message, open_window, view_of

pytestmark = pytest.mark.gui
_numbers = itertools.count(1)
SUBJECTS = ["Harbour trip 1", "Harbour trip 2", "Harbour trip 3", "Harbour trip 4"]


@pytest.fixture
def harbour(qtbot: QtBot, testbed: Any, deskmail_home: Path) -> Iterator[tuple[MainWindow, tuple[str, str]]]:
    """A fresh account whose Inbox holds four "Harbour trip" messages (1 oldest) and one other."""
    email, password = f"hanna{next(_numbers)}@example.test", "hanna-secret-pw"
    testbed.mail.add_user(email, password)
    alice = ("Alice", testbed.user)
    for n, subject in enumerate(SUBJECTS, 1):
        raw = message(alice, email, subject, f"Boats leave at {n} o'clock.")
        testbed.mail.put_message(
            email, raw.replace(b"Subject:", f"Date: Mon, {n} Jun 2026 10:00:00 +0000\nSubject:".encode(), 1)
        )
    testbed.mail.put_message(email, message(alice, email, "Choir", "Thursday."))
    win = open_window(qtbot, testbed, deskmail_home, email, password, testbed.mail.host)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win, (email, password)
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def shown(window: MainWindow) -> list[str]:
    view = view_of(window)
    return [view.model.summary(row).subject for row in range(view.model.rowCount())]  # type: ignore[union-attr]


def test_delete_in_the_results_chooses_the_next_result_and_undo_brings_it_back(
    qtbot: QtBot, testbed: Any, harbour: tuple[MainWindow, tuple[str, str]]
) -> None:
    window, mailbox = harbour
    view = view_of(window)
    qtbot.waitUntil(lambda: view.model.rowCount() == 5, timeout=20000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        qtbot.keyClicks(view.search, "harbour")
    assert shown(window) == SUBJECTS[::-1]  # newest first
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)  # into the results: the first one
    qtbot.keyClick(view.list, Qt.Key.Key_Down)  # "Harbour trip 3"
    qtbot.waitUntil(lambda: view.reading_pane.rendered is not None and view.reading_pane.summary.subject == SUBJECTS[2])  # type: ignore[union-attr]

    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    # It leaves the results at once, and the one below it moves up into its row and is read next.
    qtbot.waitUntil(lambda: shown(window) == [SUBJECTS[3], SUBJECTS[1], SUBJECTS[0]], timeout=5000)
    qtbot.waitUntil(lambda: view.reading_pane.summary is not None and view.reading_pane.summary.subject == SUBJECTS[1])
    current = view.list.current_summary()
    assert current is not None and current.subject == SUBJECTS[1] and view.list.currentIndex().row() == 1
    assert [m.subject for m in view.list.selected_summaries()] == [SUBJECTS[1]]
    client = imap_as(testbed, *mailbox)

    def where(subject: str) -> list[str]:
        found = []
        for folder in ("INBOX", "Trash"):
            client.select_folder(folder, readonly=True)
            found += [folder] * len(client.search(["SUBJECT", subject]))
        return found

    qtbot.waitUntil(lambda: where(SUBJECTS[2]) == ["Trash"], timeout=20000)  # on the server too
    assert where(SUBJECTS[1]) == ["INBOX"]  # the next one was chosen, not deleted

    qtbot.keyClick(view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Undo
    qtbot.waitUntil(lambda: where(SUBJECTS[2]) == ["INBOX"], timeout=20000)
    # Back among the results in its place (once the store has it again), the message read still chosen.
    qtbot.waitUntil(lambda: shown(window) == SUBJECTS[::-1], timeout=20000)
    assert isinstance(view.model.source, ListSource) and view.search.text() == "harbour"
    current = view.list.current_summary()
    assert current is not None and current.subject == SUBJECTS[1]
    client.logout()


def test_a_result_still_loading_from_a_silent_server_is_deleted_at_once(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, fault_proxy: Any
) -> None:
    email, password = f"hanna{next(_numbers)}@example.test", "hanna-secret-pw"
    testbed.mail.add_user(email, password)
    for n in (1, 2, 3):
        testbed.mail.put_message(email, message(("Alice", testbed.user), email, f"Ferry times {n}", "Every hour."))
    (deskmail_home / "config").mkdir(parents=True, exist_ok=True)
    (deskmail_home / "config" / "offline.json").write_text(json.dumps({"download": False}))  # bodies stay there
    proxy = fault_proxy(testbed.mail.ip, 993)
    window = open_window(qtbot, testbed, deskmail_home, email, password, proxy.host)
    view = view_of(window)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3 and not view.controller.syncing, timeout=20000)
    # The push watchers notice the dead connections and queue a sync, which then waits in its connect on
    # the account's queue: the delete does not wait behind it (it runs on the account's local queue).
    proxy.stall_connects()  # the server goes quiet: a new connection never completes (a dead Wi-Fi)
    proxy.break_open()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        qtbot.keyClicks(view.search, "ferry")  # the search itself never needs the server
    assert view.model.rowCount() == 3
    qtbot.keyClick(view.search, Qt.Key.Key_Down)  # the first result: its text is still on the server
    first = view.list.current_summary()
    assert first is not None
    qtbot.wait(500)
    assert view.reading_pane.rendered is None  # "Loading the message…", waiting for the quiet server
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    # It leaves at once: the fetch of a message that is being deleted no longer holds the delete back
    # until the connection gives up (a minute).
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=3000)
    assert all(view.model.summary(row).id != first.id for row in range(2))  # type: ignore[union-attr]
    window.close()
    window.runner.shutdown(wait=False)  # type: ignore[attr-defined]
