"""Read-only queries on an account's store, shared by the writer and the UI's own connection."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine import pace
from deskmail.engine.store import fulltext
from deskmail.engine.store.models import AddressSuggestion, Folder, MessageSummary, PendingOp, SpecialUse
from deskmail.engine.uidset import expand

_FOLDER_COLUMNS = (
    "id, name, delimiter, special_use, attributes, subscribed, selectable, uidvalidity, uidnext, "
    "highestmodseq, exists_count, unread, synced_at"
)
_MESSAGE_COLUMNS = (
    "id, folder_id, uid, flags, subject, from_name, from_addr, to_addrs, cc_addrs, date, size, "
    "message_id, in_reply_to, refs, has_attachments, preview, modseq"
)
# SQLite steps between two looks at a cancel token: a look costs about a microsecond, a step a few
# nanoseconds (a search scanning the backlog makes ~20 steps a row), so a cancel stops it within ~1 ms.
CANCEL_CHECK_STEPS = 1000
_SEARCH_COLUMNS = ", ".join("m." + c.strip() for c in _MESSAGE_COLUMNS.split(","))
# Inbox first, then the usual order of mail programs, then everything else by name.
_FOLDER_ORDER = (
    "CASE special_use WHEN 'inbox' THEN 0 WHEN 'drafts' THEN 1 WHEN 'sent' THEN 2 "
    "WHEN 'archive' THEN 3 WHEN 'junk' THEN 4 WHEN 'trash' THEN 5 ELSE 6 END, name COLLATE NOCASE"
)

# Sort orders for the message list (column lists, never user text, go into ORDER BY).
MESSAGE_ORDERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "uid"),
    "sender": ("coalesce(nullif(from_name, ''), from_addr) COLLATE NOCASE", "date", "uid"),
    "recipients": ("to_addrs COLLATE NOCASE", "date", "uid"),
    "subject": ("subject COLLATE NOCASE", "date", "uid"),
    "size": ("size", "date", "uid"),
}


@dataclass(frozen=True)
class Body:
    """A fetched message: raw bytes in the database, or a file for big ones."""

    message_id: int
    raw: bytes | None
    path: Path | None
    size: int
    text: str

    def read(self) -> bytes:
        if self.raw is not None:
            return self.raw
        assert self.path is not None
        return self.path.read_bytes()


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with our pragmas."""
    if readonly:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA temp_store = MEMORY")
    fulltext.register(conn)
    return conn


class StoreReader:
    """Queries only: safe on the GUI thread through its own read-only connection (WAL)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: Path) -> StoreReader:
        return cls(connect(path, readonly=True))

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def cancellable(self, cancel: CancelToken) -> Iterator[None]:
        """Queries inside stop with `Cancelled` soon after `cancel` is set, even in the middle of a scan.

        For a reader of a worker's own: the window's search, superseded by new typing, must not
        keep a core busy (a search over a big un-indexed backlog takes seconds).
        """

        def stop() -> bool:
            # Matching the backlog takes the GIL for every row: a window waiting for it gets it (engine/pace.py).
            pace.pause_if_due()
            return cancel.cancelled

        self.conn.set_progress_handler(stop, CANCEL_CHECK_STEPS)
        try:
            yield
        except sqlite3.OperationalError:
            if cancel.cancelled:  # SQLite says "interrupted": our own handler asked for it
                raise Cancelled() from None
            raise
        finally:
            self.conn.set_progress_handler(None, 0)

    def data_version(self) -> int:
        """Changes whenever ANOTHER connection commits: poll it to know when to refresh views."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- folders
    def folders(self) -> list[Folder]:
        # A folder deleted while offline is hidden until the server confirms (or refuses) it.
        rows = self.conn.execute(f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE deleting = 0 ORDER BY {_FOLDER_ORDER}")
        return [_folder(row) for row in rows]

    def folder_names(self) -> list[str]:
        """The names `folders()` lists, without building each Folder (cheap for tens of thousands)."""
        return [row[0] for row in self.conn.execute("SELECT name FROM folders WHERE deleting = 0")]

    def folder(self, name: str) -> Folder | None:
        row = self.conn.execute(f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE name = ?", (name,)).fetchone()
        return _folder(row) if row else None

    def folder_by_id(self, folder_id: int) -> Folder | None:
        row = self.conn.execute(f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE id = ?", (folder_id,)).fetchone()
        return _folder(row) if row else None

    def special_folder(self, use: SpecialUse) -> Folder | None:
        row = self.conn.execute(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE special_use = ? ORDER BY id LIMIT 1", (str(use),)
        ).fetchone()
        return _folder(row) if row else None

    # -- messages
    def messages(
        self, folder_id: int, limit: int = 0, offset: int = 0, *, order: str = "date", ascending: bool = False
    ) -> list[MessageSummary]:
        """Visible messages of a folder, newest first (`limit` 0 = all); `order` is a MESSAGE_ORDERS key."""
        return list(self.iter_messages(folder_id, limit, offset, order=order, ascending=ascending))

    def iter_messages(
        self, folder_id: int, limit: int = 0, offset: int = 0, *, order: str = "date", ascending: bool = False
    ) -> Iterator[MessageSummary]:
        """As `messages`, one row at a time as SQLite reads it: constant memory for any folder size.

        Its own cursor, so other queries may run while it is consumed; by date the rows come
        straight from the messages_list_order index, without a sort of the whole folder.
        """
        direction = "ASC" if ascending else "DESC"
        keys = ", ".join(f"{column} {direction}" for column in MESSAGE_ORDERS[order])
        rows = self.conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE folder_id = ? AND hidden = 0 "
            f"ORDER BY {keys} LIMIT ? OFFSET ?",
            (folder_id, limit if limit > 0 else -1, max(offset, 0)),
        )
        return map(_message, rows)

    def message_count(self, folder_id: int, *, unread_only: bool = False) -> int:
        sql = "SELECT count(*) FROM messages WHERE folder_id = ? AND hidden = 0"
        if unread_only:
            sql += " AND seen = 0"
        return int(self.conn.execute(sql, (folder_id,)).fetchone()[0])

    def visible_count(self, folder_id: int) -> int:
        """`message_count(folder_id)` from the count the store keeps: one row, at any folder size."""
        row = self.conn.execute("SELECT visible_count FROM folders WHERE id = ?", (folder_id,)).fetchone()
        return int(row[0]) if row else 0

    def messages_after_uid(self, folder_id: int, uid: int, *, unread_only: bool = False) -> list[MessageSummary]:
        """Visible messages with a UID above `uid` (what arrived since), newest first."""
        sql = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE folder_id = ? AND uid > ? AND hidden = 0"
        if unread_only:
            sql += " AND seen = 0"
        rows = self.conn.execute(sql + " ORDER BY uid DESC", (folder_id, uid))
        return [_message(row) for row in rows]

    def message(self, message_id: int) -> MessageSummary | None:
        row = self.conn.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
        return _message(row) if row else None

    def visible_messages(self, message_ids: Sequence[int]) -> dict[int, MessageSummary]:
        """The ones of `message_ids` still shown (not deleted, moved or hidden), as the store holds them now."""
        found: dict[int, MessageSummary] = {}
        ids = list(message_ids)
        for start in range(0, len(ids), 500):  # within SQLite's limit of bound parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id IN ({marks}) AND hidden = 0"
            found.update((m.id, m) for m in map(_message, self.conn.execute(sql, chunk)))
        return found

    def message_by_uid(self, folder_id: int, uid: int) -> MessageSummary | None:
        row = self.conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE folder_id = ? AND uid = ?", (folder_id, uid)
        ).fetchone()
        return _message(row) if row else None

    def messages_by_message_id(self, message_id: str) -> list[MessageSummary]:
        """Every copy of a message (any folder) by its Message-ID header, e.g. to find it in Sent."""
        rows = self.conn.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE message_id = ?", (message_id,))
        return [_message(row) for row in rows]

    def stored_count(self, folder_id: int) -> int:
        """Rows the store holds for a folder, hidden ones too (what the server should also have)."""
        return int(self.conn.execute("SELECT count(*) FROM messages WHERE folder_id = ?", (folder_id,)).fetchone()[0])

    def max_uid(self, folder_id: int) -> int:
        row = self.conn.execute("SELECT max(uid) FROM messages WHERE folder_id = ?", (folder_id,)).fetchone()
        return int(row[0] or 0)

    def uids_without_size(self, folder_id: int) -> list[int]:
        """UIDs stored before their size was known (a first screen is stored without sizes)."""
        rows = self.conn.execute("SELECT uid FROM messages WHERE folder_id = ? AND size = 0 ORDER BY uid", (folder_id,))
        return [int(row[0]) for row in rows]

    def uids(self, folder_id: int) -> list[int]:
        """Every UID the store holds for a folder (hidden ones too), ascending."""
        rows = self.conn.execute("SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid", (folder_id,))
        return [int(row[0]) for row in rows]

    def uids_needing_preview(self, folder_id: int, *, newest: int, limit: int) -> list[int]:
        """Among a folder's `newest` visible messages (by date), UIDs with no preview the pass has not tried yet."""
        rows = self.conn.execute(
            "SELECT uid FROM (SELECT uid, preview, preview_tried FROM messages WHERE folder_id = ? AND hidden = 0 "
            "ORDER BY date DESC, uid DESC LIMIT ?) WHERE preview = '' AND preview_tried = 0 LIMIT ?",
            (folder_id, newest, limit),
        )
        return [int(row[0]) for row in rows]

    def ids_needing_body(
        self, folder_id: int, *, newest: int, since: int, max_size: int, limit: int, exclude: set[int] | None = None
    ) -> list[int]:
        """Among a folder's `newest` visible messages, those dated from `since` and at most `max_size`
        bytes whose body is not stored yet: the next to download for offline reading, newest first."""
        rows = self.conn.execute(
            "SELECT id FROM (SELECT id, date, size FROM messages WHERE folder_id = ? AND hidden = 0 "
            "ORDER BY date DESC, uid DESC LIMIT ?) m WHERE m.date >= ? AND m.size <= ? "
            "AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = m.id)",
            (folder_id, newest, since, max_size),
        )
        skipped = exclude or set()
        return [int(row[0]) for row in rows if int(row[0]) not in skipped][:limit]

    def flags_of(self, folder_id: int, uids: list[int]) -> dict[int, tuple[str, ...]]:
        """Flags of some messages (those the store has), without reading the whole folder."""
        rows = self.conn.execute(
            "SELECT uid, flags FROM messages WHERE folder_id = ? AND uid IN (SELECT value FROM json_each(?))",
            (folder_id, json.dumps(uids)),
        )
        return {int(uid): _split(flags) for uid, flags in rows}

    def message_ids_of(self, folder_id: int, uids: list[int]) -> dict[int, str]:
        """UID -> Message-ID of some messages (those the store has)."""
        rows = self.conn.execute(
            "SELECT uid, message_id FROM messages WHERE folder_id = ? AND uid IN (SELECT value FROM json_each(?))",
            (folder_id, json.dumps(uids)),
        )
        return {int(uid): str(mid) for uid, mid in rows}

    def flags_by_uid(self, folder_id: int) -> dict[int, tuple[str, ...]]:
        rows = self.conn.execute("SELECT uid, flags FROM messages WHERE folder_id = ?", (folder_id,))
        return {int(uid): _split(flags) for uid, flags in rows}

    def body(self, message_id: int) -> Body | None:
        row = self.conn.execute(
            "SELECT message_id, raw, path, size, text FROM bodies WHERE message_id = ?", (message_id,)
        ).fetchone()
        if row is None:
            return None
        return Body(int(row[0]), row[1], Path(row[2]) if row[2] else None, int(row[3]), str(row[4]))

    def search(
        self, query: str, folder_id: int | None = None, limit: int = 200, *, newest_first: bool = False
    ) -> list[MessageSummary]:
        """Full-text search over subject, people and fetched body text; best matches (or newest) first.

        Rows the background indexing has not reached yet are matched one by one (store/fulltext.py),
        after the ranked ones; both in one snapshot, so a batch indexed in between is neither
        missed nor found twice.
        """
        match = _fts_query(query)
        if not match:
            return []
        with self._snapshot():
            indexed = self._search_index(match, folder_id, limit, newest_first=newest_first)
            behind = self._search_backlog(query, folder_id, limit)
        if not behind:
            return indexed
        if newest_first:
            return sorted([*indexed, *behind], key=lambda m: m.date, reverse=True)[:limit]
        return [*indexed, *behind][:limit]

    def search_backlog(self) -> int:
        """How many messages the search index does not hold yet (search still finds them)."""
        return fulltext.backlog_count(self.conn)

    def _search_index(
        self, match: str, folder_id: int | None, limit: int, *, newest_first: bool
    ) -> list[MessageSummary]:
        sql = (
            f"SELECT {_SEARCH_COLUMNS} FROM message_search s "
            "JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ? AND m.hidden = 0"
        )
        params: list[Any] = [match]
        if folder_id is not None:
            sql += " AND m.folder_id = ?"
            params.append(folder_id)
        params.append(limit)
        if newest_first:
            # Ranking scores every match (bm25, 130 ms for a word in 30k of 100k messages). By date, the
            # sort carries only ids, and whole rows are read for the ones kept: 70 ms instead of 170.
            ids = sql.replace(_SEARCH_COLUMNS, "m.id", 1) + " ORDER BY m.date DESC LIMIT ?"
            sql = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id IN ({ids}) ORDER BY date DESC"
        else:
            sql += " ORDER BY rank, m.date DESC LIMIT ?"
        return [_message(row) for row in self.conn.execute(sql, params)]

    def _search_backlog(self, query: str, folder_id: int | None, limit: int) -> list[MessageSummary]:
        """Matches among the rows not indexed yet, newest first (none: the common case, one range lookup)."""
        # Unary + keeps the folder's indexes out: the backlog is a range of ids, usually empty.
        sql = (
            f"SELECT {_SEARCH_COLUMNS} FROM messages m LEFT JOIN bodies b ON b.message_id = m.id "
            f"WHERE m.id > {fulltext.BACKLOG_START} AND +m.hidden = 0"
        )
        params: list[Any] = []
        if folder_id is not None:
            sql += " AND +m.folder_id = ?"
            params.append(folder_id)
        sql += f" AND {fulltext.MATCH_FUNCTION}(?, {fulltext.HEADS}, b.text) ORDER BY m.date DESC LIMIT ?"
        params += [query, limit]
        return [_message(row) for row in self.conn.execute(sql, params)]

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that must see the same commit (inside a write transaction they do already)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def suggest_addresses(self, prefix: str, limit: int = 10) -> list[AddressSuggestion]:
        """Addresses or names starting with `prefix`, people written to first, then the most seen."""
        like = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(
            "SELECT name, address, times_seen, times_sent_to FROM addresses "
            "WHERE address LIKE ?1 ESCAPE '\\' OR lower(name) LIKE ?1 ESCAPE '\\' OR lower(name) LIKE '% ' || ?1 "
            "ESCAPE '\\' ORDER BY times_sent_to DESC, times_seen DESC, last_seen DESC LIMIT ?2",
            (like, limit),
        )
        return [AddressSuggestion(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    # -- pending operations
    def pending_ops(self) -> list[PendingOp]:
        rows = self.conn.execute(
            "SELECT id, kind, folder_id, uids, args, undo, attempts, last_error FROM pending_ops ORDER BY id"
        )
        return [
            PendingOp(
                int(r[0]),
                str(r[1]),
                int(r[2]),
                tuple(expand(r[3])),
                json.loads(r[4]),
                json.loads(r[5]),
                int(r[6]),
                str(r[7]),
            )
            for r in rows
        ]

    def pending_uids(self, folder_id: int, kind: str) -> set[int]:
        """UIDs of a folder that pending ops of `kind` will change on the server (their local state is newer)."""
        rows = self.conn.execute("SELECT uids FROM pending_ops WHERE folder_id = ? AND kind = ?", (folder_id, kind))
        return {uid for (uids,) in rows for uid in expand(uids)}


def _split(flags: str) -> tuple[str, ...]:
    return tuple(flags.split()) if flags else ()


def _folder(row: tuple[Any, ...]) -> Folder:
    return Folder(
        id=int(row[0]),
        name=str(row[1]),
        delimiter=str(row[2]),
        special_use=SpecialUse(row[3]),
        attributes=_split(row[4]),
        subscribed=bool(row[5]),
        selectable=bool(row[6]),
        uidvalidity=int(row[7]),
        uidnext=int(row[8]),
        highestmodseq=int(row[9]),
        exists=int(row[10]),
        unread=int(row[11]),
        synced_at=float(row[12]),
    )


def _message(row: tuple[Any, ...]) -> MessageSummary:
    return MessageSummary(
        id=int(row[0]),
        folder_id=int(row[1]),
        uid=int(row[2]),
        flags=_split(row[3]),
        subject=row[4],
        from_name=row[5],
        from_addr=row[6],
        to_addrs=row[7],
        cc_addrs=row[8],
        date=int(row[9]),
        size=int(row[10]),
        message_id=row[11],
        in_reply_to=row[12],
        refs=row[13],
        has_attachments=bool(row[14]),
        preview=row[15],
        modseq=int(row[16]),
    )


def _fts_query(text: str) -> str:
    """Each word as a quoted prefix term, so user input can never be FTS5 syntax."""
    words = [w.replace('"', "") for w in text.split()]
    return " ".join(f'"{w}"*' for w in words if w)
