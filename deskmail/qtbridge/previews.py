"""The preview pass on the account's worker: a chain of one-batch tasks that always lets other work go first.

Before it, the same chain builds the search index a sync left behind (engine.runtime.index_search:
local, quick, and search no longer needs to scan those messages one by one); after every sync,
whether it reached the server or not.

Once every folder has its previews, the same chain downloads recent bodies for offline reading
(engine.runtime.fill_bodies), at the same low priority, when `offline` allows it (not on a
metered network).

Each batch (engine.imap.previews, ~100 messages, three IMAP commands) is its own task on the
account's single-worker queue, queued only when the previous one ended. So work asked for in the
meantime (a sync, opening a message, an action) runs before the next batch; `pause` also cancels
the running batch, which stops at its next command. A sync stops the chain; its report restarts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject

from deskmail.core.cancel import CancelToken
from deskmail.qtbridge.tasks import Task, TaskRunner

log = logging.getLogger(__name__)


class PreviewRuntime(Protocol):
    def index_search(self, cancel: CancelToken = ...) -> int: ...

    def fill_previews(self, folder: str, cancel: CancelToken = ...) -> int: ...

    def fill_bodies(self, folder: str, cancel: CancelToken = ..., *, metered: bool = ...) -> int: ...


class PreviewChain(QObject):
    """Per account: the folders still to preview (the open one first) and the batch running now."""

    def __init__(
        self,
        runner: TaskRunner,
        busy: Callable[[str], bool],
        parent: QObject | None = None,
        *,
        offline: Callable[[str], bool] = lambda _email: False,
        metered: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.busy = busy  # True while the account syncs: the sync's report restarts the chain
        self.offline = offline  # True: once previews are done, bodies are downloaded for offline reading
        self.metered = metered  # the connection is metered now (the runtime's settings say whether that stops it)
        self._todo: dict[str, list[str]] = {}
        self._bodies: dict[str, list[str]] = {}  # folders whose recent bodies are still to download
        self._indexing: set[str] = set()  # accounts whose search index may be behind
        self._runtimes: dict[str, PreviewRuntime] = {}
        self._running: dict[str, Task] = {}

    def add(self, email: str, runtime: PreviewRuntime, folders: list[str], first: str | None = None) -> None:
        """Preview these folders (after their header sync), `first` before the others."""
        for queue in (self._todo.setdefault(email, []), self._bodies.setdefault(email, [])):
            queue.extend(f for f in folders if f not in queue)
        self._runtimes[email] = runtime
        if first is not None:
            self.prefer(email, first)
        self._next(email)

    def index(self, email: str, runtime: PreviewRuntime) -> None:
        """Bring the account's search index up to date (what its last sync stored), before any preview."""
        self._indexing.add(email)
        self._runtimes[email] = runtime
        self._next(email)

    def prefer(self, email: str, folder: str) -> None:
        """The user opened `folder`: its previews come next."""
        for todo in (self._todo.get(email, []), self._bodies.get(email, [])):
            if folder in todo:
                todo.remove(folder)
                todo.insert(0, folder)

    def pause(self, email: str) -> None:
        """Other work for this account is coming: stop the running batch; the chain goes on after that work."""
        task = self._running.get(email)
        if task is not None:
            task.cancel()

    def stop(self, email: str) -> None:
        self.pause(email)
        self._todo.pop(email, None)
        self._bodies.pop(email, None)
        self._indexing.discard(email)
        self._runtimes.pop(email, None)

    def stop_all(self) -> None:
        for email in list(self._runtimes):
            self.stop(email)

    def pending(self, email: str) -> list[str]:
        return list(self._todo.get(email, []))

    def pending_bodies(self, email: str) -> list[str]:
        return list(self._bodies.get(email, []))

    def _next(self, email: str) -> None:
        runtime = self._runtimes.get(email)
        if email in self._running or runtime is None or self.busy(email):
            return
        todo, bodies = self._todo.get(email), self._bodies.get(email)
        if email in self._indexing:
            task = self._start(email, runtime.index_search, "search-index", lambda rows: self._indexed(email, rows))
        elif todo:  # previews for every folder first: the list needs them; bodies are for later
            folder = todo[0]
            task = self._start(
                email,
                lambda cancel: runtime.fill_previews(folder, cancel),
                "previews",
                lambda looked: self._batch_done(todo, folder, looked),
            )
        elif bodies and self.offline(email):
            folder, metered = bodies[0], self.metered()
            task = self._start(
                email,
                lambda cancel: runtime.fill_bodies(folder, cancel, metered=metered),
                "offline-bodies",
                lambda looked: self._batch_done(bodies, folder, looked),
            )
        else:
            return
        if task is None:
            return
        self._running[email] = task
        task.ended.connect(lambda: self._ended(email, task))

    def _start(
        self, email: str, step: Callable[[CancelToken], int], name: str, done: Callable[[object], None]
    ) -> Task | None:
        on_failed = self._index_failed if name == "search-index" else self._failed
        try:
            return self.runner.run(
                lambda cancel, _progress: step(cancel),
                key=email,
                name=name,
                on_finished=done,
                on_failed=lambda error: on_failed(email, error),
            )
        except RuntimeError:  # the runner shut down (the app is closing)
            return None

    def _indexed(self, email: str, rows: object) -> None:
        if not rows:
            self._indexing.discard(email)

    def _index_failed(self, email: str, error: object) -> None:
        """A store that cannot be written (disk full...): search still finds everything; the next sync tries again."""
        log.info("search index of %s not built: %s", email, error)
        self._indexing.discard(email)

    def _batch_done(self, queue: list[str], folder: str, looked: object) -> None:
        if not looked and folder in queue:
            queue.remove(folder)  # this folder is done: previews all there, or recent bodies all downloaded

    def _failed(self, email: str, error: object) -> None:
        """Offline or refused: nothing to do until the next sync asks again (it reports the problem itself)."""
        log.info("preview pass of %s stopped: %s", email, error)
        self._todo.pop(email, None)
        self._bodies.pop(email, None)

    def _ended(self, email: str, task: Task) -> None:
        if self._running.get(email) is task:
            del self._running[email]
        self._next(email)
