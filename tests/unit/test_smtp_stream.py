"""DATA from the outbox in chunks: the same bytes smtplib would send, without the message whole in memory."""

from __future__ import annotations

import base64
import random
import re
import smtplib
import tracemalloc
from pathlib import Path

import pytest

from deskmail.engine.smtp.outbox import Outbox
from deskmail.engine.smtp.sender import _wire, without_bcc
from deskmail.engine.smtp.stream import dot_stuffed, sendmail_chunks
from deskmail.engine.store import Store


def smtplib_data(raw: bytes) -> bytes:
    """What smtplib.SMTP.data sends for `raw` (bytes are not end-of-line fixed there)."""
    quoted = re.sub(rb"(?m)^\.", b"..", raw)
    return quoted + (b"" if quoted.endswith(b"\r\n") else b"\r\n") + b".\r\n"


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 64, 10_000])
@pytest.mark.parametrize("ending", [b"\r\n", b"", b".", b".\r\n"])
def test_dot_stuffing_across_chunk_boundaries_matches_smtplib(piece: int, ending: bytes) -> None:
    lines = [b"Subject: dots", b"", b".starts with a dot", b"..two", b"mid.dle", b".", b"x" * 300, b".end"]
    raw = b"\r\n".join(lines) + b"\r\n" + b"tail" + ending
    chunks = [raw[i : i + piece] for i in range(0, len(raw), piece)]
    assert b"".join(dot_stuffed(chunks)) == smtplib_data(raw)


class DiscardingSession(smtplib.SMTP):
    """Answers like a server that accepts everything and counts what DATA carried (pure logic, no socket)."""

    def __init__(self) -> None:
        super().__init__()
        self.does_esmtp = True
        self.esmtp_features = {"size": "100000000"}
        self.sent = 0
        self.replies = [(250, b"ok"), (250, b"ok"), (354, b"go ahead"), (250, b"queued")]
        self.last = b""

    def ehlo_or_helo_if_needed(self) -> None:
        return None

    def putcmd(self, cmd: str, args: str = "") -> None:
        return None

    def getreply(self) -> tuple[int, bytes]:
        return self.replies.pop(0)

    def send(self, s: bytes | str) -> None:
        assert isinstance(s, bytes)
        self.sent += len(s)
        self.last = s[-5:]


def test_a_50_mb_queued_message_is_sent_in_chunks(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3")
    head = b"From: me@example.test\r\nBcc: secret@example.test\r\nSubject: big\r\n\r\n"
    body = base64.encodebytes(random.Random(1).randbytes(36 * 1024 * 1024)).replace(b"\n", b"\r\n")
    raw = head + body  # ~50 MB in 76-character lines, like an attachment
    spooled = tmp_path / ".spool"
    spooled.write_bytes(raw)
    outbox = Outbox(store)
    item_id = outbox.add_file(spooled, message_id="<m@x>", sender="me@example.test", recipients=["you@y"])
    expected = len(smtplib_data(without_bcc(raw)))
    del raw
    session = DiscardingSession()

    tracemalloc.start()
    try:
        refused = sendmail_chunks(
            session, "me@example.test", ["you@y"], _wire(outbox.chunks(item_id)), outbox.size(item_id), []
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak Python allocation while sending a {expected / 1e6:.0f} MB message: {peak / 1e6:.1f} MB")
    assert refused == {} and session.sent == expected and session.last.endswith(b".\r\n")
    assert peak < 10 * 1024 * 1024
    store.close()
