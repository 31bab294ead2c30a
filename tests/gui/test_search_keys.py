"""The window's search with the keyboard only: getting to the box, into the results and out again.

Over the sample store (real SQLite stores, the real runtime without a network): no server takes part
in these keys. Deleting from the results, with Undo, runs against the test bed in
test_search_results_testbed.py.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.message_model import FolderSource, ListSource
from deskmail.ui.mail import gallery
from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier


def window_with_focus_in_folders(qtbot: QtBot, accounts: int = 1) -> tuple[MainWindow, MailView]:
    window = gallery.sample_window(accounts=accounts)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view = gallery.mail_view(window)
    view.folders.setFocus()
    return window, view


def type_search(qtbot: QtBot, window: MainWindow, view: MailView, text: str) -> None:
    """Ctrl+F from wherever the focus is, then the words, as a person types them; wait for the results."""
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    assert view.search.hasFocus()
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        qtbot.keyClicks(view.search, text)
    qtbot.waitUntil(lambda: isinstance(view.model.source, ListSource))


def shown_subjects(view: MailView) -> list[str]:
    return [view.model.summary(row).subject for row in range(view.model.rowCount())]  # type: ignore[union-attr]


def test_the_box_names_its_key(qtbot: QtBot) -> None:
    _window, view = window_with_focus_in_folders(qtbot)
    assert view.search.placeholderText() == "Search all mail (Ctrl+F)"  # how a person learns the key


def test_down_goes_from_the_box_into_the_results_and_opens_the_first(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    type_search(qtbot, window, view, "family news")
    assert shown_subjects(view)[0].startswith("Family news")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.list.hasFocus()
    qtbot.waitUntil(lambda: view.reading_pane.summary is not None)
    assert view.list.currentIndex().row() == 0
    assert view.reading_pane.summary.subject == shown_subjects(view)[0]  # type: ignore[union-attr]
    qtbot.keyClick(view.list, Qt.Key.Key_Down)  # and on through them
    qtbot.waitUntil(lambda: view.reading_pane.summary.subject == shown_subjects(view)[1])  # type: ignore[union-attr]


def test_escape_clears_the_search_then_goes_back_to_the_messages(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    inbox = shown_subjects(view)
    type_search(qtbot, window, view, "dinner")
    assert "Dinner on Friday?" in shown_subjects(view) and len(shown_subjects(view)) < len(inbox)
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == "" and view.search.hasFocus()  # the box stays for another search
    assert isinstance(view.model.source, FolderSource) and shown_subjects(view) == inbox
    assert view.server_bar.isHidden()
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)  # an empty box: back to the messages
    assert view.list.hasFocus()


def test_escape_in_the_results_ends_the_search_and_keeps_the_message_read(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    type_search(qtbot, window, view, "dinner")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    row = shown_subjects(view).index("Dinner on Friday?")  # the one in the Inbox (the reply is in Sent)
    for _step in range(row):
        qtbot.keyClick(view.list, Qt.Key.Key_Down)
    qtbot.waitUntil(
        lambda: view.reading_pane.summary is not None and view.reading_pane.summary.subject == "Dinner on Friday?"
    )
    qtbot.keyClick(view.list, Qt.Key.Key_Escape)
    assert view.search.text() == "" and isinstance(view.model.source, FolderSource)
    assert view.list.hasFocus()
    current = view.list.current_summary()
    assert current is not None and current.subject == "Dinner on Friday?"  # still the one being read
    assert view.reading_pane.summary is not None and view.reading_pane.summary.subject == "Dinner on Friday?"
