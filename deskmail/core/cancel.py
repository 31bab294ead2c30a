"""Cancel tokens: long operations check them between steps."""

from __future__ import annotations

import threading
import time


class Cancelled(Exception):
    """Raised by `CancelToken.raise_if_cancelled` once the token is cancelled."""


class CancelToken:
    """A thread-safe flag with an optional deadline, passed down to every slow call.

    Children made with `child()` are cancelled with their parent but can also be
    cancelled on their own (e.g. one discovery source among many).
    """

    def __init__(self, deadline: float | None = None, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._deadline = deadline
        self._parent = parent
        self._children: list[CancelToken] = []
        self._lock = threading.Lock()
        if parent is not None:
            parent._adopt(self)

    @classmethod
    def with_timeout(cls, seconds: float) -> CancelToken:
        return cls(deadline=time.monotonic() + seconds)

    def child(self, timeout: float | None = None) -> CancelToken:
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._deadline is not None:
            deadline = self._deadline if deadline is None else min(deadline, self._deadline)
        return CancelToken(deadline=deadline, parent=self)

    def _adopt(self, child: CancelToken) -> None:
        with self._lock:
            self._children.append(child)
            cancelled = self._event.is_set()
        if cancelled:
            child.cancel()

    def cancel(self) -> None:
        self._event.set()
        with self._lock:
            children = list(self._children)
        for child in children:
            child.cancel()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return True
        return self._parent is not None and self._parent.cancelled

    def remaining(self, cap: float | None = None) -> float | None:
        """Seconds left before the deadline (never negative), bounded by `cap`."""
        left: float | None = None
        if self._deadline is not None:
            left = max(0.0, self._deadline - time.monotonic())
        if self._parent is not None:
            parent_left = self._parent.remaining()
            if parent_left is not None:
                left = parent_left if left is None else min(left, parent_left)
        if cap is not None:
            left = cap if left is None else min(left, cap)
        return left

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; return True early if cancelled."""
        end = time.monotonic() + seconds
        while not self.cancelled:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self._event.wait(min(left, 0.05))
        return True

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


NEVER = CancelToken()
"""A token nobody cancels, for callers that do not need one."""
