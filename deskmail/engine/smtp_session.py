"""An smtplib.SMTP over a socket deskmail connected and encrypted itself, with typed failures."""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Any

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures, limits, transport
from deskmail.engine.cancelwatch import Deadline, closes_on_cancel


class ReplyTooLong(smtplib.SMTPServerDisconnected):
    """A reply past SMTP_MAX_REPLY_LINES / _BYTES / _LINE or COMMAND_DEADLINE; the connection is closed."""


class SmtpSession(smtplib.SMTP):
    """Submission connection: TLS done (verified or pinned) and EHLO sent over it. Use `open()`."""

    def __init__(self, server: ServerConfig, sock: socket.socket, timeout: float) -> None:
        super().__init__(local_hostname=_address_literal(sock), timeout=timeout)
        self.server_config = server
        self.tls: dict[str, Any] = {}
        self.sock = sock
        self._host = server.host
        self.file = None

    @classmethod
    def open(
        cls, server: ServerConfig, settings: Settings, policy: ConnectionPolicy, cancel: CancelToken, timeout: float
    ) -> SmtpSession:
        sock = transport.connect(server, settings, cancel, timeout)

        def fetch() -> bytes | None:
            return _fetch_cert_smtp(server, settings, cancel, timeout)

        session: SmtpSession | None = None
        try:
            if server.security is Security.SSL:
                sock = transport.handshake(sock, server, settings, policy, cancel, timeout, fetch)
            session = cls(server, sock, timeout)
            sock.settimeout(transport.step_timeout(cancel, timeout))
            with transport.closes_on_cancel(sock, cancel):
                session._expect_greeting(cancel, settings)
                session._ehlo(cancel)
                if server.security is Security.STARTTLS:
                    session._starttls(settings, policy, cancel, timeout, fetch)
            final = session.sock
            if isinstance(final, ssl.SSLSocket):
                session.tls = transport.tls_facts(final, server)
            if final is not None:
                final.settimeout(timeout)
        except BaseException:
            # Every step closes on the failures it expects; whatever else ends the opening (a
            # cancel, a bug) must not leave the socket to the garbage collector either.
            if session is not None:
                session.close()
            sock.close()
            raise
        return session

    def getreply(self) -> tuple[int, bytes]:
        """smtplib's reply reader with limits: it caps a line's length, not the number of lines, nor time.

        An endless "220-" greeting or "250-" EHLO would otherwise grow without end; a server
        trickling one byte at a time would hold the connection for ever.
        """
        if self.file is None:
            assert self.sock is not None
            self.file = self.sock.makefile("rb")
        lines: list[bytes] = []
        size = 0
        deadline = Deadline(limits.COMMAND_DEADLINE)
        assert self.sock is not None
        with closes_on_cancel(self.sock, deadline):
            while True:
                try:
                    line = self.file.readline(limits.SMTP_MAX_LINE + 1)
                except OSError as exc:
                    self.close()
                    if deadline.expired:
                        raise ReplyTooLong("no complete reply in time") from None
                    raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from exc
                if not line or (len(line) <= limits.SMTP_MAX_LINE and not line.endswith(b"\n")):
                    self.close()  # closed, or shut at the deadline: half a line is no reply
                    if deadline.expired:
                        raise ReplyTooLong("no complete reply in time")
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                size += len(line)
                if len(line) > limits.SMTP_MAX_LINE:
                    self.close()
                    raise ReplyTooLong(f"a reply line longer than {limits.SMTP_MAX_LINE} bytes")
                if len(lines) >= limits.SMTP_MAX_REPLY_LINES or size > limits.SMTP_MAX_REPLY_BYTES:
                    self.close()
                    raise ReplyTooLong(f"a reply of more than {len(lines)} lines or {size} bytes")
                lines.append(line[4:].strip(b" \t\r\n"))
                code = line[:3]
                if not code.isdigit():
                    return -1, b"\n".join(lines)
                if line[3:4] != b"-":
                    return int(code), b"\n".join(lines)

    def _call(self, cancel: CancelToken, step: str, fn: Any, *args: Any) -> Any:
        """Run one smtplib call, turning its exceptions into UserFacingErrors."""
        try:
            return fn(*args)
        except ReplyTooLong as exc:
            self.close()
            cancel.raise_if_cancelled()
            raise failures.server_misbehaved(self.server_config, f"{step}: {exc}") from None
        except smtplib.SMTPServerDisconnected as exc:
            self.close()
            cancel.raise_if_cancelled()
            cause = exc.__context__
            if isinstance(cause, TimeoutError):
                raise failures.timed_out(self.server_config, step) from None
            if isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLEOFError | ssl.SSLZeroReturnError):
                raise failures.tls_failed(self.server_config, f"{step}: {exc}: {cause}") from None
            raise failures.connection_lost(
                self.server_config, _STEP_WORDS.get(step, transport.CONNECTING), f"{step}: {exc}"
            ) from None
        except TimeoutError:
            self.close()
            cancel.raise_if_cancelled()
            raise failures.timed_out(self.server_config, step) from None
        except OSError as exc:
            if isinstance(exc, smtplib.SMTPException):
                self.close()
                cancel.raise_if_cancelled()
                raise failures.protocol_error(self.server_config, f"{step}: {exc}") from None
            self.close()
            cancel.raise_if_cancelled()
            step_words = _STEP_WORDS.get(step, transport.CONNECTING)
            raise failures.connection_lost(
                self.server_config, step_words, f"{step}: {type(exc).__name__}: {exc}"
            ) from None

    def _expect_greeting(self, cancel: CancelToken, settings: Settings | None = None) -> None:
        try:
            code, message = self._call(cancel, "greeting", self.getreply)
        except UserFacingError as exc:
            # Silence on a port meant for STARTTLS or plain text: does it want TLS from the start?
            server = self.server_config
            silent = exc.kind is ErrorKind.TIMEOUT and server.security is not Security.SSL and settings is not None
            if silent and settings is not None and transport.speaks_tls(server, settings, cancel):
                raise failures.tls_expected(server, "no greeting; the port completes a TLS handshake") from None
            raise
        if code != 220:
            self.close()
            text = f"{code} {message.decode('utf-8', 'replace')}"
            if code in (421, 554) or 400 <= code < 500:
                raise failures.server_busy(self.server_config, text)
            # Not an SMTP greeting (another protocol on this port): evidence.
            raise failures.wrong_greeting(self.server_config, f"greeting: {text}")

    def _ehlo(self, cancel: CancelToken) -> None:
        code, message = self._call(cancel, "EHLO", self.ehlo)
        if code != 250:
            self.close()
            raise failures.protocol_error(self.server_config, f"EHLO: {code} {message.decode('utf-8', 'replace')}")

    def _starttls(
        self, settings: Settings, policy: ConnectionPolicy, cancel: CancelToken, timeout: float, fetch: Any
    ) -> None:
        server = self.server_config
        if not self.has_extn("starttls"):
            self.close()
            raise failures.starttls_missing(server, f"EHLO offered: {' '.join(sorted(self.esmtp_features))}")
        code, message = self._call(cancel, "STARTTLS", self.docmd, "STARTTLS")
        if code != 220:
            self.close()
            raise failures.starttls_missing(server, f"STARTTLS refused: {code} {message.decode('utf-8', 'replace')}")
        assert self.sock is not None and self.file is not None
        transport.ensure_nothing_buffered(self.file, self.sock, server)
        self.file.close()
        self.file = None
        self.sock = transport.handshake(self.sock, server, settings, policy, cancel, timeout, fetch)
        # RFC 3207: forget everything learned before TLS, then ask again.
        self.helo_resp = self.ehlo_resp = None
        self.esmtp_features = {}
        self.does_esmtp = False
        with transport.closes_on_cancel(self.sock, cancel):
            self._ehlo(cancel)

    def authenticate(self, username: str, password: str, prefer_cram: bool) -> None:
        """AUTH with the best offered mechanism; refusals become UserFacingError."""
        transport.register_password(username, password)
        server = self.server_config
        offered = self.esmtp_features.get("auth", "").upper().split()
        mechanism = _choose_mechanism(offered, prefer_cram)
        if mechanism is None:
            raise failures.protocol_error(server, f"no usable AUTH mechanism (offered: {offered})")
        handler: Any = {"CRAM-MD5": self.auth_cram_md5, "PLAIN": self.auth_plain, "LOGIN": self.auth_login}[mechanism]
        self.user, self.password = username, password
        try:
            self.auth(mechanism, handler, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            raise _auth_error(server, exc.smtp_code, exc.smtp_error, username) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise failures.connection_lost(server, transport.SIGNING_IN, f"disconnected during AUTH: {exc}") from None
        except TimeoutError:
            raise failures.timed_out(server, "AUTH") from None
        except smtplib.SMTPException as exc:
            raise failures.protocol_error(server, f"AUTH: {type(exc).__name__}: {exc}") from None
        except OSError as exc:
            raise failures.connection_lost(server, transport.SIGNING_IN, f"AUTH: {type(exc).__name__}: {exc}") from None
        finally:
            self.password = ""


# `_call`'s step names -> how they read in "The connection to ... broke {step}."
_STEP_WORDS = {
    "greeting": transport.GREETING,
    "EHLO": transport.GREETING,
    "STARTTLS": transport.HANDSHAKE,
}


def _choose_mechanism(offered: list[str], prefer_cram: bool) -> str | None:
    order = ["CRAM-MD5", "PLAIN", "LOGIN"] if prefer_cram else ["PLAIN", "LOGIN", "CRAM-MD5"]
    return next((m for m in order if m in offered), None)


def _auth_error(server: ServerConfig, code: int, reply: bytes | str, username: str) -> UserFacingError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    error = failures.classify_login_failure(server, f"{code} {text}", username)
    if error.kind is ErrorKind.AUTH_FAILED and 400 <= code < 500:
        return failures.server_busy(server, error.details)  # 4xx is "try later", never "wrong password"
    return error


def _address_literal(sock: socket.socket) -> str:
    """Our EHLO name: the local address as an RFC 5321 literal (no DNS look-up of our own name)."""
    address = str(sock.getsockname()[0])
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _fetch_cert_smtp(server: ServerConfig, settings: Settings, cancel: CancelToken, timeout: float) -> bytes | None:
    """The certificate of an SMTP server, from a second, non-verifying connection (only to show it)."""
    if server.security is Security.SSL:
        return transport.fetch_certificate_directly(server, settings, cancel, timeout)
    try:
        sock = transport.connect(server, settings, cancel, timeout)
    except Exception:  # only to display a certificate: any failure means "none to show"
        return None
    session: SmtpSession | None = None
    try:
        session = SmtpSession(server, sock, timeout)
        session._expect_greeting(cancel)
        session._ehlo(cancel)
        code, _ = session.docmd("STARTTLS")
    except Exception:
        if session is not None:
            session.close()
        sock.close()  # closed now, not by the garbage collector
        return None
    if session.file is not None:
        session.file.close()
    if code != 220:
        sock.close()
        return None
    return transport.unverified_certificate(sock, server, cancel, timeout)
