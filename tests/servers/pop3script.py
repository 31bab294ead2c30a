"""A scripted POP3 server for what Dovecot does not do: STLS injection, RESP-CODES, no UIDL, a cut in
the middle of RETR, a pause where a test kills the client. Loopback only, one thread per connection.

The maildrop is shared by all connections and behaves like RFC 1939 says: DELE only marks a message,
QUIT applies the marks, a connection that ends without QUIT deletes nothing.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme


@dataclass
class Pop3Script:
    """What the fake server says; every field has a well-behaved default."""

    greeting: bytes = b"+OK fake POP3 ready"
    trickle: float = 0.0  # > 0: send the greeting one byte at a time, this many seconds apart
    capabilities: tuple[str, ...] = ("USER", "UIDL", "TOP", "RESP-CODES", "STLS", "SASL PLAIN")  # before TLS
    tls_capabilities: tuple[str, ...] = ("USER", "UIDL", "TOP", "RESP-CODES", "SASL PLAIN")
    inject_after_stls: bytes = b""  # sent in the same packet right behind "+OK Begin TLS"
    auth_reply: bytes = b"+OK logged in"  # e.g. b"-ERR [IN-USE] mailbox locked"
    uidl: bool = True  # False: UIDL is refused (-ERR), TOP still works
    cut_in_retr: int = 0  # message number whose RETR is cut off half-way (once, then reset to 0)
    pause_in_retr: int = 0  # message number whose RETR stops half-way until `release` is set
    pause_on_dele: bool = False  # the first DELE waits until `release` is set
    overlong_uidl: bool = False  # one UIDL line of 100 kB


@dataclass
class Pop3Record:
    commands: list[bytes] = field(default_factory=list)  # every command verb (and argument, not passwords)
    plaintext_logins: int = 0  # USER/PASS/AUTH lines received before TLS
    retrieved: list[int] = field(default_factory=list)
    paused: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Pop3Server:
    """A listening socket on 127.0.0.1; `implicit_tls` for the 995 behaviour, else 110 with STLS."""

    def __init__(self, cert: trustme.LeafCert, script: Pop3Script | None = None, implicit_tls: bool = True) -> None:
        self.script = script or Pop3Script()
        self.record = Pop3Record()
        self.implicit_tls = implicit_tls
        self.messages: list[tuple[str, bytes]] = []  # (uidl, message) in the maildrop
        self._lock = threading.Lock()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(self.context)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def add(self, uidl: str, message: bytes) -> None:
        with self._lock:
            self.messages.append((uidl, message))

    def uidls(self) -> list[str]:
        with self._lock:
            return [uidl for uidl, _ in self.messages]

    def close(self) -> None:
        self.record.release.set()
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(20)
        sockets = [conn]
        try:
            if self.implicit_tls:
                conn = self.context.wrap_socket(conn, server_side=True)
                sockets.append(conn)
            self._session(conn, sockets)
        except (OSError, ssl.SSLError):
            pass
        finally:
            for sock in sockets:
                sock.close()

    def _session(self, conn: socket.socket, sockets: list[socket.socket]) -> None:
        s = self.script
        if s.trickle > 0:
            for byte in s.greeting + b"\r\n":
                conn.sendall(bytes([byte]))
                time.sleep(s.trickle)
        else:
            conn.sendall(s.greeting + b"\r\n")
        if not s.greeting.startswith(b"+OK"):
            return
        with self._lock:
            drop = list(self.messages)  # this session's view: numbers are positions in it
        marked: set[int] = set()
        lines = _lines(conn)
        for line in lines:
            verb, _, argument = line.partition(b" ")
            verb = verb.upper()
            self.record.commands.append(verb + (b"" if verb in (b"PASS", b"AUTH") else b" " + argument).rstrip())
            tls = isinstance(conn, ssl.SSLSocket)
            if verb in (b"USER", b"PASS", b"AUTH") and not tls:
                self.record.plaintext_logins += 1
            if verb == b"CAPA":
                caps = s.tls_capabilities if tls else s.capabilities
                conn.sendall(b"+OK\r\n" + b"".join(c.encode() + b"\r\n" for c in caps) + b".\r\n")
            elif verb == b"STLS" and not tls:
                conn.sendall(b"+OK Begin TLS\r\n" + s.inject_after_stls)
                conn = self.context.wrap_socket(conn, server_side=True)
                sockets.append(conn)
                lines = _lines(conn)
                return self._after_tls(conn, lines, drop, marked)
            elif not self._command(conn, verb, argument, drop, marked):
                return
        return None

    def _after_tls(
        self, conn: socket.socket, lines: Iterator[bytes], drop: list[tuple[str, bytes]], marked: set[int]
    ) -> None:
        for line in lines:
            verb, _, argument = line.partition(b" ")
            verb = verb.upper()
            self.record.commands.append(verb)
            if verb == b"CAPA":
                caps = self.script.tls_capabilities
                conn.sendall(b"+OK\r\n" + b"".join(c.encode() + b"\r\n" for c in caps) + b".\r\n")
            elif not self._command(conn, verb, argument, drop, marked):
                return

    def _command(
        self, conn: socket.socket, verb: bytes, argument: bytes, drop: list[tuple[str, bytes]], marked: set[int]
    ) -> bool:
        s = self.script
        live = [(n, uidl, body) for n, (uidl, body) in enumerate(drop, start=1) if n not in marked]
        if verb == b"USER":
            conn.sendall(b"+OK\r\n")
        elif verb in (b"PASS", b"AUTH"):
            conn.sendall(s.auth_reply + b"\r\n")
        elif verb == b"STAT":
            conn.sendall(f"+OK {len(live)} {sum(len(b) for _, _, b in live)}\r\n".encode())
        elif verb == b"LIST":
            listing = b"".join(f"{n} {len(body)}\r\n".encode() for n, _, body in live)
            conn.sendall(b"+OK\r\n" + listing + b".\r\n")
        elif verb == b"UIDL" and not s.uidl:
            conn.sendall(b"-ERR command not supported\r\n")
        elif verb == b"UIDL":
            listing = b"".join(f"{n} {uidl}\r\n".encode() for n, uidl, _ in live)
            if s.overlong_uidl:
                listing = b"1 " + b"x" * 100_000 + b"\r\n"
            conn.sendall(b"+OK\r\n" + listing + b".\r\n")
        elif verb in (b"RETR", b"TOP"):
            number = int(argument.split()[0])
            body = drop[number - 1][1]
            if verb == b"TOP":
                body = body.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            else:
                self.record.retrieved.append(number)
            stuffed = b"\r\n".join(b"." + x if x.startswith(b".") else x for x in body.split(b"\r\n"))
            conn.sendall(b"+OK\r\n")
            if verb == b"RETR" and number in (s.cut_in_retr, s.pause_in_retr):
                conn.sendall(stuffed[: len(stuffed) // 2])
                if number == s.cut_in_retr:
                    s.cut_in_retr = 0
                    return False  # the connection ends half-way through the message
                self.record.paused.set()
                self.record.release.wait(20)
                return False
            conn.sendall(stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        elif verb == b"DELE":
            if s.pause_on_dele:
                self.record.paused.set()
                self.record.release.wait(20)
                return False
            marked.add(int(argument))
            conn.sendall(b"+OK marked\r\n")
        elif verb == b"NOOP":
            conn.sendall(b"+OK\r\n")
        elif verb == b"QUIT":
            with self._lock:
                gone = {drop[n - 1][0] for n in marked}
                self.messages = [(u, b) for u, b in self.messages if u not in gone]
            conn.sendall(b"+OK bye\r\n")
            return False
        else:
            conn.sendall(b"-ERR unknown command\r\n")
        return True


def _lines(conn: socket.socket) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        yield line


@dataclass
class Pop3Env:
    """A test CA (its PEM on disk) and a certificate for 127.0.0.1."""

    ca: trustme.CA
    ca_path: Path
    cert: trustme.LeafCert


def pop3_env(directory: Path) -> Pop3Env:
    ca = trustme.CA()
    path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return Pop3Env(ca, path, ca.issue_cert("127.0.0.1"))


@contextmanager
def pop3_server(env: Pop3Env, script: Pop3Script | None = None, implicit_tls: bool = True) -> Iterator[Pop3Server]:
    server = Pop3Server(env.cert, script, implicit_tls)
    try:
        yield server
    finally:
        server.close()
