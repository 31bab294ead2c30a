"""Attacks real servers do not do, against a scripted fake server: the client must fail closed."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.connect import (
    SecureIMAPClient,
    SmtpSession,
    close_quietly,
    login_imap,
    login_smtp,
    open_imap,
    open_smtp,
)
from deskmail.engine.validate import ServerCheck, check_server
from tests.integration.fake_servers import FakeEnv, FakeServer, Record, Script, decoded_plain, fake_server, new_fake_env

PASSWORD = "fake-secret-Pa55"
Connected = SecureIMAPClient | SmtpSession


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEnv]:
    yield new_fake_env(tmp_path_factory.mktemp("fakeca"))


def imap_config(port: int, security: Security = Security.STARTTLS) -> ServerConfig:
    return ServerConfig(Protocol.IMAP, "127.0.0.1", port, security, "alice")


def smtp_config(port: int, security: Security = Security.STARTTLS) -> ServerConfig:
    return ServerConfig(Protocol.SMTP, "127.0.0.1", port, security, "alice")


def settings(env: FakeEnv) -> Settings:
    return Settings(extra_ca=env.ca_path)


def connect(env: FakeEnv, server: FakeServer, security: Security, policy: ConnectionPolicy | None = None) -> Connected:
    """Open an IMAP or SMTP connection (whichever the fake server speaks) with TLS as `security` says."""
    if server.protocol == "imap":
        return open_imap(imap_config(server.port, security), settings(env), policy, timeout=5)
    return open_smtp(smtp_config(server.port, security), settings(env), policy, timeout=5)


def log_in(connection: Connected) -> None:
    if isinstance(connection, SmtpSession):
        login_smtp(connection, "alice", PASSWORD)
    else:
        login_imap(connection, "alice", PASSWORD)


def connecting_fails(
    env: FakeEnv, protocol: str, script: Script | None = None, security: Security = Security.STARTTLS
) -> tuple[UserFacingError, Record]:
    """Connect to a fake server playing `script`: it must fail; the error and what the server saw."""
    implicit = security is Security.SSL
    with fake_server(env, protocol, script, implicit) as server, pytest.raises(UserFacingError) as info:
        connect(env, server, security)
    return info.value, server.record


def login_fails(
    env: FakeEnv, protocol: str, script: Script, security: Security = Security.STARTTLS
) -> tuple[UserFacingError, Record]:
    """Connect (that works), then log in: it must fail; the error and what the server saw."""
    with fake_server(env, protocol, script, security is Security.SSL) as server:
        connection = connect(env, server, security)
        with pytest.raises(UserFacingError) as info:
            log_in(connection)
        close_quietly(connection)
    return info.value, server.record


def check_fake_imap(env: FakeEnv, script: Script, timeout: float) -> ServerCheck:
    """The wizard's whole check of a fake IMAP server playing `script`, `timeout` for each step."""
    with fake_server(env, "imap", script) as server:
        config, policy, email = imap_config(server.port), ConnectionPolicy(), "alice@example.test"
        return check_server(config, email, PASSWORD, settings(env), policy, CancelToken(), lambda _text: None, timeout)


def test_well_behaved_fake_imap_starttls_logs_in(env: FakeEnv) -> None:
    with fake_server(env, "imap") as server:
        client = open_imap(imap_config(server.port), settings(env), timeout=5)
        assert b"AUTH=PLAIN" in client.capabilities()  # re-read after TLS
        assert b"LOGINDISABLED" not in client.capabilities()
        assert client.tls["version"] in ("TLSv1.2", "TLSv1.3")
        login_imap(client, "alice", PASSWORD)
        close_quietly(client)
    assert server.record.plaintext_credentials == []
    assert decoded_plain(server.record) == [f"\0alice\0{PASSWORD}"]


def test_imap_starttls_response_injection_is_not_acted_on(env: FakeEnv) -> None:
    script = Script(inject_after_starttls=b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0002 OK [CAPABILITY IMAP4rev1]\r\n")
    error, record = connecting_fails(env, "imap", script)
    assert error.kind is ErrorKind.TLS_FAILED
    assert "injection" in error.details
    assert record.credentials == []


def test_imap_starttls_stripped_from_capabilities_is_refused(env: FakeEnv) -> None:
    error, record = connecting_fails(env, "imap", Script(capabilities="IMAP4rev1 AUTH=PLAIN"))
    assert error.kind is ErrorKind.STARTTLS_MISSING
    assert record.credentials == []
    assert record.tls_started == 0


def test_imap_starttls_refused_by_server_fails_closed(env: FakeEnv) -> None:
    error, record = connecting_fails(env, "imap", Script(starttls_reply=b"NO not now"))
    assert error.kind is ErrorKind.STARTTLS_MISSING
    assert record.credentials == []


def test_imap_preauth_before_starttls_is_refused(env: FakeEnv) -> None:
    error, _ = connecting_fails(env, "imap", Script(greeting=b"* PREAUTH welcome, you are logged in\r\n"))
    assert error.kind is ErrorKind.STARTTLS_MISSING
    assert "PREAUTH" in error.details


def test_imap_plaintext_login_offered_is_refused_without_consent(env: FakeEnv) -> None:
    error, record = connecting_fails(env, "imap", Script(capabilities="IMAP4rev1 AUTH=PLAIN"), Security.PLAIN)
    assert error.kind is ErrorKind.PLAINTEXT_REFUSED
    assert record.lines == []  # not even connected


def test_imap_plaintext_with_consent_logs_in(env: FakeEnv) -> None:
    script = Script(capabilities="IMAP4rev1 AUTH=PLAIN")
    with fake_server(env, "imap", script) as server:
        client = connect(env, server, Security.PLAIN, ConnectionPolicy(allow_plaintext=True))
        log_in(client)
        close_quietly(client)
    assert client.tls == {}
    assert len(server.record.plaintext_credentials) == 1


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            b"NO [ALERT] Application-specific password required: https://support.google.com/x (Failure)",
            ErrorKind.APP_PASSWORD_REQUIRED,
        ),
        (b"NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", ErrorKind.AUTH_FAILED),
        (b"NO [UNAVAILABLE] Try again later", ErrorKind.SERVER_BUSY),
        (b"NO [ALERT] Your account is not enabled for IMAP use.", ErrorKind.IMAP_DISABLED),
    ],
)
def test_imap_login_replies_are_classified(env: FakeEnv, reply: bytes, kind: ErrorKind) -> None:
    error, _ = login_fails(env, "imap", Script(login_reply=reply))
    assert error.kind is kind
    assert PASSWORD not in str(error) + error.details


def test_well_behaved_fake_smtp_starttls_logs_in(env: FakeEnv) -> None:
    with fake_server(env, "smtp") as server:
        smtp = connect(env, server, Security.STARTTLS)
        log_in(smtp)
        close_quietly(smtp)
    assert server.record.plaintext_credentials == []
    assert decoded_plain(server.record) == [f"\0alice\0{PASSWORD}"]


def test_smtp_starttls_response_injection_is_not_acted_on(env: FakeEnv) -> None:
    error, record = connecting_fails(env, "smtp", Script(inject_after_starttls=b"250-fake.test\r\n250 AUTH PLAIN\r\n"))
    assert error.kind is ErrorKind.TLS_FAILED
    assert record.credentials == []


def test_smtp_starttls_stripped_is_refused(env: FakeEnv) -> None:
    error, record = connecting_fails(env, "smtp", Script(smtp_ehlo=("AUTH PLAIN LOGIN",)))
    assert error.kind is ErrorKind.STARTTLS_MISSING
    assert record.credentials == []


def test_smtp_app_password_reply_is_classified(env: FakeEnv) -> None:
    script = Script(smtp_auth_reply=b"534 5.7.9 Application-specific password required. Learn more at x")
    error, _ = login_fails(env, "smtp", script, Security.SSL)
    assert error.kind is ErrorKind.APP_PASSWORD_REQUIRED


def test_imap_login_command_used_when_no_auth_plain(env: FakeEnv) -> None:
    with fake_server(env, "imap", Script(tls_capabilities="IMAP4rev1")) as server:
        client = connect(env, server, Security.STARTTLS)
        log_in(client)
        close_quietly(client)
    assert [line.split(b" ")[1] for line in server.record.credentials] == [b"LOGIN"]
    assert server.record.plaintext_credentials == []


def test_imap_logindisabled_without_auth_plain_sends_no_password(env: FakeEnv) -> None:
    error, record = login_fails(env, "imap", Script(tls_capabilities="IMAP4rev1 LOGINDISABLED"))
    assert error.kind is ErrorKind.PROTOCOL_ERROR
    assert record.credentials == []


def test_imap_certificate_for_another_host_is_refused_before_any_password(env: FakeEnv) -> None:
    other = FakeEnv(env.ca, env.ca_path, env.ca.issue_cert("other.example"))
    error, record = connecting_fails(other, "imap")
    assert error.kind is ErrorKind.CERT_HOSTNAME
    assert "other.example" in error.data["names"]
    assert record.credentials == []


def test_imap_bye_greeting_is_server_busy(env: FakeEnv) -> None:
    error, _ = connecting_fails(env, "imap", Script(greeting=b"* BYE Too many connections from your IP, try later\r\n"))
    assert error.kind is ErrorKind.SERVER_BUSY


def test_smtp_421_greeting_is_server_busy(env: FakeEnv) -> None:
    error, _ = connecting_fails(
        env, "smtp", Script(smtp_greeting=b"421 4.3.2 Service not available, closing channel\r\n")
    )
    assert error.kind is ErrorKind.SERVER_BUSY


@pytest.mark.parametrize(
    ("protocol", "injection"), [("imap", b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"), ("smtp", b"250 AUTH PLAIN\r\n")]
)
def test_injection_in_a_later_packet_breaks_the_handshake(env: FakeEnv, protocol: str, injection: bytes) -> None:
    error, record = connecting_fails(env, protocol, Script(inject_after_starttls=injection, inject_delay=0.05))
    assert error.kind is ErrorKind.TLS_FAILED
    assert record.credentials == []


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_tls_older_than_1_2_is_refused(env: FakeEnv, security: Security) -> None:
    error, record = connecting_fails(env, "imap", Script(max_tls=ssl.TLSVersion.TLSv1_1), security)
    assert error.kind is ErrorKind.TLS_FAILED
    assert record.credentials == []


def test_microsoft_imap_switched_off_after_login_is_imap_disabled(env: FakeEnv) -> None:
    result = check_fake_imap(env, Script(list_reply=b"BAD User is authenticated but not connected."), 5.0)
    assert result.error is not None and result.error.kind is ErrorKind.IMAP_DISABLED


@pytest.mark.parametrize(("auth", "mechanism"), [("password-encrypted", b"CRAM-MD5"), ("password-cleartext", b"PLAIN")])
def test_smtp_cram_md5_only_when_configured_and_offered(env: FakeEnv, auth: str, mechanism: bytes) -> None:
    import hmac

    from tests.integration.fake_servers import CRAM_CHALLENGE

    script = Script(smtp_tls_ehlo=("AUTH PLAIN LOGIN CRAM-MD5",))
    with fake_server(env, "smtp", script, implicit_tls=True) as server:
        config = ServerConfig(Protocol.SMTP, "127.0.0.1", server.port, Security.SSL, "alice", (auth,))
        smtp = open_smtp(config, settings(env), timeout=5)
        login_smtp(smtp, "alice", PASSWORD)
        close_quietly(smtp)
    assert server.record.credentials[0].split(b" ")[1] == mechanism
    if mechanism == b"CRAM-MD5":
        digest = hmac.new(PASSWORD.encode(), CRAM_CHALLENGE, "md5").hexdigest().encode()
        assert server.record.cram_responses == [b"alice " + digest]


def test_a_server_trickling_bytes_cannot_hold_a_check_for_ever(env: FakeEnv) -> None:
    # A byte every 0.1 s is well within each 1 s step (even on a loaded machine), and the 60-byte
    # greeting takes longer than the overall deadline of 3 steps: only that deadline can end it.
    script = Script(greeting=b"* OK " + b"slow" * 14 + b"\r\n", trickle=0.1)
    result = check_fake_imap(env, script, 1.0)
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert "whole check" in result.error.details
