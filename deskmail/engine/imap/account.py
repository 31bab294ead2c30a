"""Sync a whole account: replay queued actions, refresh the folder list, then every folder."""

from __future__ import annotations

import logging
from collections.abc import Callable

from imapclient import IMAPClient

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.session import ImapSession, StatusInfo
from deskmail.engine.imap.sync import FolderReport, FolderSync, ProgressFn, SyncReport
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

Connector = Callable[[CancelToken], IMAPClient]
"""Returns a connected, logged-in IMAPClient (e.g. connect.open_imap + login_imap)."""


def open_session(connector: Connector, cancel: CancelToken = NEVER) -> ImapSession:
    """A logged-in session; QRESYNC is enabled by the first SELECT that can use it (see enable_qresync)."""
    return ImapSession(connector(cancel))


def sync_account(
    session: ImapSession,
    store: Store,
    *,
    folders: list[str] | None = None,
    cancel: CancelToken = NEVER,
    progress: ProgressFn | None = None,
    refresh_counts: bool = True,
) -> SyncReport:
    """Replay pending actions, LIST, then sync `folders` (default: every selectable one, inbox first).

    A folder the server refuses to open is reported and skipped; a broken connection raises.
    `refresh_counts`: STATUS the folders not synced, for their unread counts (push syncs skip it).
    """
    report = SyncReport()
    report.rolled_back = [r.message for r in replay(session, store)]
    syncer = FolderSync(session, store, cancel=cancel, progress=progress)
    known = syncer.sync_folder_list()
    chosen = [f for f in known if f.selectable and (folders is None or f.name in folders)]
    others = [f for f in known if f.selectable and f not in chosen] if refresh_counts else []
    syncer.ask_status(chosen + others)
    _refresh_counts(session, store, others, syncer.listed)
    for folder in chosen:
        cancel.raise_if_cancelled()
        try:
            report.folders.append(syncer.sync(folder))
        except ImapError as exc:
            if exc.status not in ("NO", "BAD"):
                raise
            log.warning("could not sync %s: %s", folder.name, exc)
            report.folders.append(FolderReport(folder.name, error=exc.text))
        except Cancelled:
            raise
    return report


def _refresh_counts(session: ImapSession, store: Store, folders: list[Folder], listed: dict[str, StatusInfo]) -> None:
    """Folders not synced this time get their counts from STATUS, so the folder list shows current unread counts."""
    for folder in folders:
        status = listed.get(folder.name)
        if status is None:
            try:
                status = session.status(folder.name)
            except ImapError as exc:
                log.info("STATUS %s refused: %s", folder.name, exc)
                continue
        store.set_folder_counts(folder.id, status.messages, status.unseen)
