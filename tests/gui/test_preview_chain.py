"""The preview chain on an account's worker queue: batch after batch, other work first, stopped by a sync."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import CancelToken
from deskmail.qtbridge.previews import PreviewChain
from deskmail.qtbridge.tasks import TaskRunner

pytestmark = pytest.mark.gui
KEY = "anna@example.test"


class Batches:
    """A runtime whose preview batches are logged; each folder has `left` batches; `hold` blocks one."""

    def __init__(self, left: dict[str, int]) -> None:
        self.left = left
        self.log: list[str] = []
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.hold.set()

    def fill_previews(self, folder: str, cancel: CancelToken = CancelToken()) -> int:  # noqa: B008
        self.holding.set()
        while not self.hold.wait(0.01):
            pass
        cancel.raise_if_cancelled()  # like the real pass: the token is looked at before the next command
        if not self.left.get(folder):
            self.log.append(f"{folder} done")
            return 0
        self.left[folder] -= 1
        self.log.append(folder)
        return 100


@pytest.fixture
def runner(qapp: object) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


def test_batches_run_one_after_another_open_folder_first(qtbot: QtBot, runner: TaskRunner) -> None:
    runtime = Batches({"INBOX": 2, "Archive": 1})
    chain = PreviewChain(runner, lambda _email: False)
    chain.add(KEY, runtime, ["INBOX", "Archive"], first="Archive")
    qtbot.waitUntil(lambda: chain.pending(KEY) == [], timeout=5000)
    assert runtime.log == ["Archive", "Archive done", "INBOX", "INBOX", "INBOX done"]


def test_other_work_pauses_the_running_batch_and_goes_first(qtbot: QtBot, runner: TaskRunner) -> None:
    runtime = Batches({"INBOX": 3})
    runtime.hold.clear()
    chain = PreviewChain(runner, lambda _email: False)
    chain.add(KEY, runtime, ["INBOX"])
    assert runtime.holding.wait(5)
    chain.pause(KEY)  # what MailController does before queueing the user's work
    runner.run(lambda _c, _p: runtime.log.append("open message"), key=KEY)
    runtime.hold.set()
    qtbot.waitUntil(lambda: chain.pending(KEY) == [], timeout=5000)
    assert runtime.log == ["open message", "INBOX", "INBOX", "INBOX", "INBOX done"]


def test_a_sync_stops_the_chain_and_its_report_restarts_it(qtbot: QtBot, runner: TaskRunner) -> None:
    runtime = Batches({"INBOX": 2})
    syncing = {KEY}
    chain = PreviewChain(runner, lambda email: email in syncing)
    chain.add(KEY, runtime, ["INBOX"])
    qtbot.wait(100)
    assert runtime.log == [] and chain.pending(KEY) == ["INBOX"]
    syncing.clear()
    chain.add(KEY, runtime, ["INBOX"])  # the sync's report
    qtbot.waitUntil(lambda: chain.pending(KEY) == [], timeout=5000)
    assert runtime.log == ["INBOX", "INBOX", "INBOX done"]


def test_a_failure_stops_the_chain_quietly(qtbot: QtBot, runner: TaskRunner) -> None:
    class Offline(Batches):
        def fill_previews(self, folder: str, cancel: CancelToken = CancelToken()) -> int:  # noqa: B008
            self.log.append(folder)
            raise OSError("network is unreachable")

    runtime = Offline({"INBOX": 5})
    chain = PreviewChain(runner, lambda _email: False)
    chain.add(KEY, runtime, ["INBOX", "Sent"])
    qtbot.waitUntil(lambda: chain.pending(KEY) == [], timeout=5000)
    qtbot.wait(100)
    assert runtime.log == ["INBOX"]  # no retry loop: the next sync asks again


class Indexing(Batches):
    """Also a search index behind by `behind` rows, indexed `batch` at a time."""

    def __init__(self, left: dict[str, int], behind: int, batch: int = 2) -> None:
        super().__init__(left)
        self.behind, self.batch = behind, batch

    def index_search(self, cancel: CancelToken = CancelToken()) -> int:  # noqa: B008
        cancel.raise_if_cancelled()
        done = min(self.batch, self.behind)
        self.behind -= done
        self.log.append(f"index {done}")
        return done


def test_the_search_index_is_built_first_in_batches_then_the_previews(qtbot: QtBot, runner: TaskRunner) -> None:
    runtime = Indexing({"INBOX": 1}, behind=5)
    syncing = {KEY}
    chain = PreviewChain(runner, lambda email: email in syncing)
    chain.index(KEY, runtime)
    qtbot.wait(100)
    assert runtime.log == []  # not while the sync runs
    syncing.clear()
    chain.index(KEY, runtime)  # the sync ended
    chain.add(KEY, runtime, ["INBOX"])  # its report
    qtbot.waitUntil(lambda: chain.pending(KEY) == [], timeout=5000)
    assert runtime.log == ["index 2", "index 2", "index 1", "index 0", "INBOX", "INBOX done"]
