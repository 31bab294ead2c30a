"""Open IMAP and SMTP connections that are encrypted and verified (or pinned) before any password.

Used by the connection checks, sync and send:

    client = open_imap(account.incoming, settings, account.policy, cancel)   # TLS done, not logged in
    login_imap(client, username, password)                                    # UserFacingError if refused
    smtp = open_smtp(account.outgoing, settings, account.policy, cancel)      # TLS done, EHLO done
    login_smtp(smtp, username, password)

`password` may be an `OAuthLogin` instead (accounts that sign in through the browser): the login then
uses SASL OAUTHBEARER / XOAUTH2 with an access token, refreshed when needed (engine/oauth/login.py).

Rules (the NO STARTTLS lessons): STARTTLS must be advertised and must succeed, else we stop; nothing
the server sent before the handshake is kept or acted on (pipelined data is an error); capabilities
are re-read after TLS; a PREAUTH greeting before STARTTLS is refused; plaintext only with
`policy.allow_plaintext`. All failures raise `UserFacingError`; a cancelled token raises `Cancelled`.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import socket
import ssl
from typing import TYPE_CHECKING, Any

import imapclient

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.serverconfig import AUTH_PASSWORD_ENCRYPTED, ConnectionPolicy, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures, limits, transport

if TYPE_CHECKING:
    # Loaded when an account signs in through the browser: the rest never needs the HTTP stack.
    from deskmail.engine.oauth.session import OAuthLogin
    from deskmail.engine.smtp_session import SmtpSession

log = logging.getLogger(__name__)

__all__ = [
    "SecureIMAPClient",
    "SmtpSession",
    "UserFacingError",
    "close_quietly",
    "login_imap",
    "login_smtp",
    "open_imap",
    "open_smtp",
    "tls_info",
]


def __getattr__(name: str) -> Any:
    """`SmtpSession` is loaded with its first use: a sync (IMAP only) never loads smtplib."""
    if name == "SmtpSession":
        from deskmail.engine.smtp_session import SmtpSession

        return SmtpSession
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _IMAP4(imaplib.IMAP4):
    """imaplib over a socket we connected ourselves (through our resolver, with our timeouts)."""

    def __init__(self, sock: socket.socket, host: str, port: int) -> None:
        self._ready_socket = sock
        super().__init__(host, port)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self._ready_socket

    # imaplib keeps every untagged response and reads any literal whole: the commands still run
    # through it (greeting, CAPABILITY, login, imapclient's) get the limits of engine/limits.py too.
    def _command(self, name: str, *args: Any) -> Any:
        self._held = (0, 0)  # responses and bytes kept for this command
        return super()._command(name, *args)  # type: ignore[misc]

    def _append_untagged(self, typ: str, dat: Any) -> None:
        count, size = getattr(self, "_held", (0, 0))
        self._held = (count + 1, size + len(dat or b"") + limits.IMAP_UNTAGGED_OVERHEAD)
        if self._held[0] > limits.IMAP_MAX_UNTAGGED or self._held[1] > limits.IMAP_MAX_UNTAGGED_BYTES:
            raise self.abort("too many untagged responses to one command")
        super()._append_untagged(typ, dat)  # type: ignore[misc]

    def read(self, size: int) -> bytes:
        if size > limits.IMAP_MAX_LITERAL:  # every caller reads in pieces far below this
            raise self.abort(f"server announced a {size}-byte literal")
        return super().read(size)

    def readline(self) -> bytes:
        # A bare LF ends a line too (GNU Mailutils ends its AUTHENTICATE reply so): a line is
        # read only outside literals, so the LF cannot be data. imaplib would call it an aborted
        # connection, and a login would then look like a refused password.
        line: bytes = super().readline()
        if line.endswith(b"\n") and not line.endswith(b"\r\n"):
            return line[:-1] + b"\r\n"
        return line

    def _get_capabilities(self) -> None:
        # The greeting usually carries [CAPABILITY ...] already: no need to ask again. After
        # STARTTLS the untagged responses are cleared, so the question is then really asked.
        announced = self.untagged_responses.pop("CAPABILITY", None)
        if announced and isinstance(announced[-1], bytes):
            self.capabilities = tuple(announced[-1].decode("ascii", "replace").upper().split())
            return
        super()._get_capabilities()  # type: ignore[misc]


class SecureIMAPClient(imapclient.IMAPClient):  # type: ignore[misc]  # imapclient ships no type hints
    """An IMAPClient whose socket, TLS and STARTTLS are done by deskmail; `.tls` holds the TLS facts."""

    def __init__(self, sock: socket.socket, server: ServerConfig, timeout: float) -> None:
        self._ready_socket = sock
        self.server_config = server
        self._tls: dict[str, Any] | None = None
        super().__init__(server.host, server.port, ssl=False, timeout=timeout)
        self.ssl = server.security is Security.SSL

    @property
    def tls(self) -> dict[str, Any]:
        """TLS version, cipher and certificate facts, read from the socket when first asked for
        (parsing the certificate costs every connection time that a sync never uses)."""
        if self._tls is None:
            sock = self._imap.sock
            self._tls = transport.tls_facts(sock, self.server_config) if isinstance(sock, ssl.SSLSocket) else {}
        return self._tls

    def _create_IMAP4(self) -> imaplib.IMAP4:  # imapclient's name
        return _IMAP4(self._ready_socket, self.host, self.port)

    def starttls(self, ssl_context: Any = None) -> Any:
        raise imapclient.exceptions.IMAPClientAbortError("STARTTLS is done by deskmail.engine.connect")


def open_imap(
    server: ServerConfig,
    settings: Settings,
    policy: ConnectionPolicy | None = None,
    cancel: CancelToken = NEVER,
    timeout: float = transport.DEFAULT_TIMEOUT,
) -> SecureIMAPClient:
    """An IMAP connection with TLS done and verified (or pinned, or plaintext if allowed); not logged in."""
    policy = policy or ConnectionPolicy()
    _refuse_plaintext(server, policy)
    sock = transport.connect(server, settings, cancel, timeout)

    def fetch() -> bytes | None:
        return _fetch_cert_imap(server, settings, cancel, timeout)

    try:
        if server.security is Security.SSL:
            sock = transport.handshake(sock, server, settings, policy, cancel, timeout, fetch)
        client = _greet(sock, server, cancel, timeout, settings)
    except BaseException:
        sock.close()  # the failures handshake and greeting expect are closed there; anything else here
        raise
    try:
        if server.security is Security.STARTTLS:
            _imap_starttls(client, server, settings, policy, cancel, timeout)
        client._tls = None  # read from the final (TLS) socket when asked for
        client.socket().settimeout(timeout)
    except BaseException:
        # STARTTLS missing or refused: nothing more is said on that connection, and its socket is
        # closed now rather than by the garbage collector (a watcher retrying would pile them up).
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


def _refuse_plaintext(server: ServerConfig, policy: ConnectionPolicy) -> None:
    if server.security is Security.PLAIN and not policy.allow_plaintext:
        raise failures.plaintext_refused(server)


def _greet(
    sock: socket.socket, server: ServerConfig, cancel: CancelToken, timeout: float, settings: Settings | None = None
) -> SecureIMAPClient:
    """Read the greeting and first CAPABILITY (imaplib does both in its constructor).

    `settings`: on silence, look for evidence that the port wants TLS from the start (else "try again").
    """
    sock.settimeout(transport.step_timeout(cancel, timeout))
    try:
        with transport.closes_on_cancel(sock, cancel):
            return SecureIMAPClient(sock, server, timeout)
    except TimeoutError:
        sock.close()
        cancel.raise_if_cancelled()
        if (
            settings is not None
            and server.security is not Security.SSL
            and transport.speaks_tls(server, settings, cancel)
        ):
            raise failures.tls_expected(server, "no greeting; the port completes a TLS handshake") from None
        raise failures.timed_out(server, "greeting") from None
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:
        sock.close()
        raise failures.connection_lost(server, transport.GREETING, f"greeting: {type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        sock.close()
        raise failures.tls_failed(server, str(exc)) from None
    except (OSError, EOFError) as exc:
        sock.close()
        cancel.raise_if_cancelled()
        raise failures.connection_lost(server, transport.GREETING, f"greeting: {type(exc).__name__}: {exc}") from None
    except (imaplib.IMAP4.error, ValueError) as exc:
        sock.close()
        cancel.raise_if_cancelled()
        text = str(exc)
        if _closed(exc):
            raise failures.connection_lost(server, transport.GREETING, f"greeting: {text}") from None
        if "BYE" in text.upper() or "UNAVAILABLE" in text.upper():
            raise failures.server_busy(server, text) from None
        # Something that is not an IMAP greeting (another protocol on this port): evidence.
        raise failures.wrong_greeting(server, f"{type(exc).__name__}: {text}") from None


def _closed(exc: BaseException) -> bool:
    """imaplib's way of saying the connection closed or broke (not that the server said something odd)."""
    return isinstance(exc, imaplib.IMAP4.abort) and str(exc).startswith("socket error")


def _imap_starttls(
    client: SecureIMAPClient,
    server: ServerConfig,
    settings: Settings,
    policy: ConnectionPolicy,
    cancel: CancelToken,
    timeout: float,
) -> None:
    imap = client._imap
    if imap.state != "NONAUTH":
        # PREAUTH: the session is "logged in" before any encryption; an attacker can do exactly that.
        client.shutdown()
        raise failures.starttls_missing(server, "PREAUTH greeting on a connection that must use STARTTLS")
    if "STARTTLS" not in imap.capabilities:
        client.shutdown()
        raise failures.starttls_missing(server, f"capabilities: {' '.join(imap.capabilities)}")
    try:
        with transport.closes_on_cancel(imap.sock, cancel):
            typ, data = imap._simple_command("STARTTLS")
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        client.shutdown()
        cancel.raise_if_cancelled()
        if isinstance(exc, OSError | EOFError) or _closed(exc):
            raise failures.connection_lost(server, transport.HANDSHAKE, f"STARTTLS: {exc}") from None
        raise failures.tls_failed(server, f"STARTTLS: {exc}") from None
    if typ != "OK":
        client.shutdown()
        raise failures.starttls_missing(server, f"STARTTLS refused: {data!r}")
    transport.ensure_nothing_buffered(imap.file, imap.sock, server)
    imap.file.close()

    def fetch() -> bytes | None:
        return _fetch_cert_imap(server, settings, cancel, timeout)

    tls_sock = transport.handshake(imap.sock, server, settings, policy, cancel, timeout, fetch)
    imap.sock = tls_sock
    imap.file = tls_sock.makefile("rb")
    imap._tls_established = True
    imap.untagged_responses.clear()  # nothing from before TLS may survive (RFC 3501 6.2.1)
    try:
        with transport.closes_on_cancel(tls_sock, cancel):
            imap._get_capabilities()
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        tls_sock.close()
        cancel.raise_if_cancelled()
        if isinstance(exc, OSError | EOFError) or _closed(exc):
            raise failures.connection_lost(server, transport.HANDSHAKE, f"CAPABILITY after STARTTLS: {exc}") from None
        raise failures.protocol_error(server, f"CAPABILITY after STARTTLS: {exc}") from None


def _fetch_cert_imap(server: ServerConfig, settings: Settings, cancel: CancelToken, timeout: float) -> bytes | None:
    """The certificate of an IMAP server, from a second, non-verifying connection (only to show it)."""
    if server.security is Security.SSL:
        return transport.fetch_certificate_directly(server, settings, cancel, timeout)
    try:
        sock = transport.connect(server, settings, cancel, timeout)
    except Exception:  # only to display a certificate: any failure means "none to show"
        return None
    client: SecureIMAPClient | None = None
    try:
        client = _greet(sock, server, cancel, timeout)
        typ, _ = client._imap._simple_command("STARTTLS")
    except Exception:
        # Closed here, not by the garbage collector: a watcher retrying a server whose certificate
        # changed would otherwise leave one socket behind per try.
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()
        sock.close()
        return None
    client._imap.file.close()
    if typ != "OK":
        client._imap.sock.close()
        return None
    return transport.unverified_certificate(client._imap.sock, server, cancel, timeout)


def login_imap(
    client: SecureIMAPClient, username: str, password: str | OAuthLogin, cancel: CancelToken = NEVER
) -> None:
    """Log in with AUTHENTICATE PLAIN, or LOGIN unless LOGINDISABLED (or a bearer token for an
    OAuthLogin); refusals become UserFacingError."""
    server = client.server_config
    if client._imap.state != "NONAUTH":
        return  # PREAUTH over implicit TLS: the server already knows who we are
    if not isinstance(password, str):
        from deskmail.engine.oauth.login import login_imap_bearer

        _remember_capabilities(client, login_imap_bearer(client, username, password, cancel))
        return
    transport.register_password(username, password)
    capabilities = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
    try:
        if "AUTH=PLAIN" in capabilities and "SASL-IR" in capabilities:
            reply = _authenticate_plain_initial_response(client, username, password)
        elif "AUTH=PLAIN" in capabilities:
            reply = client.plain_login(username, password)
        elif "LOGINDISABLED" not in capabilities:
            reply = client.login(username, password)
        elif client.tls:
            raise failures.protocol_error(server, "no login method we support (LOGINDISABLED, no AUTH=PLAIN)")
        else:
            raise failures.plaintext_refused(server, "LOGINDISABLED and no AUTH=PLAIN without TLS")
    except imapclient.exceptions.LoginError as exc:
        if isinstance(exc.__context__, imaplib.IMAP4.abort):  # imapclient wraps a broken reply too
            raise failures.server_busy(server, f"connection lost during login: {exc}") from None
        raise failures.classify_login_failure(server, str(exc), username) from None
    except TimeoutError:
        raise failures.timed_out(server, "login") from None
    except (OSError, EOFError, imaplib.IMAP4.abort) as exc:
        cancel.raise_if_cancelled()
        details = f"connection lost during login: {type(exc).__name__}: {exc}"
        raise failures.connection_lost(server, transport.SIGNING_IN, details) from None
    except imaplib.IMAP4.error as exc:
        raise failures.classify_login_failure(server, f"{type(exc).__name__}: {exc}", username) from None
    _remember_capabilities(client, reply)


def _authenticate_plain_initial_response(client: SecureIMAPClient, username: str, password: str) -> bytes:
    """AUTHENTICATE PLAIN with the credentials in the command itself (RFC 4959): one round trip."""
    imap = client._imap
    initial = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    typ, data = imap._simple_command("AUTHENTICATE", "PLAIN", initial)
    text = data[-1] if data and isinstance(data[-1], bytes) else b""
    if typ != "OK":
        raise imapclient.exceptions.LoginError(text.decode("utf-8", "replace"))
    imap.state = "AUTH"
    return text


def _remember_capabilities(client: SecureIMAPClient, reply: object) -> None:
    """Keep the capabilities a server sends with its login OK, saving a CAPABILITY round trip."""
    text = reply if isinstance(reply, bytes) else b""
    start = text.upper().find(b"[CAPABILITY ")
    end = text.find(b"]", start)
    if start >= 0 and end > start:
        client._cached_capabilities = tuple(text[start + len(b"[CAPABILITY ") : end].upper().split())


def open_smtp(
    server: ServerConfig,
    settings: Settings,
    policy: ConnectionPolicy | None = None,
    cancel: CancelToken = NEVER,
    timeout: float = transport.DEFAULT_TIMEOUT,
) -> SmtpSession:
    """An SMTP submission connection with TLS done and EHLO sent over it; not logged in."""
    from deskmail.engine.smtp_session import SmtpSession

    policy = policy or ConnectionPolicy()
    _refuse_plaintext(server, policy)
    return SmtpSession.open(server, settings, policy, cancel, timeout)


def login_smtp(smtp: SmtpSession, username: str, password: str | OAuthLogin, cancel: CancelToken = NEVER) -> None:
    """AUTH PLAIN or LOGIN (CRAM-MD5 when configured as password-encrypted and offered), or
    OAUTHBEARER / XOAUTH2 for an OAuthLogin."""
    if not isinstance(password, str):
        from deskmail.engine.oauth.login import login_smtp_bearer

        login_smtp_bearer(smtp, username, password, cancel)
        return
    smtp.authenticate(username, password, prefer_cram=AUTH_PASSWORD_ENCRYPTED in smtp.server_config.auth)


def tls_info(connection: SecureIMAPClient | SmtpSession) -> dict[str, Any]:
    """TLS version, cipher, issuer, validity and SHA-256 fingerprint of an open connection."""
    return dict(connection.tls)


def close_quietly(connection: SecureIMAPClient | SmtpSession, timeout: float | None = None) -> None:
    """LOGOUT / QUIT, ignoring a server that has already gone; `timeout` bounds the wait for it."""
    sock = connection.socket() if isinstance(connection, SecureIMAPClient) else connection.sock
    if timeout is not None and sock is not None:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)
    try:
        if isinstance(connection, SecureIMAPClient):
            connection.logout()
        else:
            connection.quit()
    except Exception:  # closing is best effort; the result is known already
        log.debug("closing the connection failed", exc_info=True)
        try:
            connection.shutdown() if isinstance(connection, SecureIMAPClient) else connection.close()
        except Exception:
            log.debug("closing the socket failed", exc_info=True)
