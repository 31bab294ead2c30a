"""The password is looked up while the connection opens, against the real bed (Dovecot, SMTP, gnome-keyring).

The keyring here is the real Secret Service with a gate in front of its `get_password`: the gate
holds the answer until the test has seen the connection open (TCP, TLS and greeting done), so the
tests check the order of events, never a time.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
from keyring.backends import SecretService

from deskmail.commands import sync as sync_command
from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.core.i18n import _
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import connect, limits, transport
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import LOCKED_MESSAGE, NO_KEYRING_MESSAGE, Credentials, KeyringUnavailable
from deskmail.engine.paths import Paths
from deskmail.engine.pop3 import client as pop3_client
from deskmail.engine.pop3 import runtime as pop3_runtime
from deskmail.engine.runtime import AccountRuntime, runtime_for
from tests.integration.pop3tools import pop3_account
from tests.integration.test_account_command import deskmail, settings_file

GATE = 5.0  # seconds the gate waits for the connection: what the old order (keyring first) costs a failing run
PROTOCOLS = ["imap", "smtp", "pop3"]


class Events:
    """What happened, in order: the keyring asked and answering, connections opened and closed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.opened = threading.Event()
        self.sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def note(self, what: str) -> None:
        with self._lock:
            self.seen.append(what)

    def all_closed(self) -> bool:
        return bool(self.sockets) and all(s.fileno() == -1 for s in self.sockets)


def _socket_of(connection: Any) -> socket.socket:
    if isinstance(connection, connect.SecureIMAPClient):
        return connection.socket()  # type: ignore[no-any-return]
    return connection.sock  # type: ignore[no-any-return]  # SmtpSession and Pop3Client


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Events:
    """Every open function the account's connections use, noting when a connection is open (TLS done)."""
    seen = Events()

    def spy(module: Any, name: str) -> None:
        real = getattr(module, name)

        def opened(*args: Any, **kwargs: Any) -> Any:
            connection = real(*args, **kwargs)
            seen.sockets.append(_socket_of(connection))
            seen.note("connected")
            seen.opened.set()
            return connection

        monkeypatch.setattr(module, name, opened)

    spy(connect, "open_imap")
    spy(connect, "open_smtp")
    spy(pop3_runtime, "open_pop3")
    return seen


def gated_credentials(events: Events, answer: Callable[[Callable[[], str | None]], str | None]) -> Credentials:
    """The real Secret Service, its `get_password` answering through `answer(real lookup)`."""
    backend = SecretService.Keyring()  # type: ignore[no-untyped-call]
    real = backend.get_password

    def get_password(service: str, username: str) -> str | None:
        events.note("keyring asked")
        password = answer(lambda: real(service, username))
        events.note("keyring answered")
        return password

    backend.get_password = get_password  # type: ignore[method-assign]
    return Credentials(backend)


def until(condition: Callable[[], bool]) -> None:
    pause = threading.Event()
    for _tick in range(int(GATE / 0.01)):
        if condition():
            return
        pause.wait(0.01)


def after_the_connection(events: Events) -> Callable[[Callable[[], str | None]], str | None]:
    def answer(lookup: Callable[[], str | None]) -> str | None:
        events.opened.wait(GATE)
        return lookup()

    return answer


@pytest.fixture
def person(testbed: Any, keyring_env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A new user on the bed's Dovecot (IMAP, POP3, SMTP AUTH), its password saved in the real keyring."""
    email, password = f"overlap-{uuid.uuid4().hex[:8]}@example.test", f"pw-{uuid.uuid4().hex[:12]}"
    testbed.mail.add_user(email, password)
    Credentials().set(email, password)
    yield email, password
    Credentials().delete(email)


def account_of(testbed: Any, email: str, protocol: str) -> Account:
    if protocol == "pop3":
        return pop3_account(testbed, email)
    return Account(
        email=email,
        display_name="Overlap",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, username=email),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=email),
    )


def runtime_of(testbed: Any, tmp_path: Path, email: str, protocol: str, credentials: Credentials) -> AccountRuntime:
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    return runtime_for(account_of(testbed, email, protocol), Paths.from_settings(settings), settings, credentials)


def logged_in(runtime: AccountRuntime, protocol: str, cancel: CancelToken = NEVER) -> Any:
    if protocol == "pop3":
        assert isinstance(runtime, pop3_runtime.Pop3Runtime)
        return runtime.pop3_client(cancel)
    return runtime.imap_client(cancel) if protocol == "imap" else runtime.smtp_client(cancel)


def close(connection: Any) -> None:
    if isinstance(connection, connect.SecureIMAPClient | connect.SmtpSession):
        connect.close_quietly(connection)
    else:
        pop3_client.close_quietly(connection)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_keyring_answers_while_the_connection_opens(
    testbed: Any, tmp_path: Path, person: tuple[str, str], events: Events, protocol: str
) -> None:
    email, _password = person
    runtime = runtime_of(testbed, tmp_path, email, protocol, gated_credentials(events, after_the_connection(events)))
    try:
        close(logged_in(runtime, protocol))  # logged in with the keyring's answer
    finally:
        runtime.close()
    assert events.seen == ["keyring asked", "connected", "keyring answered"]
    assert events.all_closed()


def test_deskmail_sync_asks_the_keyring_while_connecting(
    testbed: Any, tmp_path: Path, person: tuple[str, str], events: Events
) -> None:
    email, _password = person
    testbed.mail.put_message(email, b"Subject: hello\r\nMessage-ID: <overlap@example.test>\r\n\r\nhi\r\n")
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    credentials = gated_credentials(events, after_the_connection(events))
    account = account_of(testbed, email, "imap")
    result = sync_command._sync_one(account, settings, Paths.from_settings(settings), credentials, quiet=True)
    assert result["ok"], result
    assert events.seen[:3] == ["keyring asked", "connected", "keyring answered"]
    assert events.all_closed()


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("failure", ["unavailable", "locked"])
def test_a_keyring_failure_during_the_connect_closes_it_and_says_so(
    testbed: Any,
    tmp_path: Path,
    person: tuple[str, str],
    events: Events,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
    failure: str,
) -> None:
    email, password = person
    bus = "DBUS_SESSION_BUS_ADDRESS"
    monkeypatch.setenv(bus, os.environ[bus])  # put back after the test

    def answer(lookup: Callable[[], str | None]) -> str | None:
        events.opened.wait(GATE)
        if failure == "locked":  # what the Secret Service backend raises when the person does not unlock
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")
        os.environ[bus] = f"unix:path={tmp_path / 'no-bus'}"  # the session's keyring went away
        return lookup()

    runtime = runtime_of(testbed, tmp_path, email, protocol, gated_credentials(events, answer))
    try:
        with pytest.raises(KeyringUnavailable) as raised:
            logged_in(runtime, protocol)
    finally:
        runtime.close()
    assert raised.value.message == _(LOCKED_MESSAGE if failure == "locked" else NO_KEYRING_MESSAGE)
    assert raised.value.locked is (failure == "locked")
    assert events.seen == ["keyring asked", "connected"]  # it never answered
    assert events.all_closed()  # the connection opened meanwhile, closed before the error
    assert password not in repr(raised.value) + str(raised.value.details)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cancel_while_the_keyring_is_asked(
    testbed: Any, tmp_path: Path, person: tuple[str, str], events: Events, protocol: str
) -> None:
    email, _password = person
    release = threading.Event()
    cancel = CancelToken()

    def answer(lookup: Callable[[], str | None]) -> str | None:
        release.wait(GATE)
        return lookup()

    def cancel_once_connected() -> None:
        if events.opened.wait(GATE):
            cancel.cancel()

    canceller = threading.Thread(target=cancel_once_connected)
    canceller.start()
    runtime = runtime_of(testbed, tmp_path, email, protocol, gated_credentials(events, answer))
    try:
        with pytest.raises(Cancelled):
            logged_in(runtime, protocol, cancel)
        assert events.seen == ["keyring asked", "connected"]  # cancelled before the keyring answered
        assert events.all_closed()
    finally:
        release.set()
        canceller.join()
        runtime.close()


def test_a_keyring_slower_than_the_overlap_gets_a_new_connection(
    testbed: Any, tmp_path: Path, person: tuple[str, str], events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unlock prompt can take minutes: no connection is held open (and left to time out) meanwhile."""
    email, _password = person
    monkeypatch.setattr(limits, "KEYRING_OVERLAP", 0.1)

    def answer(lookup: Callable[[], str | None]) -> str | None:
        events.opened.wait(GATE)
        until(events.all_closed)  # the first connection was closed
        return lookup()

    runtime = runtime_of(testbed, tmp_path, email, "imap", gated_credentials(events, answer))
    try:
        close(runtime.imap_client(NEVER))
    finally:
        runtime.close()
    assert events.seen == ["keyring asked", "connected", "keyring answered", "connected"]
    assert events.all_closed()


def test_deskmail_sync_without_a_keyring_says_so_and_leaks_nothing(
    keyring_env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path
) -> None:
    """The same plain words as when the keyring was asked before connecting; no socket left to the collector."""
    env = {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}
    email, password = f"nokeyring-{uuid.uuid4().hex[:8]}@example.test", f"pw-{uuid.uuid4().hex[:12]}"
    testbed.mail.add_user(email, password)
    add = ("account", "add", "--config", str(settings_file(tmp_path, testbed, email)), "--password-stdin", "--no-check")
    deskmail(env, *add, stdin=password + "\n", check=True)
    gone = {**env, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}", "PYTHONWARNINGS": "error"}
    try:
        synced = deskmail(gone, "sync", email)
    finally:
        deskmail(env, "account", "remove", email)
    assert synced.returncode == 1
    first_words = NO_KEYRING_MESSAGE.split("(")[0].strip()
    assert first_words in synced.stderr, synced.stderr
    assert "ResourceWarning" not in synced.stderr and "Traceback" not in synced.stderr, synced.stderr
    assert password not in synced.stdout + synced.stderr


def test_a_keyring_failure_abandons_a_stalled_handshake(
    testbed: Any, tmp_path: Path, person: tuple[str, str], events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts TCP and never answers: the keyring's failure is said at once, not after the
    handshake's timeout (the opening is stopped, its socket closed)."""
    email, _password = person
    tcp_connected = threading.Event()
    real_connect = transport.connect

    def connected(*args: Any, **kwargs: Any) -> socket.socket:
        sock = real_connect(*args, **kwargs)
        events.sockets.append(sock)
        events.note("tcp connected")
        tcp_connected.set()
        return sock

    monkeypatch.setattr(transport, "connect", connected)

    def answer(_lookup: Callable[[], str | None]) -> str | None:
        tcp_connected.wait(GATE)
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    account = account_of(testbed, email, "imap")
    silent = replace(account, incoming=replace(account.incoming, host="blackhole.example.test"))
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    runtime = AccountRuntime(silent, Paths.from_settings(settings), settings, gated_credentials(events, answer))
    raised: list[BaseException] = []

    def connect_now() -> None:
        try:
            runtime.imap_client(NEVER)
        except BaseException as exc:
            raised.append(exc)

    attempt = threading.Thread(target=connect_now)
    attempt.start()
    attempt.join(GATE - 1)  # the handshake alone would wait for the 30 s idle timeout
    finished = not attempt.is_alive()
    attempt.join()
    runtime.close()
    assert finished, "the stalled handshake was not abandoned when the keyring failed"
    assert len(raised) == 1 and isinstance(raised[0], KeyringUnavailable) and raised[0].locked
    assert events.seen == ["keyring asked", "tcp connected"]
    assert events.all_closed()
