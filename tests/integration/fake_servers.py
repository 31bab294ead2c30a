"""Scripted IMAP and SMTP servers for attacks that real servers do not do (STARTTLS injection,
stripping, PREAUTH before TLS, plaintext logins). Loopback only, one thread per connection."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme

CRAM_CHALLENGE = b"<1896.697170952@fake.test>"


@dataclass
class Script:
    """What the fake server says; every field has a well-behaved default."""

    greeting: bytes = b"* OK fake IMAP ready\r\n"
    trickle: float = 0.0  # > 0: send the greeting one byte at a time, this many seconds apart
    capabilities: str = "IMAP4rev1 STARTTLS LOGINDISABLED"  # before TLS
    tls_capabilities: str = "IMAP4rev1 AUTH=PLAIN IDLE"  # after TLS
    starttls_reply: bytes = b"OK Begin TLS negotiation now"
    inject_after_starttls: bytes = b""  # pipelined right behind the STARTTLS reply, in the same packet
    inject_delay: float = 0.0  # > 0: send the injection separately, this much later
    max_tls: ssl.TLSVersion | None = None  # e.g. TLSv1_1 for a server too old to talk to
    login_reply: bytes = b"OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in"
    auth_line_end: bytes = b"\r\n"  # after the AUTHENTICATE reply: GNU Mailutils sends a bare b"\n"
    auth_hangs_up: bool = False  # close the connection instead of answering AUTHENTICATE
    list_reply: bytes = b""  # instead of the folders, e.g. b"BAD User is authenticated but not connected."
    smtp_greeting: bytes = b"220 fake.test ESMTP\r\n"
    smtp_ehlo: tuple[str, ...] = ("STARTTLS",)  # before TLS
    smtp_tls_ehlo: tuple[str, ...] = ("AUTH PLAIN LOGIN",)
    smtp_auth_reply: bytes = b"235 2.7.0 Authentication successful"


@dataclass
class Record:
    """What the client did, for assertions."""

    lines: list[bytes] = field(default_factory=list)  # every command line received (any phase)
    credentials: list[bytes] = field(default_factory=list)  # LOGIN / AUTH lines and SASL data
    plaintext_credentials: list[bytes] = field(default_factory=list)  # those sent before TLS
    tls_started: int = 0
    cram_responses: list[bytes] = field(default_factory=list)  # b"user hexdigest"


class FakeServer:
    """A listening socket on 127.0.0.1 that runs `handler` for each connection in a thread."""

    def __init__(self, protocol: str, script: Script, cert: trustme.LeafCert, implicit_tls: bool = False) -> None:
        self.protocol = protocol
        self.script = script
        self.record = Record()
        self.implicit_tls = implicit_tls
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(self.context)
        if script.max_tls is not None:
            with warnings.catch_warnings():  # old TLS versions are deprecated: that is the point here
                warnings.simplefilter("ignore", DeprecationWarning)
                self.context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
                self.context.maximum_version = script.max_tls
            self.context.set_ciphers("DEFAULT:@SECLEVEL=0")
        self._local = threading.local()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        self._local.sockets = [conn]
        try:
            if self.implicit_tls:
                conn = self._wrap(conn)
            (self._imap if self.protocol == "imap" else self._smtp)(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            for sock in self._local.sockets:
                sock.close()

    def _wrap(self, conn: socket.socket) -> ssl.SSLSocket:
        """Server-side TLS on `conn`; the wrapped socket is closed with the connection."""
        wrapped = self.context.wrap_socket(conn, server_side=True)
        self._local.sockets.append(wrapped)
        self.record.tls_started += 1
        return wrapped

    def _lines(self, conn: socket.socket) -> Iterator[bytes]:
        buffer = b""
        while True:
            while b"\r\n" not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            line, buffer = buffer.split(b"\r\n", 1)
            self.record.lines.append(line)
            yield line

    def _send_with_injection(self, conn: socket.socket, reply: bytes) -> None:
        """The STARTTLS go-ahead, with the script's injected bytes in the same packet or a later one."""
        if self.script.inject_delay <= 0:
            conn.sendall(reply + self.script.inject_after_starttls)
            return
        conn.sendall(reply)
        time.sleep(self.script.inject_delay)
        conn.sendall(self.script.inject_after_starttls)

    def _note_credentials(self, line: bytes, conn: socket.socket) -> None:
        self.record.credentials.append(line)
        if not isinstance(conn, ssl.SSLSocket):
            self.record.plaintext_credentials.append(line)

    def _imap(self, conn: socket.socket) -> None:
        s = self.script
        if s.trickle > 0:
            for byte in s.greeting:
                conn.sendall(bytes([byte]))
                time.sleep(s.trickle)
        else:
            conn.sendall(s.greeting)
        lines = self._lines(conn)
        for line in lines:
            tag, _, rest = line.partition(b" ")
            command = rest.split(b" ")[0].upper()
            tls = isinstance(conn, ssl.SSLSocket)
            if command == b"CAPABILITY":
                caps = s.tls_capabilities if tls else s.capabilities
                conn.sendall(b"* CAPABILITY " + caps.encode() + b"\r\n" + tag + b" OK done\r\n")
            elif command == b"STARTTLS" and not tls:
                self._send_with_injection(conn, tag + b" " + s.starttls_reply + b"\r\n")
                if not s.starttls_reply.startswith(b"OK"):
                    continue
                conn = self._wrap(conn)
                lines = self._lines(conn)
                self._imap_after_tls(conn, lines)
                return
            else:
                if not self._imap_command(conn, tag, command, line, lines):
                    return

    def _imap_after_tls(self, conn: ssl.SSLSocket, lines: Iterator[bytes]) -> None:
        for line in lines:
            tag, _, rest = line.partition(b" ")
            command = rest.split(b" ")[0].upper()
            if command == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY " + self.script.tls_capabilities.encode() + b"\r\n" + tag + b" OK done\r\n")
            elif not self._imap_command(conn, tag, command, line, lines):
                return

    def _imap_command(
        self, conn: socket.socket, tag: bytes, command: bytes, line: bytes, lines: Iterator[bytes]
    ) -> bool:
        if command == b"LOGIN":
            self._note_credentials(line, conn)
            conn.sendall(tag + b" " + self.script.login_reply + b"\r\n")
        elif command == b"AUTHENTICATE":
            conn.sendall(b"+ \r\n")
            data = next(lines, b"")
            self._note_credentials(line + b" " + data, conn)
            if self.script.auth_hangs_up:
                return False
            conn.sendall(tag + b" " + self.script.login_reply + self.script.auth_line_end)
        elif command == b"LIST" and self.script.list_reply:
            conn.sendall(tag + b" " + self.script.list_reply + b"\r\n")
        elif command == b"LIST":
            conn.sendall(
                b'* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\Sent) "/" Sent\r\n' + tag + b" OK LIST done\r\n"
            )
        elif command == b"LOGOUT":
            conn.sendall(b"* BYE bye\r\n" + tag + b" OK\r\n")
            return False
        else:
            conn.sendall(tag + b" BAD unknown\r\n")
        return True

    def _smtp(self, conn: socket.socket) -> None:
        s = self.script
        conn.sendall(s.smtp_greeting)
        if not s.smtp_greeting.startswith(b"220"):
            return
        lines = self._lines(conn)
        while (line := next(lines, None)) is not None:
            verb = line.split(b" ")[0].upper()
            tls = isinstance(conn, ssl.SSLSocket)
            if verb == b"EHLO":
                extensions = s.smtp_tls_ehlo if tls or self.implicit_tls else s.smtp_ehlo
                reply = [b"fake.test"] + [e.encode() for e in extensions]
                text = b"".join(b"250-" + r + b"\r\n" for r in reply[:-1]) + b"250 " + reply[-1] + b"\r\n"
                conn.sendall(text)
            elif verb == b"STARTTLS" and not tls:
                self._send_with_injection(conn, b"220 2.0.0 Ready to start TLS\r\n")
                conn = self._wrap(conn)
                lines = self._lines(conn)
            elif verb == b"AUTH":
                self._note_credentials(line, conn)
                parts = line.split(b" ")
                if parts[1].upper() == b"CRAM-MD5":
                    conn.sendall(b"334 " + base64.b64encode(CRAM_CHALLENGE) + b"\r\n")
                    self.record.cram_responses.append(base64.b64decode(next(lines, b"")))
                elif len(parts) == 2:  # AUTH LOGIN without initial response: two challenges
                    for prompt in (b"VXNlcm5hbWU6", b"UGFzc3dvcmQ6"):
                        conn.sendall(b"334 " + prompt + b"\r\n")
                        self._note_credentials(next(lines, b""), conn)
                conn.sendall(s.smtp_auth_reply + b"\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 unknown\r\n")


def decoded_plain(record: Record) -> list[str]:
    """The SASL PLAIN payloads the server received, decoded (for asserting what was sent)."""
    out = []
    for line in record.credentials:
        last = line.split(b" ")[-1]
        try:
            out.append(base64.b64decode(last, validate=True).decode("utf-8", "replace"))
        except ValueError:
            out.append(line.decode("utf-8", "replace"))
    return out


@dataclass
class FakeEnv:
    """A test CA (its PEM on disk) and a certificate for 127.0.0.1."""

    ca: trustme.CA
    ca_path: Path
    cert: trustme.LeafCert


def new_fake_env(directory: Path) -> FakeEnv:
    """A fresh test CA (written into `directory`) and a certificate for 127.0.0.1."""
    ca = trustme.CA()
    path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return FakeEnv(ca, path, ca.issue_cert("127.0.0.1"))


@contextmanager
def fake_server(
    env: FakeEnv, protocol: str, script: Script | None = None, implicit_tls: bool = False
) -> Iterator[FakeServer]:
    server = FakeServer(protocol, script or Script(), env.cert, implicit_tls)
    try:
        yield server
    finally:
        server.close()
