"""Sync a whole account: replay queued actions, refresh the folder list, then every folder."""

from __future__ import annotations

import logging
from collections.abc import Callable

from imapclient import IMAPClient

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import FolderReport, FolderSync, ProgressFn, SyncReport
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

Connector = Callable[[CancelToken], IMAPClient]
"""Returns a connected, logged-in IMAPClient (e.g. connect.open_imap + login_imap)."""


def open_session(connector: Connector, cancel: CancelToken = NEVER) -> ImapSession:
    session = ImapSession(connector(cancel))
    session.enable_qresync()
    return session


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
    chosen, others = choose_folders(known, folders)
    if refresh_counts:
        _refresh_counts(session, store, others)
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


def choose_folders(known: list[Folder], folders: list[str] | None) -> tuple[list[Folder], list[Folder]]:
    """The selectable folders to sync (`folders`, default all) and the other selectable ones, in one pass.

    Sets, not lists: an account may have tens of thousands of folders (a membership test per
    folder in a list was quadratic and never finished at 50,000).
    """
    wanted = None if folders is None else set(folders)
    chosen: list[Folder] = []
    others: list[Folder] = []
    for folder in known:
        if folder.selectable:
            (chosen if wanted is None or folder.name in wanted else others).append(folder)
    return chosen, others


def _refresh_counts(session: ImapSession, store: Store, folders: list[Folder]) -> None:
    """STATUS for folders not synced this time, so the folder list shows current unread counts."""
    for folder in folders:
        try:
            status = session.status(folder.name)
        except ImapError as exc:
            log.info("STATUS %s refused: %s", folder.name, exc)
            continue
        store.set_folder_counts(folder.id, status.messages, status.unseen)
