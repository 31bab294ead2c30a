"""Sync a whole account: replay queued actions, refresh the folder list, then every folder."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from imapclient import IMAPClient

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.i18n import _
from deskmail.engine import failures
from deskmail.engine.imap.session import ImapSession, StatusInfo
from deskmail.engine.imap.sync import KEPT_SELECTED, FolderReport, FolderSync, ProgressFn, SyncReport
from deskmail.engine.imap.wire import ConnectionLost, ImapError, TooSlow
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

Connector = Callable[[CancelToken], IMAPClient]
"""Returns a connected, logged-in IMAPClient (e.g. connect.open_imap + login_imap)."""


MAX_BROKEN_FOLDERS = 3  # connections lost inside one sync before it stops: a broken network, not a bad folder
# Data no RFC allows (a date in year 0, numbers SQLite cannot store...) that got past the parsers.
_BAD_DATA = (ValueError, OverflowError, UnicodeError, RecursionError)


def open_session(connector: Connector, cancel: CancelToken = NEVER) -> ImapSession:
    """A logged-in session that reconnects with `connector` after a connection had to be closed;
    QRESYNC is enabled by the first SELECT that can use it (see enable_qresync)."""
    client = connector(cancel)
    try:
        return ImapSession(client, connector=connector)
    except BaseException:  # CAPABILITY after the login failed: the logged-in connection is closed, not dropped
        with contextlib.suppress(Exception):
            client.shutdown()
        raise


def sync_account(
    session: ImapSession,
    store: Store,
    *,
    folders: list[str] | None = None,
    cancel: CancelToken = NEVER,
    progress: ProgressFn | None = None,
    refresh_counts: bool = True,
    keep_inbox: bool = False,
) -> SyncReport:
    """Replay pending actions, LIST, then sync `folders` (default: every selectable one, inbox first).

    On a first sync the Inbox's newest messages come before the LIST: they are on screen right
    after login, whatever the server makes of listing the other folders; the rest of the Inbox
    comes after the LIST.

    A folder the server refuses to open is reported and skipped; a broken connection raises.
    `refresh_counts`: STATUS the folders not synced, for their unread counts (push syncs skip it).
    `keep_inbox`: for a session that syncs again and again (the window's): the Inbox stays selected
    after its sync, and the next syncs poll it there (NOOP, CHANGEDSINCE) instead of asking its
    STATUS, which Dovecot answers by rereading a big Inbox once the session has listed folders
    (see ImapSession.poll_selected). When it is not selected, it is synced (selected) before the
    folder list, which on a new session costs a millisecond like the STATUS it replaces.
    """
    report = SyncReport()
    if store.pending_ops():  # changes made offline (the action modules are loaded only for them)
        from deskmail.engine.imap.actions import replay

        report.rolled_back = [r.message for r in replay(session, store)]
    syncer = FolderSync(session, store, cancel=cancel, progress=progress)
    syncer.keep_selected = KEPT_SELECTED if keep_inbox else None
    synced_before = any(f.uidnext for f in store.folders())
    broken = 0

    def sync_one(folder: Folder) -> None:
        nonlocal broken
        cancel.raise_if_cancelled()
        session.skipped.clear()  # message numbers count per folder
        try:
            done = syncer.sync(folder)
            done.skipped = len(session.skipped)
            report.folders.append(done)
        except ConnectionLost as exc:
            # The connection is closed (the rest of the answer is never read); the next folder gets a
            # new one, unless connections keep breaking: then it is the network, and the sync stops.
            broken += 1
            if session.connector is None or broken >= MAX_BROKEN_FOLDERS or type(exc) is ConnectionLost:
                raise
            log.warning("could not sync %s, connection closed: %s", folder.name, exc)
            text = _(failures.FOLDER_TOO_SLOW if isinstance(exc, TooSlow) else failures.FOLDER_UNREADABLE)
            report.folders.append(FolderReport(folder.name, error=text, skipped=len(session.skipped)))
        except ImapError as exc:
            if exc.status not in ("NO", "BAD"):
                raise
            log.warning("could not sync %s: %s", folder.name, exc)  # the server's words: the log only
            report.folders.append(FolderReport(folder.name, error=_(failures.FOLDER_REFUSED)))
        except _BAD_DATA:
            log.warning("could not sync %s: unreadable data", folder.name, exc_info=True)
            report.folders.append(FolderReport(folder.name, error=_(failures.FOLDER_UNREADABLE)))
            if session.selected is not None:
                session.unselect()

    listed: list[Folder] = []

    def list_folders() -> None:
        listed[:] = syncer.sync_folder_list(with_status=synced_before)

    inbox = syncer.new_inbox(folders)
    if inbox is not None:  # a first sync: the Inbox's newest on screen, then the folder list, then the rest
        syncer.after_first_screen = list_folders
        sync_one(inbox)
        syncer.after_first_screen = None
    elif keep_inbox and session.selected != KEPT_SELECTED and (folders is None or KEPT_SELECTED in folders):
        inbox = store.folder(KEPT_SELECTED)
        if inbox is not None and inbox.selectable:
            sync_one(inbox)  # selected before the LIST, to be polled by the syncs after this one
        else:
            inbox = None
    if not listed:
        list_folders()
    chosen, others = choose_folders(listed, folders)
    if inbox is not None:
        chosen = [f for f in chosen if f.name != inbox.name]  # synced already
    if not refresh_counts:
        others = []
    # STATUS serves `_unchanged` (folders synced before) and the counts of folders not synced now.
    syncer.ask_status([f for f in chosen if f.uidnext and f.highestmodseq] + others)
    counted = [f for f in others if f.name in syncer.listed or syncer.asks_status(f.name)]
    _refresh_counts(session, store, counted, syncer.listed)
    for folder in chosen:
        sync_one(folder)
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


def _refresh_counts(session: ImapSession, store: Store, folders: list[Folder], listed: dict[str, StatusInfo]) -> None:
    """Folders not synced this time get their counts from STATUS (or the LIST-STATUS answer), so the folder
    list shows current unread counts."""
    for folder in folders:
        status = listed.get(folder.name)
        if status is None:
            try:
                status = session.status(folder.name)
            except ImapError as exc:
                log.info("STATUS %s refused: %s", folder.name, exc)
                continue
        store.set_folder_counts(folder.id, status.messages, status.unseen)
