"""TaskRunner: work on worker threads, outcomes as signals on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.qtbridge.tasks import Progress, TaskRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qapp: object) -> Iterator[TaskRunner]:
    r = TaskRunner(max_workers=4)
    yield r
    r.shutdown(wait=True)


def test_result_arrives_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:
    seen: dict[str, object] = {}

    def work(cancel: CancelToken, progress: Progress) -> int:
        seen["worker_thread"] = threading.current_thread()
        return 42

    def on_finished(value: object) -> None:
        seen["value"] = value
        seen["slot_in_gui_thread"] = QThread.currentThread() is qapp_thread

    qapp_thread = QThread.currentThread()
    task = runner.run(work, on_finished=on_finished)
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert seen["value"] == 42
    assert seen["slot_in_gui_thread"] is True
    assert seen["worker_thread"] is not threading.main_thread()
    assert task.done and task.result == 42
    assert runner.active == []


def test_exception_arrives_as_failed(qtbot, runner: TaskRunner) -> None:
    error = UserFacingError(ErrorKind.TIMEOUT, "The server did not answer.")

    def work(cancel: CancelToken, progress: Progress) -> None:
        raise error

    task = runner.run(work)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == [error]
    assert task.error is error


def test_progress_arrives_in_order_before_the_result(qtbot, runner: TaskRunner) -> None:
    events: list[object] = []

    def work(cancel: CancelToken, progress: Progress) -> str:
        for step in ("Connecting...", "Logging in...", "Listing folders..."):
            progress(step)
        return "ok"

    task = runner.run(work, on_progress=events.append, on_finished=lambda v: events.append(("done", v)))
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert events == ["Connecting...", "Logging in...", "Listing folders...", ("done", "ok")]


def test_cancel_sets_the_token_and_drops_the_late_result(qtbot, runner: TaskRunner) -> None:
    started = threading.Event()
    saw_cancel = threading.Event()

    def work(cancel: CancelToken, progress: Progress) -> str:
        started.set()
        cancel.wait(10)
        if cancel.cancelled:
            saw_cancel.set()
        progress("too late")
        return "late result"

    outcomes: list[object] = []
    task = runner.run(work, on_finished=outcomes.append, on_failed=outcomes.append, on_progress=outcomes.append)
    assert started.wait(5)
    with qtbot.waitSignal(task.ended, timeout=5000):
        task.cancel()
    assert saw_cancel.is_set()
    assert outcomes == []
    assert task.cancelled and task.result is None


def test_a_cancelled_task_that_raises_cancelled_is_silent(qtbot, runner: TaskRunner) -> None:
    def work(cancel: CancelToken, progress: Progress) -> None:
        cancel.wait(10)
        cancel.raise_if_cancelled()

    failures: list[object] = []
    task = runner.run(work, on_failed=failures.append)
    with qtbot.waitSignal(task.ended, timeout=5000):
        task.cancel()
    assert failures == []


def test_an_expired_deadline_is_reported_as_failed(qtbot, runner: TaskRunner) -> None:
    def work(cancel: CancelToken, progress: Progress) -> None:
        cancel.wait(10)
        cancel.raise_if_cancelled()

    task = runner.run(work, cancel=CancelToken.with_timeout(0.01))
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], Cancelled)


def test_same_key_runs_in_order_one_at_a_time(qtbot, runner: TaskRunner) -> None:
    log: list[tuple[str, int]] = []
    running = 0
    overlap = False
    lock = threading.Lock()

    def make(i: int):
        def work(cancel: CancelToken, progress: Progress) -> int:
            nonlocal running, overlap
            with lock:
                running += 1
                overlap = overlap or running > 1
                log.append(("start", i))
            threading.Event().wait(0.01)
            with lock:
                running -= 1
                log.append(("end", i))
            return i

        return work

    tasks = [runner.run(make(i), key="alice@example.test") for i in range(5)]
    qtbot.waitUntil(lambda: all(t.done for t in tasks), timeout=5000)
    assert not overlap
    assert log == [(kind, i) for i in range(5) for kind in ("start", "end")]


def test_different_keys_run_side_by_side(qtbot, runner: TaskRunner) -> None:
    # Each task waits for the other: this only completes if both run at the same time.
    barrier = threading.Barrier(2, timeout=5)

    def work(cancel: CancelToken, progress: Progress) -> bool:
        barrier.wait()
        return True

    a = runner.run(work, key="alice@example.test")
    b = runner.run(work, key="bob@example.test")
    qtbot.waitUntil(lambda: a.done and b.done, timeout=8000)
    assert a.result is True and b.result is True


def test_shutdown_cancels_running_work(qapp: object) -> None:
    r = TaskRunner()
    started = threading.Event()
    stopped = threading.Event()

    def work(cancel: CancelToken, progress: Progress) -> None:
        started.set()
        cancel.wait(10)
        stopped.set()

    r.run(work, key="alice@example.test")
    assert started.wait(5)
    r.shutdown(wait=True)
    assert stopped.is_set()
    with pytest.raises(RuntimeError):
        r.run(work)
