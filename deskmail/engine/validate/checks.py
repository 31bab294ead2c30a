"""Prove that an account's settings work: TLS and login on IMAP and SMTP, at the same time.

Passwords only go to the host and port of the candidate, and only after TLS is verified or pinned
(or over plaintext the user explicitly accepted): `open_imap` / `open_smtp` guarantee that.
"""

from __future__ import annotations

import functools
import imaplib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import imapclient

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import N_, _
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import AUTH_OAUTH2, Candidate, ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures
from deskmail.engine.cancelwatch import closes_on_cancel
from deskmail.engine.connect import (
    SecureIMAPClient,
    SmtpSession,
    close_quietly,
    login_imap,
    login_smtp,
    open_imap,
    open_smtp,
)
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.validate.report import CheckReport, ServerCheck
from deskmail.engine.validate.usernames import username_candidates

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
Connection = SecureIMAPClient | SmtpSession
Opened = TypeVar("Opened", SecureIMAPClient, SmtpSession)
Opener = Callable[[ServerConfig, Settings, ConnectionPolicy, CancelToken, float], Opened]  # open_imap, open_smtp
Steps = Callable[["Attempt", CancelToken, ServerCheck, list[Connection]], None]  # one protocol's conversation
OVERALL_STEPS = 3  # the whole check of one server may take this many step timeouts
CLOSE_TIMEOUT = 2.0  # LOGOUT / QUIT: the result is known, do not wait long for a goodbye
PLAINTEXT_WARNING = N_("This connection is not encrypted: your password and mail can be read on the network.")


def check_account(
    candidate: Candidate,
    email: str,
    password: str | OAuthLogin,
    *,
    settings: Settings,
    policy: ConnectionPolicy | None = None,
    cancel: CancelToken,
    progress: Progress | None = None,
    timeout: float = 15.0,
) -> CheckReport:
    """Check the incoming and outgoing server of `candidate` in parallel; never raises UserFacingError.

    `password` may be an OAuthLogin (a browser sign-in): the logins then use its bearer token."""
    if isinstance(password, str):
        register_secret(password)
    policy = policy or ConnectionPolicy()
    say = progress or (lambda _text: None)

    def check(server: ServerConfig) -> ServerCheck:
        return check_server(server, email, password, settings, policy, cancel, say, timeout)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="check") as pool:
        incoming = pool.submit(check, candidate.incoming)
        outgoing = pool.submit(check, candidate.outgoing).result() if candidate.outgoing else None
        return CheckReport(incoming.result(), outgoing or ServerCheck(False, _no_outgoing_server()))


@dataclass(frozen=True)
class Attempt:
    """One server check's inputs: the server, who logs in with which password, under which rules."""

    server: ServerConfig
    email: str
    password: str | OAuthLogin = field(repr=False)  # never in a repr; an OAuthLogin: use its bearer token
    settings: Settings
    policy: ConnectionPolicy
    progress: Progress
    timeout: float  # for each step; the whole check gets OVERALL_STEPS of them


def check_server(
    server: ServerConfig,
    email: str,
    password: str | OAuthLogin,
    settings: Settings,
    policy: ConnectionPolicy,
    cancel: CancelToken,
    progress: Progress,
    timeout: float,
) -> ServerCheck:
    """Connect, verify TLS, log in (with user name fallbacks), for IMAP also LIST; then LOGOUT / QUIT."""
    attempt = Attempt(server, email, password, settings, policy, progress, timeout)
    steps = {Protocol.SMTP: _smtp_steps, Protocol.POP3: _pop3_steps}.get(server.protocol, _imap_steps)
    return _checked(attempt, cancel, steps)


def _imap_steps(attempt: Attempt, overall: CancelToken, result: ServerCheck, opened: list[Connection]) -> None:
    client = _connect(attempt, open_imap, overall, result, opened)
    with closes_on_cancel(client.socket(), overall):
        login = functools.partial(login_imap, client, password=attempt.password, cancel=overall)
        result.username = _log_in(attempt, login, overall)
        result.capabilities = sorted(c.decode("ascii", "replace") for c in client.capabilities())
        result.folders = _folders(client, attempt.server, result.username)


def _pop3_steps(attempt: Attempt, overall: CancelToken, result: ServerCheck, opened: list[Connection]) -> None:
    """Connect (TLS or STLS, fail-closed), log in, STAT: the mailbox opens, so downloading will work."""
    from deskmail.engine.pop3 import client as pop3

    attempt.progress(_("Connecting to {host}...").format(host=attempt.server.host))
    session = pop3.open_pop3(attempt.server, attempt.settings, attempt.policy, overall, attempt.timeout)
    try:
        result.tls = dict(session.tls)
        result.capabilities = sorted(session.capabilities)
        with closes_on_cancel(session.sock, overall):
            login = functools.partial(pop3.login_pop3, session, password=attempt.password, cancel=overall)
            result.username = _log_in(attempt, login, overall)
            try:
                session.stat()
            except pop3.Pop3Refused as exc:  # e.g. [IN-USE]: another program holds the mailbox
                raise pop3.refusal(attempt.server, exc.code, exc.text, result.username) from None
            except pop3.Pop3Lost as exc:
                raise failures.server_busy(attempt.server, str(exc)) from None
    finally:
        pop3.close_quietly(session, CLOSE_TIMEOUT)


def _smtp_steps(attempt: Attempt, overall: CancelToken, result: ServerCheck, opened: list[Connection]) -> None:
    smtp = _connect(attempt, open_smtp, overall, result, opened)
    result.capabilities = sorted(f"{name.upper()} {value}".strip() for name, value in smtp.esmtp_features.items())
    assert smtp.sock is not None  # open_smtp returns a connected session
    with closes_on_cancel(smtp.sock, overall):
        login = functools.partial(login_smtp, smtp, password=attempt.password, cancel=overall)
        result.username = _log_in(attempt, login, overall)


def _connect(
    attempt: Attempt, opener: Opener[Opened], overall: CancelToken, result: ServerCheck, opened: list[Connection]
) -> Opened:
    """Open the connection (TLS verified or pinned) and note how it is protected."""
    attempt.progress(_("Connecting to {host}...").format(host=attempt.server.host))
    connection = opener(attempt.server, attempt.settings, attempt.policy, overall, attempt.timeout)
    opened.append(connection)
    result.tls = dict(connection.tls)
    return connection


def _log_in(attempt: Attempt, login: Callable[[str], None], overall: CancelToken) -> str:
    """Log in with the first user name the server accepts; returns that name."""
    attempt.progress(_("Checking your password with {host}...").format(host=attempt.server.host))
    names = username_candidates(attempt.server.username, attempt.email)
    return _with_fallbacks(login, names, overall)


def _folders(client: SecureIMAPClient, server: ServerConfig, username: str) -> list[str]:
    try:
        return [str(name) for _flags, _delimiter, name in client.list_folders()]
    except (imaplib.IMAP4.abort, OSError, EOFError) as exc:  # the connection broke: not the account's fault
        raise failures.connection_lost(
            server, "while listing the folders", f"LIST: {type(exc).__name__}: {exc}"
        ) from None
    except (imapclient.exceptions.IMAPClientError, imaplib.IMAP4.error, ValueError) as exc:
        text = f"LIST: {type(exc).__name__}: {exc}"
    # Microsoft 365 with IMAP switched off accepts the login and fails the first command.
    error = failures.classify_login_failure(server, text, username)
    raise error if error.kind is not ErrorKind.AUTH_FAILED else failures.protocol_error(server, text)


def _checked(attempt: Attempt, cancel: CancelToken, steps: Steps) -> ServerCheck:
    """Run one server's `steps` under an overall deadline; every failure ends up in the result."""
    server = attempt.server
    result = _blank(server, attempt.policy)
    # `timeout` bounds each step; a server trickling one byte per step must still not hold us for ever.
    overall = cancel.child(attempt.timeout * OVERALL_STEPS)
    opened: list[Connection] = []
    try:
        _refuse_unprovable(server, oauth=isinstance(attempt.password, OAuthLogin))
        steps(attempt, overall, result, opened)
        result.ok = True
    except UserFacingError as exc:
        # Settings being checked have never worked: "not reachable now" also hints at them.
        result.error = _stopped(server, cancel) if overall.cancelled else failures.unproven(server, exc)
    except Cancelled:
        result.error = _stopped(server, cancel)
    finally:
        for connection in opened:
            close_quietly(connection, timeout=CLOSE_TIMEOUT)
    _log(result)
    return result


def _stopped(server: ServerConfig, cancel: CancelToken) -> UserFacingError:
    """The person cancelled, or the overall deadline passed."""
    if cancel.cancelled:
        return UserFacingError(
            ErrorKind.CANCELLED, _("The check was stopped."), _("Start it again when you are ready.")
        )
    return failures.timed_out(server, "the whole check")


def _refuse_unprovable(server: ServerConfig, oauth: bool = False) -> None:
    """Settings a password check cannot prove: no connection, so no password goes anywhere."""
    if not oauth and server.auth and all(method == AUTH_OAUTH2 for method in server.auth):
        raise UserFacingError(
            ErrorKind.OAUTH_REQUIRED,
            _("{host} accepts only a browser sign-in (OAuth2), not a password.").format(host=server.host),
            _("Your provider must allow password sign-in for mail programs (an app password), or use their app."),
            Field.NONE,
        )


def _with_fallbacks(login: Callable[[str], None], names: list[str], cancel: CancelToken) -> str:
    """Try each user name on the same connection; only "wrong user or password" moves on."""
    first_error: UserFacingError | None = None
    for name in names:
        cancel.raise_if_cancelled()
        try:
            login(name)
            return name
        except UserFacingError as exc:
            if exc.kind is not ErrorKind.AUTH_FAILED:
                raise
            first_error = first_error or exc
    if first_error is None:
        raise UserFacingError(
            ErrorKind.AUTH_FAILED, _("No user name is set."), _("Enter your user name."), Field.USERNAME
        )
    raise first_error  # the configured name's error names the name the user can see


def _blank(server: ServerConfig, policy: ConnectionPolicy) -> ServerCheck:
    result = ServerCheck(False, host=server.host, port=server.port, security=str(server.security))
    if server.security is Security.PLAIN and policy.allow_plaintext:
        result.warnings.append(_(PLAINTEXT_WARNING))
    return result


def _no_outgoing_server() -> UserFacingError:
    return UserFacingError(
        ErrorKind.HOST_NOT_FOUND,
        _("No outgoing (SMTP) server is set, so you could not send mail."),
        _("Enter the outgoing server from your provider's settings."),
        Field.OUTGOING_HOST,
    )


def _log(result: ServerCheck) -> None:
    if result.ok:
        log.info("check %s:%s ok as %s (%s)", result.host, result.port, result.username, result.tls.get("version"))
    elif result.error is not None:
        log.info("check %s:%s failed: %s %s", result.host, result.port, result.error.kind, result.error.details)
