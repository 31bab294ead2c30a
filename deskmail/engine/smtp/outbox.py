"""The outbox and local drafts, kept in the account's store (migration 0002) so nothing is lost."""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from deskmail.core.i18n import _
from deskmail.engine.store import Store, StoreReader

CHUNK = 1024 * 1024  # bytes copied at a time from a spooled message into its outbox row
HEAD_BYTES = 64 * 1024  # of a queued message, for lists that show only its headers


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # transaction under way, the message not yet all out: safe to send again
    UNSURE = "unsure"  # all of it went out, the reply did not come back: it may have been sent
    SENT = "sent"  # final 250 received; the Sent copy is still to be filed
    FAILED = "failed"  # refused; waits for the user to fix and retry


@dataclass(frozen=True)
class OutboxItem:
    """One message waiting to go out (or to be filed in Sent)."""

    id: int
    message_id: str
    raw: bytes
    sender: str
    recipients: list[str]
    state: OutboxState
    attempts: int
    last_error: dict[str, Any] | None
    created_at: float
    sent_at: float
    not_before: float = 0.0  # Undo Send: it waits until then (Unix time; 0 = at once)


@dataclass(frozen=True)
class DraftRecord:
    """The newest local version of a draft and where that version lives on the server (0: not yet)."""

    message_id: str
    raw: bytes
    saved_at: float
    server_uid: int
    uidvalidity: int
    uploaded: bool  # the server copy is this version (False: saved offline, or changed since)


_SELECT_OUTBOX = (
    "SELECT id, message_id, raw, sender, recipients, state, attempts, last_error, created_at, sent_at, not_before "
    "FROM outbox"
)


def _item(row: tuple[Any, ...]) -> OutboxItem:
    error = json.loads(row[7]) if row[7] else None
    return OutboxItem(
        int(row[0]), str(row[1]), bytes(row[2]), str(row[3]), list(json.loads(row[4])), OutboxState(row[5]),
        int(row[6]), error, float(row[8]), float(row[9]), float(row[10]),
    )  # fmt: skip


def outbox_items(reader: StoreReader, *, heads_only: bool = False) -> list[OutboxItem]:
    """Everything still in the outbox, oldest first: for the UI's read-only connection (Outbox folder).

    `heads_only`: each item's `raw` is only its first HEAD_BYTES (enough for the headers), so a
    50 MB message waiting offline is not read whole at every refresh; `outbox_raw` reads one whole.
    """
    select = _heads(_SELECT_OUTBOX) if heads_only else _SELECT_OUTBOX
    return [_item(row) for row in reader.conn.execute(select + " ORDER BY id").fetchall()]


def _heads(select: str) -> str:
    return select.replace(" raw,", f" substr(raw, 1, {HEAD_BYTES}),")


def subject_of(raw: bytes) -> str:
    """The Subject of a queued message (headers only: a big attachment is not parsed for a label)."""
    # The email package is loaded here: every `deskmail sync` looks into the outbox, rarely finds
    # anything to label, and importing email.policy alone cost it 5-10 ms.
    from email.parser import BytesHeaderParser
    from email.policy import default as default_policy

    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    return str(headers.get("Subject", "") or "").strip() or _("(no subject)")


def outbox_raw(reader: StoreReader, item_id: int) -> bytes | None:
    """One queued message whole (None once it is gone from the outbox)."""
    row = reader.conn.execute("SELECT raw FROM outbox WHERE id = ?", (item_id,)).fetchone()
    return bytes(row[0]) if row else None


class Outbox:
    """Outbox rows of one account; every change is committed before the network step that follows it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, raw: bytes, *, message_id: str, sender: str, recipients: list[str]) -> OutboxItem:
        with self.store.transaction():
            cursor = self.store.conn.execute(
                "INSERT INTO outbox (message_id, raw, sender, recipients, created_at) VALUES (?, ?, ?, ?, ?)",
                (message_id, raw, sender, json.dumps(recipients), time.time()),
            )
        item = self.get(int(cursor.lastrowid or 0))
        assert item is not None
        return item

    def add_file(
        self, spooled: Path, *, message_id: str, sender: str, recipients: list[str], not_before: float = 0.0
    ) -> int:
        """Store a message spooled to a file, copied into the row in chunks (a 50 MB one never whole in memory).

        `not_before`: it waits in the outbox until then (Undo Send), also across a crash or restart.
        """
        size = spooled.stat().st_size
        with self.store.transaction():
            cursor = self.store.conn.execute(
                "INSERT INTO outbox (message_id, raw, sender, recipients, created_at, not_before) "
                "VALUES (?, zeroblob(?), ?, ?, ?, ?)",
                (message_id, size, sender, json.dumps(recipients), time.time(), not_before),
            )
            item_id = int(cursor.lastrowid or 0)
            with self.store.conn.blobopen("outbox", "raw", item_id) as blob, spooled.open("rb") as source:
                while chunk := source.read(CHUNK):
                    blob.write(chunk)
        return item_id

    def get(self, item_id: int, *, heads_only: bool = False) -> OutboxItem | None:
        select = _heads(_SELECT_OUTBOX) if heads_only else _SELECT_OUTBOX
        row = self.store.conn.execute(select + " WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    def raw(self, item_id: int) -> bytes | None:
        """One queued message whole (for an IMAP APPEND, which needs it in one piece)."""
        return outbox_raw(self.store, item_id)

    def size(self, item_id: int) -> int:
        row = self.store.conn.execute("SELECT length(raw) FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return int(row[0]) if row else 0

    def chunks(self, item_id: int) -> Generator[bytes, None, None]:
        """One queued message in pieces of CHUNK bytes, read from its row as they are needed."""
        with self.store.conn.blobopen("outbox", "raw", item_id, readonly=True) as blob:
            while piece := blob.read(CHUNK):
                yield piece

    def items(self, *, heads_only: bool = False) -> list[OutboxItem]:
        """Everything still in the outbox, oldest first (see `outbox_items` for `heads_only`)."""
        return outbox_items(self.store, heads_only=heads_only)

    def set_state(self, item_id: int, state: OutboxState, error: dict[str, Any] | None = None) -> None:
        sent_at = time.time() if state is OutboxState.SENT else 0.0
        attempts = 1 if state is OutboxState.SENDING else 0
        with self.store.transaction():
            self.store.conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + ?, last_error = ?, "
                "sent_at = CASE WHEN ? > 0 THEN ? ELSE sent_at END WHERE id = ?",
                (str(state), attempts, json.dumps(error) if error else "", sent_at, sent_at, item_id),
            )

    def remove(self, item_id: int) -> None:
        with self.store.transaction():
            self.store.conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def take_back(self, item_id: int) -> bytes | None:
        """Undo Send: remove a message that has not started to go out; its bytes, or None if too late."""
        with self.store.transaction():
            row = self.store.conn.execute(
                "SELECT raw FROM outbox WHERE id = ? AND state IN (?, ?)",
                (item_id, str(OutboxState.QUEUED), str(OutboxState.FAILED)),
            ).fetchone()
            if row is None:
                return None
            self.store.conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
        return bytes(row[0])


class LocalDrafts:
    """Drafts saved at once on disk, before (and whether or not) the server copy succeeds."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, message_id: str, raw: bytes) -> DraftRecord:
        """Store a new version; it keeps the server UID of the previous one until that is replaced."""
        now = time.time()
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO drafts (message_id, raw, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT (message_id) DO UPDATE SET raw = excluded.raw, saved_at = excluded.saved_at",
                (message_id, raw, now),
            )
        record = self.get(message_id)
        assert record is not None
        return record

    def save_file(self, message_id: str, spooled: Path) -> DraftRecord:
        """Like `save`, from a spooled file copied into the row in chunks; the record holds only its head."""
        size, now = spooled.stat().st_size, time.time()
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO drafts (message_id, raw, saved_at) VALUES (?, zeroblob(?), ?) "
                "ON CONFLICT (message_id) DO UPDATE SET raw = excluded.raw, saved_at = excluded.saved_at",
                (message_id, size, now),
            )
            rowid = self._rowid(message_id)
            with self.store.conn.blobopen("drafts", "raw", rowid) as blob, spooled.open("rb") as source:
                while chunk := source.read(CHUNK):
                    blob.write(chunk)
        record = self.get(message_id, heads_only=True)
        assert record is not None
        return record

    def _rowid(self, message_id: str) -> int:
        row = self.store.conn.execute("SELECT rowid FROM drafts WHERE message_id = ?", (message_id,)).fetchone()
        return int(row[0])

    def size(self, message_id: str) -> int:
        row = self.store.conn.execute("SELECT length(raw) FROM drafts WHERE message_id = ?", (message_id,)).fetchone()
        return int(row[0]) if row else 0

    def chunks(self, message_id: str) -> Generator[bytes, None, None]:
        """One draft in pieces of CHUNK bytes, read from its row as they are needed."""
        with self.store.conn.blobopen("drafts", "raw", self._rowid(message_id), readonly=True) as blob:
            while piece := blob.read(CHUNK):
                yield piece

    def get(self, message_id: str, *, heads_only: bool = False) -> DraftRecord | None:
        row = self.store.conn.execute(
            "SELECT message_id, CASE WHEN ? THEN substr(raw, 1, ?) ELSE raw END, saved_at, server_uid, uidvalidity, "
            "uploaded_version FROM drafts WHERE message_id = ?",
            (int(heads_only), HEAD_BYTES, message_id),
        ).fetchone()
        if row is None:
            return None
        saved_at = float(row[2])
        return DraftRecord(str(row[0]), bytes(row[1]), saved_at, int(row[3]), int(row[4]), float(row[5]) == saved_at)

    def all(self, *, heads_only: bool = False) -> list[DraftRecord]:
        rows = self.store.conn.execute("SELECT message_id FROM drafts ORDER BY saved_at DESC").fetchall()
        return [record for (mid,) in rows if (record := self.get(str(mid), heads_only=heads_only)) is not None]

    def set_server_copy(self, message_id: str, uid: int, uidvalidity: int, saved_at: float) -> None:
        """Record which UID holds the version saved at `saved_at` (a newer local save stays pending)."""
        with self.store.transaction():
            self.store.conn.execute(
                "UPDATE drafts SET server_uid = ?, uidvalidity = ?, uploaded_version = ? WHERE message_id = ?",
                (uid, uidvalidity, saved_at, message_id),
            )

    def pending(self) -> list[DraftRecord]:
        """Drafts whose newest version is not on the server yet."""
        return [record for record in self.all(heads_only=True) if not record.uploaded]

    def remove(self, message_id: str) -> None:
        with self.store.transaction():
            self.store.conn.execute("DELETE FROM drafts WHERE message_id = ?", (message_id,))
