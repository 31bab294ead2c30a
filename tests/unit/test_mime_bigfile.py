"""Big stored messages: parts over the threshold stay in the file and are streamed when saved."""

from __future__ import annotations

import io
import os
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

from deskmail.engine.mime.bigfile import OFFLOAD_HEADER
from deskmail.engine.mime.parse import parse_message, parse_message_file
from deskmail.engine.mime.render import render_message


def big_message(path: Path, payload: bytes) -> None:
    msg = EmailMessage()
    msg["From"] = "Big Sender <big@example.test>"
    msg["To"] = "you@example.test"
    msg["Subject"] = "Holiday video"
    msg.set_content("Here is the video.\nEnjoy!")
    msg.add_alternative("<p>Here is the <b>video</b>.</p>", subtype="html")
    msg.add_attachment(payload, maintype="video", subtype="mp4", filename="holiday.mp4")
    msg.add_attachment(b"x" * 3000, maintype="application", subtype="octet-stream", filename="small.bin")
    path.write_bytes(msg.as_bytes())


def test_a_big_attachment_is_never_loaded_whole(tmp_path: Path) -> None:
    payload = os.urandom(12_000_000)
    source = tmp_path / "big.eml"
    big_message(source, payload)
    tracemalloc.start()
    try:
        parsed = parse_message_file(source)
        view = render_message(parsed)
        video = next(a for a in parsed.attachments if a.filename == "holiday.mp4")
        with (tmp_path / "saved.mp4").open("wb") as out:
            written = parsed.save_attachment(video.part_id, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000  # the 16 MB file and its 12 MB attachment never sat in memory
    assert written == len(payload) and (tmp_path / "saved.mp4").read_bytes() == payload
    assert abs(video.size - len(payload)) < len(payload) // 50  # estimated from the encoded length
    assert parsed.subject == "Holiday video" and "Enjoy!" in parsed.text
    assert view.is_html and "<b>video</b>" in view.body_html
    assert [a.filename for a in parsed.attachments] == ["holiday.mp4", "small.bin"]
    assert parsed.attachment_data(parsed.attachments[1].part_id) == b"x" * 3000
    assert all(name != OFFLOAD_HEADER for name, _ in parsed.headers)


def test_file_and_memory_parsing_agree(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 20_000
    source = tmp_path / "m.eml"
    big_message(source, payload)
    in_memory = parse_message(source.read_bytes())
    from_file = parse_message_file(source, big_part=100_000)
    assert [a.filename for a in from_file.attachments] == [a.filename for a in in_memory.attachments]
    for attachment in in_memory.attachments:
        assert from_file.attachment_data(attachment.part_id) == in_memory.attachment_data(attachment.part_id)
    assert from_file.text == in_memory.text and from_file.html == in_memory.html


def test_a_forged_offload_marker_is_ignored(tmp_path: Path) -> None:
    forged = (
        b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\n" + b"filler line\r\n" * 500_000 + b"--b\r\n"
        b"Content-Type: application/octet-stream; name=a.bin\r\n" + OFFLOAD_HEADER.encode() + b": 00:0\r\n\r\n"
        b"small\r\n--b--\r\n"
    )
    source = tmp_path / "forged.eml"
    source.write_bytes(forged)
    parsed = parse_message_file(source)
    small = next(a for a in parsed.attachments if a.filename == "a.bin")
    assert parsed.attachment_data(small.part_id) == b"small"
    out = io.BytesIO()
    parsed.save_attachment(small.part_id, out)
    assert out.getvalue() == b"small"
