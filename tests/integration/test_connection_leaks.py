"""Every connection is closed by the code on every path, never left to the garbage collector.

A socket left open lives until a collection finds it: on a flaky network a watcher retrying every
few seconds piles them up, and the collector's ResourceWarning lands in whatever runs then. Each test
breaks one path on the bed's real servers (through the fault proxy) and asserts that nothing opened
inside is still open when its last reference goes.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import select
import socket
import struct
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.engine import transport
from deskmail.engine.accounts import Account
from deskmail.engine.connect import open_imap, open_smtp
from deskmail.engine.imap.account import open_session
from deskmail.engine.imap.connector import account_connector
from deskmail.engine.imap.push import FolderWatcher, running_watchers
from deskmail.engine.paths import Paths
from deskmail.engine.pop3.client import open_pop3
from deskmail.engine.runtime import AccountClosed, AccountRuntime
from tests.integration.test_big_message import _Password
from tests.servers.bed import Testbed
from tests.servers.faultproxy import Fault, FaultProxy

Proxy = Callable[..., FaultProxy]


@contextmanager
def no_socket_left_open() -> Iterator[None]:
    """Fails when a socket opened inside is found unclosed by the garbage collector (its ResourceWarning)."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, unclosed


def kind_of(opening: Callable[[], Any]) -> ErrorKind:
    """The kind of the UserFacingError `opening` raises (only the kind: a kept exception keeps its frames' sockets)."""
    try:
        opening()
    except UserFacingError as exc:
        return exc.kind
    raise AssertionError("the connection opened")


def test_certificate_look_cut_at_starttls_closes_its_connection(testbed: Testbed, fault_proxy: Proxy) -> None:
    """An untrusted certificate behind STARTTLS: a second connection fetches it to show the person.
    When that one breaks at its STARTTLS, its socket was dropped open (IMAP and POP3)."""
    untrusting = dataclasses.replace(testbed.settings, extra_ca=None)  # the bed's CA unknown: "not trusted"
    for protocol, port, opener in (
        (Protocol.IMAP, testbed.mail.imap_port, open_imap),
        (Protocol.POP3, testbed.mail.pop3_port, open_pop3),
        (Protocol.SMTP, testbed.smtp.submission_port, open_smtp),
    ):
        target = testbed.smtp.ip if protocol is Protocol.SMTP else testbed.mail.ip
        proxy = fault_proxy(target, port)
        proxy.fault = Fault("up", 0, "cut", skip=1)  # the first connection is left alone; the look is cut
        server = ServerConfig(protocol, proxy.host, port, Security.STARTTLS, "")
        with no_socket_left_open():
            kind = kind_of(lambda server=server, opener=opener: opener(server, untrusting, timeout=5))  # type: ignore[misc]
        assert kind is ErrorKind.CERT_UNTRUSTED, protocol
        assert proxy.connections == 2, protocol  # the look at the certificate did happen


def test_a_session_whose_first_command_fails_closes_its_connection(testbed: Testbed) -> None:
    """Logged in, then the CAPABILITY that opens the session breaks: the connection is closed, not dropped."""
    account = _account(testbed, testbed.mail.host)
    connect = account_connector(account, testbed.password, testbed.settings)

    def logged_in_then_cut(cancel: CancelToken) -> Any:
        client = connect(cancel)
        client._cached_capabilities = None  # the server's login answer named none: CAPABILITY is asked
        client._imap.untagged_responses.pop("CAPABILITY", None)
        client._imap.sock.shutdown(2)  # the network goes away right after the login
        return client

    with no_socket_left_open():
        try:
            open_session(logged_in_then_cut)
        except Exception as exc:  # imaplib's abort: the session did not open
            failed = type(exc).__name__
        else:
            raise AssertionError("the session opened on a broken connection")
    assert failed == "abort"


def test_a_watcher_stopped_while_it_backs_off_or_connects_leaves_nothing_open(
    testbed: Testbed, fault_proxy: Proxy
) -> None:
    """Wrong password (refused after TLS: it backs off), then a network where connects hang: stopped in
    either state the watcher's thread ends at once and no socket stays open."""
    wrong = _account(testbed, testbed.mail.host)
    proxy = fault_proxy(testbed.mail.ip, testbed.mail.imaps_port)
    proxy.stall_connects()
    stalled = _account(testbed, proxy.host)
    with no_socket_left_open():
        for account, password in ((wrong, "not-the-password"), (stalled, testbed.password)):
            connect = account_connector(account, password, testbed.settings)
            tried: list[int] = []

            def connector(cancel: CancelToken, connect: Any = connect, tried: list[int] = tried) -> Any:
                tried.append(1)
                return connect(cancel)

            watcher = FolderWatcher(connector, "INBOX", lambda _f: None, cancel=CancelToken()).start()
            assert watcher in running_watchers()
            _wait(lambda tried=tried: bool(tried))  # type: ignore[misc]
            time.sleep(0.7)  # refused (Dovecot answers a wrong password after ~0.5 s), or still connecting
            started = time.monotonic()
            watcher.stop()
            watcher.join(5)
            assert not watcher.thread.is_alive()
            assert time.monotonic() - started < 2.0  # a backoff or a connect is cut, not waited out
            assert watcher not in running_watchers()


def _reset(sock: socket.socket, accepted: socket.socket) -> None:
    """The server goes away between the TCP connect and the TLS handshake (a server restarting under a
    reconnecting watcher, as in the Settings certificate test): Python's SSLSocket had taken over the
    descriptor and raised without closing it; the garbage collector found it later, in another test."""
    accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    accepted.close()  # a reset, not a goodbye
    _wait(lambda: select.select([sock], [], [], 0)[0] != [])  # the reset has arrived


def _ended(sock: socket.socket, accepted: socket.socket) -> None:
    """A cancel shuts our side just before the TLS wrap, and the server says goodbye: Python then wraps
    an unconnected socket without complaint (no handshake at all), and the first look at the
    certificate raised "not connected" with that socket left to the garbage collector (CI, stop 22:
    the Settings test, whose runtime was replaced while its connection was opening)."""
    sock.shutdown(socket.SHUT_RDWR)  # what closes_on_cancel does to a cancelled connection
    accepted.close()
    _wait(lambda: _not_connected(sock))


@pytest.mark.parametrize("end", [_reset, _ended], ids=["reset", "ended"])
def test_a_connection_gone_before_tls_is_lost_and_closed(
    testbed: Testbed, end: Callable[[socket.socket, socket.socket], None]
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    server = _account(testbed, "imap.example.test").incoming
    with listener, no_socket_left_open():
        for _ in range(3):
            sock = socket.create_connection(listener.getsockname(), timeout=5)
            accepted, _address = listener.accept()
            end(sock, accepted)
            handshake = functools.partial(
                transport.handshake,
                sock,
                server,
                testbed.settings,
                ConnectionPolicy(),
                CancelToken(),
                5.0,
                lambda: None,
            )
            assert kind_of(handshake) is ErrorKind.CONNECTION_LOST
            del sock, handshake


def _not_connected(sock: socket.socket) -> bool:
    try:
        sock.getpeername()
    except OSError:
        return True
    return False


def test_work_queued_behind_a_runtimes_close_opens_no_connection(testbed: Testbed, tmp_path: Path) -> None:
    """Settings changed the account's server: the window closes the old runtime on the account's queue and
    makes a new one. A message opened just before was fetched behind that close by the old runtime, which
    opened a new session (and store) that nobody closed: the unclosed TLS socket of the Settings tests."""
    email, password = f"late{uuid.uuid4().hex[:8]}@example.test", "late-secret-pw"
    testbed.mail.add_user(email, password)
    testbed.mail.put_message(email, b"From: Bob <bob@example.test>\r\nSubject: Late\r\n\r\nhello\r\n", flags="")
    account = dataclasses.replace(_account(testbed, testbed.mail.host), email=email)
    account = dataclasses.replace(account, incoming=dataclasses.replace(account.incoming, username=email))
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    runtime.sync()
    store = runtime.store()
    [summary] = store.messages(store.folder("INBOX").id)  # type: ignore[union-attr]
    assert store.body(summary.id) is None  # not downloaded: opening it needs the server
    runtime.close()
    with no_socket_left_open():
        with pytest.raises(AccountClosed):
            runtime.open_message(summary)
        with pytest.raises(AccountClosed):
            runtime.sync()
        runtime.watch(lambda _folder: None, CancelToken())
        assert running_watchers() == []
        del runtime, store


def _account(testbed: Testbed, host: str) -> Account:
    imap = ServerConfig(Protocol.IMAP, host, testbed.mail.imaps_port, Security.SSL, testbed.user)
    smtp = ServerConfig(Protocol.SMTP, testbed.smtp.host, testbed.smtp.submissions_port, Security.SSL, testbed.user)
    return Account(email=testbed.user, display_name="Alice", incoming=imap, outgoing=smtp)


def _wait(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)
