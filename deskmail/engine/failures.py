"""Every way a connection or login can fail, as a UserFacingError with plain words, a fix and a field.

The wording is for people who do not know what a port is: say what happened, then what to do.
"""

from __future__ import annotations

import re
from typing import Any

from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import Protocol, Security, ServerConfig


def _role(server: ServerConfig) -> str:
    return "outgoing (SMTP)" if server.protocol is Protocol.SMTP else "incoming (IMAP)"


def _fields(server: ServerConfig) -> tuple[Field, Field, Field]:
    """The host, port and security fields of the server this error is about."""
    if server.protocol is Protocol.SMTP:
        return Field.OUTGOING_HOST, Field.OUTGOING_PORT, Field.OUTGOING_SECURITY
    return Field.INCOMING_HOST, Field.INCOMING_PORT, Field.INCOMING_SECURITY


def _where(server: ServerConfig) -> str:
    return f"{server.host} (port {server.port})"


def host_not_found(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.HOST_NOT_FOUND,
        f"The {_role(server)} server {server.host} does not exist.",
        "Check the spelling of the server name. Your e-mail provider's help pages list the right one.",
        _fields(server)[0],
        details,
    )


def offline(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.OFFLINE,
        f"Could not look up {server.host}: the network does not answer.",
        "Check that this computer is connected to the internet, then try again.",
        Field.NETWORK,
        details,
    )


def connect_refused(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.CONNECT_REFUSED,
        f"The {_role(server)} server {_where(server)} refused the connection.",
        "The port number is probably wrong. Check it against your provider's settings.",
        _fields(server)[1],
        details,
    )


def timed_out(server: ServerConfig, step: str, details: str = "") -> UserFacingError:
    fix = "A firewall may be blocking this port, or the port number is wrong."
    field = _fields(server)[1]
    if step == "greeting" and server.security is not Security.SSL:
        # A server that waits silently after connecting usually expects encryption first.
        fix = "This port may expect an encrypted connection: try the security setting SSL/TLS."
        field = _fields(server)[2]
    return UserFacingError(
        ErrorKind.TIMEOUT,
        f"The {_role(server)} server {_where(server)} did not answer in time.",
        fix,
        field,
        details or f"timed out during {step}",
    )


def tls_failed(server: ServerConfig, details: str = "") -> UserFacingError:
    fix = "Check the security setting and the port: SSL/TLS and STARTTLS use different ports."
    if "WRONG_VERSION_NUMBER" in details or "record layer" in details.lower():
        # The server answered in plain text: this port does not speak TLS from the start.
        fix = "This port does not start with encryption: try the security setting STARTTLS."
    return UserFacingError(
        ErrorKind.TLS_FAILED,
        f"Could not set up an encrypted connection with {_where(server)}.",
        fix,
        _fields(server)[2],
        details,
    )


def starttls_missing(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.STARTTLS_MISSING,
        f"The server {_where(server)} does not offer encryption (STARTTLS), so your password would travel "
        "unprotected. Deskmail did not send it.",
        "Try the security setting SSL/TLS with its port, or ask your provider for encrypted settings.",
        _fields(server)[2],
        details,
    )


def plaintext_refused(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.PLAINTEXT_REFUSED,
        f"These settings for {_where(server)} use no encryption: anyone on the network could read your password.",
        "Choose SSL/TLS or STARTTLS. Only if you accept the risk, allow unencrypted connections explicitly.",
        _fields(server)[2],
        details,
    )


def protocol_error(server: ServerConfig, details: str = "") -> UserFacingError:
    expected = "an SMTP" if server.protocol is Protocol.SMTP else "an IMAP"
    return UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        f"The server at {_where(server)} did not answer like {expected} server.",
        "Check the server name, the port and the security setting.",
        _fields(server)[1],
        details,
    )


def injection_detected(server: ServerConfig) -> UserFacingError:
    return UserFacingError(
        ErrorKind.TLS_FAILED,
        f"The connection to {_where(server)} was tampered with before encryption started. "
        "This may be an attack; Deskmail stopped and sent nothing.",
        "Try again from another network (for example not a public Wi-Fi).",
        _fields(server)[2],
        "data received before the TLS handshake (STARTTLS response injection)",
    )


def server_busy(server: ServerConfig, details: str = "") -> UserFacingError:
    return UserFacingError(
        ErrorKind.SERVER_BUSY,
        f"The server {server.host} is busy or temporarily unavailable.",
        "Wait a few minutes, then try again.",
        Field.NONE,
        details,
    )


# ---- certificates -------------------------------------------------------------------------------


def cert_error(kind: ErrorKind, server: ServerConfig, data: dict[str, Any], details: str = "") -> UserFacingError:
    """A certificate problem; `data` (host, port, sha256, issuer, ...) lets the wizard offer to trust it."""
    host = server.host
    messages = {
        ErrorKind.CERT_UNTRUSTED: (
            f"The server {host} identifies itself with a certificate that no trusted authority vouches for "
            "(for example a self-signed one).",
            "If your provider told you to expect this, compare the fingerprint with theirs before trusting it.",
        ),
        ErrorKind.CERT_EXPIRED: (
            f"The security certificate of {host} is expired or not yet valid.",
            "Check that this computer's date and time are right. Otherwise tell your provider.",
        ),
        ErrorKind.CERT_HOSTNAME: (
            f"The security certificate of the server was issued for another name than {host}. "
            "This may be an attack, or the server name is slightly wrong.",
            "Check the server name. Use the name your provider gives, e.g. the one in the certificate.",
        ),
        ErrorKind.CERT_CHANGED: (
            f"The security certificate of {host} is not the one you chose to trust earlier. "
            "This may be an attack, or your provider replaced the certificate.",
            "Do not continue on an untrusted network. Ask your provider whether they changed their certificate.",
        ),
    }
    message, fix = messages[kind]
    return UserFacingError(kind, message, fix, _fields(server)[0], details, data=data)


def cert_kind(verify_code: int) -> ErrorKind:
    """Map an OpenSSL verify error code to the certificate error kind."""
    if verify_code in (9, 10):  # X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
        return ErrorKind.CERT_EXPIRED
    if verify_code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
        return ErrorKind.CERT_HOSTNAME
    return ErrorKind.CERT_UNTRUSTED


# ---- what servers say when a login fails --------------------------------------------------------

# Checked in order: the first pattern found in the server's reply decides the kind.
_LOGIN_PATTERNS: tuple[tuple[ErrorKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (ErrorKind.APP_PASSWORD_REQUIRED, r"application-specific password|app[- ]?password|5\.7\.9\b"),
        (
            ErrorKind.OAUTH_REQUIRED,
            r"basic auth\w* (is )?(disabled|blocked)|BasicAuthBlocked|5\.7\.139|SmtpClientAuthentication is disabled"
            r"|oauth",
        ),
        (
            ErrorKind.IMAP_DISABLED,
            r"not enabled for IMAP|IMAP access (is )?disabled|enable (your account for )?IMAP"
            r"|authenticated but not connected|IMAP (is )?(disabled|not enabled)",
        ),
        (
            ErrorKind.ACCOUNT_LOCKED,
            r"too many (login|failed|authentication|attempts|bad)|account (is )?(locked|blocked|suspended|disabled)"
            r"|temporarily (locked|blocked)|\[LIMIT\]|rate limit"
            # Google's "suspicious sign-in" block: the person must sign in on the web once.
            r"|log ?in via your web browser|web login required",
        ),
        (
            ErrorKind.SERVER_BUSY,
            r"\[UNAVAILABLE\]|server (is )?busy|too many (simultaneous )?connections"
            r"|temporar(il)?y (unavailable|failure)|\b4\.\d\.\d\b",
        ),
        (ErrorKind.PLAINTEXT_REFUSED, r"\[PRIVACYREQUIRED\]|must issue a STARTTLS|encryption required"),
    )
)


def classify_login_failure(server: ServerConfig, reply: str, username: str) -> UserFacingError:
    """Turn a server's "login failed" reply into the error a person can act on."""
    for kind, pattern in _LOGIN_PATTERNS:
        if pattern.search(reply):
            return _login_error(kind, server, reply, username)
    return _login_error(ErrorKind.AUTH_FAILED, server, reply, username)


def _login_error(kind: ErrorKind, server: ServerConfig, reply: str, username: str) -> UserFacingError:
    host = server.host
    details = f"{_where(server)} said: {reply.strip()[:300]}"
    texts: dict[ErrorKind, tuple[str, str, Field]] = {
        ErrorKind.AUTH_FAILED: (
            f"{host} did not accept the user name {username!r} with this password.",
            "Check your password (and the user name). Mind upper and lower case.",
            Field.PASSWORD,
        ),
        ErrorKind.APP_PASSWORD_REQUIRED: (
            "Your provider wants a special app password for mail programs, not your normal password.",
            "Create an app password in your provider's security settings and enter it here.",
            Field.PASSWORD,
        ),
        ErrorKind.OAUTH_REQUIRED: (
            "Your provider no longer accepts passwords from mail programs (it requires a browser sign-in).",
            "Your provider or administrator must allow password sign-in for mail programs, or use their app.",
            Field.NONE,
        ),
        ErrorKind.IMAP_DISABLED: (
            "IMAP access is switched off for your account at your provider.",
            "Switch on IMAP in your provider's web mail settings (often under Forwarding / POP / IMAP).",
            Field.NONE,
        ),
        ErrorKind.ACCOUNT_LOCKED: (
            "Your provider has blocked sign-ins for now, after too many attempts, or has locked the account.",
            "Sign in on your provider's web site to unlock the account, or wait a while before trying again.",
            Field.NONE,
        ),
        ErrorKind.SERVER_BUSY: (
            f"The server {host} is busy or temporarily unavailable.",
            "Wait a few minutes, then try again.",
            Field.NONE,
        ),
        ErrorKind.PLAINTEXT_REFUSED: (
            f"{host} refuses passwords over an unencrypted connection.",
            "Choose the security setting SSL/TLS or STARTTLS.",
            _fields(server)[2],
        ),
    }
    message, fix, field = texts[kind]
    return UserFacingError(kind, message, fix, field, details)
