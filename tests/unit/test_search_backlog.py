"""The full-text index built behind the header sync: search before, during and after indexing,
deletions and body text on rows not indexed yet, ids handed out again, interrupted batches, upgrades."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.engine.store import FolderInfo, MessageHeaders, SpecialUse, Store
from deskmail.engine.store.fulltext import backlog_match
from deskmail.engine.store.schema import load_migrations, migrate


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def headers(uid: int, subject: str, sender: str = "Bob Example") -> MessageHeaders:
    return MessageHeaders(
        uid=uid,
        subject=subject,
        from_name=sender,
        from_addr="bob@example.test",
        to_addrs="Alice <alice@example.test>",
        date=1_700_000_000 + uid,
        message_id=f"<{uid}@example.test>",
    )


def indexed(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM message_search").fetchone()[0])


def fts_uids(store: Store, word: str) -> set[int]:
    """What the FTS5 index alone finds (not the backlog scan)."""
    rows = store.conn.execute(
        "SELECT m.uid FROM message_search s JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ?",
        (f'"{word}"*',),
    )
    return {int(uid) for (uid,) in rows}


def index_all(store: Store, batch: int = 2000) -> None:
    while store.index_backlog(batch):
        pass


def assert_index_whole(store: Store) -> None:
    """Exactly one search row per message, and FTS5's own check of the index passes."""
    ids = {int(i) for (i,) in store.conn.execute("SELECT id FROM messages")}
    rowids = [int(i) for (i,) in store.conn.execute("SELECT rowid FROM message_search")]
    assert sorted(rowids) == sorted(ids)
    store.conn.execute("INSERT INTO message_search (message_search) VALUES ('integrity-check')")


def test_adding_leaves_the_index_to_later_and_search_finds_the_rows_meanwhile(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX))
    store.add_messages(inbox.id, [headers(uid, f"Quarterly report {uid}") for uid in range(1, 6)])
    assert indexed(store) == 0 and store.search_backlog() == 5
    reader = store.reader()
    assert {m.uid for m in reader.search("quarter")} == {1, 2, 3, 4, 5}
    assert [m.uid for m in reader.search("quarter", limit=2, newest_first=True)] == [5, 4]
    assert store.index_backlog(3) == 3 and store.search_backlog() == 2
    assert {m.uid for m in reader.search("quarter")} == {1, 2, 3, 4, 5}  # half indexed: each found once
    assert len(reader.search("quarter")) == 5
    index_all(store)
    assert store.search_backlog() == 0 and store.index_backlog() == 0
    assert fts_uids(store, "quarter") == {1, 2, 3, 4, 5}
    assert_index_whole(store)
    reader.close()


def test_body_text_of_a_row_not_indexed_yet_is_searchable_before_and_after(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(inbox.id, [headers(1, "Hello"), headers(2, "Other")])
    row = store.message_by_uid(inbox.id, 1)
    assert row is not None
    store.save_body(row.id, raw=b"x")
    store.set_body_text(row.id, "the pelican arrives on Tuesday")
    assert [m.uid for m in store.search("pelic")] == [1]
    index_all(store)
    assert fts_uids(store, "pelic") == {1}
    assert [m.uid for m in store.search("pelic tuesday")] == [1]


def test_removing_rows_before_indexing_leaves_no_search_row(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    archive = store.upsert_folder(FolderInfo("Archive"))
    store.add_messages(inbox.id, [headers(uid, f"Budget {uid}") for uid in range(1, 5)])
    store.add_messages(archive.id, [headers(1, "Budget archived")])
    store.remove_uids(inbox.id, [2, 3])
    store.remove_folder("Archive")
    assert {m.uid for m in store.search("budget")} == {1, 4}
    index_all(store)
    assert {m.uid for m in store.search("budget")} == {1, 4}
    assert_index_whole(store)


def test_ids_of_deleted_rows_handed_out_again_are_indexed_once(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(inbox.id, [headers(uid, f"First {uid}") for uid in range(1, 6)])
    index_all(store)
    top = [int(i) for (i,) in store.conn.execute("SELECT id FROM messages ORDER BY id DESC LIMIT 2")]
    store.remove_uids(inbox.id, [4, 5])  # the highest ids: SQLite gives them to the next rows
    store.add_messages(inbox.id, [headers(6, "Second six"), headers(7, "Second seven")])
    again = [int(i) for (i,) in store.conn.execute("SELECT id FROM messages ORDER BY id DESC LIMIT 2")]
    assert again == top
    assert {m.uid for m in store.search("second")} == {6, 7}
    index_all(store)
    assert fts_uids(store, "second") == {6, 7} and fts_uids(store, "first") == {1, 2, 3}
    assert_index_whole(store)


def test_an_interrupted_batch_is_done_again_and_never_twice(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(inbox.id, [headers(uid, f"Invoice {uid}") for uid in range(1, 11)])
    store.index_backlog(4)
    # The batch's search rows are written, then the transaction dies before it commits.
    store.conn.execute(
        "CREATE TEMP TRIGGER cut BEFORE UPDATE ON search_state BEGIN SELECT RAISE(ABORT, 'power cut'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.index_backlog(4)
    store.conn.execute("DROP TRIGGER cut")
    assert indexed(store) == 4 and store.search_backlog() == 6
    assert len(store.search("invoice")) == 10
    index_all(store, batch=4)
    assert_index_whole(store)


def test_a_stray_search_row_does_not_stop_the_indexing(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(inbox.id, [headers(uid, f"Trip {uid}") for uid in range(1, 4)])
    stray = int(store.conn.execute("SELECT max(id) FROM messages").fetchone()[0])
    store.conn.execute("INSERT INTO message_search (rowid, subject, people, body) VALUES (?, 'old', '', '')", (stray,))
    index_all(store)
    assert_index_whole(store)
    assert fts_uids(store, "trip") == {1, 2, 3} and fts_uids(store, "old") == set()


def test_a_store_indexed_by_the_old_version_upgrades_without_indexing_again(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, [m for m in load_migrations() if m.version <= 10])
    conn.execute("INSERT INTO folders (id, name) VALUES (1, 'INBOX')")
    for uid in (1, 2, 3):  # as the old add_messages stored them: each with its search row
        conn.execute(
            "INSERT INTO messages (id, folder_id, uid, subject) VALUES (?, 1, ?, ?)", (uid, uid, f"Lunch {uid}")
        )
        conn.execute(
            "INSERT INTO message_search (rowid, subject, people, body) VALUES (?, ?, '', '')", (uid, f"Lunch {uid}")
        )
    conn.close()
    store = Store.open(path)
    assert store.search_backlog() == 0 and store.index_backlog() == 0
    assert {m.uid for m in store.search("lunch")} == {1, 2, 3}
    store.add_messages(1, [headers(4, "Lunch four")])
    assert store.search_backlog() == 1 and {m.uid for m in store.search("lunch")} == {1, 2, 3, 4}
    index_all(store)
    assert_index_whole(store)
    store.close()


def test_hidden_rows_and_other_folders_are_left_out_of_the_backlog_search_too(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    sent = store.upsert_folder(FolderInfo("Sent"))
    store.add_messages(inbox.id, [headers(1, "Garden plan"), headers(2, "Garden party")])
    store.add_messages(sent.id, [headers(1, "Garden reply")])
    store.set_hidden(inbox.id, [2], True)
    assert {m.subject for m in store.search("garden")} == {"Garden plan", "Garden reply"}
    assert [m.subject for m in store.search("garden", folder_id=sent.id)] == ["Garden reply"]


WORDS = ["École", "ecole", "Müller", "naïve", "café-crème", "foo_bar", "Groß", "ΑΘΗΝΑ", "привет", "42", "e-mail"]
QUERIES = [
    "ecole", "ÉCOLE", "eco", "mull", "MÜLLER", "naive", "cafe", "cafe-cr", "crème café", "bar", "foo_bar",
    "gross", "groß", "αθη", "ПРИВ", "4", "42 ecole", "&", "& mull", "-", "mail", "e-ma", "e-mail ecole", 'x"y',
    "bob@exa", "alice", "example.test",
]  # fmt: skip


def test_the_backlog_scan_finds_what_the_index_finds(store: Store) -> None:
    """Same store, same queries: the rows found before indexing are exactly those found after."""
    rng = random.Random(5)
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    rows = [
        headers(uid, " ".join(rng.sample(WORDS, 3)), sender=rng.choice(["Zoë Ärger", "Bob Example", "Jean-Luc"]))
        for uid in range(1, 80)
    ]
    store.add_messages(inbox.id, rows)
    before = {q: {m.uid for m in store.search(q, limit=500)} for q in QUERIES}
    index_all(store)
    assert store.search_backlog() == 0
    after = {q: {m.uid for m in store.search(q, limit=500)} for q in QUERIES}
    assert before == after
    assert after["ecole"] and after["mull"] and after["αθη"] and after["bar"] and not after["&"]


def test_backlog_match_reads_words_as_fts5_does() -> None:
    assert backlog_match("ecole", "Une École\n", "")
    assert backlog_match("CHLOE", "Hi\nChloé Dubois <chloe@example.test>", "")
    assert not backlog_match("hloe", "Hi\nChloé Dubois", "")  # a prefix of a word, not any substring
    assert backlog_match("under", "foo_under\n", "")  # "_" separates words, as in unicode61
    assert backlog_match("meeting-bud", "Weekly meeting: budget\n", "")  # consecutive words
    assert not backlog_match("meeting-upd", "meeting budget update\n", "")
    assert not backlog_match("meeting-bob", "Weekly meeting\nBob", "")  # not across two columns
    assert not backlog_match("&", "a & b\n", "") and backlog_match("& budget", "budget\n", "")
    assert backlog_match("pelican meeting", "meeting\n", "the Pelican")  # each word in any column
    assert not backlog_match("pelican zebra", "meeting\n", "the Pelican")
    assert not backlog_match("meeting bob", None, None)
