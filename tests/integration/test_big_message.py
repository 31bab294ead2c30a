"""A big attachment goes from the server to a saved file through the runtime without sitting in memory."""

from __future__ import annotations

import base64
import hashlib
import random
import tracemalloc
import uuid
from pathlib import Path

import pytest

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.store.models import MessageSummary
from tests.servers.bed import Testbed

ATTACHMENT_SIZE = 50 * 1024 * 1024  # a download long enough to be cancelled in the middle
# Under tracemalloc every allocation is slow (a 50 MB open took 32 s idle, over 120 s on a loaded machine).
# The peak (about 2 MB) does not grow with the size; anything over 4 MB already takes the file path.
TRACED_SIZE = 16 * 1024 * 1024
TRACED_PEAK_LIMIT = TRACED_SIZE // 2  # Python allocations while opening, rendering and saving it
PEAK_LIMIT = 20 * 1024 * 1024  # the same for a 50 MB message (test_big_forward)


class _Password:
    """Stands in for the keyring (tested elsewhere): the runtime only asks for the password."""

    def __init__(self, password: str) -> None:
        self.password = password

    def get(self, email: str) -> str:
        return self.password


def big_message(sender: str, data: bytes) -> bytes:
    """A short text body plus `data` as a base64 attachment (lines of 76, CRLF)."""
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = (
        f"From: Big Sender <{sender}>\r\nTo: {sender}\r\nSubject: the big file\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="BIG"\r\n\r\n--BIG\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHere is the video you asked for.\r\n--BIG\r\n"
        'Content-Type: application/octet-stream; name="video.bin"\r\nContent-Transfer-Encoding: base64\r\n'
        'Content-Disposition: attachment; filename="video.bin"\r\n\r\n'
    ).encode()
    return head + encoded + b"--BIG--\r\n"


def runtime_with_big_message(
    testbed: Testbed, tmp_path: Path, data: bytes, name: str
) -> tuple[AccountRuntime, MessageSummary]:
    """A new account `name`...@example.test holding one message with `data` attached, synced (body not fetched)."""
    tag = uuid.uuid4().hex[:8]
    me, password = f"{name}{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    testbed.mail.put_message(me, big_message(me, data))
    account = Account(
        email=me,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, username=me),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=me),
    )
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    runtime.sync(["INBOX"])
    inbox = runtime.store().folder("INBOX")
    assert inbox is not None
    [summary] = runtime.store().messages(inbox.id)
    assert runtime.store().body(summary.id) is None  # the sync left the body on the server: opening fetches it
    return runtime, summary


@pytest.mark.timeout(600)  # minutes of honest work under tracemalloc on a loaded machine, not a hang
def test_a_big_attachment_is_opened_and_saved_without_holding_it(testbed: Testbed, tmp_path: Path) -> None:
    data = random.randbytes(TRACED_SIZE)
    digest = hashlib.sha256(data).hexdigest()
    runtime, summary = runtime_with_big_message(testbed, tmp_path, data, "big")
    del data
    store = runtime.store()
    target = tmp_path / "saved.bin"

    tracemalloc.start()
    try:
        rendered = runtime.open_message(summary)
        [attachment] = rendered.attachments
        with target.open("wb") as sink:
            written = rendered.message.save_attachment(attachment.part_id, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak Python allocation during open+render+save: {peak / 1e6:.1f} MB")

    assert "the video you asked for" in rendered.body_html
    assert attachment.filename == "video.bin"
    assert written == TRACED_SIZE == target.stat().st_size
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert peak < TRACED_PEAK_LIMIT
    body = store.body(summary.id)
    assert body is not None and body.raw is None and body.path is not None  # kept as a file, not in the row
    reopened = runtime.open_message(summary)  # from the store this time: the same view
    assert reopened.attachments == rendered.attachments
    runtime.close()
