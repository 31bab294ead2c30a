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
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.store import Store
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
