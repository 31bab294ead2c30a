"""Run a few blocking calls at once on daemon threads (discovery must never wait for a straggler)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from deskmail.core.cancel import CancelToken

T = TypeVar("T")


def run_all(calls: list[Callable[[], T]], cancel: CancelToken) -> list[T | BaseException]:
    """Run every call on its own thread; their results (or exceptions) in order, `_Unfinished` if cancelled."""
    # On cancel we return at once: calls still running stop on their own, they hold the same token.
    results: list[T | BaseException | None] = [None] * len(calls)
    done = threading.Semaphore(0)

    def runner(index: int, call: Callable[[], T]) -> None:
        try:
            results[index] = call()
        except BaseException as exc:
            results[index] = exc
        finally:
            done.release()

    for index, call in enumerate(calls):
        threading.Thread(target=runner, args=(index, call), daemon=True, name="discovery-part").start()
    for _ in calls:
        while not done.acquire(timeout=0.05):
            if cancel.cancelled:
                return [r if r is not None else _Unfinished() for r in results]
    return [r if r is not None else _Unfinished() for r in results]


class _Unfinished(Exception):
    """Placeholder for a call still running when the caller was cancelled."""
