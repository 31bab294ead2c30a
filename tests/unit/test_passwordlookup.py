"""PasswordLookup's own logic (the overlap with real connections: tests/integration/test_password_overlap.py)."""

from __future__ import annotations

import threading

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine.passwordlookup import PasswordLookup

SECRET = "hunter2-not-in-output"


def test_the_answer_is_kept_and_never_shown() -> None:
    asked: list[int] = []

    def lookup() -> str:
        asked.append(1)
        return SECRET

    password = PasswordLookup(lookup)
    assert password.result() == SECRET and password.result() == SECRET
    assert asked == [1]  # a reconnect does not ask the keyring again
    assert SECRET not in repr(password) and "answered" in repr(password)
    assert PasswordLookup.known(SECRET).result() == SECRET


def test_a_failure_is_raised_to_every_caller_and_cancels_the_opening() -> None:
    def lookup() -> str:
        raise LookupError("no keyring")

    password = PasswordLookup(lookup)
    opening = password.watching(CancelToken())
    with pytest.raises(LookupError):
        password.result()
    with pytest.raises(LookupError):
        password.result()
    assert password.failed and opening.cancelled and "failed" in repr(password)


def test_cancel_ends_the_wait_whatever_the_keyring_does() -> None:
    release = threading.Event()
    password = PasswordLookup(lambda: SECRET if release.wait(5) else "")
    cancel = CancelToken()
    assert not password.wait(cancel, 0.01)  # still asking
    assert not password.watching(cancel).cancelled
    cancel.cancel()
    with pytest.raises(Cancelled):
        password.result(cancel)
    assert password.watching(cancel).cancelled
    release.set()
    assert password.result() == SECRET
    with pytest.raises(Cancelled):  # answered, but the caller gave up: cancelled still wins
        password.result(cancel)
