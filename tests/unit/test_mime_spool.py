"""Spooling an outgoing message to a file gives the same message as building it in memory."""

from __future__ import annotations

import email
import email.policy
import io
import random
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO

import pytest

from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage, build_message
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.spool import write_message

ME = Address("Me", "me@example.test")


def chunked(data: bytes, size: int) -> AttachmentFile:
    """A streamed attachment whose writer hands over `data` in pieces of `size` bytes."""

    def write(sink: BinaryIO) -> None:
        for start in range(0, len(data), size):
            sink.write(data[start : start + size])

    return AttachmentFile("f.bin", content_type="application/octet-stream", writer=write, size=len(data))


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def spooled(out: OutgoingMessage) -> bytes:
    sink = io.BytesIO()
    written = write_message(out, sink)
    assert written == len(sink.getvalue())
    return sink.getvalue()


@pytest.mark.parametrize("piece", [1, 56, 57, 1000, 57 * 1024 + 1, 10**7])
def test_streamed_file_decodes_to_the_same_bytes(piece: int) -> None:
    data = random.Random(piece).randbytes(300_001)
    out = OutgoingMessage(sender=ME, to=[ME], subject="s", body="text", attachments=[chunked(data, piece)])
    raw = spooled(out)
    [part] = list(parsed(raw).iter_attachments())
    assert part.get_content() == data and part.get_filename() == "f.bin"
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998 and b"\n" not in raw.replace(b"\r\n", b"")


def test_same_message_as_built_in_memory(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(10_000)
    (tmp_path / "a.pdf").write_bytes(data)
    streamed = OutgoingMessage(
        sender=ME, to=[ME], subject="Grüße", body="hi", attachments=[AttachmentFile.streamed_from(tmp_path / "a.pdf")]
    )
    in_memory = OutgoingMessage(
        sender=ME, to=[ME], subject="Grüße", body="hi", attachments=[AttachmentFile("a.pdf", data)]
    )
    streamed.message_id = in_memory.message_id = "<x@example.test>"
    a, b = parsed(spooled(streamed)), parsed(build_message(in_memory).as_bytes())
    assert a["Subject"] == b["Subject"] and a.get_body(("plain",)).get_content().rstrip() == "hi"  # type: ignore[union-attr]
    [pa], [pb] = list(a.iter_attachments()), list(b.iter_attachments())
    assert pa.get_content() == pb.get_content() == data
    assert pa.get_content_type() == pb.get_content_type() == "application/pdf"


@pytest.mark.parametrize("piece", [1, 2, 7, 4096])
@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_forwarded_message_is_copied_with_crlf_lines(tmp_path: Path, piece: int, line_end: bytes) -> None:
    inner = line_end.join([b"Subject: original", b"From: a@example.test", b"", b"caf\xc3\xa9", b"last line"])
    source = tmp_path / "original.eml"
    source.write_bytes(inner)

    def write(sink: BinaryIO) -> None:
        with source.open("rb") as f:
            while chunk := f.read(piece):
                sink.write(chunk)

    attached = AttachmentFile("original.eml", content_type="message/rfc822", writer=write, size=len(inner))
    raw = spooled(
        OutgoingMessage(sender=ME, to=[ME], subject="Fwd: original", body="see below", attachments=[attached])
    )
    crlf = inner.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
    assert crlf in raw and b"\n" not in raw.replace(b"\r\n", b"")
    [part] = list(parsed(raw).iter_attachments())
    forwarded = part.get_content()
    assert forwarded["Subject"] == "original" and part.get_filename() == "original.eml"
    assert "Content-Transfer-Encoding: 8bit" in str(part)


def test_the_message_id_is_the_one_the_outgoing_message_keeps() -> None:
    out = OutgoingMessage(sender=ME, to=[ME], subject="s", body="b", attachments=[chunked(b"x" * 100, 10)])
    raw = spooled(out)
    assert out.message_id and parsed(raw)["Message-ID"] == out.message_id  # drafts are keyed by it


def test_without_streamed_parts_it_is_build_message() -> None:
    out = OutgoingMessage(sender=ME, to=[ME], subject="s", body="b", attachments=[AttachmentFile("a.txt", b"hi")])
    out.message_id = "<y@example.test>"
    raw = spooled(out)
    assert parsed(raw).get_body(("plain",)).get_content().rstrip() == "b"  # type: ignore[union-attr]
    assert b"deskmail-spool" not in raw
