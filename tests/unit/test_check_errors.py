"""What servers say when a login fails, and how certificate errors are named: pure classification."""

from __future__ import annotations

import pytest

from deskmail.core.errors import ErrorKind, Field
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine import failures
from deskmail.engine.smtp_session import _auth_error, _choose_mechanism

IMAP = ServerConfig(Protocol.IMAP, "imap.example.com", 993, Security.SSL)
SMTP = ServerConfig(Protocol.SMTP, "smtp.example.com", 587, Security.STARTTLS)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        # Google
        (
            "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 "
            "(Failure)",
            ErrorKind.APP_PASSWORD_REQUIRED,
        ),
        ("[AUTHENTICATIONFAILED] Invalid credentials (Failure)", ErrorKind.AUTH_FAILED),
        (
            "[ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 "
            "(Failure)",
            ErrorKind.ACCOUNT_LOCKED,
        ),
        (
            "[ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable "
            "your account for IMAP access. (Failure)",
            ErrorKind.IMAP_DISABLED,
        ),
        ("[ALERT] Too many simultaneous connections. (Failure)", ErrorKind.SERVER_BUSY),
        ("[ALERT] Account exceeded command or bandwidth limits. [LIMIT]", ErrorKind.ACCOUNT_LOCKED),
        # Microsoft
        ("AUTHENTICATE failed.", ErrorKind.AUTH_FAILED),
        ("User is authenticated but not connected.", ErrorKind.IMAP_DISABLED),
        ("BasicAuthBlocked", ErrorKind.OAUTH_REQUIRED),
        # Dovecot and RFC 5530 response codes
        ("[AUTHENTICATIONFAILED] Authentication failed.", ErrorKind.AUTH_FAILED),
        ("[UNAVAILABLE] Temporary authentication failure.", ErrorKind.SERVER_BUSY),
        (
            "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.",
            ErrorKind.PLAINTEXT_REFUSED,
        ),
        ("Too many login failures, account temporarily locked", ErrorKind.ACCOUNT_LOCKED),
        ("Your account is locked. Contact support.", ErrorKind.ACCOUNT_LOCKED),
    ],
)
def test_imap_login_replies(reply: str, kind: ErrorKind) -> None:
    error = failures.classify_login_failure(IMAP, reply, "alice")
    assert error.kind is kind
    assert error.message and error.fix
    assert reply[:40] in error.details


@pytest.mark.parametrize(
    ("code", "reply", "kind"),
    [
        (
            534,
            "5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=x",
            ErrorKind.APP_PASSWORD_REQUIRED,
        ),
        (
            535,
            "5.7.8 Username and Password not accepted. Learn more at https://support.google.com/x",
            ErrorKind.AUTH_FAILED,
        ),
        (
            535,
            "5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR..]",
            ErrorKind.OAUTH_REQUIRED,
        ),
        (
            535,
            "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
            ErrorKind.OAUTH_REQUIRED,
        ),
        (454, "4.7.0 Too many login attempts, please try again later.", ErrorKind.ACCOUNT_LOCKED),
        (454, "4.7.0 Temporary authentication failure", ErrorKind.SERVER_BUSY),
        (421, "Service not available", ErrorKind.SERVER_BUSY),
        (535, "Authentication credentials invalid", ErrorKind.AUTH_FAILED),
    ],
)
def test_smtp_auth_replies(code: int, reply: str, kind: ErrorKind) -> None:
    assert _auth_error(SMTP, code, reply.encode(), "alice").kind is kind


def test_wrong_password_points_at_the_password_field() -> None:
    error = failures.classify_login_failure(SMTP, "535 5.7.8 Authentication failed", "alice")
    assert error.field is Field.PASSWORD
    assert "alice" in error.message


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (10, ErrorKind.CERT_EXPIRED),
        (9, ErrorKind.CERT_EXPIRED),
        (62, ErrorKind.CERT_HOSTNAME),
        (18, ErrorKind.CERT_UNTRUSTED),
        (19, ErrorKind.CERT_UNTRUSTED),
        (20, ErrorKind.CERT_UNTRUSTED),
    ],
)
def test_certificate_verify_codes(code: int, kind: ErrorKind) -> None:
    assert failures.cert_kind(code) is kind


def test_hostname_mismatch_says_it_may_be_an_attack() -> None:
    error = failures.cert_error(ErrorKind.CERT_HOSTNAME, IMAP, {"host": IMAP.host})
    assert "attack" in error.message
    assert error.data == {"host": IMAP.host}
    assert error.field is Field.INCOMING_HOST


def test_fields_follow_the_server_role() -> None:
    # Refused without evidence: no field to blame for an account that worked; new settings point at the port.
    assert failures.connect_refused(IMAP).field is Field.NONE
    assert failures.unproven(IMAP, failures.connect_refused(IMAP)).field is Field.INCOMING_PORT
    assert failures.unproven(SMTP, failures.connect_refused(SMTP)).field is Field.OUTGOING_PORT
    assert failures.refused_elsewhere(SMTP, 587).field is Field.OUTGOING_PORT
    assert failures.starttls_missing(SMTP).field is Field.OUTGOING_SECURITY
    assert failures.host_not_found(SMTP).field is Field.OUTGOING_HOST


def test_wrong_version_number_suggests_starttls() -> None:
    error = failures.tls_failed(IMAP, "SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number")
    assert "STARTTLS" in error.fix


@pytest.mark.parametrize(
    ("offered", "prefer_cram", "chosen"),
    [
        (["PLAIN", "LOGIN", "CRAM-MD5"], False, "PLAIN"),
        (["PLAIN", "LOGIN", "CRAM-MD5"], True, "CRAM-MD5"),
        (["LOGIN"], True, "LOGIN"),
        (["CRAM-MD5"], False, "CRAM-MD5"),
        (["XOAUTH2"], False, None),
    ],
)
def test_smtp_mechanism_choice(offered: list[str], prefer_cram: bool, chosen: str | None) -> None:
    assert _choose_mechanism(offered, prefer_cram) == chosen
