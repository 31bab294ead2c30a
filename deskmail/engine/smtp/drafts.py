"""Drafts: saved locally at once, then to the server's Drafts folder, replacing the previous version."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from imapclient import imapclient as imap_constants

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.spool import spooled
from deskmail.engine.smtp import imapfolders
from deskmail.engine.smtp.errors import classify_send_failure
from deskmail.engine.smtp.imapfolders import ImapConnector
from deskmail.engine.smtp.outbox import DraftRecord, LocalDrafts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DraftSaved:
    """Result of a save: the local copy always exists; `server_error` says the server copy failed."""

    record: DraftRecord
    server_error: UserFacingError | None = None


class DraftManager:
    """One account's drafts. Runs on the account's worker thread (it writes the store)."""

    def __init__(self, local: LocalDrafts, imap: ImapConnector) -> None:
        self.local = local
        self.imap = imap

    def save(self, message: OutgoingMessage, cancel: CancelToken = NEVER, *, upload: bool = True) -> DraftSaved:
        """Save locally (committed before any network step), then upload unless `upload` is False."""
        # Spooled to a file, then into the row in chunks: a draft forwarding 50 MB is never whole in memory.
        with spooled(message, self.local.store.path.parent) as path:
            record = self.local.save_file(message.ensure_message_id(), path)
        if not upload:
            return DraftSaved(record)
        return self.upload(record.message_id, cancel)

    def upload(self, message_id: str, cancel: CancelToken = NEVER) -> DraftSaved:
        """Put the newest local version on the server: APPEND it, then delete older copies by UID."""
        record = self.local.get(message_id, heads_only=True)  # the message itself is read in chunks
        if record is None:
            raise KeyError(message_id)
        try:
            uidvalidity, uid = self._replace_on_server(record, cancel)
        except Cancelled:
            raise
        except Exception as exc:
            error = _as_user_error(exc)
            log.warning("draft %s kept locally; server copy failed: %s", message_id, error.message)
            return DraftSaved(record, error)
        self.local.set_server_copy(message_id, uid, uidvalidity, record.saved_at)
        return DraftSaved(self.local.get(message_id, heads_only=True) or record)

    def upload_pending(self, cancel: CancelToken = NEVER, *, skip: set[str] | None = None) -> list[DraftSaved]:
        """Upload drafts saved offline (or changed since their last upload), except `skip`; called after a sync."""
        results = []
        for record in self.local.pending():
            cancel.raise_if_cancelled()
            if skip and record.message_id in skip:
                continue
            results.append(self.upload(record.message_id, cancel))
        return results

    def _replace_on_server(self, record: DraftRecord, cancel: CancelToken) -> tuple[int, int]:
        client = self.imap(cancel)
        try:
            folder = imapfolders.drafts_folder(client)
            flags = (imap_constants.DRAFT, imap_constants.SEEN)
            uidvalidity, uid = self._append(client, folder, record.message_id, flags)
            copies = imapfolders.uids_with_message_id(client, folder, record.message_id)
            if not uid:  # no UIDPLUS: the newest copy with our Message-ID is the one just appended
                uid = max(copies, default=0)
                uidvalidity = int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
            old = {u for u in copies if u != uid}
            if record.server_uid and record.uidvalidity == uidvalidity and record.server_uid != uid:
                old.add(record.server_uid)
            imapfolders.delete_uids(client, folder, sorted(old))
            return uidvalidity, uid
        finally:
            imapfolders.logout_quietly(client)

    def _append(self, client: Any, folder: str, message_id: str, flags: tuple[bytes, ...]) -> tuple[int, int]:
        pieces = self.local.chunks(message_id)
        try:
            done = imapfolders.append_chunks(client, folder, pieces, self.local.size(message_id), flags)
        finally:
            pieces.close()
        if done is not None:
            return done
        whole = self.local.get(message_id)  # servers without LITERAL+ take it in one piece
        return imapfolders.append(client, folder, whole.raw if whole else b"", flags)

    def discard(self, message_id: str, cancel: CancelToken = NEVER) -> UserFacingError | None:
        """Remove a draft everywhere (after sending, or when the user throws it away)."""
        self.local.remove(message_id)
        client = None
        try:
            client = self.imap(cancel)
            folder = imapfolders.find_folder(client, imap_constants.DRAFTS)  # never created just to look
            if folder is not None:
                imapfolders.delete_uids(client, folder, imapfolders.uids_with_message_id(client, folder, message_id))
        except Exception as exc:
            return _as_user_error(exc)
        finally:
            if client is not None:
                imapfolders.logout_quietly(client)
        return None


def _as_user_error(exc: Exception) -> UserFacingError:
    error = classify_send_failure(exc)
    if error.kind is ErrorKind.PROTOCOL_ERROR:
        error.message = _("Could not save the draft on the server.")
        error.fix = _("It is saved on this computer and will be uploaded later.")
    return error
