"""The window's search runs on a worker: the window keeps answering, typing supersedes, clearing returns at once.

Over the sample store (real SQLite stores, no server): a search is held on its worker by a gate,
which stands for a search over a big store (a 1M-message backlog takes seconds). The real window
on the test bed's Dovecot does the same in test_search_index_testbed.py.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from deskmail.engine.store.models import MessageSummary
from deskmail.engine.store.reader import StoreReader
from deskmail.qtbridge.message_model import FolderSource, ListSource
from deskmail.ui.mail.view import MailView
from tests.gui.searching import search_for
from tests.gui.test_comfort import shown

pytestmark = pytest.mark.gui
SEARCHING = "Searching the mail on this computer…"


@dataclass
class Gate:
    """Searches for `held` texts wait in StoreReader.search until `release` (at most 10 s)."""

    held: set[str] = field(default_factory=set)
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    done: list[str] = field(default_factory=list)  # texts whose search returned
    original: Callable[..., list[MessageSummary]] = StoreReader.search


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()

    def search(self: StoreReader, query: str, *args: object, **kwargs: object) -> list[MessageSummary]:
        if query in gate.held:
            gate.entered.set()
            gate.release.wait(10)
        found = gate.original(self, query, *args, **kwargs)
        gate.done.append(query)
        return found

    monkeypatch.setattr(StoreReader, "search", search)
    yield gate
    gate.release.set()


def subjects(view: MailView) -> list[str]:
    return [view.model.summary(row).subject for row in range(view.model.rowCount())]  # type: ignore[union-attr]


def expected(view: MailView, gate: Gate, text: str) -> list[MessageSummary]:
    """What the window showed before, searching on its own thread: every account's store in turn."""
    found: list[MessageSummary] = []
    for account in view.accounts:
        reader = view.controller.reader(account.email)
        assert reader is not None
        found += gate.original(reader, text, limit=500, newest_first=True)
    return found


def held_search(qtbot: QtBot, gate: Gate, text: str) -> tuple[MailView, list[str]]:
    """The sample window (its Inbox's subjects) searching for `text`, held on its worker."""
    _window, view = shown(qtbot, (1280, 780))
    inbox = subjects(view)
    gate.held.add(text)
    view.search.setText(text)
    view.run_search()
    qtbot.waitUntil(gate.entered.is_set)
    return view, inbox


def test_the_window_answers_while_a_search_runs(qtbot: QtBot, gate: Gate) -> None:
    view, inbox = held_search(qtbot, gate, "seed")
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append("seed" not in gate.done))
    qtbot.waitUntil(lambda: bool(ticked))
    assert ticked == [True]  # the event loop ran while the search was still running
    # The list keeps the folder, and a message can be read meanwhile.
    assert subjects(view) == inbox
    view.list.select_row(1)
    qtbot.waitUntil(lambda: view.reading_pane.summary is not None and view.reading_pane.summary.subject == inbox[1])
    # A search that takes a while says so, calmly, where the search's outcome will be said.
    qtbot.waitUntil(lambda: not view.server_bar.isHidden() and view.server_bar.text.text() == SEARCHING)
    assert "seed" not in gate.done
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        gate.release.set()
    want = expected(view, gate, "seed")
    assert view._results == want and [m.subject for m in want] == ["Seed order confirmed"]
    assert subjects(view) == ["Seed order confirmed"]  # the results replaced the list in one step
    assert view.server_bar.text.text().startswith("Searched the mail on this computer.")
    assert view.reading_pane.placeholder.text() == "1 message found."
    assert view.model.places  # "In Projects › Garden"


def test_a_search_superseded_by_typing_never_shows_its_results(qtbot: QtBot, gate: Gate) -> None:
    _window, view = shown(qtbot, (1280, 780))
    gate.held.add("seed")
    shown_lists: list[list[str]] = []
    view.model.modelReset.connect(lambda: shown_lists.append(subjects(view)))
    view.search.setFocus()
    qtbot.keyClicks(view.search, "seed")
    qtbot.waitUntil(gate.entered.is_set)
    view.search.selectAll()
    qtbot.keyClicks(view.search, "photos")  # typing goes on while the first search runs
    assert view.search.text() == "photos"
    with qtbot.waitSignal(view.local_search.found, timeout=10000) as found:
        gate.release.set()
    assert found.args is not None and found.args[0] == "photos"
    qtbot.waitUntil(lambda: "seed" in gate.done, timeout=10000)  # the abandoned search has returned
    qtbot.wait(50)  # and anything it might have sent has arrived
    want = expected(view, gate, "photos")
    assert view._results == want and set(subjects(view)) == {m.subject for m in want}
    assert "All the photos from the wedding" in subjects(view)
    assert not any("Seed order confirmed" in listed for listed in shown_lists)


def test_clearing_the_box_during_a_search_shows_the_folder_at_once(qtbot: QtBot, gate: Gate) -> None:
    view, inbox = held_search(qtbot, gate, "seed")
    qtbot.waitUntil(lambda: view.server_bar.text.text() == SEARCHING)
    view.search.clear()  # the box's clear button does this
    assert isinstance(view.model.source, FolderSource) and subjects(view) == inbox  # no typing delay either
    assert view.server_bar.isHidden() and not view.local_search.running
    gate.release.set()
    qtbot.waitUntil(lambda: "seed" in gate.done, timeout=10000)
    qtbot.wait(50)
    assert subjects(view) == inbox and view.server_bar.isHidden()
    assert view.list.empty_text == "No messages in this folder."


def test_a_store_that_cannot_be_searched_says_so_and_offers_to_try_again(qtbot: QtBot, gate: Gate) -> None:
    _window, view = shown(qtbot, (1280, 780))
    inbox = subjects(view)
    broken = [True]
    original = gate.original

    def search(self: StoreReader, query: str, *args: object, **kwargs: object) -> list[MessageSummary]:
        if broken[0]:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return original(self, query, *args, **kwargs)

    gate.original = search  # the gate's wrapper calls this one
    with qtbot.waitSignal(view.local_search.failed, timeout=10000):
        view.search.setText("seed")
        view.run_search()
    assert view.server_bar.text.text() == "The mail on this computer could not be searched just now."
    assert subjects(view) == inbox  # nothing replaced the list
    broken[0] = False
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        view.server_bar.buttons[0].click()  # "Try again"
    assert subjects(view) == ["Seed order confirmed"]


def test_an_empty_list_says_it_is_searching_while_it_is(qtbot: QtBot, gate: Gate) -> None:
    _window, view = shown(qtbot, (1280, 780))
    search_for(qtbot, view, "elephant")  # found nothing: the list is empty and says why
    assert view.list.empty_text.startswith("No messages found.")
    gate.held.add("elephants")
    view.search.setText("elephants")
    view.run_search()
    qtbot.waitUntil(lambda: view.list.empty_text == "Searching…")  # not "No messages found" for the new words yet
    with qtbot.waitSignal(view.local_search.found, timeout=10000):
        gate.release.set()
    assert view.list.empty_text.startswith("No messages found.")


def test_a_result_without_a_preview_yet_names_its_folder_alone(qtbot: QtBot) -> None:
    """Right after a big first sync the previews are not fetched yet: "In Inbox", not "In Inbox · "."""
    from deskmail.qtbridge.message_model import COL_SUBJECT, MessageRole

    _window, view = shown(qtbot, (1280, 780))
    search_for(qtbot, view, "seed")
    row = view.model.summary(0)
    assert row is not None
    bare = dataclasses.replace(row, preview="")
    view.model.set_source(ListSource([bare]))
    view.model.places = {bare: "Projects › Garden"}
    assert view.model.data(view.model.index(0, COL_SUBJECT), MessageRole.PREVIEW) == "In Projects › Garden"
