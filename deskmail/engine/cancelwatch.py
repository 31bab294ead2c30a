"""One shared thread that shuts down connections whose cancel token fired, so blocking calls return.

Blocking sockets cannot wait on a token; shutting the connection down wakes the blocked call.
One thread for the whole process, instead of one per network step.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from deskmail.core.cancel import NEVER, CancelToken

_POLL = 0.05  # seconds between looks at the tokens: cancelling takes at most this long


class _Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._entries: dict[int, tuple[socket.socket, CancelToken]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, handle: socket.socket, cancel: CancelToken) -> int:
        with self._lock:
            key = next(self._keys)
            self._entries[key] = (handle, cancel)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cancel-watch", daemon=True)
                self._thread.start()
            self._lock.notify()
        return key

    def remove(self, key: int) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._entries:
                    self._lock.wait()
                # Shut down under the lock: `remove` (and the caller's close) cannot run meanwhile.
                for key, (handle, cancel) in list(self._entries.items()):
                    if cancel.cancelled:
                        del self._entries[key]
                        with contextlib.suppress(OSError):  # already closed by the other side
                            handle.shutdown(socket.SHUT_RDWR)
                self._lock.wait(_POLL)


_watchdog = _Watchdog()


@contextmanager
def closes_on_cancel(sock: socket.socket, cancel: CancelToken) -> Iterator[None]:
    """While inside, a cancelled token (or its deadline) shuts the connection so blocking calls return."""
    if cancel is NEVER:  # nobody can cancel it: nothing to watch
        yield
        return
    # A duplicate descriptor: TLS wrapping detaches `sock`, but shutting down the dup still
    # ends the same connection, and its number cannot be reused by someone else meanwhile.
    handle = socket.fromfd(sock.fileno(), sock.family, sock.type)  # SSLSocket.dup() is refused
    try:
        key = _watchdog.add(handle, cancel)
    except BaseException:  # the watchdog's thread could not start: the duplicate is closed all the same
        handle.close()
        raise
    try:
        yield
    finally:
        _watchdog.remove(key)
        handle.close()


class Deadline(CancelToken):
    """A deadline for one step, that can be pushed back (e.g. once a download's size is known).

    Not a child of the operation's token (children stay referenced by their parent for good):
    it looks at that token instead, so cancelling the operation still ends the step.
    """

    def __init__(self, seconds: float, operation: CancelToken = NEVER) -> None:
        super().__init__(deadline=time.monotonic() + seconds)
        self._operation = operation
        self._end = time.monotonic() + seconds

    def extend(self, seconds: float) -> None:
        self._end += seconds
        self._deadline = self._end

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._end

    @property
    def cancelled(self) -> bool:
        return self.expired or self._event.is_set() or self._operation.cancelled
