"""A POP3 connection (RFC 1939) that is encrypted and verified before any password, with every read bounded.

    client = open_pop3(account.incoming, settings, account.policy, cancel)   # TLS done, CAPA read
    login_pop3(client, username, password)                                    # UserFacingError if refused
    for number, uidl in client.uidl().items(): ...

Rules (the same as IMAP STARTTLS in connect.py): STLS (RFC 2595) must be advertised in CAPA and
must succeed, else we stop; bytes waiting after the "+OK" to STLS are an injection and nothing is
sent; CAPA is read again after TLS; plaintext only with `policy.allow_plaintext`.
RESP-CODES (RFC 2449, 3206): [AUTH] is a refused password, [IN-USE] another program holds the
mailbox, [SYS/TEMP] the server is busy. Every line has a byte limit, every multi-line answer a
line limit, and every answer a time limit (a minimum average speed after the first `timeout`).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures, transport
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.pop3.multiline import MultiLine

log = logging.getLogger(__name__)

MAX_LINE = 8192  # a status or list line (RFC 2449 allows 512; be liberal, but bounded)
MESSAGE_CHUNK = 64 * 1024  # message lines are read in pieces of at most this: long lines never pile up
MAX_LIST_LINES = 2_000_000  # lines of one UIDL / LIST / CAPA answer
MAX_MESSAGE_BYTES = 1 << 30  # one message; bigger ones are left on the server and reported
MAX_HEADER_BYTES = 256 * 1024  # TOP n 0 answer
MIN_RATE = 1024  # bytes per second an answer must average once `timeout` has passed
_CODE = re.compile(r"^\[([A-Za-z0-9/\-]+)[^\]]*\]\s*")


class Pop3Lost(OSError):
    """The connection broke or the server stopped answering: try again later (nothing is wrong with settings)."""


class Pop3Refused(Exception):
    """The server answered -ERR to a command; the connection is still usable."""

    def __init__(self, command: str, text: str, code: str) -> None:
        super().__init__(f"{command}: -ERR {text}")
        self.command = command
        self.text = text
        self.code = code  # RESP-CODE in capitals ("IN-USE", "AUTH", "SYS/TEMP"), "" if none


@dataclass(frozen=True)
class Reply:
    ok: bool
    text: str
    code: str = ""


def parse_reply(line: bytes) -> Reply:
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    if text.startswith("+OK"):
        return Reply(True, text[3:].strip())
    if text.startswith("-ERR"):
        rest = text[4:].strip()
        match = _CODE.match(rest)
        return Reply(False, rest, match.group(1).upper() if match else "")
    raise ValueError(f"not a POP3 status line: {text[:80]!r}")


class Pop3Client:
    """One POP3 session over a socket deskmail connected (and encrypted) itself. Use `open_pop3`."""

    def __init__(self, sock: socket.socket, server: ServerConfig, timeout: float, cancel: CancelToken = NEVER) -> None:
        self.sock = sock
        self.server = server
        self.timeout = timeout
        self.cancel = cancel
        self.file = sock.makefile("rb")
        self._buf, self._pos = b"", 0  # bytes read and not used yet (a line's rest, the next pipelined answer)
        self.tls: dict[str, object] = {}
        self.capabilities: set[str] = set()
        self.sasl: set[str] = set()
        self.greeting = ""

    # -- low level -------------------------------------------------------------------------

    def watched(self) -> AbstractContextManager[None]:
        """Cancelling `self.cancel` shuts the connection down, so a blocked read returns (wrap each phase)."""
        return transport.closes_on_cancel(self.sock, self.cancel)

    def _send(self, line: str) -> None:
        try:
            self.sock.sendall(line.encode("utf-8") + b"\r\n")
        except OSError as exc:
            self.cancel.raise_if_cancelled()
            raise Pop3Lost(f"{self.server.host}: connection lost while sending: {exc}") from None

    def _readline(self, limit: int, started: float, received: int) -> bytes:
        """At most `limit` bytes up to and including LF (a partial line if longer), read in chunks so the
        time limit is checked between them: a server trickling one byte at a time cannot hold us."""
        while True:
            end = self._buf.find(b"\n", self._pos, self._pos + limit)
            if end >= 0 or len(self._buf) - self._pos >= limit:
                stop = end + 1 if end >= 0 else self._pos + limit
                line, self._pos = self._buf[self._pos : stop], stop
                return line
            more = self._read(started, received + len(self._buf) - self._pos)
            self._buf, self._pos = self._buf[self._pos :] + more, 0

    def _chunk(self, started: float, received: int) -> bytes:
        """What the server sent next, at most MESSAGE_CHUNK bytes (whatever is there, no waiting for more)."""
        if self._pos < len(self._buf):
            chunk, self._buf, self._pos = self._buf[self._pos :], b"", 0
            return chunk
        return self._read(started, received)

    def _read(self, started: float, received: int) -> bytes:
        if time.monotonic() - started > self.timeout + received / MIN_RATE:
            self.close()
            raise failures.timed_out(self.server, "an answer", "the server is answering too slowly")
        try:
            data = self.file.read1(MESSAGE_CHUNK)
        except TimeoutError:
            raise Pop3Lost(f"{self.server.host}: no answer in time") from None
        except OSError as exc:
            self.cancel.raise_if_cancelled()
            raise Pop3Lost(f"{self.server.host}: connection lost: {exc}") from None
        self.cancel.raise_if_cancelled()
        if not data:
            raise Pop3Lost(f"{self.server.host}: the server closed the connection")
        return data

    def _violation(self, what: str) -> UserFacingError:
        self.close()
        return failures.protocol_error(self.server, what)

    def status(self) -> Reply:
        line = self._readline(MAX_LINE + 1, time.monotonic(), 0)
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise self._violation("overlong status line")
        try:
            return parse_reply(line)
        except ValueError as exc:
            raise self._violation(str(exc)) from None

    def command(self, line: str, shown: str | None = None) -> Reply:
        """Send one command and read its status line; -ERR raises Pop3Refused."""
        self._send(line)
        reply = self.status()
        if not reply.ok:
            raise Pop3Refused(shown or line.split(" ", 1)[0], reply.text, reply.code)
        return reply

    def lines(self, max_lines: int = MAX_LIST_LINES) -> Iterator[bytes]:
        """The lines of a multi-line answer (dot-unstuffed, without CRLF), each at most MAX_LINE bytes."""
        started, received = time.monotonic(), 0
        for _ in range(max_lines + 1):
            line = self._readline(MAX_LINE + 1, started, received)
            received += len(line)
            if len(line) > MAX_LINE or not line.endswith(b"\n"):
                raise self._violation("overlong line in a list")
            line = line.rstrip(b"\r\n")
            if line == b".":
                return
            yield line[1:] if line.startswith(b".") else line
        raise self._violation(f"more than {max_lines:,} lines in one answer")

    # -- commands ----------------------------------------------------------------------------

    def capa(self) -> None:
        """CAPA (RFC 2449); a server without it simply has no extensions we can rely on."""
        self.capabilities, self.sasl = set(), set()
        try:
            self.command("CAPA")
        except Pop3Refused:
            return
        for raw in self.lines(1000):
            words = raw.decode("ascii", "replace").upper().split()
            if not words:
                continue
            self.capabilities.add(words[0])
            if words[0] == "SASL":
                self.sasl = set(words[1:])

    def stat(self) -> tuple[int, int]:
        reply = self.command("STAT")
        parts = reply.text.split()
        try:
            return int(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            raise self._violation(f"STAT answer {reply.text[:60]!r}") from None

    def uidl(self) -> dict[int, str] | None:
        """Message number -> unique id; None when the server has no UIDL (RFC 1939 makes it optional)."""
        try:
            self.command("UIDL")
        except Pop3Refused:
            return None
        found: dict[int, str] = {}
        for raw in self.lines():
            parts = raw.decode("ascii", "replace").split()
            if len(parts) < 2 or not parts[0].isdigit() or len(parts[1]) > 70:
                raise self._violation(f"UIDL line {raw[:60]!r}")
            found[int(parts[0])] = parts[1]
        return found

    def sizes(self) -> dict[int, int]:
        """Message number -> size in octets (LIST)."""
        self.command("LIST")
        found: dict[int, int] = {}
        for raw in self.lines():
            parts = raw.split()
            if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
                raise self._violation(f"LIST line {raw[:60]!r}")
            found[int(parts[0])] = int(parts[1])
        return found

    def top(self, number: int, limit: int = MAX_HEADER_BYTES) -> bytes:
        """The header of one message (TOP n 0), at most `limit` bytes kept."""
        self.command(f"TOP {number} 0")
        sink = _Capped(limit)
        self._message_into(sink, limit * 4)  # type: ignore[arg-type]  # _Capped writes like a file
        return sink.data()

    def retr(self, number: int, sink: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> int:
        """RETR one message into `sink` (CRLF line ends, dot-unstuffed), streamed; returns its size."""
        self.command(f"RETR {number}")
        return self._message_into(sink, limit)

    def read_message(self, sink: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> int:
        """The body of a multi-line answer whose +OK was read already (pipelined RETR)."""
        return self._message_into(sink, limit)

    def _message_into(self, sink: BinaryIO, limit: int) -> int:
        """Decode a multi-line answer into `sink` in chunks (see multiline.py); returns the bytes written."""
        started, received, written = time.monotonic(), 0, 0
        decoder = MultiLine()
        while not decoder.done:
            chunk = self._chunk(started, received)
            received += len(chunk)
            if received > limit + limit // 8 + MAX_LINE:
                raise self._violation(f"a message larger than {limit:,} bytes")
            part = decoder.feed(chunk)
            if part:
                sink.write(part)
                written += len(part)
        self._buf, self._pos = decoder.leftover + self._buf[self._pos :], 0
        return written

    def dele(self, number: int) -> None:
        self.command(f"DELE {number}")

    def quit(self) -> None:
        """QUIT: the server deletes what was marked with DELE only now (RFC 1939 UPDATE state)."""
        self.command("QUIT")
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.sock.close()


class _Capped:
    """A sink that keeps at most `limit` bytes (for headers, where the rest is not needed)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        if self.size < self.limit:
            kept = data[: self.limit - self.size]
            self.parts.append(kept)
            self.size += len(kept)
        return len(data)

    def data(self) -> bytes:
        return b"".join(self.parts)


# -- opening and logging in -------------------------------------------------------------------


def open_pop3(
    server: ServerConfig,
    settings: Settings,
    policy: ConnectionPolicy | None = None,
    cancel: CancelToken = NEVER,
    timeout: float = transport.DEFAULT_TIMEOUT,
) -> Pop3Client:
    """A POP3 connection with TLS done and verified (or pinned, or plaintext if allowed); not logged in."""
    policy = policy or ConnectionPolicy()
    if server.security is Security.PLAIN and not policy.allow_plaintext:
        raise failures.plaintext_refused(server)
    sock = transport.connect(server, settings, cancel, timeout)

    def fetch() -> bytes | None:
        return _fetch_certificate(server, settings, cancel, timeout)

    try:
        if server.security is Security.SSL:
            sock = transport.handshake(sock, server, settings, policy, cancel, timeout, fetch)
        sock.settimeout(transport.step_timeout(cancel, timeout))
        client = Pop3Client(sock, server, timeout, cancel)
    except BaseException:
        sock.close()  # the handshake closes on the failures it expects; anything else here
        raise
    try:
        with client.watched():
            _greet(client)
            client.capa()
        if server.security is Security.STARTTLS:
            with client.watched():
                _stls(client, settings, policy, fetch)
            with client.watched():
                client.capa()  # forget what was learnt before TLS and ask again
        if isinstance(client.sock, ssl.SSLSocket):
            client.tls = transport.tls_facts(client.sock, server)
        client.sock.settimeout(timeout)
    except Pop3Lost as exc:
        client.close()
        cancel.raise_if_cancelled()
        if "no answer in time" in str(exc):
            raise failures.timed_out(server, "greeting") from None
        raise failures.server_busy(server, str(exc)) from None
    except Pop3Refused as exc:
        client.close()
        raise failures.protocol_error(server, str(exc)) from None
    except BaseException:
        client.close()
        raise
    return client


def _greet(client: Pop3Client) -> None:
    reply = client.status()
    if not reply.ok:
        raise refusal(client.server, reply.code, f"greeting: -ERR {reply.text}", "")
    client.greeting = reply.text


def _stls(client: Pop3Client, settings: Settings, policy: ConnectionPolicy, fetch: object) -> None:
    server = client.server
    if "STLS" not in client.capabilities:
        client.close()
        raise failures.starttls_missing(server, f"CAPA: {' '.join(sorted(client.capabilities)) or '(none)'}")
    try:
        client.command("STLS")
    except Pop3Refused as exc:
        client.close()
        raise failures.starttls_missing(server, str(exc)) from None
    # Nothing the server sent before the handshake may be kept or acted on (RFC 2595 4).
    if client._pos < len(client._buf):  # bytes behind the go-ahead: they were sent before TLS
        client.close()
        raise failures.injection_detected(server)
    transport.ensure_nothing_buffered(client.file, client.sock, server)
    client.file.close()
    client.sock = transport.handshake(
        client.sock,
        server,
        settings,
        policy,
        client.cancel,
        client.timeout,
        fetch,  # type: ignore[arg-type]
    )
    client.file = client.sock.makefile("rb")
    client.capabilities, client.sasl = set(), set()


def login_pop3(client: Pop3Client, username: str, password: str | OAuthLogin, cancel: CancelToken = NEVER) -> None:
    """AUTH PLAIN (RFC 5034) when offered, else USER/PASS; XOAUTH2 for a browser sign-in."""
    server = client.server
    try:
        with client.watched():
            _login(client, username, password, cancel)
    except Pop3Refused as exc:
        raise refusal(server, exc.code, exc.text, username) from None
    except Pop3Lost as exc:
        cancel.raise_if_cancelled()
        raise failures.server_busy(server, f"connection lost during login: {exc}") from None


def _login(client: Pop3Client, username: str, password: str | OAuthLogin, cancel: CancelToken) -> None:
    if isinstance(password, OAuthLogin):
        _login_bearer(client, username, password, cancel)
        return
    transport.register_password(username, password)
    if "PLAIN" in client.sasl:
        initial = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        client.command(f"AUTH PLAIN {initial}", shown="AUTH PLAIN")
    elif client.tls or client.server.security is Security.PLAIN:  # PLAIN only when the person allowed it
        client.command(f"USER {username}", shown="USER")
        client.command(f"PASS {password}", shown="PASS")
    else:
        raise failures.protocol_error(client.server, "no login method we support")


def _login_bearer(client: Pop3Client, username: str, login: OAuthLogin, cancel: CancelToken) -> None:
    """AUTH XOAUTH2 with the account's access token (Gmail and Outlook offer it on POP3)."""
    if "XOAUTH2" not in client.sasl:
        raise failures.protocol_error(client.server, "the server does not offer SASL XOAUTH2")
    token, _fresh = login.access_token(cancel)
    initial = base64.b64encode(f"user={username}\x01auth=Bearer {token}\x01\x01".encode()).decode("ascii")
    client._send(f"AUTH XOAUTH2 {initial}")
    line = client._readline(MAX_LINE + 1, time.monotonic(), 0)
    if line.startswith(b"+ "):  # the error challenge (a JSON document): end the exchange, then read -ERR
        client._send("*")
        line = client._readline(MAX_LINE + 1, time.monotonic(), 0)
    reply = parse_reply(line)
    if not reply.ok:
        raise Pop3Refused("AUTH XOAUTH2", reply.text, reply.code)


def refusal(server: ServerConfig, code: str, text: str, username: str) -> UserFacingError:
    """An -ERR in words: RESP-CODES first (RFC 2449 / 3206), then the login patterns IMAP uses."""
    if code == "IN-USE":
        return failures.mailbox_in_use(server, text)
    if code == "SYS/TEMP" or code == "LOGIN-DELAY":
        return failures.server_busy(server, text)
    if code == "SYS/PERM":
        return failures.protocol_error(server, text)
    return failures.classify_login_failure(server, text, username)


def _fetch_certificate(server: ServerConfig, settings: Settings, cancel: CancelToken, timeout: float) -> bytes | None:
    """The certificate of a POP3 server from a second, non-verifying connection (only to show it)."""
    if server.security is Security.SSL:
        return transport.fetch_certificate_directly(server, settings, cancel, timeout)
    try:
        sock = transport.connect(server, settings, cancel, timeout)
    except Exception:  # only to display a certificate: any failure means "none to show"
        return None
    try:
        sock.settimeout(timeout)
        client = Pop3Client(sock, server, timeout, cancel)
        try:
            _greet(client)
            client.command("STLS")
        finally:
            client.file.close()
    except Exception:
        sock.close()  # closed now, not by the garbage collector
        return None
    return transport.unverified_certificate(sock, server, cancel, timeout)


def close_quietly(client: Pop3Client, timeout: float = 2.0) -> None:
    """QUIT (which commits DELE), ignoring a server that has gone."""
    with contextlib.suppress(OSError):
        client.sock.settimeout(timeout)
    try:
        client.quit()
    except Exception:
        log.debug("POP3 QUIT failed", exc_info=True)
        client.close()
