"""Scripted hostile IMAP and SMTP servers over TLS: a small well-behaved server with one chosen misdeed.

Real servers never flood, trickle or send 4 GB literals; these do, on purpose, so the limits in
deskmail/engine/limits.py are tested against real sockets and real TLS (the bed's test CA).

    imap = HostileImap(ip, cert, scenario="flood")     # port 993, implicit TLS
    ...                                                # sync: folders INBOX, Bad, Later
    imap.scenario = "good"                             # the next sync must work
    smtp = HostileSmtp(ip, cert, scenario="endless_greeting")   # port 465

IMAP: folders INBOX, Bad and Later, MESSAGES messages each (UIDs 1..n); the misdeed happens in the
answer to the header FETCH of folder Bad (or, for some scenarios, in LIST or SELECT). Every
scenario is in IMAP_SCENARIOS / SMTP_SCENARIOS with what it does.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

MESSAGES = 3
FOLDERS = ("INBOX", "Bad", "Later")
BAD = "Bad"
SLOW_BYTE_SECONDS = 0.2  # slowloris: one byte this often (each byte restarts a socket's idle timeout)
FLOOD_SECONDS = 60.0  # a flood stops after this even if nobody reads it (keeps a broken test finite)
HUGE_LITERAL = 40 * 1024 * 1024  # bytes really sent inside one header literal
HUGE_BODY = 190 * 1024 * 1024  # bytes of the BODY[] literal of the message whose RFC822.SIZE says 1,000

IMAP_SCENARIOS = {
    "good": "a well-behaved server",
    "flood": "endless untagged FETCH lines, never the tagged OK",
    "huge_literal": f"a header literal of {HUGE_LITERAL // 2**20} MB, really sent",
    "announced_4gb": "a header literal announced as 4 GB (then silence)",
    "short_literal": "a literal announced as 100 bytes, 10 sent, then the tagged OK and silence",
    "endless_line": "one FETCH line that never ends",
    "deep_nesting": "one message's FLAGS nested 50,000 parentheses deep",
    "bad_dates": "INTERNALDATE and Date: in year 0",
    "huge_numbers": "EXISTS, UIDNEXT and one UID of 2^64",
    "invalid_mutf7": "a folder named &Jjo! (not valid modified UTF-7)",
    "slowloris": f"the FETCH answer one byte every {SLOW_BYTE_SECONDS} s",
    "bye_mid_command": "* BYE in the middle of the FETCH answer, then the connection closes",
    "garbage": "an HTTP error page where the FETCH answer should be",
    "malformed_item": "one message's FETCH answer is not valid IMAP",
    "slow_greeting": f"the greeting one byte every {SLOW_BYTE_SECONDS} s",
    "idle_flood": "endless * n EXISTS lines once IDLE begins",
    "login_flood": "endless untagged lines answering the login",
    "huge_body": f"BODY[] of {HUGE_BODY // 2**20} MB for a message whose RFC822.SIZE is 1,000",
}
SMTP_SCENARIOS = {
    "good": "a well-behaved submission server",
    "endless_greeting": "endless 220- greeting lines",
    "endless_ehlo": "endless 250- lines answering EHLO",
    "slow_greeting": f"the greeting one byte every {SLOW_BYTE_SECONDS} s",
}
CAPABILITIES = b"IMAP4rev1 AUTH=PLAIN SASL-IR UNSELECT IDLE"
_SET_ITEM = re.compile(rb"(\d+|\*)(?::(\d+|\*))?")


def header_block(folder: str, uid: int, date: str = "Mon, 7 Dec 2026 10:00:00 +0000") -> bytes:
    return (
        f"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: {folder} message {uid}\r\n"
        f"Date: {date}\r\nMessage-ID: <{folder.lower()}-{uid}@hostile.test>\r\n\r\n"
    ).encode()


class _Server:
    """Accept TLS connections on (ip, port); one thread per connection runs `self._serve(conn)`."""

    def __init__(self, ip: str, port: int, context: ssl.SSLContext, scenario: str) -> None:
        self.ip, self.port, self.context, self.scenario = ip, port, context, scenario
        self.connections = 0
        self.commands: list[bytes] = []
        self._listener = socket.create_server((ip, port))
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name=f"hostile-{port}").start()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept(), which holds the port
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(raw,), daemon=True).start()

    def _run(self, raw: socket.socket) -> None:
        raw.settimeout(30)
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                self._serve(conn, conn.makefile("rb"))
        except (OSError, ValueError):
            pass  # the client hung up (often on purpose: it refused what it was sent)
        finally:
            raw.close()

    def _serve(self, conn: ssl.SSLSocket, reader: Any) -> None:
        raise NotImplementedError

    def _trickle(self, conn: ssl.SSLSocket, data: bytes) -> None:
        for index in range(len(data)):
            if self._stop.is_set():
                return
            conn.sendall(data[index : index + 1])
            time.sleep(SLOW_BYTE_SECONDS)

    def _flood(self, conn: ssl.SSLSocket, chunk: bytes) -> None:
        """Send `chunk` again and again until the client hangs up (or FLOOD_SECONDS pass)."""
        block = chunk * max(1, 65536 // len(chunk))
        end = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < end and not self._stop.is_set():
            conn.sendall(block)


class HostileImap(_Server):
    """IMAP4rev1 over implicit TLS (port 993) with folders INBOX, Bad and Later."""

    def __init__(self, ip: str, context: ssl.SSLContext, scenario: str = "good", port: int = 993) -> None:
        assert scenario in IMAP_SCENARIOS, scenario
        super().__init__(ip, port, context, scenario)
        self.huge_body = HUGE_BODY  # bytes of the "huge_body" literal (tests send less than the benchmark)

    def _serve(self, conn: ssl.SSLSocket, reader: Any) -> None:
        greeting = b"* OK [CAPABILITY " + CAPABILITIES + b"] hostile.test ready\r\n"
        if self.scenario == "slow_greeting":  # 80 s of greeting: longer than any deadline
            self._trickle(conn, greeting[:-2] + b"." * 300 + b"\r\n")
            return
        conn.sendall(greeting)
        selected = ""
        while True:
            line = reader.readline(100_000)
            if not line:
                return
            self.commands.append(line.rstrip())
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            verb, _, args = rest.partition(b" ")
            verb = verb.upper()
            if verb == b"UID":
                sub, _, args = args.partition(b" ")
                verb = b"UID " + sub.upper()
            done = tag + b" OK done\r\n"
            if verb == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY " + CAPABILITIES + b"\r\n" + done)
            elif verb in (b"LOGIN", b"AUTHENTICATE") and self.scenario == "login_flood":
                self._flood(conn, b"* OK still thinking about it\r\n")
                return
            elif verb in (b"LOGIN", b"AUTHENTICATE"):
                conn.sendall(tag + b" OK [CAPABILITY " + CAPABILITIES + b"] logged in\r\n")
            elif verb in (b"LIST", b"LSUB"):
                conn.sendall(self._list(verb) + done)
            elif verb == b"STATUS":
                name = _mailbox_arg(args)
                conn.sendall(
                    b'* STATUS "%s" (MESSAGES %d UNSEEN 0 UIDNEXT %d UIDVALIDITY 1)\r\n'
                    % (name, MESSAGES, MESSAGES + 1)
                    + done
                )
            elif verb in (b"SELECT", b"EXAMINE"):
                selected = _mailbox_arg(args).decode("ascii", "replace")
                conn.sendall(self._select(selected) + done)
            elif verb in (b"UNSELECT", b"CLOSE", b"NOOP", b"ENABLE", b"CHECK"):
                if verb in (b"UNSELECT", b"CLOSE"):
                    selected = ""
                conn.sendall(done)
            elif verb == b"UID SEARCH":
                conn.sendall(b"* SEARCH " + b" ".join(b"%d" % u for u in range(1, MESSAGES + 1)) + b"\r\n" + done)
            elif verb in (b"FETCH", b"UID FETCH"):
                if not self._fetch(conn, tag, args, selected):
                    return
            elif verb == b"IDLE":
                conn.sendall(b"+ idling\r\n")
                if self.scenario == "idle_flood":
                    self._flood(conn, b"* 7 EXISTS\r\n")
                    return
                if reader.readline(100) == b"DONE\r\n":
                    conn.sendall(done)
            elif verb == b"LOGOUT":
                conn.sendall(b"* BYE see you\r\n" + done)
                return
            else:
                conn.sendall(tag + b" BAD unknown command\r\n")

    def _list(self, verb: bytes) -> bytes:
        names = [*FOLDERS, "&Jjo!"] if self.scenario == "invalid_mutf7" else list(FOLDERS)
        return b"".join(b'* %s () "/" "%s"\r\n' % (verb, name.encode()) for name in names)

    def _select(self, folder: str) -> bytes:
        exists, uidnext = b"%d" % MESSAGES, b"%d" % (MESSAGES + 1)
        if self.scenario == "huge_numbers" and folder == BAD:
            exists = uidnext = b"%d" % 2**64
        return b"* " + exists + b" EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT " + uidnext + b"] ok\r\n"

    def _fetch(self, conn: ssl.SSLSocket, tag: bytes, args: bytes, folder: str) -> bool:
        """Answer one FETCH; False ends the connection."""
        uids = _message_set(args.split(b" ", 1)[0])
        items = args.upper()
        done = tag + b" OK fetch done\r\n"
        if b"BODY.PEEK[]" in items:
            return self._fetch_body(conn, uids, done)
        if b"HEADER.FIELDS" not in items:  # flags
            conn.sendall(b"".join(b"* %d FETCH (UID %d FLAGS (\\Seen))\r\n" % (u, u) for u in uids) + done)
            return True
        if folder != BAD or self.scenario in (
            "good",
            "invalid_mutf7",
            "huge_body",
            "idle_flood",
            "slow_greeting",
            "login_flood",
        ):
            conn.sendall(b"".join(_header_response(folder, u) for u in uids) + done)
            return True
        return self._misdeed(conn, uids, done)

    def _fetch_body(self, conn: ssl.SSLSocket, uids: list[int], done: bytes) -> bool:
        for uid in uids:
            body = header_block("INBOX", uid) + b"Hello.\r\n"
            if self.scenario == "huge_body" and uid == MESSAGES:
                conn.sendall(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (uid, uid, self.huge_body))
                block = b"x" * 77 + b"\r\n"
                left = self.huge_body
                chunk = block * (65536 // len(block))
                while left:
                    piece = chunk[:left]
                    conn.sendall(piece)
                    left -= len(piece)
                conn.sendall(b")\r\n")
            else:
                conn.sendall(b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (uid, uid, len(body), body))
        conn.sendall(done)
        return True

    def _misdeed(self, conn: ssl.SSLSocket, uids: list[int], done: bytes) -> bool:
        s = self.scenario
        # Message 1 is the bad one (whatever set was asked for); stream-level misdeeds happen anyway.
        good = b"".join(_header_response(BAD, u) for u in uids if u != 1)
        first = 1
        if s == "flood":
            self._flood(conn, b"* 1 FETCH (FLAGS ())\r\n")
            return False
        if s == "huge_literal" and first in uids:
            conn.sendall(_header_response(BAD, first, size=HUGE_LITERAL) + good + done)
            return True
        if s == "announced_4gb":
            conn.sendall(b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {4294967296}\r\nSubject: x\r\n")
            time.sleep(FLOOD_SECONDS)
            return False
        if s == "short_literal":
            conn.sendall(b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {100}\r\nSubject: x)\r\n" + done)
            time.sleep(FLOOD_SECONDS)
            return False
        if s == "endless_line":
            conn.sendall(b"* 1 FETCH (UID 1 FLAGS (")
            self._flood(conn, b"x" * 1024)
            return False
        if s == "slowloris":
            self._trickle(conn, _header_response(BAD, first) + good + done)
            return False
        if s == "bye_mid_command":
            conn.sendall(_header_response(BAD, first) + b"* BYE shutting down\r\n")
            return False
        if s == "garbage":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>oops</html>\r\n" + done)
            return True
        bad = {
            "deep_nesting": b"* %d FETCH (UID %d FLAGS " % (first, first) + b"(" * 50_000 + b")" * 50_000 + b")\r\n",
            "bad_dates": _header_response(
                BAD, first, internaldate=b"01-Jan-0000 00:00:00 +0000", date="Sat, 1 Jan 0000 00:00:00 +0000"
            ),
            "huge_numbers": _header_response(BAD, first, shown_uid=2**64),
            "malformed_item": b"* %d FETCH (UID %d FLAGS \\Seen) RFC822.SIZE) BODY[HEADER.FIELDS (SUBJECT)] {12}"
            b"\r\nSubject: x\r\n)\r\n" % (first, first),
        }.get(s, b"")
        conn.sendall((bad if first in uids else b"") + good + done)
        return True


def _header_response(
    folder: str,
    uid: int,
    *,
    size: int = 0,
    internaldate: bytes = b"07-Dec-2026 10:00:00 +0000",
    date: str = "Mon, 7 Dec 2026 10:00:00 +0000",
    shown_uid: int | None = None,
) -> bytes:
    """One header-sync FETCH answer; `size` pads the header literal to that many bytes; `shown_uid` lies."""
    block = header_block(folder, uid, date)
    literal = block if not size else block[:-2] + b"X-Pad: " + b"p" * (size - len(block) - 9) + b"\r\n\r\n"
    fields = b"BODY[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]"
    shown = uid if shown_uid is None else shown_uid
    head = b'* %d FETCH (UID %d FLAGS () RFC822.SIZE 1000 INTERNALDATE "%s" %s {%d}\r\n' % (
        uid,
        shown,
        internaldate,
        fields,
        len(literal),
    )
    return head + literal + b")\r\n"


def _mailbox_arg(args: bytes) -> bytes:
    text = args.strip()
    if text.startswith(b'"'):
        return text[1:].split(b'"', 1)[0]
    return text.split(b" ", 1)[0]


def _message_set(text: bytes) -> list[int]:
    """The messages of "1:3", "2:*", "1,3" among UIDs 1..MESSAGES (sequence numbers are the same)."""
    found: set[int] = set()
    for match in _SET_ITEM.finditer(text):
        low = MESSAGES if match.group(1) == b"*" else int(match.group(1))
        high_text = match.group(2) or match.group(1)
        high = MESSAGES if high_text == b"*" else int(high_text)
        low, high = min(low, high), max(low, high)
        found.update(range(max(low, 1), min(high, MESSAGES) + 1))
    return sorted(found)


class HostileSmtp(_Server):
    """SMTP submission over implicit TLS (port 465): AUTH PLAIN accepts anything, mail is dropped."""

    def __init__(self, ip: str, context: ssl.SSLContext, scenario: str = "good", port: int = 465) -> None:
        assert scenario in SMTP_SCENARIOS, scenario
        super().__init__(ip, port, context, scenario)

    def _serve(self, conn: ssl.SSLSocket, reader: Any) -> None:
        if self.scenario == "endless_greeting":
            self._flood(conn, b"220-hostile.test says hello, and again\r\n")
            return
        if self.scenario == "slow_greeting":
            self._trickle(conn, b"220 hostile.test ESMTP " + b"." * 200 + b"\r\n")
            return
        conn.sendall(b"220 hostile.test ESMTP\r\n")
        while True:
            line = reader.readline(100_000)
            if not line:
                return
            self.commands.append(line.rstrip())
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                if self.scenario == "endless_ehlo":
                    self._flood(conn, b"250-HOSTILE-EXTENSION and more\r\n")
                    return
                conn.sendall(b"250-hostile.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH":
                conn.sendall(b"235 2.7.0 ok\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                conn.sendall(b"250 ok\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                while reader.readline(100_000) not in (b".\r\n", b""):
                    pass
                conn.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 unknown\r\n")


@contextlib.contextmanager
def hostile_servers(
    allocate: Callable[[], str], release: Callable[[str], None], context_for: Callable[[str], ssl.SSLContext]
) -> Iterator[tuple[HostileImap, HostileSmtp]]:
    """Both servers on one fresh bed address (IMAP 993, SMTP 465), good until told otherwise."""
    ip = allocate()
    context = context_for(ip)
    imap = HostileImap(ip, context)
    smtp = HostileSmtp(ip, context)
    try:
        yield imap, smtp
    finally:
        imap.close()
        smtp.close()
        release(ip)
