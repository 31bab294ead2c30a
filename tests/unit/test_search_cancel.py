"""A search stops inside SQLite soon after its cancel token is set (the window abandons one superseded by typing)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine.store import FolderInfo, MessageHeaders, SpecialUse, Store, fulltext
from deskmail.qtbridge.search import search_stores

BACKLOG = 5000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store whose rows are all in the search backlog (a first sync just stored them)."""
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    folder = s.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX)).id
    s.add_messages(
        folder,
        [
            MessageHeaders(
                uid=uid, subject=f"Budget review {uid}", from_name="Bob Example", from_addr="bob@example.test",
                date=1_700_000_000 + uid, message_id=f"<{uid}@example.test>",
            )
            for uid in range(1, BACKLOG + 1)
        ],
    )  # fmt: skip
    assert s.search_backlog() == BACKLOG
    yield s
    s.close()


def counting_match(monkeypatch: pytest.MonkeyPatch, cancel_after: int, token: CancelToken) -> list[int]:
    """Readers opened from now on match backlog rows through this; it cancels `token` at the given row."""
    calls = [0]
    original = fulltext.backlog_match

    def match(query: str, heads: str | None, body: str | None) -> bool:
        calls[0] += 1
        if calls[0] == cancel_after:
            token.cancel()
        return original(query, heads, body)

    monkeypatch.setattr(fulltext, "backlog_match", match)
    return calls


def test_a_cancelled_search_stops_in_the_middle_of_the_backlog(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    token = CancelToken()
    calls = counting_match(monkeypatch, 100, token)
    reader = store.reader()
    try:
        with pytest.raises(Cancelled), reader.cancellable(token):
            reader.search("budget", limit=500, newest_first=True)
        assert 100 <= calls[0] < 200  # stopped within a few rows, not after all 5,000
        # the reader stays usable, and no longer looks at the token
        assert len(reader.search("budget", limit=500, newest_first=True)) == 500
        assert not reader.conn.in_transaction
    finally:
        reader.close()


def test_an_uncancelled_search_finds_what_a_plain_one_finds(store: Store) -> None:
    reader = store.reader()
    try:
        plain = reader.search("budget", limit=500, newest_first=True)
        with reader.cancellable(CancelToken()):
            assert reader.search("budget", limit=500, newest_first=True) == plain
        found = search_stores("budget", [("a@example.test", store.path)], CancelToken())
        assert found == [("a@example.test", plain)]
    finally:
        reader.close()


def test_search_stores_stops_when_cancelled_from_another_thread(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window cancels from its own thread while a worker scans: the worker stops, with Cancelled."""
    token = CancelToken()
    started, release = threading.Event(), threading.Event()
    calls = [0]
    original = fulltext.backlog_match

    def held(query: str, heads: str | None, body: str | None) -> bool:
        calls[0] += 1
        if calls[0] == 1:
            started.set()
            release.wait(10)
        return original(query, heads, body)

    monkeypatch.setattr(fulltext, "backlog_match", held)
    outcome: list[object] = []

    def work() -> None:
        try:
            outcome.append(search_stores("budget", [("a@example.test", store.path)], token))
        except Cancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(10)
    token.cancel()
    release.set()
    worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert calls[0] < 100


def test_a_store_that_cannot_be_opened_finds_nothing(tmp_path: Path) -> None:
    assert search_stores("budget", [("gone@example.test", tmp_path / "gone" / "store.sqlite3")], CancelToken()) == []
