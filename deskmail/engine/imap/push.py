"""Push: IDLE (or NOOP polling) on its own connection, and a worker that syncs what changed.

`FolderWatcher` only notices: it holds one connection in IDLE on a folder and calls
`on_change(folder)` when the server reports anything (and once after every (re)connect, to
catch up). `PushSync` owns the account's writer: one worker thread syncs requested folders with
its own command connection. Both reconnect with exponential backoff after network loss.
"""

from __future__ import annotations

import imaplib
import logging
import queue
import re
import select
import ssl
import threading
from collections.abc import Callable, Sequence
from typing import Any

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.redact import redact
from deskmail.engine import limits
from deskmail.engine.cancelwatch import Deadline, closes_on_cancel
from deskmail.engine.imap import wire
from deskmail.engine.imap.account import Connector, open_session, sync_account
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.session import NETWORK_ERRORS as NETWORK_ERRORS  # re-exported: its old home
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.imap.wire import ConnectionLost, FramingError, TooSlow
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)
REIDLE_SECONDS = 25 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
IDLE_LINES_PER_CHECK = 1000  # lines read per look at an idle connection; a flood waits for the next look
_CHANGE = re.compile(rb"\* (?:\d+ (?:EXISTS|EXPUNGE|FETCH)|VANISHED)\b", re.IGNORECASE)
Job = Callable[[Store], object]
"""Work that must run on the account's writer thread, e.g. `lambda store: Actions(store).mark_read(...)`."""
_running: set[FolderWatcher] = set()  # watchers whose thread has not ended yet
_running_lock = threading.Lock()


def running_watchers() -> list[FolderWatcher]:
    """Every watcher whose thread is still running, in any account (to stop and join them all)."""
    with _running_lock:
        return list(_running)


class FolderWatcher:
    """Waits for changes in one folder on a dedicated connection; never touches the store."""

    def __init__(
        self,
        connector: Connector,
        folder: str,
        on_change: Callable[[str], None],
        *,
        cancel: CancelToken,
        poll_seconds: float = 60.0,
        check_seconds: float = 0.5,
        reidle_seconds: float = REIDLE_SECONDS,
    ) -> None:
        self.connector = connector
        self.folder = folder
        self.on_change = on_change
        self.cancel = cancel
        self.poll_seconds = poll_seconds
        self.check_seconds = check_seconds  # how often the cancel token is looked at while idle
        self.reidle_seconds = reidle_seconds
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self.run, name=f"watch-{folder}", daemon=True)

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def start(self) -> FolderWatcher:
        with _running_lock:
            _running.add(self)
        try:
            self._thread.start()
        except BaseException:
            with _running_lock:
                _running.discard(self)
            raise
        return self

    def stop(self) -> None:
        """Ask the thread to end (its token is cancelled: whatever shares that token stops too); see `join`."""
        self.cancel.cancel()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def run(self) -> None:
        try:
            self._run()
        finally:
            with _running_lock:
                _running.discard(self)

    def _run(self) -> None:
        failures = 0
        while not self.cancel.cancelled:
            session: ImapSession | None = None
            try:
                session = open_session(self.connector, self.cancel)
                session.select(self.folder, readonly=True)
                self.connected.set()
                failures = 0
                self._watch(session)
            except Cancelled:
                break
            except NETWORK_ERRORS as exc:
                if self.connected.is_set() and not self.cancel.cancelled:
                    self.on_change(self.folder)  # the connection just broke: a check now shows it within seconds
                self.connected.clear()
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.info("watching %s failed (%s); retrying in %.0f s", self.folder, exc, delay)
                self.cancel.wait(delay)
            except Exception as exc:  # no password now (keyring locked, account being removed): not a crash
                if self.cancel.cancelled:
                    break
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.warning("watching %s stopped (%s); retrying in %.0f s", self.folder, redact(str(exc)), delay)
                self.cancel.wait(delay)
            finally:
                if session is not None:
                    session.close()  # IDLE may still be running: no polite LOGOUT possible

    def _watch(self, session: ImapSession) -> None:
        """Report every change from now on; the first report catches up on what happened while away."""
        if session.has("IDLE"):
            catch_up = True
            while not self.cancel.cancelled:
                if self._idle_once(session, catch_up):
                    self.on_change(self.folder)
                catch_up = False
        else:
            self.on_change(self.folder)  # NOOP reports whatever changed since the SELECT: nothing is missed
            while not self.cancel.wait(self.poll_seconds):
                if session.noop().untagged:
                    self.on_change(self.folder)

    def _idle_once(self, session: ImapSession, catch_up: bool = False) -> bool:
        """One IDLE period: True when the server reported a change, False on re-IDLE or cancel."""
        client = session.client
        client.idle()
        if catch_up:
            # Only now: Dovecot does not report mail that came between SELECT and IDLE, so a catch-up
            # asked for before IDLE began could run before that mail arrived and nothing would say so.
            self.on_change(self.folder)
        waited = 0.0
        changed = False
        try:
            while not self.cancel.cancelled and waited < self.reidle_seconds:
                waited += self.check_seconds
                if idle_check(client, self.check_seconds):
                    changed = True
                    break
        finally:
            if not self.cancel.cancelled:
                idle_done(client, self.cancel)
        return changed


def idle_done(client: Any, cancel: CancelToken) -> None:
    """End IDLE: DONE, then read up to IDLE's tagged answer, each line dropped (imapclient keeps and
    parses them all, for ever if the server floods), within COMMAND_DEADLINE and IMAP_MAX_UNTAGGED lines."""
    tag: bytes = client._idle_tag
    client._imap.send(b"DONE\r\n")
    deadline = Deadline(limits.COMMAND_DEADLINE, cancel)
    with closes_on_cancel(client.socket(), deadline):
        for _ in range(limits.IMAP_MAX_UNTAGGED):
            line = wire.read_line(client._imap)
            if not line:
                raise TooSlow("no answer to DONE in time") if deadline.expired else ConnectionLost("closed in IDLE")
            if line.startswith(tag + b" "):
                client._idle_tag = None
                return
    raise FramingError("endless answer to the end of IDLE")


def idle_check(client: Any, timeout: float) -> bool:
    """Wait up to `timeout` for IDLE responses; True when one reports a change.

    imapclient's `idle_check` keeps and parses (recursively) every line that is waiting, so a server
    flooding the idle connection grows it without end. Here at most IDLE_LINES_PER_CHECK lines are
    read per call, judged by their first words and dropped.
    """
    sock = client.socket()
    sock.settimeout(None)
    sock.setblocking(False)
    try:
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not pending and not select.select([sock], [], [], timeout)[0]:
            return False
        changed = False
        for _ in range(IDLE_LINES_PER_CHECK):
            try:
                line: bytes = client._imap._get_line()  # imaplib: at most 1 MB, EOF raises abort
            except (TimeoutError, BlockingIOError, ssl.SSLWantReadError):
                break
            except imaplib.IMAP4.abort as exc:
                if "EOF" not in str(exc):  # as imapclient: "EOF" here means no more data waiting now
                    raise
                break
            changed = changed or _CHANGE.match(line) is not None
        return changed
    finally:
        sock.setblocking(True)
        client._set_read_timeout()


class PushSync:
    """Keeps an account's store live: watchers post folder names, one worker syncs them in order."""

    def __init__(
        self,
        connector: Connector,
        store: Store,
        *,
        folders: Sequence[str] = ("INBOX",),
        on_report: Callable[[SyncReport], None] | None = None,
        poll_seconds: float = 60.0,
    ) -> None:
        self.connector = connector
        self.store = store  # used only from the worker thread from start() on
        self.cancel = CancelToken()
        self.on_report = on_report or (lambda _r: None)
        self._queue: queue.Queue[str | Job] = queue.Queue()
        self._session: ImapSession | None = None
        self.poll_seconds = poll_seconds
        self.watchers = [self._watcher(f, self.cancel) for f in folders]
        self._open: tuple[FolderWatcher, CancelToken] | None = None  # the folder the user is looking at
        self._worker = threading.Thread(target=self._work, name="sync-worker", daemon=True)

    def start(self) -> PushSync:
        self._worker.start()
        for watcher in self.watchers:
            watcher.start()
        return self

    def _watcher(self, folder: str, cancel: CancelToken) -> FolderWatcher:
        return FolderWatcher(self.connector, folder, self._queue.put, cancel=cancel, poll_seconds=self.poll_seconds)

    def watch_open_folder(self, folder: str | None) -> None:
        """Also push the folder the user opened (one more IDLE connection); None stops it."""
        if self._open is not None:
            if self._open[0].folder == folder:
                return
            self._open[1].cancel()
            self._open = None
        if folder is None or any(w.folder == folder for w in self.watchers):
            return
        cancel = self.cancel.child()
        self._open = (self._watcher(folder, cancel).start(), cancel)

    def stop(self, timeout: float = 5.0) -> None:
        self.cancel.cancel()
        self._queue.put("")
        for watcher in [*self.watchers, *([self._open[0]] if self._open else [])]:
            watcher.join(timeout)
        self._worker.join(timeout)

    def request(self, folder: str) -> None:
        """Ask for a sync of `folder` (e.g. the folder the user just opened)."""
        self._queue.put(folder)

    def submit(self, job: Job) -> None:
        """Run `job(store)` on the writer thread (local actions), then send pending changes to the server."""
        self._queue.put(job)

    def _work(self) -> None:
        failures = 0
        while not self.cancel.cancelled:
            first = self._queue.get()
            if self.cancel.cancelled:
                break
            pending = self._run_jobs([first, *self._drain()])  # a burst of IDLE events costs one sync
            try:
                self._sync(sorted(pending))
                failures = 0
            except Cancelled:
                break
            except NETWORK_ERRORS as exc:
                self._drop_session()
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.info("sync of %s failed (%s); retrying in %.0f s", pending, exc, delay)
                if not self.cancel.wait(delay):
                    for name in pending:
                        self._queue.put(name)
        self._drop_session()

    def _drain(self) -> list[str | Job]:
        items: list[str | Job] = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _run_jobs(self, items: list[str | Job]) -> set[str]:
        """Run queued jobs now; return the folder names to sync (jobs add the folders they touched)."""
        folders: set[str] = set()
        for item in items:
            if isinstance(item, str):
                if item:
                    folders.add(item)
                continue
            try:
                item(self.store)
            except Exception:
                log.exception("a local action failed")
            folders.add("")  # "" = only replay the queue
        return folders

    def _sync(self, folders: list[str]) -> None:
        if self._session is None:
            self._session = open_session(self.connector, self.cancel)
        if folders == [""]:
            report = SyncReport(rolled_back=[r.message for r in replay(self._session, self.store)])
        else:
            report = sync_account(
                self._session,
                self.store,
                folders=[f for f in folders if f],
                cancel=self.cancel,
                refresh_counts=False,
                keep_inbox=True,  # a kept session, as the window's: its Inbox is polled, never asked its STATUS
            )
        self.on_report(report)

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
