"""The one writer of an account's store: used only from that account's worker thread."""

from __future__ import annotations

import functools
import json
import operator
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deskmail.engine.paths import Paths
from deskmail.engine.store import fulltext
from deskmail.engine.store.models import Folder, FolderInfo, MessageHeaders
from deskmail.engine.store.reader import StoreReader, connect
from deskmail.engine.store.schema import migrate
from deskmail.engine.uidset import compress

STORE_FILE = "store.sqlite3"
BODIES_DIR = "bodies"  # big bodies live here as files, next to the store
ORPHAN_GRACE_SECONDS = 600.0  # younger files may be a download another process has not recorded yet


def account_dir(paths: Paths, email: str) -> Path:
    """Per-account data directory (the address, lower-cased and made safe as a file name)."""
    return paths.data / "accounts" / quote(email.strip().lower(), safe="@._-+")


def store_path(paths: Paths, email: str) -> Path:
    return account_dir(paths, email) / STORE_FILE


# A row is (folder_id, flag_columns(flags), then _HEADER_COLUMNS): read from each MessageHeaders in C.
_HEADER_COLUMNS = (
    "uid, modseq, subject, from_name, from_addr, to_addrs, cc_addrs, date, internaldate, size, message_id, "
    "in_reply_to, refs, has_attachments"
)
_HEADER_VALUES = operator.attrgetter(*_HEADER_COLUMNS.split(", "))
_INSERT_MESSAGE = (
    f"INSERT INTO messages (folder_id, flags, seen, flagged, answered, {_HEADER_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = excluded.modseq, flags = excluded.flags, "
    "seen = excluded.seen, flagged = excluded.flagged, answered = excluded.answered"
)
# The rows just inserted (all visible, all in this folder) join its count; deletes and hiding
# keep the count by trigger (sql/0012): a trigger per inserted row cost a quarter more store time.
_COUNT_NEW = (
    "UPDATE folders SET visible_count = visible_count + (SELECT count(*) FROM messages WHERE id > ?) WHERE id = ?"
)
_UPDATE_FLAGS = (
    "UPDATE messages SET flags = ?, seen = ?, flagged = ?, answered = ?, modseq = max(modseq, ?) "
    "WHERE folder_id = ? AND uid = ?"
)
_NOTE_ADDRESS = (
    "INSERT INTO addresses (address, name, times_seen, times_sent_to, last_seen) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (address) DO UPDATE SET times_seen = times_seen + excluded.times_seen, "
    "times_sent_to = times_sent_to + excluded.times_sent_to, last_seen = max(last_seen, excluded.last_seen), "
    "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END"
)


def flag_columns(flags: Iterable[str]) -> tuple[str, int, int, int]:
    """The flags text plus the seen/flagged/answered columns that make list queries fast."""
    ordered = tuple(flags)
    return " ".join(ordered), int("\\Seen" in ordered), int("\\Flagged" in ordered), int("\\Answered" in ordered)


@functools.lru_cache(maxsize=1024)  # a folder has few distinct sets of flags
def _flag_columns_of(flags: tuple[str, ...]) -> tuple[str, int, int, int]:
    return flag_columns(flags)


class Store(StoreReader):
    """Reads and writes one account's mail store. Not thread-safe: one writer per account."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn)
        self.path = path
        self._depth = 0
        self._doomed: list[Path] = []  # body files to delete once the transaction forgetting them commits

    @classmethod
    def open(cls, path: Path) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path, readonly=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable across app crashes
        migrate(conn)
        store = cls(conn, path)
        store.sweep_orphan_bodies()  # files left by a crash between a commit and its unlink
        return store

    @classmethod
    def open_for(cls, paths: Paths, email: str) -> Store:
        return cls.open(store_path(paths, email))

    def reader(self) -> StoreReader:
        """A separate read-only connection to the same file (for another thread, e.g. the GUI)."""
        return StoreReader.open(self.path)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._doomed.clear()  # the rows stay, so their files must too
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")
        self._unlink_doomed()

    # -- folders
    def upsert_folder(self, info: FolderInfo) -> Folder:
        """Add a folder LIST reported, or refresh its attributes; sync state is kept."""
        self.upsert_folders([info])
        folder = self.folder(info.name)
        assert folder is not None
        return folder

    def upsert_folders(self, infos: Iterable[FolderInfo]) -> None:
        """`upsert_folder` for a whole LIST in one statement (tens of thousands of folders in a second)."""
        self.conn.executemany(
            "INSERT INTO folders (name, delimiter, special_use, attributes, subscribed, selectable) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET delimiter = excluded.delimiter, "
            "special_use = excluded.special_use, attributes = excluded.attributes, "
            "subscribed = excluded.subscribed, selectable = excluded.selectable",
            (
                (
                    info.name,
                    info.delimiter,
                    str(info.special_use),
                    " ".join(info.attributes),
                    int(info.subscribed),
                    int(info.selectable),
                )
                for info in infos
            ),
        )

    def remove_folder(self, name: str) -> None:
        """Forget a folder that is gone from the server; its messages and body files go with it."""
        with self.transaction():
            self._doom_body_files("folder_id = (SELECT id FROM folders WHERE name = ?)", (name,))
            self.conn.execute("DELETE FROM folders WHERE name = ?", (name,))

    def rename_folder(self, old: str, new: str) -> None:
        self.conn.execute("UPDATE folders SET name = ? WHERE name = ?", (new, old))

    def set_deleting(self, folder_id: int, deleting: bool) -> None:
        """Hide a folder deleted while offline (its rows stay until the server confirms), or show it again."""
        self.conn.execute("UPDATE folders SET deleting = ? WHERE id = ?", (int(deleting), folder_id))

    def set_folder_counts(self, folder_id: int, exists: int, unread: int) -> None:
        self.conn.execute("UPDATE folders SET exists_count = ?, unread = ? WHERE id = ?", (exists, unread, folder_id))

    def refresh_unread(self, folder_id: int) -> int:
        """Recount unread messages from the store (after a sync or a local change)."""
        unread = self.message_count(folder_id, unread_only=True)
        self.conn.execute("UPDATE folders SET unread = ? WHERE id = ?", (unread, folder_id))
        return unread

    def set_sync_state(
        self, folder_id: int, *, uidvalidity: int, uidnext: int, highestmodseq: int, exists: int
    ) -> None:
        """Record how far a sync got. Call it LAST: it is where the next sync resumes from."""
        self.conn.execute(
            "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, exists_count = ?, synced_at = ? "
            "WHERE id = ?",
            (uidvalidity, uidnext, highestmodseq, exists, time.time(), folder_id),
        )

    def reset_folder(self, folder_id: int, uidvalidity: int) -> None:
        """Forget every message of a folder (UIDVALIDITY changed: the old UIDs mean nothing now)."""
        with self.transaction():
            self._doom_body_files("folder_id = ?", (folder_id,))
            self.conn.execute("DELETE FROM pending_ops WHERE folder_id = ?", (folder_id,))
            self.conn.execute("DELETE FROM messages WHERE folder_id = ?", (folder_id,))
            self.conn.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = 0, highestmodseq = 0, exists_count = 0, unread = 0 "
                "WHERE id = ?",
                (uidvalidity, folder_id),
            )

    # -- messages
    def add_messages(self, folder_id: int, headers: Iterable[MessageHeaders]) -> int:
        """Insert new messages (or refresh flags of known UIDs); returns how many rows were given."""
        given = list(headers)
        rows = [(folder_id, *_flag_columns_of(h.flags), *_HEADER_VALUES(h)) for h in given]
        people = [(name, address, h.date) for h in given for name, address in h.people]
        with self.transaction():
            # New rows get ids above the current maximum: they join the search backlog, indexed
            # later off the sync's path (fulltext.py).
            before = int(self.conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])
            self.conn.executemany(_INSERT_MESSAGE, rows)
            self.conn.execute(fulltext.BEHIND_FROM, (before,))
            self.conn.execute(_COUNT_NEW, (before, folder_id))
            self._note(people, sent=False)
        return len(rows)

    def index_backlog(self, limit: int = fulltext.INDEX_BATCH) -> int:
        """Add up to `limit` rows not in the search index yet, in one transaction; returns how many (0: done)."""
        with self.transaction():
            return fulltext.index_batch(self.conn, limit)

    def set_sizes(self, folder_id: int, sizes: Iterable[tuple[int, int]]) -> None:
        """Fill in (uid, size) of messages stored before their size was known."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE messages SET size = ? WHERE folder_id = ? AND uid = ?",
                [(size, folder_id, uid) for uid, size in sizes],
            )

    def update_flags(self, folder_id: int, changes: Iterable[tuple[int, tuple[str, ...], int]]) -> None:
        """Apply (uid, flags, modseq) changes the server reported."""
        rows = [(*flag_columns(flags), modseq, folder_id, uid) for uid, flags, modseq in changes]
        with self.transaction():
            self.conn.executemany(_UPDATE_FLAGS, rows)

    def remove_uids(self, folder_id: int, uids: Iterable[int]) -> None:
        """Forget messages the server expunged (bodies and search entries go with them)."""
        uids = list(uids)
        with self.transaction():
            self._doom_body_files(
                "folder_id = ? AND uid IN (SELECT value FROM json_each(?))", (folder_id, json.dumps(uids))
            )
            self.conn.executemany(
                "DELETE FROM messages WHERE folder_id = ? AND uid = ?", [(folder_id, uid) for uid in uids]
            )

    def set_hidden(self, folder_id: int, uids: Iterable[int], hidden: bool) -> None:
        """Hide messages moved or deleted locally until the server confirms (or show them again)."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE messages SET hidden = ? WHERE folder_id = ? AND uid = ?",
                [(int(hidden), folder_id, uid) for uid in uids],
            )

    def set_hidden_by_message_id(self, folder_id: int, message_ids: Iterable[str], hidden: bool) -> None:
        """Hide or show a folder's messages by Message-ID (Undo: their UIDs there may not be known yet)."""
        ids = json.dumps([m for m in message_ids if m])
        with self.transaction():
            self.conn.execute(
                "UPDATE messages SET hidden = ? WHERE folder_id = ? AND message_id IN (SELECT value FROM json_each(?))",
                (int(hidden), folder_id, ids),
            )

    # -- where moved messages landed (COPYUID)
    def note_moved(self, folder: str, uidvalidity: int, landed: Iterable[tuple[str, int]]) -> None:
        """Remember the UIDs moved messages (Message-ID, UID) got in `folder`; entries older than a day go."""
        now = time.time()
        with self.transaction():
            self.conn.execute("DELETE FROM moved_to WHERE moved_at < ?", (now - 86400,))
            self.conn.executemany(
                "INSERT OR REPLACE INTO moved_to (folder, message_id, uid, uidvalidity, moved_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(folder, mid, uid, uidvalidity, now) for mid, uid in landed if mid],
            )

    def moved_uid(self, folder: str, message_id: str, uidvalidity: int) -> int:
        """The UID a message moved into `folder` got there (0: not known; `uidvalidity` 0: not checked)."""
        row = self.conn.execute(
            "SELECT uid FROM moved_to WHERE folder = ? AND message_id = ? AND (uidvalidity = ? OR ? = 0)",
            (folder, message_id, uidvalidity, uidvalidity),
        ).fetchone()
        return int(row[0]) if row else 0

    @property
    def bodies_dir(self) -> Path:
        return self.path.parent / BODIES_DIR

    def _doom_body_files(self, where: str, params: tuple[Any, ...]) -> None:
        """Note the files of the messages about to be forgotten; they are deleted after the commit.

        Deleting only after the commit means a crash leaves at worst an orphan file (swept at the
        next open), never a row pointing at a missing file.
        """
        assert self._depth, "call inside the transaction that deletes the rows"
        rows = self.conn.execute(
            f"SELECT b.path FROM bodies b JOIN messages m ON m.id = b.message_id WHERE b.path != '' AND m.{where}",
            params,
        )
        self._doomed.extend(Path(path) for (path,) in rows.fetchall())

    def _unlink_doomed(self) -> None:
        doomed, self._doomed = self._doomed, []
        for path in doomed:
            path.unlink(missing_ok=True)

    def sweep_orphan_bodies(self, min_age: float = ORPHAN_GRACE_SECONDS) -> int:
        """Delete body files (and interrupted downloads) no row points at; returns how many went."""
        if not self.bodies_dir.is_dir():
            return 0
        kept = {Path(p).name for (p,) in self.conn.execute("SELECT path FROM bodies WHERE path != ''")}
        oldest = time.time() - min_age
        removed = 0
        for entry in self.bodies_dir.iterdir():
            try:
                if entry.name in kept or not entry.is_file() or entry.stat().st_mtime > oldest:
                    continue
                entry.unlink()
            except OSError:  # vanished meanwhile or not ours to delete: the next sweep tries again
                continue
            removed += 1
        return removed

    # -- bodies
    def save_body(self, message_id: int, *, raw: bytes | None = None, path: Path | None = None, size: int = 0) -> None:
        """Keep a fetched message: small ones inline, big ones as a file the caller wrote."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO bodies (message_id, raw, path, size, fetched_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (message_id) DO UPDATE SET raw = excluded.raw, path = excluded.path, "
                "size = excluded.size, fetched_at = excluded.fetched_at",
                (message_id, raw, str(path) if path else "", size or (len(raw) if raw else 0), time.time()),
            )

    def set_body_text(self, message_id: int, text: str, preview: str = "") -> None:
        """Plain text of a parsed body: searchable from now on; `preview` shows in the list."""
        with self.transaction():
            # A row not indexed yet has no search row to update: its batch reads the text from bodies.
            self.conn.execute("UPDATE bodies SET text = ? WHERE message_id = ?", (text, message_id))
            self.conn.execute("UPDATE message_search SET body = ? WHERE rowid = ?", (text, message_id))
            if preview:
                self.conn.execute("UPDATE messages SET preview = ? WHERE id = ?", (preview, message_id))

    def set_previews(self, folder_id: int, previews: Iterable[tuple[int, str]]) -> None:
        """Previews the preview pass made from (uid, text); one made from a whole body is never replaced."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE messages SET preview = CASE WHEN preview = '' THEN ? ELSE preview END, preview_tried = 1 "
                "WHERE folder_id = ? AND uid = ?",
                [(text, folder_id, uid) for uid, text in previews],
            )

    # -- addresses
    def note_addresses(self, people: Iterable[tuple[str, str]], *, sent: bool = False) -> None:
        """Remember (name, address) pairs for autocomplete; `sent` = the user wrote to them."""
        now = int(time.time())
        with self.transaction():
            self._note([(name, address, now) for name, address in people], sent=sent)

    def _note(self, people: list[tuple[str, str, int]], *, sent: bool) -> None:
        merged: dict[str, list[Any]] = {}
        for name, address, when in people:
            key = address.strip().lower()
            if not key or "@" not in key:
                continue
            entry = merged.setdefault(key, [name, 0, when])
            entry[0] = name or entry[0]
            entry[1] += 1
            entry[2] = max(entry[2], when)
        self.conn.executemany(
            _NOTE_ADDRESS,
            [(key, name, 0 if sent else n, n if sent else 0, when) for key, (name, n, when) in merged.items()],
        )

    # -- pending operations
    def add_op(self, kind: str, folder_id: int, uids: Iterable[int], args: dict[str, Any], undo: dict[str, Any]) -> int:
        cursor = self.conn.execute(
            "INSERT INTO pending_ops (kind, folder_id, uids, args, undo, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, folder_id, compress(uids), json.dumps(args), json.dumps(undo), time.time()),
        )
        return int(cursor.lastrowid or 0)

    def claim_op(self, op_id: int) -> bool:
        """Mark a pending op as being sent (its `attempts` count up): from now on the server may have seen it,
        so an Undo no longer just drops it. False when it is no longer pending (an Undo dropped it meanwhile)."""
        with self.transaction():
            cursor = self.conn.execute("UPDATE pending_ops SET attempts = attempts + 1 WHERE id = ?", (op_id,))
        return cursor.rowcount > 0

    def finish_op(self, op_id: int) -> None:
        self.conn.execute("DELETE FROM pending_ops WHERE id = ?", (op_id,))

    def note_op_attempt(self, op_id: int, error: str) -> None:
        self.conn.execute("UPDATE pending_ops SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error, op_id))
