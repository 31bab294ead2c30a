"""IMAP AUTHENTICATE and SMTP AUTH with a bearer token (OAUTHBEARER, else XOAUTH2).

A refusal of a cached access token is retried once with a freshly refreshed one; a refusal of a fresh
token means the grant no longer works for mail, and the person is asked to sign in again.
"""

from __future__ import annotations

import base64
import imaplib
from collections.abc import Callable
from typing import TYPE_CHECKING

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ServerConfig
from deskmail.engine import failures
from deskmail.engine.oauth import sasl
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.oauth.tokens import sign_in_again

if TYPE_CHECKING:
    from deskmail.engine.connect import SecureIMAPClient
    from deskmail.engine.smtp_session import SmtpSession

Attempt = Callable[[str, bytes], tuple[bool, str]]  # (mechanism, initial response) -> (accepted, reply)


def login_imap_bearer(client: SecureIMAPClient, username: str, login: OAuthLogin, cancel: CancelToken = NEVER) -> bytes:
    """AUTHENTICATE with the account's access token; returns the server's OK text (capabilities)."""
    server: ServerConfig = client.server_config
    offered = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
    mechanism = sasl.choose({c[5:] for c in offered if c.startswith("AUTH=")})
    if mechanism is None:
        raise failures.protocol_error(server, "the server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2")
    ok_text: list[bytes] = []

    def attempt(mech: str, first: bytes) -> tuple[bool, str]:
        answered: list[bool] = []

        def respond(_challenge: bytes) -> bytes:
            # First call: our token. A second call is the server's error challenge (RFC 7628 3.2.2).
            if answered:
                return sasl.abort_response(mech)
            answered.append(True)
            return first

        try:
            typ, data = client._imap.authenticate(mech, respond)
        except imaplib.IMAP4.abort as exc:
            raise failures.server_busy(server, f"connection lost during login: {exc}") from None
        except imaplib.IMAP4.error as exc:
            return False, str(exc)
        except TimeoutError:
            raise failures.timed_out(server, "login") from None
        except (OSError, EOFError) as exc:
            raise failures.server_busy(server, f"connection lost during login: {type(exc).__name__}") from None
        ok_text.append(data[-1] if data and isinstance(data[-1], bytes) else b"")
        return typ == "OK", ""

    _with_retry(server, username, login, mechanism, attempt, cancel)
    return ok_text[-1] if ok_text else b""


def login_smtp_bearer(smtp: SmtpSession, username: str, login: OAuthLogin, cancel: CancelToken = NEVER) -> None:
    """AUTH OAUTHBEARER / XOAUTH2 with the initial response in the command (RFC 4954)."""
    server: ServerConfig = smtp.server_config
    offered = set(smtp.esmtp_features.get("auth", "").upper().split())
    mechanism = sasl.choose(offered)
    if mechanism is None:
        raise failures.protocol_error(server, f"no OAuth2 AUTH mechanism (offered: {sorted(offered)})")

    def attempt(mech: str, first: bytes) -> tuple[bool, str]:
        code, reply = smtp._call(cancel, "AUTH", smtp.docmd, "AUTH", f"{mech} {_b64(first)}")
        if code == 334:  # the error challenge: answer it so the server sends its final reply
            code, reply = smtp._call(cancel, "AUTH", smtp.docmd, _b64(sasl.abort_response(mech)))
        text = f"{code} {reply.decode('utf-8', 'replace')}"
        if code == 235:
            return True, ""
        if 400 <= code < 500:
            raise failures.server_busy(server, text)
        return False, text

    _with_retry(server, username, login, mechanism, attempt, cancel)


def _with_retry(
    server: ServerConfig, username: str, login: OAuthLogin, mechanism: str, attempt: Attempt, cancel: CancelToken
) -> None:
    token, fresh = login.access_token(cancel)
    while True:
        accepted, reply = attempt(
            mechanism, sasl.initial_response(mechanism, username, token, server.host, server.port)
        )
        if accepted:
            return
        error = failures.classify_login_failure(server, reply, username)
        if error.kind is not ErrorKind.AUTH_FAILED:
            raise error  # e.g. IMAP switched off, account locked: a new token would not help
        if fresh:
            raise _refused(login, server, reply)
        login.forget()
        token, fresh = login.refreshed_token(cancel), True


def _refused(login: OAuthLogin, server: ServerConfig, reply: str) -> UserFacingError:
    return sign_in_again(login.provider, login.email, details=f"{server.host} refused a fresh token: {reply[:300]}")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
