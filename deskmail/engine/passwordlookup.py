"""The password looked up while the connection opens: the keyring's answer overlaps TCP and TLS.

    password = PasswordLookup(lambda: credentials.get(email))   # asked in a thread of its own, from now on
    client = open_and_log_in(
        lambda: open_imap(server, settings, policy, password.watching(cancel)),
        lambda client, secret: login_imap(client, username, secret, cancel),
        close_quietly, password, cancel,
    )

A keyring answers in tens of milliseconds (a D-Bus round trip to the Secret Service, the Windows
Credential Manager, the macOS Keychain); a TLS connection to a mail server takes several network
round trips. Asked one after the other, every sync paid both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine import limits
from deskmail.engine.cancelwatch import Deadline

T = TypeVar("T")
C = TypeVar("C")

_POLL = 0.05  # seconds between looks at the cancel token while waiting (as engine/cancelwatch.py)


class PasswordLookup(Generic[T]):
    """`lookup()` run in a thread of its own, started at once; `result` waits for its answer.

    The answer (or the failure, e.g. KeyringUnavailable) is kept: a reconnect gets it without the
    keyring being asked again. The thread is a daemon: a keyring that never answers (an unlock
    prompt nobody answers) must not keep the program from ending once the person cancelled.
    """

    def __init__(self, lookup: Callable[[], T], *, in_thread: bool = True) -> None:
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        if in_thread:
            threading.Thread(target=self._run, args=(lookup,), name="password-lookup", daemon=True).start()
        else:
            self._run(lookup)

    @classmethod
    def known(cls, value: T) -> PasswordLookup[T]:
        """A password the caller already has (typed, or found before): nothing to look up."""
        return cls(lambda: value, in_thread=False)

    def __repr__(self) -> str:  # never the password itself
        state = "failed" if self.failed else "answered" if self._done.is_set() else "waiting"
        return f"<PasswordLookup {state}>"

    def _run(self, lookup: Callable[[], T]) -> None:
        try:
            self._value = lookup()
        except BaseException as exc:  # handed to whoever waits for the answer; a thread would only print it
            self._error = exc
        finally:
            self._done.set()

    @property
    def failed(self) -> bool:
        """The lookup is over and raised (no keyring, a locked one, no password saved)."""
        return self._done.is_set() and self._error is not None

    def wait(self, cancel: CancelToken = NEVER, seconds: float | None = None) -> bool:
        """Wait up to `seconds` (None: as long as it takes) for the answer; True once it is there.

        Raises Cancelled as soon as `cancel` fires, answered or not: the lookup then ends unseen.
        """
        end = None if seconds is None else time.monotonic() + seconds
        while True:
            cancel.raise_if_cancelled()
            step = _POLL if end is None else min(_POLL, end - time.monotonic())
            if step <= 0:
                return self._done.is_set()
            if self._done.wait(step):
                cancel.raise_if_cancelled()
                return True

    def result(self, cancel: CancelToken = NEVER) -> T:
        """The answer, waited for until there is one (or `cancel` fires); raises what the lookup raised."""
        self.wait(cancel)
        if self._error is not None:
            raise self._error.with_traceback(None)  # the lookup thread's frames say nothing to the reader
        return cast(T, self._value)

    def watching(self, cancel: CancelToken) -> CancelToken:
        """A token for opening the connection: cancelled with `cancel`, and once the lookup failed
        (the connection can then never be used; its failure is what the person must hear about)."""
        return _UntilFailed(cancel, self)


class _UntilFailed(CancelToken):
    """`operation`'s cancellation and deadline, plus the lookup's failure.

    Looks at `operation` rather than being its child: children stay referenced by their parent for
    good, and a watcher's long-lived token sees a new connection every few minutes.
    """

    def __init__(self, operation: CancelToken, lookup: PasswordLookup[Any]) -> None:
        super().__init__()
        self._operation = operation
        self._lookup = lookup

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or self._lookup.failed or self._operation.cancelled

    def remaining(self, cap: float | None = None) -> float | None:
        return self._operation.remaining(cap)


def open_and_log_in(
    open_connection: Callable[[], C],
    log_in: Callable[[C, T], None],
    close: Callable[[C], None],
    password: PasswordLookup[T],
    cancel: CancelToken,
    deadline: Deadline | None = None,
) -> C:
    """Open a connection while `password` is looked up, then log in with its answer.

    Open with `password.watching(cancel)` (or a deadline on it): a failed lookup stops the opening.
    What the person is told stays what it was when the password was asked first: a keyring that
    fails or has no password raises its own error, also when the connection failed as well, and a
    connection opened meanwhile is closed first. A keyring slower than KEYRING_OVERLAP (it asks the
    person to unlock it) has no connection held open for it: that one is closed and another opened
    with the answer. `deadline` (from connecting to logged in) does not count the time waited.
    """
    opening_failed: Exception | None = None
    try:
        connection: C | None = open_connection()
    except Exception as exc:
        opening_failed = exc
    if opening_failed is not None:
        password.result(cancel)  # a keyring failure comes first, as when the keyring was asked first
        raise opening_failed
    waiting = time.monotonic()
    try:
        assert connection is not None
        if not password.wait(cancel, limits.KEYRING_OVERLAP):
            close(connection)
            connection = None
        secret = password.result(cancel)
        if deadline is not None:
            deadline.extend(time.monotonic() - waiting)
        if connection is None:
            connection = open_connection()
        log_in(connection, secret)
    except BaseException:
        if connection is not None:
            close(connection)
        raise
    return connection
