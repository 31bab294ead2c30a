"""The window's search while its account's full-text index is still being built (real Dovecot).

The first sync stores the rows; the account's worker indexes them afterwards, in batches. A search
in between must find the new mail all the same, and the index must then be built by itself.
"""

# ruff: noqa: F811  (the test bed fixtures are imported from test_mail_testbed and used as arguments)

from __future__ import annotations

import dataclasses
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import imapclient
import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.store import Store, fulltext
from deskmail.qtbridge.message_model import FolderSource, ListSource
from deskmail.ui.main_window import MainWindow
from tests.gui.searching import search_for
from tests.gui.test_mail_testbed import mailbox, open_window, subjects, view_of, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.gui


@pytest.fixture
def held_indexing(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first index batch waits on the account's worker until released: (started, release)."""
    started, release = threading.Event(), threading.Event()
    original = AccountRuntime.index_search

    def index_search(self: AccountRuntime, cancel: CancelToken = NEVER) -> int:
        started.set()
        while not release.wait(0.02):
            cancel.raise_if_cancelled()
        return original(self, cancel)

    monkeypatch.setattr(AccountRuntime, "index_search", index_search)
    yield started, release
    release.set()


def test_the_window_finds_new_mail_before_its_index_is_built_and_builds_it_after_the_sync(
    qtbot: QtBot, held_indexing: tuple[threading.Event, threading.Event], window: MainWindow
) -> None:
    started, release = held_indexing
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    qtbot.waitUntil(started.is_set, timeout=20000)  # the sync ended; its index batch waits
    email = view.accounts[0].email
    reader = view.controller.reader(email)
    assert reader is not None and reader.search_backlog() == 4
    search_for(qtbot, view, "travel")
    assert subjects(view) == {"Travel plans"}
    search_for(qtbot, view, "ANNA")  # a word of an address, any case
    assert subjects(view) == {"Plain hello", "HTML news", "The report", "Travel plans"}
    release.set()
    qtbot.waitUntil(lambda: reader.search_backlog() == 0, timeout=20000)
    fts = reader.conn.execute("SELECT rowid FROM message_search WHERE message_search MATCH '\"travel\"*'").fetchall()
    assert len(fts) == 1
    search_for(qtbot, view, "travel")
    assert subjects(view) == {"Travel plans"}


def test_typing_a_search_never_waits_for_it_and_only_the_last_one_shows(
    qtbot: QtBot,
    held_indexing: tuple[threading.Event, threading.Event],
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Searches over the backlog held on their worker (as a 1M-message backlog would take seconds): typing,
    reading the list and clearing the box go on, a superseded search never shows, clearing shows the Inbox."""
    started, _release_index = held_indexing
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    qtbot.waitUntil(started.is_set, timeout=20000)  # the sync ended; its 4 messages wait in the backlog
    inbox = subjects(view)
    held, entered, returned, release = {"travel", "report"}, set(), set(), threading.Event()
    original = fulltext.backlog_match

    def match(query: str, heads: str | None, body: str | None) -> bool:
        if query in held:
            entered.add(query)
            release.wait(10)
            returned.add(query)
        return original(query, heads, body)

    monkeypatch.setattr(fulltext, "backlog_match", match)  # readers opened from now on (the searches' own)
    listed: list[set[str]] = []
    view.model.modelReset.connect(lambda: listed.append(subjects(view)))
    view.search.setFocus()
    qtbot.keyClicks(view.search, "travel")
    qtbot.waitUntil(lambda: "travel" in entered, timeout=10000)  # after the typing pause, on a worker
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append("travel" not in returned))
    qtbot.waitUntil(lambda: bool(ticked))
    assert ticked == [True]
    qtbot.waitUntil(lambda: view.server_bar.text.text() == "Searching the mail on this computer…")
    assert subjects(view) == inbox
    view.search.selectAll()
    with qtbot.waitSignal(view.local_search.found, timeout=10000):  # while "travel" is still held
        qtbot.keyClicks(view.search, "anna")
    assert isinstance(view.model.source, ListSource) and subjects(view) == inbox  # "anna": every To address
    assert view.server_bar.text.text().startswith("Searched the mail on this computer.")
    view.search.selectAll()
    qtbot.keyClicks(view.search, "report")
    qtbot.waitUntil(lambda: "report" in entered, timeout=10000)
    view.search.clear()
    assert isinstance(view.model.source, FolderSource) and view.server_bar.isHidden()  # at once
    release.set()
    qtbot.waitUntil(lambda: returned == held, timeout=10000)
    qtbot.wait(100)
    assert isinstance(view.model.source, FolderSource) and subjects(view) == inbox
    assert {"Travel plans"} not in listed and {"The report"} not in listed


def test_a_backlog_left_by_the_command_line_is_indexed_when_the_window_opens_offline(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox

    def connect(cancel: CancelToken) -> imapclient.IMAPClient:
        context = ssl.create_default_context(cafile=str(testbed.ca_path))
        client = imapclient.IMAPClient(testbed.mail.ip, port=993, ssl=True, ssl_context=context)
        client.login(email, password)
        return client

    settings = dataclasses.replace(testbed.settings, home=deskmail_home)
    store = Store.open_for(Paths.from_settings(settings).ensure(), email)
    session = open_session(connect)
    try:
        assert sync_account(session, store).ok  # as `deskmail sync` does: no index built
    finally:
        session.logout()
    assert store.search_backlog() == 4
    store.close()
    win = open_window(qtbot, testbed, deskmail_home, email, password, "refused.example.test")
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        reader = view.controller.reader(email)
        assert reader is not None
        qtbot.waitUntil(lambda: reader.search_backlog() == 0, timeout=20000)
        search_for(qtbot, view, "travel")
        assert subjects(view) == {"Travel plans"}
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]
