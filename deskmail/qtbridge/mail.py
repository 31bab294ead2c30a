"""The mail window's link to the engine: per-account work on the TaskRunner, state as signals.

Widgets call `sync`, `load_body`, `act`, `send`; each runs on the account's own worker queue
(one thread owns the store writer and the IMAP connection), except the person's actions (`act`,
`undo`): they run on the account's local queue ("<email>/local", its own store writer), so they
change the list at once while a sync waits on a silent server, and the push follows on the account's.
The GUI reads the store through its own read-only `StoreReader` per account and polls `data_version()`
to notice commits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine import pace
from deskmail.engine.accounts import Account
from deskmail.engine.store.models import MessageSummary
from deskmail.engine.store.reader import StoreReader
from deskmail.qtbridge.newmail import inbox_mark, new_unread
from deskmail.qtbridge.previews import PreviewChain
from deskmail.qtbridge.reach import NetworkUp, computer_offline, provider_name, waits_for_connection
from deskmail.qtbridge.tasks import Progress, Task, TaskRunner

log = logging.getLogger(__name__)

POLL_MS = 400
MINUTE_MS = 60 * 1000
PROGRESS_POLL_S = POLL_MS / 1000  # a sync's progress polls at once, but no more often than the timer


class Runtime(Protocol):
    """What the controller needs from one account at run time (engine.runtime.AccountRuntime)."""

    account: Account

    @property
    def store_path(self) -> Any: ...

    def store(self) -> Any: ...

    def sync(self, folders: list[str] | None = None, cancel: CancelToken = ..., progress: Any = None) -> Any: ...

    def body(self, summary: MessageSummary, cancel: CancelToken = ...) -> bytes: ...

    def stored_body(self, summary: MessageSummary, cancel: CancelToken = ...) -> Any: ...

    def open_message(self, summary: MessageSummary, cancel: CancelToken = ..., *, allow_remote: bool = ...) -> Any: ...

    def act(self, kind: str, folder_id: int, uids: list[int], value: object = None) -> Any: ...

    def undo(self, done: Any) -> Any: ...

    def push_changes(self, cancel: CancelToken = ...) -> list[str]: ...

    def change_folder(self, kind: str, folder_id: int | None, name: str = "") -> Any: ...

    def send(self, message: Any, cancel: CancelToken = ...) -> Any: ...

    def queue(self, message: Any, delay: float = ...) -> int: ...

    def send_queued(self, item_id: int, cancel: CancelToken = ...) -> Any: ...

    def take_back(self, item_id: int) -> bytes | None: ...

    def settle_unsure(self, item_id: int, send_again: bool, cancel: CancelToken = ...) -> Any: ...

    def search_server(self, text: str, cancel: CancelToken = ..., limit: int = ...) -> list[MessageSummary]: ...

    def watch(self, on_change: Callable[[str], None], cancel: CancelToken) -> None: ...

    def watch_open_folder(self, folder: str | None, on_change: Callable[[str], None], cancel: CancelToken) -> None: ...

    def index_search(self, cancel: CancelToken = ...) -> int: ...

    def fill_previews(self, folder: str, cancel: CancelToken = ...) -> int: ...

    def fill_bodies(self, folder: str, cancel: CancelToken = ..., *, metered: bool = ...) -> int: ...

    def close(self) -> None: ...


RuntimeFactory = Callable[[Account], Runtime]


class MailController(QObject):
    """Accounts' runtimes and readers, the work queue, and the sync/online state the window shows."""

    store_changed = Signal(str)  # account email: its store has new data (re-read folders and lists)
    sync_state = Signal(str, str)  # account email, plain words ("Checking for new mail...", "")
    online_changed = Signal(bool)
    problem = Signal(str, object)  # account email, UserFacingError (not offline): show it in a bar
    notice = Signal(str)  # a plain message for the status bar
    _folder_changed = Signal(str, str)  # from a watcher thread: account email, folder that changed
    new_mail = Signal(str, list)  # account email, unread MessageSummary a sync brought into its Inbox

    def __init__(self, runner: TaskRunner, make_runtime: RuntimeFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.make_runtime = make_runtime
        self.runtimes: dict[str, Runtime] = {}
        self.closed = False  # shut down with its window: late results and calls start nothing again
        self.readers: dict[str, StoreReader] = {}
        self._versions: dict[str, int] = {}
        self._progress_polled = 0.0  # time.monotonic() of the last poll a sync's progress asked for
        self.online = True
        self.no_network = False  # while offline: True this computer has no network, False the provider is unreachable
        self.unreachable = ""  # while offline: the account whose server could not be reached
        self.network_up: NetworkUp | None = None  # the platform's answer (QNetworkInformation), set by the UI
        self.metered: Callable[[], bool] = lambda: False  # a metered connection: no downloads ahead for offline
        self.check_failed: set[str] = set()  # accounts whose last check for new mail did not succeed
        self.syncing: dict[str, Task] = {}
        self._again: set[str] = set()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        # While a sync runs the window beats, so the sync thread can leave it the GIL (engine/pace.py).
        self._beat = QTimer(self)
        self._beat.setInterval(pace.BEAT_MS)
        self._beat.timeout.connect(pace.heard)
        self._checks: dict[str, QTimer] = {}  # per account: "check for new mail every N minutes"
        self._watching: dict[str, CancelToken] = {}
        self._open_folder: tuple[str, str] | None = None  # (account, folder) the user is looking at
        self._folder_changed.connect(lambda email, folder: self.sync(email, [folder]))
        self.previews = PreviewChain(
            runner,
            lambda email: email in self.syncing,
            self,
            offline=lambda _email: True,
            metered=lambda: self.metered(),
        )

    # -- accounts ------------------------------------------------------------------------

    def set_accounts(self, accounts: list[Account], on_ready: Callable[[], None] | None = None) -> None:
        """Open each account's store on its worker (creating it), then its reader here."""
        if self.closed:
            # A late answer (the account list re-read after a save in Settings) for a window that closed
            # meanwhile: runtimes opened now would never be closed, and `on_ready` would touch gone widgets.
            log.debug("accounts for a closed window ignored")
            return
        wanted = {a.email for a in accounts}
        for email in [e for e in self.runtimes if e not in wanted]:
            self._remove(email)
        for account in accounts:  # changed in Settings: new servers need new connections, the rest applies now
            runtime = self.runtimes.get(account.email)
            if runtime is not None and runtime.account != account:
                if connection_of(runtime.account) != connection_of(account):
                    self._remove(account.email)
                else:
                    runtime.account = account
            self._schedule_checks(account)
        pending = [a for a in accounts if a.email not in self.runtimes]
        for account in accounts:
            if account.email not in self.runtimes:
                self.runtimes[account.email] = self.make_runtime(account)
        if not pending:
            if on_ready:
                on_ready()
            return
        remaining = {a.email for a in pending}
        for account in pending:
            runtime = self.runtimes[account.email]

            def opened(_result: object, email: str = account.email) -> None:
                if email not in self.runtimes:  # removed, or the window closed, while the store opened
                    return
                self._open_reader(email)
                inbox = self.readers[email].folder("INBOX")
                if inbox is not None and inbox.uidnext:
                    self._watch(email)  # else after the first sync: its Inbox first, without a second session
                remaining.discard(email)
                if not remaining and on_ready:
                    on_ready()

            self._run(account.email, _opener(runtime), opened, name="open-store")
        self._poll.start()

    def _schedule_checks(self, account: Account) -> None:
        timer = self._checks.get(account.email)
        if timer is None:
            timer = self._checks[account.email] = QTimer(self)
            timer.timeout.connect(lambda email=account.email: self.sync(email))
        interval = account.check_minutes * MINUTE_MS
        if timer.interval() != interval or not timer.isActive():
            timer.start(interval)  # a new interval counts from now

    def check_interval_ms(self, email: str) -> int | None:
        """How often this account is checked for new mail (None: not at all, e.g. removed)."""
        timer = self._checks.get(email)
        return timer.interval() if timer is not None and timer.isActive() else None

    def _open_reader(self, email: str) -> None:
        if email in self.readers:
            return
        runtime = self.runtimes[email]
        self.readers[email] = StoreReader.open(runtime.store_path)
        self._versions[email] = self.readers[email].data_version()

    def _watch(self, email: str) -> None:
        """New mail shows up within a second or so: an IDLE watcher asks for an Inbox sync."""
        runtime = self.runtimes.get(email)
        if runtime is None or email in self._watching:
            return
        token = CancelToken()
        self._watching[email] = token
        try:
            runtime.watch(lambda folder: self._from_watcher(email, folder, token), token)
        except Exception:
            log.exception("cannot watch the Inbox of %s; the timer still checks for mail", email)
        self._watch_open_folder(email)

    def folder_opened(self, email: str, folder: str) -> None:
        """The user opened `folder`: push it too (its own IDLE connection), instead of the previously open one."""
        previous, self._open_folder = self._open_folder, (email, folder)
        self.previews.prefer(email, folder)
        if previous is not None and previous[0] != email:
            self._watch_open_folder(previous[0])  # that account's open-folder watcher stops
        self._watch_open_folder(email)

    def _watch_open_folder(self, email: str) -> None:
        """Point the account's open-folder watcher at the open folder if it is the account's, else stop it."""
        runtime, token = self.runtimes.get(email), self._watching.get(email)
        if runtime is None or token is None:
            return  # not watching yet: `_watch` applies the open folder once the store is open
        folder = self._open_folder[1] if self._open_folder and self._open_folder[0] == email else None
        try:
            runtime.watch_open_folder(folder, lambda name: self._from_watcher(email, name, token), token)
        except Exception:
            log.exception("cannot watch %s of %s; the timer still checks for mail", folder, email)

    def _from_watcher(self, email: str, folder: str, token: CancelToken) -> None:
        """Runs on the watcher's thread: hand over to the GUI thread unless the account is gone."""
        if token.cancelled:
            return
        with contextlib.suppress(RuntimeError):  # the window closed while the watcher was busy
            self._folder_changed.emit(email, folder)

    def _remove(self, email: str) -> None:
        timer = self._checks.pop(email, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
        self.previews.stop(email)
        token = self._watching.pop(email, None)
        if token is not None:
            token.cancel()
        runtime = self.runtimes.pop(email)
        reader = self.readers.pop(email, None)
        if reader is not None:
            reader.close()
        self.runner.run(_closer(runtime), key=email, name="close-account", cleanup=True)

    def reader(self, email: str) -> StoreReader | None:
        return self.readers.get(email)

    def store_path(self, email: str) -> Path | None:
        """The account's store file, once it is open (a worker opens a reader of its own on it)."""
        runtime = self.runtimes.get(email)
        return Path(runtime.store_path) if runtime is not None and email in self.readers else None

    def account(self, email: str) -> Account | None:
        runtime = self.runtimes.get(email)
        return runtime.account if runtime else None

    # -- work ------------------------------------------------------------------------------

    def _run(
        self,
        email: str,
        fn: Callable[[CancelToken, Progress], object],
        on_done: Callable[[object], None] | None = None,
        *,
        name: str = "",
        on_failed: Callable[[object], None] | None = None,
        on_progress: Callable[[object], None] | None = None,
    ) -> Task:
        def failed(error: object) -> None:
            self._report(email, error)
            if on_failed:
                on_failed(error)

        self.previews.pause(email)  # what the user asked for goes before the next preview batch
        return self.runner.run(
            fn,
            key=email,
            name=name,
            on_finished=self._while_open(on_done),
            on_failed=self._while_open(failed),
            on_progress=self._while_open(on_progress),
        )

    def _while_open(self, slot: Callable[[object], None] | None) -> Callable[[object], None] | None:
        """`slot`, called only while this controller runs: a result that arrives after its window closed
        (a sync, a store opened, a body loaded) changes nothing there; the work itself is not stopped."""
        if slot is None:
            return None

        def call(value: object) -> None:
            if not self.closed:
                slot(value)

        return call

    def _report(self, email: str, error: object) -> None:
        if waits_for_connection(error):
            self.went_offline(email, error)
        elif isinstance(error, UserFacingError):
            self.problem.emit(email, error)
        elif not isinstance(error, Cancelled) and type(error).__name__ != "Cancelled":  # e.g. AccountClosed: late work
            self.problem.emit(
                email,
                UserFacingError(ErrorKind.PROTOCOL_ERROR, _("Something went wrong."), details=f"{error!r}"),
            )

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)

    def went_offline(self, email: str, error: object) -> None:
        """A connection failed: say so at once, naming who cannot be reached (this computer, or the provider)."""
        no_network = computer_offline(error, self.network_up)
        changed = self.online or no_network != self.no_network or email != self.unreachable
        self.online, self.no_network, self.unreachable = False, no_network, email
        if changed:
            self.online_changed.emit(False)

    def provider(self, email: str) -> str:
        """The provider of an account as people know it ("example.com" when it has no name)."""
        return provider_name(self.account(email))

    def sync(self, email: str, folders: list[str] | None = None) -> Task | None:
        """Check for new mail (one sync per account at a time)."""
        runtime = self.runtimes.get(email)
        if runtime is None:
            return None
        if email in self.syncing:
            self._again.add(email)  # asked during a sync: the server may have changed since it began
            return self.syncing[email]
        self.sync_state.emit(email, _("Checking for new mail…"))
        mark = inbox_mark(self.readers.get(email))

        def done(report: object) -> None:
            if getattr(report, "ok", True):
                self.check_failed.discard(email)
            else:
                self.check_failed.add(email)  # some folders could not be checked: not "Up to date"
            self._set_online(True)
            for message in [*getattr(report, "rolled_back", []), *getattr(report, "warnings", [])]:
                self.notice.emit(message)
            arrived = new_unread(self.readers.get(email), mark)
            self._sync_ended(email)
            self._preview(email, report)  # after _sync_ended: the chain waits while a sync runs
            if arrived:
                self.new_mail.emit(email, arrived)

        task = self._run(
            email,
            lambda c, p: runtime.sync(folders, c, p),
            done,
            name="sync",
            on_failed=lambda _e: self._sync_failed(email),
            on_progress=lambda value: self._sync_progress(email, value),
        )
        self.syncing[email] = task
        self._beat.start()
        pace.watching(True)
        return task

    def _sync_progress(self, email: str, value: object) -> None:
        self.sync_state.emit(email, str(value))
        # Progress comes right after a batch was committed: show it now, not at the next poll
        # (up to POLL_MS later), so a new account's first screen appears as soon as it is stored.
        # At most every PROGRESS_POLL_S: a big first sync commits several batches a second, and each
        # refresh counts the open folder on this thread.
        now = time.monotonic()
        if now - self._progress_polled >= PROGRESS_POLL_S:
            self._progress_polled = now
            self.poll()

    def _preview(self, email: str, report: object) -> None:
        """The folders this sync brought up to date get previews for their newest messages (open one first)."""
        runtime = self.runtimes.get(email)
        names = [f.name for f in getattr(report, "folders", []) if not f.error]
        if runtime is None or not names:
            return
        open_here = self._open_folder[1] if self._open_folder and self._open_folder[0] == email else None
        self.previews.add(email, runtime, names, first=open_here)

    def _sync_failed(self, email: str) -> None:
        self.check_failed.add(email)
        self._sync_ended(email)

    def _sync_ended(self, email: str) -> None:
        self.syncing.pop(email, None)
        if not self.syncing:
            pace.watching(False)
            self._beat.stop()
        self.sync_state.emit(email, "")
        self.poll()
        runtime = self.runtimes.get(email)
        if runtime is not None:
            self.previews.index(email, runtime)  # what the sync stored becomes quick to search (also offline)
        if email in self.readers:
            self._watch(email)  # a new account's watcher waited for its first sync (no-op when watching)
        if email in self._again:
            self._again.discard(email)
            self.sync(email)

    def sync_all(self) -> None:
        for email in list(self.runtimes):
            self.sync(email)

    def load_body(self, email: str, summary: MessageSummary, on_done: Callable[[object], None]) -> Task:
        """The raw message bytes (from the store, else from the server), delivered to `on_done`."""
        runtime = self.runtimes[email]

        def loaded(raw: object) -> None:
            on_done(raw)

        return self._run(email, lambda c, p: runtime.body(summary, c), loaded, name="load-body")

    def act(
        self,
        email: str,
        kind: str,
        folder_id: int,
        uids: list[int],
        value: object = None,
        on_done: Callable[[object], None] | None = None,
    ) -> Task:
        """Apply an action locally now (the list updates at once), then push it to the server.

        `on_done` receives how to undo it (engine.imap.undo.Done, or None when it cannot be undone).
        """
        runtime = self.runtimes[email]

        def done(result: object) -> None:
            self.poll()
            if on_done is not None:
                on_done(result)

        return self._run_local(email, lambda: runtime.act(kind, folder_id, uids, value), done, name="act")

    def undo(
        self,
        email: str,
        done: object,
        on_done: Callable[[object], None],
        on_failed: Callable[[object], None] | None = None,
    ) -> Task:
        """Put back what an action changed: at once here, on the server now or when it can be reached.

        `on_done` receives the Redo. Moved messages show in their folder again after a sync of both.
        """
        runtime = self.runtimes[email]

        def undone(redo: object) -> None:
            self.poll()
            on_done(redo)

        task = self._run_local(email, lambda: runtime.undo(done), undone, name="undo", on_failed=on_failed)
        if self.online and getattr(done, "kind", "") == "move":
            self.sync(email)  # after the push: the moved-back copies arrive with their new UIDs
        return task

    def _run_local(
        self,
        email: str,
        fn: Callable[[], object],
        on_done: Callable[[object], None],
        *,
        name: str,
        on_failed: Callable[[object], None] | None = None,
    ) -> Task:
        """A person's action, then (online) the push that tells the server, queued behind the account's work.

        The action runs on the account's local queue: it changes the store at once, also while the account's
        own queue waits on a silent network (runtime.local_store). The push waits there for it to commit.
        """
        runtime = self.runtimes[email]
        local = getattr(runtime, "local_first", False)
        committed = threading.Event()

        def act(cancel: CancelToken, progress: Progress) -> object:
            try:
                return fn()
            finally:
                committed.set()

        def failed(error: object) -> None:
            self._report(email, error)
            if on_failed:
                on_failed(error)

        if local:
            task = self.runner.run(
                act,
                key=f"{email}/local",
                name=name,
                on_finished=self._while_open(on_done),
                on_failed=self._while_open(failed),
            )
        else:  # one queue: the push simply follows
            task = self._run(email, act, on_done, name=name, on_failed=on_failed)

        def push(cancel: CancelToken, progress: Progress) -> list[str]:
            # The action's queue never waits on the network, so this wait is short; a cancelled
            # action (the window closing) never runs and ends it too.
            while not committed.wait(0.05):
                if task.token.cancelled or cancel.cancelled:
                    break
            return runtime.push_changes(cancel)

        if self.online:
            self._run(email, push, self._pushed, name="push")
        return task

    def change_folder(
        self,
        email: str,
        kind: str,
        folder_id: int | None,
        name: str = "",
        on_done: Callable[[object], None] | None = None,
    ) -> Task:
        """Create, rename or delete a folder: the folder list changes now (offline too), the server follows."""
        runtime = self.runtimes[email]

        def done(result: object) -> None:
            self.poll()
            if on_done is not None:
                on_done(result)

        task = self._run(email, lambda c, p: runtime.change_folder(kind, folder_id, name), done, name="folder")
        if self.online:
            self._run(email, lambda c, p: runtime.push_changes(c), self._pushed, name="push")
        return task

    def _pushed(self, messages: object) -> None:
        self._set_online(True)
        for message in messages if isinstance(messages, list) else []:
            self.notice.emit(str(message))
        self.poll()

    def send(
        self,
        email: str,
        build: Callable[[], Any],
        on_done: Callable[[object], None],
        on_failed: Callable[[object], None],
    ) -> Task:
        """Build the message on the worker (attachments are read there), queue it in the outbox, send it."""
        runtime = self.runtimes[email]

        def finished(result: object) -> None:
            error = getattr(result, "error", None)
            if waits_for_connection(error):
                self.went_offline(email, error)
            if error is not None and str(getattr(result, "state", "")) == "sent":
                on_done(result)  # it has left; only its copy in Sent waits for the incoming server
            elif error is not None:
                on_failed(error)
            else:
                on_done(result)
                if error is not None:  # sent; only the Sent copy waits: say so calmly
                    self.notice.emit(error.message)
            self.poll()

        self.previews.pause(email)
        return self.runner.run(
            lambda c, p: runtime.send(build(), c), key=email, name="send", on_finished=finished, on_failed=on_failed
        )

    def queue_send(
        self,
        email: str,
        build: Callable[[], Any],
        delay: float,
        on_done: Callable[[object], None],
        on_failed: Callable[[object], None],
    ) -> Task:
        """Build the message on the worker and put it in the outbox to leave in `delay` s (Undo Send).

        `on_done` receives the outbox item id; `send_queued` sends it when the wait is over.
        """
        runtime = self.runtimes[email]

        def queued(item_id: object) -> None:
            self.poll()
            on_done(item_id)

        self.previews.pause(email)
        return self.runner.run(
            lambda c, p: runtime.queue(build(), delay), key=email, name="queue", on_finished=queued, on_failed=on_failed
        )

    def send_queued(
        self, email: str, item_id: int, on_done: Callable[[object], None], on_failed: Callable[[object], None]
    ) -> Task:
        """Send one outbox item now; `on_failed` gets the error when it still waits in the outbox."""
        runtime = self.runtimes[email]

        def finished(result: object) -> None:
            error = getattr(result, "error", None)
            on_failed(error) if error is not None else on_done(result)
            self.poll()

        self.previews.pause(email)
        return self.runner.run(
            lambda c, p: runtime.send_queued(item_id, c),
            key=email, name="send", on_finished=finished, on_failed=on_failed, cleanup=True,
        )  # fmt: skip

    def take_back(self, email: str, item_id: int, on_done: Callable[[object], None]) -> Task:
        """Undo Send: the message's bytes out of the outbox (None: it already left)."""
        runtime = self.runtimes[email]

        def taken(raw: object) -> None:
            self.poll()
            on_done(raw)

        return self._run(email, lambda c, p: runtime.take_back(item_id), taken, name="take-back")

    def run_for(
        self,
        email: str,
        fn: Callable[[Runtime], object],
        on_done: Callable[[object], None],
        on_failed: Callable[[object], None] | None = None,
    ) -> Task:
        """Any other blocking call on the account's worker, e.g. reading the outbox."""
        runtime = self.runtimes[email]
        return self._run(email, lambda c, p: fn(runtime), on_done, on_failed=on_failed)

    # -- noticing changes -----------------------------------------------------------------------

    def poll(self) -> None:
        """Emit store_changed for each store another connection committed to since last time."""
        for email, reader in list(self.readers.items()):
            try:
                version = reader.data_version()
            except Exception:  # a closed or vanished store: nothing to show
                log.exception("cannot read the store of %s", email)
                continue
            if version != self._versions.get(email):
                self._versions[email] = version
                self.store_changed.emit(email)

    def shutdown(self) -> None:
        self.closed = True
        self._beat.stop()
        pace.watching(False)  # a sync still finishing must not wait for a window that is gone
        self.previews.stop_all()
        for token in self._watching.values():
            token.cancel()
        self._watching.clear()
        self._poll.stop()
        for timer in self._checks.values():
            timer.stop()
        self._checks.clear()
        for reader in self.readers.values():
            reader.close()
        self.readers.clear()
        for email, runtime in list(self.runtimes.items()):
            self.runner.run(_closer(runtime), key=email, name="close-account", cleanup=True)
        self.runtimes.clear()


def connection_of(account: Account) -> tuple[object, ...]:
    """What the open connections depend on: when it changes, the account's runtime is made anew."""
    return (account.incoming, account.outgoing, account.policy, account.auth, account.oauth2)


def _opener(runtime: Runtime) -> Callable[[CancelToken, Progress], object]:
    """Open (and create) the account's store on its worker, so the GUI's reader finds the file."""
    return lambda cancel, progress: runtime.store()


def _closer(runtime: Runtime) -> Callable[[CancelToken, Progress], object]:
    return lambda cancel, progress: runtime.close()
