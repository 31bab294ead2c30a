"""One POP3 account at run time: the AccountRuntime with local folders and a POP3 download as its sync.

The mail window, search, reading and composing use the same methods as for IMAP; what differs:
sync downloads new mail into the local Inbox (engine/pop3/sync.py) and completes queued local
actions; actions never wait for a server; the Sent copy is filed locally; there is no IDLE, so new
mail comes with the mail window's check every `Account.check_minutes`; previews are made from the stored bodies.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.imap.sync import ProgressFn, SyncReport
from deskmail.engine.imap.undo import Done
from deskmail.engine.passwordlookup import open_and_log_in
from deskmail.engine.pop3.client import (
    MAX_HEADER_BYTES,
    Pop3Client,
    Pop3Lost,
    Pop3Refused,
    login_pop3,
    open_pop3,
    refusal,
)
from deskmail.engine.pop3.local import LOCAL_UIDVALIDITY, ensure_local_folders, settle
from deskmail.engine.pop3.sync import INLINE_LIMIT, Received, header_end, store_batch, sync_pop3
from deskmail.engine.runtime import AccountRuntime, offline_error, parse_body
from deskmail.engine.smtp.drafts import DraftManager
from deskmail.engine.smtp.outbox import DraftRecord, LocalDrafts, Outbox
from deskmail.engine.smtp.sender import Sender
from deskmail.engine.store.models import Folder, MessageSummary, SpecialUse
from deskmail.engine.store.reader import Body
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)
DRAFT_FLAGS = ("\\Draft", "\\Seen")
PREVIEW_BATCH = 50
NEWEST = 1000


def _local_only() -> UserFacingError:
    return UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        _("This account downloads mail with POP3: its folders are on this computer only."),
        fix=_("Nothing to do: your mail, drafts and sent mail are kept here."),
    )


class Pop3Runtime(AccountRuntime):
    """Store + POP3 download + outbox of one POP3 account (use from its worker thread only)."""

    clock: Callable[[], float] = staticmethod(time.time)  # tests set the date
    local_first = False  # `settle` moves local folders' messages with the download's writer: one queue

    def store(self) -> Store:
        fresh = self._store is None
        store = super().store()
        if fresh:
            ensure_local_folders(store)  # the window shows Inbox, Sent, ... before the first download
        return store

    # -- connections -------------------------------------------------------------------

    def pop3_client(self, cancel: CancelToken) -> Pop3Client:
        """A new logged-in POP3 connection (TLS verified or pinned)."""
        server = self.account.incoming
        password = self.password_lookup()
        return open_and_log_in(
            lambda: open_pop3(server, self.settings, self.account.policy, password.watching(cancel)),
            lambda client, secret: login_pop3(client, server.username or self.account.email, secret, cancel),
            Pop3Client.close,
            password,
            cancel,
        )

    def imap_client(self, cancel: CancelToken) -> Any:
        raise _local_only()  # nothing of a POP3 account lives in server folders

    def draft_manager(self) -> Any:
        return LocalDraftManager(LocalDrafts(self.store()), self.imap_client)

    def _sender(self) -> Sender:
        return LocalSentSender(
            Outbox(self.store()),
            self.smtp_client,
            self.imap_client,
            smtp_host=self.account.outgoing.host,
            on_sent=self._after_sent,  # draft cleaned, originals marked: through the queue, settled here
        )

    # -- mail --------------------------------------------------------------------------

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: ProgressFn | None = None
    ) -> SyncReport:
        """Complete local actions, then (for the Inbox or everything) download new mail; then send what waits."""
        store = self.store()
        settle(store)
        if folders is not None and not any(name.upper() == "INBOX" for name in folders):
            return SyncReport()  # local folders: there is nothing on a server to compare with
        client = self.pop3_client(cancel)
        try:
            report = sync_pop3(client, store, self.account.download, cancel=cancel, progress=progress, now=self.clock)
        except Pop3Lost as exc:
            client.close()
            raise offline_error(exc) from exc
        except Pop3Refused as exc:
            client.close()
            if exc.code in ("IN-USE", "SYS/TEMP", "LOGIN-DELAY"):
                raise refusal(self.account.incoming, exc.code, exc.text, "") from None
            raise UserFacingError(
                ErrorKind.PROTOCOL_ERROR,
                _("{host} refused to hand out your mail.").format(host=self.account.incoming.host),
                fix=_("Try again later; if it keeps happening, ask your provider."),
                details=str(exc),
            ) from None
        except BaseException:
            client.close()
            raise
        self.flush_outbox(cancel)
        self.upload_drafts(cancel)
        return report

    def watch(self, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        """POP3 cannot push. The mail window's check timer (every `Account.check_minutes`, set in Settings)
        is the one clock that asks for an Inbox sync; a second poll here would only download twice."""
        return None

    def watch_open_folder(self, folder: str | None, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        return None  # local folders change only here

    def fill_previews(self, folder: str, cancel: CancelToken = NEVER) -> int:
        """Previews and search text from the stored bodies (every POP3 message is already here)."""
        store = self.store()
        cached = store.folder(folder)
        if cached is None:
            return 0
        ids = store.uids_needing_preview(cached.id, newest=NEWEST, limit=PREVIEW_BATCH)
        previews: list[tuple[int, str]] = []
        for uid in ids:
            cancel.raise_if_cancelled()
            summary = store.message_by_uid(cached.id, uid)
            body = store.body(summary.id) if summary else None
            text = ""
            if summary is not None and body is not None:
                try:
                    parsed = parse_body(body)
                    store.set_body_text(summary.id, parsed.text[:200_000], parsed.preview)
                    text = parsed.preview
                except Exception:  # one unreadable message must not stop the others' previews
                    log.warning("no preview for message %s", summary.id, exc_info=True)
            previews.append((uid, text))
        store.set_previews(cached.id, previews)
        return len(ids)

    def upload_drafts(self, cancel: CancelToken = NEVER) -> None:
        self.draft_manager().upload_pending(cancel)  # saved while the Drafts folder copy could not be made

    def push_changes(self, cancel: CancelToken = NEVER) -> list[str]:
        settle(self.store())
        return []

    def act(self, kind: str, folder_id: int, uids: list[int], value: object = None) -> Done | None:
        if kind == "copy":  # local folders hold one copy of each message (the window offers no copy here)
            raise UserFacingError(ErrorKind.PROTOCOL_ERROR, _("Messages of a POP3 account can be moved, not copied."))
        done = super().act(kind, folder_id, uids, value)
        settle(self.store())
        return done

    def undo(self, done: Done) -> Done:
        redo = super().undo(done)
        settle(self.store())
        return redo

    def change_folder(self, kind: str, folder_id: int | None, name: str = "") -> Folder | None:
        folder = super().change_folder(kind, folder_id, name)
        settle(self.store())
        return folder

    def search_server(self, text: str, cancel: CancelToken = NEVER, limit: int = 500) -> list[MessageSummary]:
        return []  # every message is here: the local search already looked at all of them

    def stored_body(self, summary: MessageSummary, cancel: CancelToken = NEVER) -> Body:
        body = self.store().body(summary.id)
        if body is None or (body.path is not None and not body.path.exists()):
            raise UserFacingError(
                ErrorKind.PROTOCOL_ERROR,
                _("This message is no longer on this computer."),
                fix=_("It was probably deleted here."),
            )
        return body

    def _ensure_body(self, summary: MessageSummary, cancel: CancelToken) -> tuple[Body, Any]:
        return self.stored_body(summary, cancel), None

    def drop_session(self) -> None:
        return None  # no command connection is kept between syncs


class LocalDraftManager(DraftManager):
    """Drafts of a POP3 account: the newest version of each is a message in the local Drafts folder."""

    def _replace_on_server(self, record: DraftRecord, cancel: CancelToken) -> tuple[int, int]:
        store = self.local.store
        drafts = _local_folder(store, SpecialUse.DRAFTS)
        with store.transaction():
            _remove_copies(store, drafts, record.message_id)
            size, pieces = self.local.size(record.message_id), self.local.chunks(record.message_id)
            (row,) = store_batch(store, drafts, [_local_copy(store, size, pieces, DRAFT_FLAGS)], time.time())
            message = store.message(row)
        assert message is not None
        return LOCAL_UIDVALIDITY, message.uid

    def discard(self, message_id: str, cancel: CancelToken = NEVER) -> UserFacingError | None:
        store = self.local.store
        with store.transaction():
            self.local.remove(message_id)
            _remove_copies(store, _local_folder(store, SpecialUse.DRAFTS), message_id)
        return None


def _remove_copies(store: Store, folder: Folder, message_id: str) -> None:
    uids = [m.uid for m in store.messages_by_message_id(message_id) if m.folder_id == folder.id]
    if uids:
        store.remove_uids(folder.id, uids)
        store.refresh_unread(folder.id)


class LocalSentSender(Sender):
    """SMTP as for IMAP accounts; the Sent copy goes into the local Sent folder, exactly once."""

    def _file(self, item: Any, result: Any, cancel: CancelToken) -> Any:
        store: Store = self.outbox.store
        with store.transaction():
            if not self._in_sent(item, cancel):
                sent = _local_folder(store, SpecialUse.SENT)
                copy = _local_copy(store, self.outbox.size(item.id), self.outbox.chunks(item.id), ("\\Seen",))
                store_batch(store, sent, [copy], time.time())
            self.checkpoint("filed")
            self.outbox.remove(item.id)
        result.state, result.filed_by_server = None, False
        return result

    def _in_sent(self, item: Any, cancel: CancelToken) -> bool:
        store: Store = self.outbox.store
        sent = _local_folder(store, SpecialUse.SENT)
        return any(m.folder_id == sent.id for m in store.messages_by_message_id(item.message_id))


def _local_copy(store: Store, size: int, pieces: Generator[bytes], flags: tuple[str, ...]) -> Received:
    """A message read from a store row in chunks: a small one in memory, a big one into a body file."""
    path: Path | None = None
    try:
        if size <= INLINE_LIMIT:
            raw = b"".join(pieces)
            return Received(raw[: header_end(raw[:MAX_HEADER_BYTES])], len(raw), raw=raw, flags=flags)
        path = store.bodies_dir / f"local-{uuid.uuid4().hex}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with path.open("wb") as sink:
            for piece in pieces:
                sink.write(piece)
                written += len(piece)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    finally:
        pieces.close()  # the row may be deleted next: no read of it may stay open
    with path.open("rb") as handle:
        start = handle.read(MAX_HEADER_BYTES)
    return Received(start[: header_end(start)], written, path=path, flags=flags)


def _local_folder(store: Store, use: SpecialUse) -> Folder:
    ensure_local_folders(store)
    folder = store.special_folder(use)
    assert folder is not None
    return folder


__all__ = ["LocalSentSender", "Pop3Runtime"]
