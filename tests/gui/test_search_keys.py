"""The window's search with the keyboard only: getting to the box, into the results and out again.

Over the sample store (real SQLite stores, the real runtime without a network): no server takes part
in these keys. Deleting from the results, with Undo, runs against the test bed in
test_search_results_testbed.py.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.message_model import FolderSource, ListSource
from deskmail.ui.mail import gallery
from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow
from tests.gui.test_search_off_thread import Gate, gate  # noqa: F401 - the fixture

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
    assert view.list.selectionModel().isRowSelected(0)  # shown chosen, not only outlined
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
    qtbot.wait(100)
    assert view.list.current_summary() is None and view.reading_pane.summary is None  # none opened by Esc


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


def test_new_results_offer_no_commands_for_the_message_read_before(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    qtbot.keyClick(view.folders, Qt.Key.Key_Tab)  # the search box
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)  # the Inbox's first message, open
    qtbot.waitUntil(lambda: view.actions_.delete.isEnabled())
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        qtbot.keyClicks(view.search, "family news")
    assert view.list.current_summary() is None  # nothing is chosen among the results yet
    assert not view.actions_.delete.isEnabled() and not view.actions_.archive.isEnabled()
    assert not view.actions_.flag.isEnabled()


def test_a_result_read_or_flagged_shows_it_and_s_flags_then_unflags(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    type_search(qtbot, window, view, "dinner")
    row = shown_subjects(view).index("Dinner on Friday?")
    first = view.model.summary(row)
    assert first is not None and not first.seen
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)
    for _step in range(row):
        qtbot.keyClick(view.list, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: view.model.summary(row).seen, timeout=5000)  # type: ignore[union-attr]
    reader = view.controller.reader(view.accounts[0].email)
    assert reader is not None
    qtbot.keyClick(view.list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: view.model.summary(row).flagged)  # type: ignore[union-attr]
    assert reader.message(first.id).flagged  # type: ignore[union-attr]
    assert view.actions_.flag.text() == "Remove Flag"
    qtbot.keyClick(view.list, Qt.Key.Key_S)  # the same key again takes the flag off
    qtbot.waitUntil(lambda: not view.model.summary(row).flagged)  # type: ignore[union-attr]
    assert not reader.message(first.id).flagged  # type: ignore[union-attr]


def test_deleting_results_of_two_accounts_deletes_each_in_its_own_account(qtbot: QtBot) -> None:
    # Both sample accounts hold "Seed order confirmed" in the same folder id under the same UID: sent
    # to the first account, both deletes took its copy (twice) and left the work account's alone.
    window, view = window_with_focus_in_folders(qtbot, accounts=2)
    work = view.accounts[1].email
    reader = view.controller.reader(work)
    assert reader is not None
    garden = reader.folder("Projects/Garden")
    assert garden is not None
    seed = reader.messages(garden.id)[0]
    view.controller.act(work, "flag", garden.id, [seed.uid], True)  # the work copy is flagged
    qtbot.waitUntil(lambda: reader.message(seed.id).flagged)  # type: ignore[union-attr]
    type_search(qtbot, window, view, "seed")
    assert shown_subjects(view) == ["Seed order confirmed", "Seed order confirmed"]
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)
    qtbot.keyClick(view.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # both chosen
    assert len(view.list.selected_summaries()) == 2
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    for account in view.accounts:
        reader = view.controller.reader(account.email)
        assert reader is not None
        garden = reader.folder("Projects/Garden")
        assert garden is not None
        qtbot.waitUntil(lambda r=reader, g=garden: r.messages(g.id) == [])  # each gone from its own account
    # One Undo puts back both: recorded once each account's worker has answered, which may come after the
    # store showed the deletes (random order found it read too early).
    history = view.actions_.history
    qtbot.waitUntil(lambda: bool(history.done) and history.done[-1].expected == 2)


def test_moving_results_of_two_accounts_moves_only_those_of_the_folders_account(qtbot: QtBot) -> None:
    # A folder belongs to one account: the other account's result stays where it is (sent along, its folder
    # id and UID would have named other mail in the first account).
    window, view = window_with_focus_in_folders(qtbot, accounts=2)
    first, work = (a.email for a in view.accounts)
    readers = {email: view.controller.reader(email) for email in (first, work)}
    gardens = {email: r.folder("Projects/Garden") for email, r in readers.items() if r is not None}
    type_search(qtbot, window, view, "seed")
    assert shown_subjects(view) == ["Seed order confirmed", "Seed order confirmed"]
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)
    qtbot.keyClick(view.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # both chosen
    archive = readers[first].folder("Archive")  # type: ignore[union-attr]
    assert archive is not None
    view.actions_.act("move", archive)
    first_garden, work_garden = gardens[first], gardens[work]
    assert first_garden is not None and work_garden is not None
    qtbot.waitUntil(lambda: readers[first].messages(first_garden.id) == [])  # type: ignore[union-attr]
    assert [m.subject for m in readers[work].messages(work_garden.id)] == ["Seed order confirmed"]  # type: ignore[union-attr]
    assert all(m.subject != "Seed order confirmed" for m in readers[work].messages(archive.id))  # type: ignore[union-attr]


def test_another_folder_ends_the_search_and_empties_the_box_whole(qtbot: QtBot) -> None:
    window, view = window_with_focus_in_folders(qtbot)
    type_search(qtbot, window, view, "dinner")
    clear_button = next(b for b in view.search.findChildren(QToolButton))
    qtbot.waitUntil(clear_button.isVisible)  # the box's ✕ shows while it holds text
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    qtbot.keyClick(view.list, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # back to the folders
    assert view.folders.hasFocus()
    qtbot.keyClick(view.folders, Qt.Key.Key_Down)  # the next folder: Drafts
    qtbot.waitUntil(lambda: view.current is not None and view.current.folder.name == "Drafts")
    assert view.search.text() == "" and isinstance(view.model.source, FolderSource) and view.server_bar.isHidden()
    qtbot.waitUntil(lambda: not clear_button.isVisible())  # no ✕ left in the empty box


def test_down_while_the_search_runs_goes_into_its_results_never_the_folder(qtbot: QtBot, gate: Gate) -> None:  # noqa: F811
    window, view = window_with_focus_in_folders(qtbot)
    gate.held.add("seed")  # a search that takes a while (a big store)
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(view.search, "seed")
    qtbot.keyClick(view.search, Qt.Key.Key_Down)  # at once, as a fast typist does
    qtbot.waitUntil(gate.entered.is_set)
    qtbot.wait(2 * 1500)  # longer than a message takes to count as read
    # The list still shows the Inbox: nothing of it was opened (nor marked read), the box keeps the focus.
    assert view.search.hasFocus() and view.list.current_summary() is None
    assert view.reading_pane.summary is None
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        gate.release.set()
    qtbot.waitUntil(view.list.hasFocus)  # the results are there: into them, on the first one
    assert shown_subjects(view) == ["Seed order confirmed"]
    qtbot.waitUntil(lambda: view.reading_pane.summary is not None)
    assert view.reading_pane.summary.subject == "Seed order confirmed"  # type: ignore[union-attr]


def test_a_search_that_finds_more_than_it_shows_says_so(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskmail.qtbridge import search
    from deskmail.ui.mail import view as view_module

    monkeypatch.setattr(search, "SEARCH_LIMIT", 3)  # stands for 500 of a big mailbox's thousands
    monkeypatch.setattr(view_module, "SEARCH_LIMIT", 3, raising=False)
    window, view = window_with_focus_in_folders(qtbot)
    type_search(qtbot, window, view, "family news")  # five match
    assert view.model.rowCount() == 3
    assert view.reading_pane.placeholder.text() == (
        "More than 3 messages found. The newest are shown: add a word to find fewer."
    )
    qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    qtbot.keyClicks(view.search, "s 1")  # "family news 1": one found, no more than that
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.reading_pane.placeholder.text() == "1 message found."


def test_the_keyboard_shortcuts_list_the_search_keys(qtbot: QtBot) -> None:
    from deskmail.ui.shortcuts import ShortcutsDialog

    window, _view = window_with_focus_in_folders(qtbot)
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None
    rows = dict(dialog.rows())
    assert rows["Search"] == "Ctrl+F"
    assert rows["Go from the search box into the results"] == "Down"
    assert rows["Clear the search (in the search box or the results)"] == "Esc"
    dialog.close()
