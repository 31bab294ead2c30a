"""The window's local search on a worker thread, so typing never waits for the store.

A search over a big store takes a while: the FTS5 index answers a common word in 100k messages in
~70 ms, and messages the background indexing has not reached yet are matched one by one (0.3 s at
100k, seconds at 1M right after a big first sync). So each search runs on the runner's shared
pool (never behind an account's sync on its queue), through readers of its own: SQLite
connections are never shared between threads here. The newest search wins: starting one cancels
the one before, which stops inside SQLite within about a millisecond (`StoreReader.cancellable`)
and whose results are never delivered.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from deskmail.core.cancel import CancelToken
from deskmail.engine import pace
from deskmail.engine.store.models import MessageSummary
from deskmail.engine.store.reader import StoreReader
from deskmail.qtbridge.tasks import Progress, Task, TaskRunner

SEARCH_LIMIT = 500  # per account, newest first: the list shows them by date anyway

Found = list[tuple[str, list[MessageSummary]]]  # per account (in the order asked): its email, its matches


def search_stores(text: str, stores: Sequence[tuple[str, Path]], cancel: CancelToken) -> Found:
    """Search each account's store in turn, through a read-only connection opened (and closed) here."""
    found: Found = []
    for email, path in stores:
        cancel.raise_if_cancelled()
        try:
            reader = StoreReader.open(path)
        except sqlite3.Error:  # the store went away (account removed meanwhile): nothing to find there
            continue
        try:
            with reader.cancellable(cancel):
                found.append((email, reader.search(text, limit=SEARCH_LIMIT, newest_first=True)))
        finally:
            reader.close()
    return found


class LocalSearch(QObject):
    """At most one local search at a time; `found(text, Found)` arrives on the GUI thread."""

    found = Signal(str, object)
    failed = Signal(str, object)  # the text, the error (a broken store): shown as finding nothing

    def __init__(
        self,
        runner: TaskRunner,
        parent: QObject | None = None,
        work: Callable[[str, Sequence[tuple[str, Path]], CancelToken], Found] = search_stores,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.work = work
        self._task: Task | None = None
        self.text = ""  # what the running search looks for ("" when none runs)
        # While a search runs the window beats, so the search can leave it the GIL (engine/pace.py).
        self._beat = QTimer(self)
        self._beat.setInterval(pace.BEAT_MS)
        self._beat.timeout.connect(pace.heard)
        self.destroyed.connect(lambda: pace.watching(False, "search"))  # gone mid-search: nobody beats any more

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, text: str, stores: Sequence[tuple[str, Path]]) -> None:
        """Search `stores` for `text`, abandoning the search still running."""
        self.cancel()
        self.text = text
        stores = list(stores)

        def run(cancel: CancelToken, _progress: Progress) -> Found:
            return self.work(text, stores, cancel)

        task = self.runner.run(run, name="search")
        task.finished.connect(lambda result: self._ended(task, True, result))
        task.failed.connect(lambda error: self._ended(task, False, error))
        self._task = task
        self._watch(True)

    def cancel(self) -> None:
        """Abandon the running search (it stops soon, and its results never arrive)."""
        if self._task is not None:
            self._task.cancel()
            self._watch(False)
        self._task = None
        self.text = ""

    def _watch(self, on: bool) -> None:
        pace.watching(on, "search")
        if on:
            self._beat.start()
        else:
            self._beat.stop()

    def _ended(self, task: Task, ok: bool, value: object) -> None:
        if task is not self._task:  # superseded (its results were dropped already; this is belt and braces)
            return
        text = self.text
        self._task = None
        self.text = ""
        with contextlib.suppress(RuntimeError):  # the window closed while the search ran
            self._watch(False)
            (self.found if ok else self.failed).emit(text, value)
