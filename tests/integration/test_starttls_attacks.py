"""Attacks real servers do not do, against a scripted fake server: the client must fail closed."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.connect import close_quietly, login_imap, login_smtp, open_imap, open_smtp
from tests.integration.fake_servers import FakeEnv, Script, decoded_plain, fake_server

PASSWORD = "fake-secret-Pa55"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEnv]:
    ca = trustme.CA()
    path: Path = tmp_path_factory.mktemp("fakeca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    yield FakeEnv(ca, path, ca.issue_cert("127.0.0.1"))


def imap_config(port: int, security: Security = Security.STARTTLS) -> ServerConfig:
    return ServerConfig(Protocol.IMAP, "127.0.0.1", port, security, "alice")


def smtp_config(port: int, security: Security = Security.STARTTLS) -> ServerConfig:
    return ServerConfig(Protocol.SMTP, "127.0.0.1", port, security, "alice")


def settings(env: FakeEnv) -> Settings:
    return Settings(extra_ca=env.ca_path)


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
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.TLS_FAILED
    assert "injection" in info.value.details
    assert server.record.credentials == []


def test_imap_starttls_stripped_from_capabilities_is_refused(env: FakeEnv) -> None:
    script = Script(capabilities="IMAP4rev1 AUTH=PLAIN")
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.STARTTLS_MISSING
    assert server.record.credentials == []
    assert server.record.tls_started == 0


def test_imap_starttls_refused_by_server_fails_closed(env: FakeEnv) -> None:
    script = Script(starttls_reply=b"NO not now")
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.STARTTLS_MISSING
    assert server.record.credentials == []


def test_imap_preauth_before_starttls_is_refused(env: FakeEnv) -> None:
    script = Script(greeting=b"* PREAUTH welcome, you are logged in\r\n")
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.STARTTLS_MISSING
    assert "PREAUTH" in info.value.details


def test_imap_plaintext_login_offered_is_refused_without_consent(env: FakeEnv) -> None:
    script = Script(capabilities="IMAP4rev1 AUTH=PLAIN")
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port, Security.PLAIN), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.PLAINTEXT_REFUSED
    assert server.record.lines == []  # not even connected


def test_imap_plaintext_with_consent_logs_in(env: FakeEnv) -> None:
    script = Script(capabilities="IMAP4rev1 AUTH=PLAIN")
    with fake_server(env, "imap", script) as server:
        policy = ConnectionPolicy(allow_plaintext=True)
        client = open_imap(imap_config(server.port, Security.PLAIN), settings(env), policy, timeout=5)
        login_imap(client, "alice", PASSWORD)
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
    with fake_server(env, "imap", Script(login_reply=reply)) as server:
        client = open_imap(imap_config(server.port), settings(env), timeout=5)
        with pytest.raises(UserFacingError) as info:
            login_imap(client, "alice", PASSWORD)
        close_quietly(client)
    assert info.value.kind is kind
    assert PASSWORD not in str(info.value) + info.value.details


def test_well_behaved_fake_smtp_starttls_logs_in(env: FakeEnv) -> None:
    with fake_server(env, "smtp") as server:
        smtp = open_smtp(smtp_config(server.port), settings(env), timeout=5)
        login_smtp(smtp, "alice", PASSWORD)
        close_quietly(smtp)
    assert server.record.plaintext_credentials == []
    assert decoded_plain(server.record) == [f"\0alice\0{PASSWORD}"]


def test_smtp_starttls_response_injection_is_not_acted_on(env: FakeEnv) -> None:
    script = Script(inject_after_starttls=b"250-fake.test\r\n250 AUTH PLAIN\r\n")
    with fake_server(env, "smtp", script) as server, pytest.raises(UserFacingError) as info:
        open_smtp(smtp_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.TLS_FAILED
    assert server.record.credentials == []


def test_smtp_starttls_stripped_is_refused(env: FakeEnv) -> None:
    script = Script(smtp_ehlo=("AUTH PLAIN LOGIN",))
    with fake_server(env, "smtp", script) as server, pytest.raises(UserFacingError) as info:
        open_smtp(smtp_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.STARTTLS_MISSING
    assert server.record.credentials == []


def test_smtp_app_password_reply_is_classified(env: FakeEnv) -> None:
    script = Script(smtp_auth_reply=b"534 5.7.9 Application-specific password required. Learn more at x")
    with fake_server(env, "smtp", script, implicit_tls=True) as server:
        smtp = open_smtp(smtp_config(server.port, Security.SSL), settings(env), timeout=5)
        with pytest.raises(UserFacingError) as info:
            login_smtp(smtp, "alice", PASSWORD)
        close_quietly(smtp)
    assert info.value.kind is ErrorKind.APP_PASSWORD_REQUIRED


def test_imap_login_command_used_when_no_auth_plain(env: FakeEnv) -> None:
    with fake_server(env, "imap", Script(tls_capabilities="IMAP4rev1")) as server:
        client = open_imap(imap_config(server.port), settings(env), timeout=5)
        login_imap(client, "alice", PASSWORD)
        close_quietly(client)
    assert [line.split(b" ")[1] for line in server.record.credentials] == [b"LOGIN"]
    assert server.record.plaintext_credentials == []


def test_imap_logindisabled_without_auth_plain_sends_no_password(env: FakeEnv) -> None:
    with fake_server(env, "imap", Script(tls_capabilities="IMAP4rev1 LOGINDISABLED")) as server:
        client = open_imap(imap_config(server.port), settings(env), timeout=5)
        with pytest.raises(UserFacingError) as info:
            login_imap(client, "alice", PASSWORD)
        close_quietly(client)
    assert info.value.kind is ErrorKind.PROTOCOL_ERROR
    assert server.record.credentials == []


def test_imap_certificate_for_another_host_is_refused_before_any_password(env: FakeEnv) -> None:
    other = FakeEnv(env.ca, env.ca_path, env.ca.issue_cert("other.example"))
    with fake_server(other, "imap") as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.CERT_HOSTNAME
    assert "other.example" in info.value.data["names"]
    assert server.record.credentials == []


def test_imap_bye_greeting_is_server_busy(env: FakeEnv) -> None:
    script = Script(greeting=b"* BYE Too many connections from your IP, try later\r\n")
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.SERVER_BUSY


def test_smtp_421_greeting_is_server_busy(env: FakeEnv) -> None:
    script = Script(smtp_greeting=b"421 4.3.2 Service not available, closing channel\r\n")
    with fake_server(env, "smtp", script) as server, pytest.raises(UserFacingError) as info:
        open_smtp(smtp_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.SERVER_BUSY


def test_imap_injection_in_a_later_packet_breaks_the_handshake(env: FakeEnv) -> None:
    script = Script(inject_after_starttls=b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n", inject_delay=0.05)
    with fake_server(env, "imap", script) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.TLS_FAILED
    assert server.record.credentials == []


def test_smtp_injection_in_a_later_packet_breaks_the_handshake(env: FakeEnv) -> None:
    script = Script(inject_after_starttls=b"250 AUTH PLAIN\r\n", inject_delay=0.05)
    with fake_server(env, "smtp", script) as server, pytest.raises(UserFacingError) as info:
        open_smtp(smtp_config(server.port), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.TLS_FAILED
    assert server.record.credentials == []


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_tls_older_than_1_2_is_refused(env: FakeEnv, security: Security) -> None:
    script = Script(max_tls=ssl.TLSVersion.TLSv1_1)
    implicit = security is Security.SSL
    with fake_server(env, "imap", script, implicit_tls=implicit) as server, pytest.raises(UserFacingError) as info:
        open_imap(imap_config(server.port, security), settings(env), timeout=5)
    assert info.value.kind is ErrorKind.TLS_FAILED
    assert server.record.credentials == []


def test_microsoft_imap_switched_off_after_login_is_imap_disabled(env: FakeEnv) -> None:
    from deskmail.engine.validate import check_server

    script = Script(list_reply=b"BAD User is authenticated but not connected.")
    with fake_server(env, "imap", script) as server:
        result = check_server(
            imap_config(server.port),
            "alice@example.test",
            PASSWORD,
            settings(env),
            ConnectionPolicy(),
            CancelToken(),
            lambda _text: None,
            5.0,
        )
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
    from deskmail.engine.validate import check_server

    with fake_server(env, "imap", Script(trickle=0.4)) as server:
        result = check_server(
            imap_config(server.port),
            "alice@example.test",
            PASSWORD,
            settings(env),
            ConnectionPolicy(),
            CancelToken(),
            lambda _text: None,
            1.0,  # each byte arrives within a step timeout; the overall deadline (3 steps) ends it
        )
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert "whole check" in result.error.details
