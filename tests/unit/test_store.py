"""The local store: migrations, folders, messages, flags, bodies, search, addresses, pending ops."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.engine.paths import Paths
from deskmail.engine.store import FolderInfo, MessageHeaders, SpecialUse, Store, StoreReader, store_path
from deskmail.engine.store.schema import Migration, SchemaError, load_migrations, migrate, user_version


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def headers(uid: int, *, date: int = 0, flags: tuple[str, ...] = (), subject: str = "") -> MessageHeaders:
    return MessageHeaders(
        uid=uid,
        flags=flags,
        subject=subject or f"Message {uid}",
        from_name="Bob Example",
        from_addr="bob@example.test",
        to_addrs="alice@example.test",
        date=date or 1_700_000_000 + uid,
        size=1000 + uid,
        message_id=f"<{uid}@example.test>",
        people=[("Bob Example", "bob@example.test")],
    )


def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_open_sets_wal_and_latest_version(store: Store) -> None:
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert user_version(store.conn) == load_migrations()[-1].version


def test_reopen_keeps_data_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with_store = Store.open(path)
    with_store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX))
    with_store.close()
    again = Store.open(path)
    assert [f.name for f in again.folders()] == ["INBOX"]
    again.close()


def test_an_up_to_date_store_opens_without_reading_a_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `deskmail sync` opens a store: one whose schema is current is not migrated again, nor are
    the migration files read for it (only a store behind them reads them)."""
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    read: list[str] = []
    real = Path.read_text

    def noted(self: Path, *args: object, **kwargs: object) -> str:
        read.append(self.name)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", noted)
    Store.open(path).close()
    assert not [name for name in read if name.endswith(".sql")]
    older = tmp_path / "older.sqlite3"
    conn = sqlite3.connect(older, isolation_level=None)
    latest = load_migrations()[-1].version
    migrate(conn, [m for m in load_migrations() if m.version < latest])
    conn.close()
    read.clear()
    Store.open(older).close()  # one behind: the files are read, and the last one runs
    assert [name for name in read if name.endswith(".sql")]
    assert user_version(sqlite3.connect(older)) == latest


def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\nTHIS IS NOT SQL;")
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [good, bad])
    assert user_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'b'").fetchone()[0] == 0
    conn.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "n.sqlite3", isolation_level=None)
    conn.execute("PRAGMA user_version = 999")
    with pytest.raises(SchemaError):
        migrate(conn)
    conn.close()


def test_store_path_is_per_account_under_data(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k")
    path = store_path(paths, "Alice@Example.test")
    assert path.is_relative_to(tmp_path / "d")
    assert "alice@example.test" in str(path)
    assert store_path(paths, "../../etc") != path and ".." not in path.parent.name


def test_folders_sorted_inbox_first_and_state_survives_upsert(store: Store) -> None:
    store.upsert_folder(FolderInfo("Zeta"))
    store.upsert_folder(FolderInfo("Trash", special_use=SpecialUse.TRASH))
    inbox = store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX))
    store.set_sync_state(inbox.id, uidvalidity=7, uidnext=10, highestmodseq=99, exists=3)
    store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX, subscribed=True))
    names = [f.name for f in store.folders()]
    assert names == ["INBOX", "Trash", "Zeta"]
    again = store.folder("INBOX")
    assert again is not None and (again.uidvalidity, again.uidnext, again.highestmodseq) == (7, 10, 99)
    assert again.subscribed
    assert store.special_folder(SpecialUse.TRASH) is not None


def test_messages_newest_first_with_limit(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(uid, date=1000 + uid) for uid in range(1, 101)])
    rows = store.messages(folder.id, limit=50)
    assert len(rows) == 50
    assert rows[0].uid == 100 and rows[-1].uid == 51
    assert store.message_count(folder.id) == 100


def test_add_is_idempotent_and_refreshes_flags(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1), headers(2)])
    store.add_messages(folder.id, [headers(1, flags=("\\Seen",))])
    assert store.uids(folder.id) == [1, 2]
    row = store.message_by_uid(folder.id, 1)
    assert row is not None and row.seen and row.subject == "Message 1"


def test_update_flags_and_unread_count(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(uid) for uid in (1, 2, 3)])
    assert store.refresh_unread(folder.id) == 3
    store.update_flags(folder.id, [(2, ("\\Seen", "\\Flagged"), 50)])
    assert store.refresh_unread(folder.id) == 2
    row = store.message_by_uid(folder.id, 2)
    assert row is not None and row.flagged and row.modseq == 50
    assert store.flags_by_uid(folder.id)[2] == ("\\Seen", "\\Flagged")
    assert store.flags_of(folder.id, [2, 99]) == {2: ("\\Seen", "\\Flagged")}


def test_remove_uids_drops_bodies_and_search(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1, subject="quarterly report"), headers(2)])
    row = store.message_by_uid(folder.id, 1)
    assert row is not None
    store.save_body(row.id, raw=b"Subject: quarterly report\r\n\r\nhello")
    assert [m.uid for m in store.search("quarter")] == [1]
    store.remove_uids(folder.id, [1])
    assert store.search("quarter") == []
    assert store.body(row.id) is None


def test_body_text_is_searchable(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1)])
    row = store.message_by_uid(folder.id, 1)
    assert row is not None
    store.save_body(row.id, raw=b"x")
    store.set_body_text(row.id, "the pelican arrives on Tuesday", preview="the pelican arrives")
    assert [m.uid for m in store.search("pelic")] == [1]
    again = store.message(row.id)
    assert again is not None and again.preview == "the pelican arrives"
    body = store.body(row.id)
    assert body is not None and body.read() == b"x"


def test_search_input_is_not_fts_syntax(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1, subject='budget "2024" NEAR(')])
    assert store.search('NEAR( "budget') != []
    assert store.search("   ") == []


def test_hidden_messages_leave_list_but_keep_uid(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1), headers(2)])
    store.set_hidden(folder.id, [1], True)
    assert [m.uid for m in store.messages(folder.id)] == [2]
    assert store.uids(folder.id) == [1, 2]
    store.set_hidden(folder.id, [1], False)
    assert store.message_count(folder.id) == 2


def test_reset_folder_forgets_messages(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1)])
    store.set_sync_state(folder.id, uidvalidity=1, uidnext=2, highestmodseq=5, exists=1)
    store.reset_folder(folder.id, uidvalidity=2)
    again = store.folder_by_id(folder.id)
    assert again is not None and again.uidvalidity == 2 and again.uidnext == 0
    assert store.uids(folder.id) == []


def test_addresses_rank_people_written_to_first(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(uid) for uid in range(1, 4)])
    store.note_addresses([("Bobby Tables", "bobby@example.test")], sent=True)
    found = store.suggest_addresses("bob")
    assert [s.address for s in found] == ["bobby@example.test", "bob@example.test"]
    assert found[1].times_seen == 3
    assert [s.address for s in store.suggest_addresses("tab")] == ["bobby@example.test"]
    assert store.suggest_addresses("%") == []


def test_pending_ops_round_trip(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    op_id = store.add_op("flags", folder.id, [3, 1, 2, 9], {"add": ["\\Seen"]}, {"1": []})
    store.note_op_attempt(op_id, "offline")
    (op,) = store.pending_ops()
    assert op.uids == (1, 2, 3, 9) and op.args == {"add": ["\\Seen"]} and op.attempts == 1
    store.finish_op(op_id)
    assert store.pending_ops() == []


def test_transaction_rolls_back_on_error(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    with pytest.raises(RuntimeError), store.transaction():
        store.add_messages(folder.id, [headers(1)])
        raise RuntimeError("boom")
    assert store.uids(folder.id) == []


def test_reader_sees_commits_from_writer_on_another_thread(store: Store) -> None:
    reader = store.reader()
    folder = store.upsert_folder(FolderInfo("INBOX"))
    before = reader.data_version()

    def write() -> None:
        store.add_messages(folder.id, [headers(1)])

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert reader.data_version() != before
    assert [m.uid for m in reader.messages(folder.id)] == [1]
    with pytest.raises(sqlite3.OperationalError):
        reader.conn.execute("DELETE FROM messages")
    reader.close()


def test_reader_open_by_path(store: Store) -> None:
    store.upsert_folder(FolderInfo("INBOX"))
    reader = StoreReader.open(store.path)
    assert [f.name for f in reader.folders()] == ["INBOX"]
    reader.close()


def test_search_newest_first_keeps_the_newest_matches(store: Store) -> None:
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(uid, subject=f"garden note {uid}") for uid in (3, 1, 2)])
    found = store.search("garden", limit=2, newest_first=True)
    assert [m.uid for m in found] == [3, 2]


def test_store_from_the_first_0001_with_its_insert_trigger_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "early.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, [m for m in load_migrations() if m.version <= 5])
    conn.execute(
        "CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN INSERT INTO message_search "
        "(rowid, subject, people, body) VALUES (new.id, new.subject, '', ''); END"
    )
    conn.close()
    store = Store.open(path)
    folder = store.upsert_folder(FolderInfo("INBOX"))
    store.add_messages(folder.id, [headers(1, subject="still searchable")])
    assert [m.uid for m in store.search("searchable")] == [1]
    store.close()


def visible_counts(store: Store) -> dict[int, tuple[int, int]]:
    """Per folder: the count the store keeps, and the one counted from the rows."""
    return {f.id: (store.visible_count(f.id), store.message_count(f.id)) for f in store.folders()}


def assert_counts_kept(store: Store) -> None:
    assert all(kept == counted for kept, counted in visible_counts(store).values()), visible_counts(store)


def test_visible_count_follows_every_change_of_what_a_folder_shows(store: Store) -> None:
    inbox = store.upsert_folder(FolderInfo("INBOX"))
    archive = store.upsert_folder(FolderInfo("Archive"))
    store.add_messages(inbox.id, [headers(uid) for uid in range(1, 8)])
    store.add_messages(inbox.id, [headers(uid) for uid in range(5, 11)])  # 5-7 again: flags refreshed, not new
    store.add_messages(archive.id, [headers(1), headers(2)])
    assert visible_counts(store) == {inbox.id: (10, 10), archive.id: (2, 2)}
    store.set_hidden(inbox.id, [1, 2, 3], True)  # moved or deleted here, until the server confirms
    store.set_hidden(inbox.id, [3], True)  # already hidden: no change
    store.set_hidden(inbox.id, [2], False)  # undone
    assert store.visible_count(inbox.id) == 8
    store.set_hidden_by_message_id(archive.id, ["<1@example.test>"], True)
    assert store.visible_count(archive.id) == 1
    store.remove_uids(inbox.id, [1, 4, 99])  # one hidden, one shown, one unknown
    assert store.visible_count(inbox.id) == 7
    with store.transaction():  # a local (POP3) folder's message moving to another folder
        store.conn.execute("UPDATE messages SET folder_id = ? WHERE folder_id = ? AND uid = 10", (archive.id, inbox.id))
    assert visible_counts(store) == {inbox.id: (6, 6), archive.id: (2, 2)}
    assert_counts_kept(store)
    store.reset_folder(archive.id, uidvalidity=7)
    assert store.visible_count(archive.id) == 0
    store.remove_folder("Archive")
    assert store.visible_count(archive.id) == 0
    assert_counts_kept(store)


def test_visible_count_of_a_store_from_before_it_is_counted_once(tmp_path: Path) -> None:
    path = tmp_path / "older.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, [m for m in load_migrations() if m.version <= 10])
    conn.execute("INSERT INTO folders (name) VALUES ('INBOX')")
    conn.executemany(
        "INSERT INTO messages (folder_id, uid, hidden) VALUES (1, ?, ?)", [(uid, int(uid == 3)) for uid in range(1, 6)]
    )
    conn.close()
    store = Store.open(path)
    assert store.visible_count(1) == store.message_count(1) == 4
    store.close()
