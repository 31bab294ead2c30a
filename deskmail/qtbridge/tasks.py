"""Background tasks whose results arrive as Qt signals on the GUI thread.

The engine is blocking; the UI must never block. `TaskRunner.run(fn)` runs
`fn(cancel, progress)` on a worker thread and hands back a `Task` whose signals are
emitted on the thread that created it (the GUI thread). Work for one stateful resource
(an account's IMAP connection and SQLite writer) goes to a single-worker queue chosen
by `key`, so it runs strictly in order and never concurrently.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import UserFacingError

log = logging.getLogger(__name__)

Progress = Callable[[object], None]
TaskFn = Callable[[CancelToken, Progress], Any]


class Task(QObject):
    """A handle on one background call: its signals, its cancel token, its outcome.

    Exactly one of `finished(result)` / `failed(exception)` is emitted unless the task
    was cancelled first, in which case neither is (late results are dropped).
    `ended()` is always emitted last, also after a cancel, for bookkeeping.
    """

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    ended = Signal()

    # Emitted from the worker thread, received (queued) on this object's own thread.
    _progress_from_worker = Signal(object)
    _done_from_worker = Signal(bool, object)

    def __init__(self, name: str = "", cancel: CancelToken | None = None) -> None:
        super().__init__()
        self.name = name
        self.token = cancel if cancel is not None else CancelToken()
        self.done = False
        self.result: object = None
        self.error: BaseException | None = None
        self.cleanup = False  # closing work: not cancelled by TaskRunner.cancel_all
        self._dropped = False  # set by cancel(): the caller no longer wants any outcome
        self._progress_from_worker.connect(self._relay_progress, Qt.ConnectionType.QueuedConnection)
        self._done_from_worker.connect(self._relay_done, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        """Ask the work to stop; from now on its results and progress are dropped."""
        self._dropped = True
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        """True once `cancel()` was called (a token's own deadline ends in `failed(Cancelled)`)."""
        return self._dropped

    def __repr__(self) -> str:
        state = "done" if self.done else "cancelled" if self.cancelled else "running"
        return f"<Task {self.name or '?'} {state}>"

    # -- worker side -------------------------------------------------------------

    def _execute(self, fn: TaskFn) -> None:
        """Run `fn` here on the worker thread and post its outcome to the owner thread."""
        if self.token.cancelled:
            self._post_done(False, Cancelled())
            return
        try:
            value = fn(self.token, self._report_progress)
        except BaseException as exc:  # every failure must reach the GUI, never kill the pool
            self._post_done(False, exc)
        else:
            self._post_done(True, value)

    def _report_progress(self, value: object) -> None:
        if not self._dropped:
            self._emit_safely(self._progress_from_worker, value)

    def _post_done(self, ok: bool, value: object) -> None:
        self._emit_safely(self._done_from_worker, ok, value)

    @staticmethod
    def _emit_safely(signal: Any, *args: object) -> None:
        # RuntimeError: the Qt side was deleted (app shutting down); nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            signal.emit(*args)

    # -- owner (GUI) thread side ------------------------------------------------------

    @Slot(object)
    def _relay_progress(self, value: object) -> None:
        if not self._dropped and not self.done:
            self.progress.emit(value)

    @Slot(bool, object)
    def _relay_done(self, ok: bool, value: object) -> None:
        self.done = True
        if not self._dropped:
            if ok:
                self.result = value
                self.finished.emit(value)
            else:
                self.error = value if isinstance(value, BaseException) else None
                _log_failure(self.name, value)
                self.failed.emit(value)
        self.ended.emit()


def _log_failure(name: str, error: object) -> None:
    """Expected, user-fixable errors are info; anything else is a bug worth a traceback."""
    if isinstance(error, UserFacingError | Cancelled):
        log.info("task %s: %s", name or "?", error)
    elif isinstance(error, BaseException):
        log.warning("task %s failed", name or "?", exc_info=(type(error), error, error.__traceback__))


class TaskRunner(QObject):
    """Runs callables on worker threads: a shared pool, plus one ordered queue per key."""

    def __init__(self, parent: QObject | None = None, max_workers: int = 4) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="deskmail-task")
        self._queues: dict[str, ThreadPoolExecutor] = {}
        self._tasks: set[Task] = set()
        self._lock = threading.Lock()
        self._closed = False

    def run(
        self,
        fn: TaskFn,
        *,
        key: str | None = None,
        name: str = "",
        on_finished: Callable[[object], None] | None = None,
        on_failed: Callable[[object], None] | None = None,
        on_progress: Callable[[object], None] | None = None,
        cancel: CancelToken | None = None,
        cleanup: bool = False,
    ) -> Task:
        """Start `fn(cancel, progress)`; with `key`, after earlier work of the same key.

        `cleanup=True` marks closing work (logout, closing a store) that `cancel_all` and
        `shutdown` leave alone, so it still runs after everything else was cancelled.

        Call from the GUI thread. The optional callbacks are connected before the work
        starts; connecting to the returned task's signals right away is just as safe,
        because outcomes are delivered through the event loop.
        """
        if self._closed:
            raise RuntimeError("TaskRunner is shut down")
        task = Task(name or getattr(fn, "__name__", ""), cancel)
        task.cleanup = cleanup
        for signal, slot in ((task.finished, on_finished), (task.failed, on_failed), (task.progress, on_progress)):
            if slot is not None:
                signal.connect(slot)
        self._tasks.add(task)
        task.ended.connect(lambda: self._tasks.discard(task))
        future: Future[None] = self._executor_for(key).submit(task._execute, fn)
        del future  # outcomes travel through the task's signals, never through the future
        return task

    def _executor_for(self, key: str | None) -> ThreadPoolExecutor:
        if key is None:
            return self._pool
        with self._lock:
            executor = self._queues.get(key)
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"deskmail-{_short(key)}")
                self._queues[key] = executor
            return executor

    @property
    def active(self) -> list[Task]:
        """Tasks whose outcome has not been delivered yet."""
        return list(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            if not task.cleanup:
                task.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel everything and stop the workers (at application exit)."""
        self._closed = True
        self.cancel_all()
        executors = [self._pool, *self._queues.values()]
        # Queued work is not dropped: cancelled tasks return at once, cleanup tasks still run.
        for executor in executors:
            executor.shutdown(wait=False)
        if wait:
            for executor in executors:
                executor.shutdown(wait=True)


def _short(key: str) -> str:
    """A thread name fragment that does not put a whole address in every log line."""
    name = key.split("@", 1)[0][:12] or "queue"
    return f"{name}-local" if key.endswith("/local") else name  # an account's actions beside its network work
