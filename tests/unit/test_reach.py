"""Who cannot be reached: this computer (no network) or the provider's server, from the platform or the failure."""

from __future__ import annotations

import errno

from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.engine.runtime import offline_error
from deskmail.qtbridge.reach import computer_offline, offline_texts, waits_for_connection


def _error(kind: ErrorKind, details: str) -> UserFacingError:
    return UserFacingError(kind, "x", details=details)


def test_a_lost_route_or_failing_lookups_mean_this_computer_is_offline() -> None:
    assert computer_offline(offline_error(OSError(errno.ENETUNREACH, "Network is unreachable")))
    assert computer_offline(_error(ErrorKind.OFFLINE, "DNS timeout: imap.example.com"))
    assert computer_offline(_error(ErrorKind.OFFLINE, "10.0.0.1: [Errno 101] Network is unreachable"))


def test_a_server_that_refuses_or_drops_the_connection_is_only_the_provider() -> None:
    assert not computer_offline(offline_error(ConnectionResetError(errno.ECONNRESET, "reset")))
    assert not computer_offline(offline_error(EOFError("socket closed")))  # type: ignore[arg-type]
    assert not computer_offline(_error(ErrorKind.CONNECT_REFUSED, "127.0.0.1: [Errno 111] Connection refused"))
    assert not computer_offline(_error(ErrorKind.TIMEOUT, "timed out during connect"))


def test_the_platform_answer_wins_when_it_has_one() -> None:
    refused = _error(ErrorKind.CONNECT_REFUSED, "refused")
    assert computer_offline(refused, lambda: False)
    assert not computer_offline(offline_error(OSError(errno.ENETUNREACH, "x")), lambda: True)
    assert not computer_offline(refused, lambda: None)


def test_the_words_name_who_cannot_be_reached_and_never_a_port() -> None:
    bar, status = offline_texts(True, "example.com")
    assert status == "This computer is offline" and "port" not in bar
    bar, status = offline_texts(False, "Example Mail")
    assert status == "Example Mail cannot be reached right now" and "port" not in bar
    assert waits_for_connection(_error(ErrorKind.CONNECT_REFUSED, ""))
    assert not waits_for_connection(_error(ErrorKind.AUTH_FAILED, ""))
