"""A network that breaks at the worst moments, between Deskmail and the bed's real Dovecot and SMTP server.

Each break, when nothing proves the settings wrong, reads "the connection broke / not reachable now"
(a kind the mail window shows as offline and retries), never "check the port"; raw protocol text
stays in `details`; nothing is lost (store integrity, the outbox keeps the message).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import Candidate, Protocol, Provider, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.connect import close_quietly, login_imap, login_smtp, open_imap, open_smtp
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.smtp.outbox import Outbox, OutboxState
from deskmail.engine.validate import check_account
from deskmail.qtbridge.reach import waits_for_connection as is_offline
from tests.servers.bed import Testbed
from tests.servers.faultproxy import Fault, FaultProxy

SHORT = 2.0  # seconds per step where the network deliberately goes silent
Proxy = Callable[..., FaultProxy]
SETTINGS_WORDS = ("port number", "security setting", "server name", "wrong")  # never said without evidence


class _Password:
    """Stands in for the keyring (tested elsewhere): the runtime only asks for the password."""

    def __init__(self, password: str) -> None:
        self.password = password

    def get(self, email: str) -> str:
        return self.password


def assert_offline_words(error: UserFacingError | None, kind: ErrorKind) -> None:
    assert error is not None
    assert error.kind is kind, error.to_json()
    assert is_offline(error)  # the window: offline bar and retry, not an error about settings
    text = f"{error.message} {error.fix}".lower()
    assert not any(word in text for word in SETTINGS_WORDS), text
    for raw in ("socket error", "EOF", "BYE", "Errno", "SSL", "abort"):  # exception text only in details
        assert raw not in error.message and raw not in error.fix


def imap_through(proxy: FaultProxy, security: Security = Security.SSL) -> ServerConfig:
    return ServerConfig(Protocol.IMAP, proxy.host, proxy.port, security, "")


def _bytes_before_login(testbed: Testbed, proxy: FaultProxy, server: ServerConfig) -> int:
    """What Deskmail sends (TLS handshake included) before its login command, measured on a clean connection."""
    proxy.fault = None
    client = open_imap(server, testbed.settings, timeout=10)
    assert proxy.last is not None
    sent = proxy.last.counted["up"]
    close_quietly(client, 2)
    return sent


@pytest.mark.parametrize(
    ("where", "port", "security", "fault", "step"),
    [
        ("cut in the TLS handshake", 993, Security.SSL, Fault("down", 60, "cut"), "while setting up encryption"),
        ("reset in the TLS handshake", 993, Security.SSL, Fault("up", 0, "rst"), "while setting up encryption"),
        ("cut before the greeting", 143, Security.STARTTLS, Fault("down", 0, "cut"), "before the server said hello"),
        ("reset before the greeting", 993, Security.SSL, Fault("down", 1500, "rst"), ""),
    ],
)
def test_imap_connect_broken_is_connection_lost(
    testbed: Testbed, fault_proxy: Proxy, where: str, port: int, security: Security, fault: Fault, step: str
) -> None:
    proxy = fault_proxy(testbed.mail.ip, port)
    proxy.fault = fault
    with pytest.raises(UserFacingError) as caught:
        open_imap(imap_through(proxy, security), testbed.settings, timeout=10)
    assert_offline_words(caught.value, ErrorKind.CONNECTION_LOST)
    assert step in caught.value.message
    assert caught.value.details  # the technical facts are kept for support


def test_imap_cut_while_signing_in_is_connection_lost_not_busy(testbed: Testbed, fault_proxy: Proxy) -> None:
    proxy = fault_proxy(testbed.mail.ip, 993)
    server = imap_through(proxy)
    before = _bytes_before_login(testbed, proxy, server)
    proxy.fault = Fault("up", before + 10, "cut")  # inside the AUTHENTICATE command
    client = open_imap(server, testbed.settings, timeout=10)
    with pytest.raises(UserFacingError) as caught:
        login_imap(client, testbed.user, testbed.password)
    close_quietly(client, 1)
    assert_offline_words(caught.value, ErrorKind.CONNECTION_LOST)
    assert "signing in" in caught.value.message


def test_smtp_cut_while_signing_in_is_connection_lost(testbed: Testbed, fault_proxy: Proxy) -> None:
    proxy = fault_proxy(testbed.smtp.ip, 465)
    server = ServerConfig(Protocol.SMTP, proxy.host, 465, Security.SSL, "")
    smtp = open_smtp(server, testbed.settings, timeout=10)
    assert proxy.last is not None
    before = proxy.last.counted["up"]
    close_quietly(smtp, 2)
    proxy.fault = Fault("up", before + 5, "rst")
    smtp = open_smtp(server, testbed.settings, timeout=10)
    with pytest.raises(UserFacingError) as caught:
        login_smtp(smtp, testbed.user, testbed.password)
    close_quietly(smtp, 1)
    assert_offline_words(caught.value, ErrorKind.CONNECTION_LOST)


@pytest.mark.parametrize("stall", ["connect", "greeting"])
def test_stall_is_not_a_wrong_port(testbed: Testbed, fault_proxy: Proxy, stall: str) -> None:
    proxy = fault_proxy(testbed.mail.ip, 143)
    if stall == "connect":
        proxy.stall_connects()
    else:
        proxy.fault = Fault("down", 0, "stall")  # the network goes silent before the greeting
    with pytest.raises(UserFacingError) as caught:
        open_imap(imap_through(proxy, Security.STARTTLS), testbed.settings, timeout=SHORT)
    assert_offline_words(caught.value, ErrorKind.TIMEOUT)


def test_new_settings_get_the_settings_hint_without_blame(testbed: Testbed, fault_proxy: Proxy) -> None:
    """The set-up check (settings never proven): the same break adds "check the port" as a hint, not a verdict."""
    proxy = fault_proxy(testbed.mail.ip, 993)
    smtp_proxy = fault_proxy(testbed.smtp.ip, 465)
    proxy.fault = smtp_proxy.fault = Fault("down", 0, "cut")
    cand = Candidate(
        "manual",
        "",
        True,
        "test",
        Provider("example.test", "Example"),
        imap_through(proxy),
        ServerConfig(Protocol.SMTP, smtp_proxy.host, 465, Security.SSL, ""),
    )
    report = check_account(cand, testbed.user, testbed.password, settings=testbed.settings, cancel=CancelToken())
    for check in (report.incoming, report.outgoing):
        error = check.error
        assert error is not None and error.kind is ErrorKind.CONNECTION_LOST, check.to_json()
        assert "probably wrong" not in error.fix and "If these settings are new" in error.fix
        assert str(error.field).endswith(".port")


def test_refused_says_wrong_port_only_with_evidence(testbed: Testbed) -> None:
    """Refused while the same server answers on its other IMAP port: evidence. Refused everywhere: "not now"."""
    wrong = ServerConfig(Protocol.IMAP, testbed.mail.host, 1993, Security.SSL, "")
    with pytest.raises(UserFacingError) as caught:
        open_imap(wrong, testbed.settings, timeout=SHORT)
    assert caught.value.kind is ErrorKind.CONNECT_REFUSED and not is_offline(caught.value)
    assert "probably wrong" in caught.value.fix and "993" in caught.value.message
    down = ServerConfig(Protocol.IMAP, "refused.example.test", 993, Security.SSL, "")
    with pytest.raises(UserFacingError) as caught:
        open_imap(down, testbed.settings, timeout=SHORT)
    assert_offline_words(caught.value, ErrorKind.CONNECT_REFUSED)


# --- an account that worked: sync, actions and send through a breaking network ---------------------


def _runtime(testbed: Testbed, tmp_path: Path, imap: FaultProxy, smtp: FaultProxy | None = None) -> AccountRuntime:
    tag = uuid.uuid4().hex[:8]
    me, password = f"fault{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    outgoing = (smtp.host, smtp.port) if smtp else (testbed.smtp.host, 465)
    account = Account(
        email=me,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, imap.host, imap.port, Security.SSL, username=me),
        outgoing=ServerConfig(Protocol.SMTP, outgoing[0], outgoing[1], Security.SSL, username=me),
    )
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    return AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]


def _integrity(runtime: AccountRuntime) -> None:
    assert runtime.store().conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sync_cut_mid_fetch_is_offline_and_the_next_sync_completes(
    testbed: Testbed, fault_proxy: Proxy, tmp_path: Path
) -> None:
    proxy = fault_proxy(testbed.mail.ip, 993)
    runtime = _runtime(testbed, tmp_path, proxy)
    for n in range(300):
        body = f"Subject: message {n}\r\nFrom: Bob <bob@example.test>\r\nMessage-ID: <f{n}@x.test>\r\n\r\nhi\r\n"
        testbed.mail.put_message(runtime.account.email, body.encode())
    proxy.fault = Fault("down", 40_000, "cut")  # after the log-in and LIST, inside the header FETCH
    with pytest.raises(UserFacingError) as caught:
        runtime.sync(["INBOX"])
    assert is_offline(caught.value)
    _integrity(runtime)
    proxy.fault = None
    report = runtime.sync(["INBOX"])
    assert report.ok
    inbox = runtime.store().folder("INBOX")
    assert inbox is not None and runtime.store().stored_count(inbox.id) == 300
    _integrity(runtime)
    runtime.close()


def test_action_cut_stays_queued_and_reaches_the_server_later(
    testbed: Testbed, fault_proxy: Proxy, tmp_path: Path
) -> None:
    proxy = fault_proxy(testbed.mail.ip, 993)
    runtime = _runtime(testbed, tmp_path, proxy)
    testbed.mail.put_message(
        runtime.account.email, b"Subject: flag me\r\nMessage-ID: <flag@x.test>\r\n\r\nhi\r\n", flags=""
    )
    runtime.sync(["INBOX"])
    inbox = runtime.store().folder("INBOX")
    assert inbox is not None
    [summary] = runtime.store().messages(inbox.id)
    runtime.drop_session()
    proxy.fault = Fault("up", 0, "rst")  # the next connection breaks at once
    runtime.act("flag", inbox.id, [summary.uid], True)  # applied locally at once, queued for the server
    with pytest.raises(UserFacingError) as caught:
        runtime.push_changes()
    assert is_offline(caught.value)
    proxy.fault = None
    runtime.push_changes()
    runtime.drop_session()
    runtime.sync(["INBOX"])
    [again] = runtime.store().messages(inbox.id)
    assert again.flagged  # the change was kept and applied on the server
    _integrity(runtime)
    runtime.close()


def _message(runtime: AccountRuntime, size: int) -> OutgoingMessage:
    me = Address("Me", runtime.account.email)
    return OutgoingMessage(
        sender=me,
        to=[me],
        subject=f"through a bad network {uuid.uuid4().hex[:6]}",
        body=("x" * 75 + "\n") * (size // 76),
    )


def test_send_cut_mid_data_keeps_the_message_and_sends_it_once(
    testbed: Testbed, fault_proxy: Proxy, tmp_path: Path
) -> None:
    imap = fault_proxy(testbed.mail.ip, 993)
    smtp = fault_proxy(testbed.smtp.ip, 465)
    runtime = _runtime(testbed, tmp_path, imap, smtp)
    # After TLS, EHLO and AUTH, inside DATA. The message is bigger than what the kernel buffers on
    # both sides of the proxy hold, so the cut is seen before the final "." (else the client has
    # handed everything over and the server may have it: the "may already have been sent" case).
    smtp.fault = Fault("up", 1_000_000, "cut")
    result = runtime.send(_message(runtime, 24_000_000))
    assert result.error is not None and is_offline(result.error), result.error.to_json()
    assert "support" not in result.error.fix
    [waiting] = Outbox(runtime.store()).items(heads_only=True)
    assert waiting.state in (OutboxState.QUEUED, OutboxState.SENDING)
    assert testbed.smtp.received == []
    smtp.fault = None
    runtime.flush_outbox()
    assert len(testbed.smtp.received) == 1
    assert Outbox(runtime.store()).items(heads_only=True) == []
    _integrity(runtime)
    runtime.close()


def test_sent_copy_cut_says_sent_and_files_it_later(testbed: Testbed, fault_proxy: Proxy, tmp_path: Path) -> None:
    imap = fault_proxy(testbed.mail.ip, 993)
    runtime = _runtime(testbed, tmp_path, imap)
    imap.fault = Fault("up", 150_000, "cut")  # inside the APPEND of the 200 KB Sent copy: its reply never comes
    result = runtime.send(_message(runtime, 200_000))
    assert len(testbed.smtp.received) == 1  # the message went out
    error = result.error
    assert error is not None and result.state is OutboxState.SENT
    assert "was sent" in error.message and "support" not in f"{error.message} {error.fix}".lower()
    assert is_offline(error)
    imap.fault = None
    runtime.flush_outbox()  # files the copy (once: it looks for the Message-ID first)
    assert Outbox(runtime.store()).items(heads_only=True) == []
    assert len(testbed.smtp.received) == 1
    _integrity(runtime)
    runtime.close()
