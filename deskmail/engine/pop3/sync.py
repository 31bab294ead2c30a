"""Download new POP3 mail into the local Inbox without ever losing or duplicating a message.

The order of one sync is what makes it safe:
1. UIDL (or, on a server without it, a fingerprint of each message's header via TOP; logged).
2. For each UIDL not recorded yet: RETR, streamed into a file when big (bounded memory), then ONE
   store transaction adds the message, its body and its UIDL row. A cut or kill -9 before that
   commit leaves nothing (at most an orphan file the store sweeps); after it, the message is known.
3. DELE only for UIDLs whose message is committed locally, and only when the person chose so
   (no copy on the server, or "remove after N days" counted from when Deskmail first saw it);
   the store is checkpointed to disk first. The server deletes at QUIT; a cut before QUIT deletes
   nothing and the next sync simply asks again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.i18n import _, ngettext
from deskmail.core.numbers import grouped
from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.imap.headers import headers_from_fetch, split_header_block
from deskmail.engine.imap.sync import FolderReport, ProgressFn, SyncProgress, SyncReport
from deskmail.engine.pop3.client import MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, Pop3Client, Pop3Refused
from deskmail.engine.pop3.local import ensure_local_folders, next_uids
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

INLINE_LIMIT = 1024 * 1024  # bigger messages are streamed into a file next to the store
PIPELINE_DEPTH = 16  # RETR commands in flight when the server offers PIPELINING
BATCH_SECONDS = 0.5  # messages received within this long are committed together
BATCH_BYTES = 8 * 1024 * 1024  # ... unless their bodies in memory reach this size first
DAY = 86400.0
Clock = Callable[[], float]


@dataclass(frozen=True)
class ServerMessage:
    number: int  # this session's message number
    uidl: str
    size: int


def sync_pop3(
    client: Pop3Client,
    store: Store,
    choices: DownloadChoices,
    *,
    cancel: CancelToken = NEVER,
    progress: ProgressFn | None = None,
    now: Clock = time.time,
) -> SyncReport:
    """Download what is new into the Inbox, remove from the server what the person's choice says; QUIT.

    The session ends here either way: with QUIT when all went well, closed on any failure."""
    try:
        with client.watched():
            return _sync(client, store, choices, cancel, progress, now)
    except BaseException:
        client.close()
        raise


def _sync(
    client: Pop3Client,
    store: Store,
    choices: DownloadChoices,
    cancel: CancelToken,
    progress: ProgressFn | None,
    now: Clock,
) -> SyncReport:
    say = progress or (lambda _p: None)
    started = time.monotonic()
    inbox = ensure_local_folders(store)
    report = FolderReport(inbox.name, path="pop3")
    on_server = server_messages(client)
    known = _known(store)
    new = [m for m in on_server if m.uidl not in known]
    for message in [m for m in new if m.size > MAX_MESSAGE_BYTES]:
        report.error = ngettext(
            "A message of {size} byte is too big to download; it stays on the server.",
            "A message of {size} bytes is too big to download; it stays on the server.",
            message.size,
        ).format(size=grouped(message.size))
        log.warning("POP3 message %s (%s bytes) left on the server: too big", message.uidl, message.size)
    wanted = [m for m in new if m.size <= MAX_MESSAGE_BYTES]
    report.added = _download_all(client, store, inbox, wanted, now, cancel, say)
    doomed = _to_delete(store, on_server, choices, now())
    if doomed:
        store.conn.execute("PRAGMA wal_checkpoint(FULL)")  # what we delete there is on disk here first
        for message in list(doomed):
            try:
                client.dele(message.number)
            except Pop3Refused as exc:  # e.g. removed meanwhile by another program: nothing to do
                log.info("DELE of %s refused: %s", message.uidl, exc.text)
                doomed.remove(message)
    client.quit()  # the server deletes the DELE'd messages only now
    _forget_deleted(store, doomed, on_server)
    report.removed = len(doomed)
    with store.transaction():  # synced once: from now on what arrives is new mail (qtbridge/newmail.py)
        store.conn.execute("UPDATE folders SET uidnext = max(uidnext, 1) WHERE id = ?", (inbox.id,))
    report.exists = store.stored_count(inbox.id)
    report.unread = store.refresh_unread(inbox.id)
    report.seconds = round(time.monotonic() - started, 3)
    return SyncReport(folders=[report])


def server_messages(client: Pop3Client) -> list[ServerMessage]:
    """Every message on the server with its UIDL and size, in message-number order."""
    sizes = client.sizes()
    uidls = client.uidl()
    if uidls is None:
        log.warning("%s has no UIDL: recognising messages by a fingerprint of their headers", client.server.host)
        uidls = fingerprints(client, sizes)
    return [ServerMessage(n, uidls[n], sizes.get(n, 0)) for n in sorted(uidls)]


def fingerprints(client: Pop3Client, sizes: dict[int, int]) -> dict[int, str]:
    """A stable id per message from TOP n 0 (Message-ID, Date, From, Subject, size) for servers without UIDL."""
    found: dict[int, str] = {}
    seen: dict[str, int] = {}
    for number in sorted(sizes):
        try:
            head = client.top(number)
        except Pop3Refused:
            raise client._violation(
                "the server offers neither UIDL nor TOP, so messages cannot be told apart"
            ) from None
        fields = split_header_block(head)
        key = "\0".join(fields.get(k, "") for k in ("message-id", "date", "from", "subject")) + f"\0{sizes[number]}"
        digest = "fp:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:40]
        seen[digest] = seen.get(digest, 0) + 1
        found[number] = digest if seen[digest] == 1 else f"{digest}#{seen[digest]}"  # identical copies stay apart
    return found


def _download_all(
    client: Pop3Client,
    store: Store,
    inbox: Folder,
    wanted: list[ServerMessage],
    now: Clock,
    cancel: CancelToken,
    say: ProgressFn,
) -> int:
    """RETR every wanted message; each batch of received messages is committed with their UIDL rows at once.

    With PIPELINING (RFC 2449) several RETR commands are in flight, so the server streams the next
    messages while we store these. A failure keeps (commits) the messages received completely before
    it, then ends the session; the rest comes with the next sync. A batch holds at most BATCH_BYTES
    of small messages in memory (big ones are files already).
    """
    window = PIPELINE_DEPTH if "PIPELINING" in client.capabilities else 1
    requested = done = 0
    while requested < min(window, len(wanted)):
        client._send(f"RETR {wanted[requested].number}")
        requested += 1
    while done < len(wanted):
        batch: list[Received] = []
        held, started = 0, time.monotonic()
        failure: Exception | None = None
        try:
            while done < len(wanted) and held < BATCH_BYTES and time.monotonic() - started < BATCH_SECONDS:
                cancel.raise_if_cancelled()
                received = receive(client, store, wanted[done])
                if requested < len(wanted):  # the next request goes out before we spend time storing
                    client._send(f"RETR {wanted[requested].number}")
                    requested += 1
                if received is not None:
                    batch.append(received)
                    held += len(received.raw or b"")
                done += 1
        except Exception as exc:  # Cancelled too: what was received completely is kept
            failure = exc
        store_batch(store, inbox, batch, now())
        if done % 500 < len(batch) or done == len(wanted):
            say(SyncProgress(_("Inbox"), done, len(wanted)))
        if failure is not None:
            raise failure
    return done


@dataclass
class Received:
    """One message read from the server, not stored yet: small ones in memory, big ones in a file."""

    head: bytes
    size: int
    raw: bytes | None = None
    path: Path | None = None
    uidl: str = ""
    flags: tuple[str, ...] = ()


def receive(client: Pop3Client, store: Store, message: ServerMessage) -> Received | None:
    """Read the answer to one RETR already sent.

    None when the server refused it (e.g. deleted meanwhile by another program): it is simply skipped."""
    reply = client.status()
    if not reply.ok:
        log.warning("RETR of %s refused: %s", message.uidl, reply.text)
        return None
    if message.size and message.size <= INLINE_LIMIT:
        buffer = io.BytesIO()
        size = client.read_message(buffer)
        raw = buffer.getvalue()
        return Received(raw[: header_end(raw[:MAX_HEADER_BYTES])], size, raw=raw, uidl=message.uidl)
    path = store.bodies_dir / f"pop3-{hashlib.sha256(message.uidl.encode()).hexdigest()[:40]}.eml"
    size = _read_to_file(client, path)
    with path.open("rb") as handle:
        start = handle.read(MAX_HEADER_BYTES)
    return Received(start[: header_end(start)], size, path=path, uidl=message.uidl)


def store_batch(store: Store, folder: Folder, batch: list[Received], when: float) -> list[int]:
    """Add messages to a local folder with their bodies (and UIDL rows) in one transaction; their row ids.

    If it fails, the files of big ones are removed again (their rows never existed)."""
    if not batch:
        return []
    try:
        with store.transaction():
            uids = next_uids(store, folder.id, len(batch))
            headers = []
            for uid, received in zip(uids, batch, strict=True):
                fetched = {"UID": uid, "BODY[HEADER.FIELDS]": received.head, "RFC822.SIZE": received.size}
                item = headers_from_fetch(fetched)
                item.flags, item.internaldate, item.date = received.flags, int(when), item.date or int(when)
                headers.append(item)
            store.add_messages(folder.id, headers)
            rows = dict(
                store.conn.execute(
                    "SELECT uid, id FROM messages WHERE folder_id = ? AND uid BETWEEN ? AND ?",
                    (folder.id, uids[0], uids[-1]),
                ).fetchall()
            )
            ids = [int(rows[uid]) for uid in uids]
            for row, received in zip(ids, batch, strict=True):
                store.save_body(row, raw=received.raw, path=received.path, size=received.size)
            store.conn.executemany(
                "INSERT INTO pop3_uidls (uidl, message_row, first_seen) VALUES (?, ?, ?)",
                [(received.uidl, row, when) for row, received in zip(ids, batch, strict=True) if received.uidl],
            )
            store.refresh_unread(folder.id)
    except BaseException:
        for received in batch:
            if received.path is not None:
                received.path.unlink(missing_ok=True)
        raise
    return ids


def _read_to_file(client: Pop3Client, destination: Path) -> int:
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as sink:
            size = client.read_message(sink)
            sink.flush()
            os.fsync(sink.fileno())  # the server copy may be deleted once the row commits
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def header_end(data: bytes) -> int:
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = data.find(separator)
        if index >= 0:
            return index + len(separator)
    return len(data)


def _known(store: Store) -> dict[str, tuple[float, str]]:
    rows = store.conn.execute("SELECT uidl, first_seen, state FROM pop3_uidls")
    return {uidl: (float(first), state) for uidl, first, state in rows}


def _to_delete(
    store: Store, on_server: list[ServerMessage], choices: DownloadChoices, now: float
) -> list[ServerMessage]:
    """Messages committed locally that the person's choice removes from the server now."""
    if choices.keep_on_server and not choices.delete_after_days:
        return []
    known = _known(store)
    doomed = []
    for message in on_server:
        record = known.get(message.uidl)
        if record is None:
            continue  # not stored here (too big, or the download failed): never delete it
        first_seen, _state = record
        if not choices.keep_on_server or now - first_seen >= choices.delete_after_days * DAY:
            doomed.append(message)
    return doomed


def _forget_deleted(store: Store, doomed: list[ServerMessage], on_server: list[ServerMessage]) -> None:
    """After QUIT: mark what the server deleted; drop rows of deleted messages it no longer lists."""
    listed = {m.uidl for m in on_server}
    with store.transaction():
        store.conn.executemany("UPDATE pop3_uidls SET state = 'deleted' WHERE uidl = ?", [(m.uidl,) for m in doomed])
        gone = [
            (uidl,)
            for (uidl,) in store.conn.execute("SELECT uidl FROM pop3_uidls WHERE state = 'deleted'").fetchall()
            if uidl not in listed
        ]
        store.conn.executemany("DELETE FROM pop3_uidls WHERE uidl = ?", gone)
