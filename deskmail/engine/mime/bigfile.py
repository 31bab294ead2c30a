"""Big messages parsed from a file without loading their large parts: a skeleton plus file offsets.

The skeleton is the message with every leaf body over `big_part` bytes cut out; the cut part keeps
its headers plus a private marker header naming its byte span in the file (with a per-parse random
token, so a message cannot forge one). Such parts are decoded from the file only when asked for,
and `stream_part` decodes them to disk in chunks: a 50 MB attachment never sits whole in memory.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import io
import re
import secrets
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import BinaryIO

OFFLOAD_HEADER = "X-Deskmail-Offloaded"
BIG_PART = 1_000_000  # leaf bodies larger than this stay in the file
MAX_SCAN_DEPTH = 50
MAX_HEADER_BLOCK = 1 << 20  # a "header block" longer than this is body text (a message without a blank line)
_CHUNK = 1 << 16
_MAX_SCAN_LINE = 1 << 16  # longer lines are read in pieces: one 1 GB line must not be held whole


@dataclass(frozen=True)
class Span:
    """Where an offloaded part's (still encoded) body lies in the file."""

    start: int
    end: int
    encoding: str


@dataclass
class OffloadedParts:
    """The spans cut out of one file's skeleton, looked up through the marker header."""

    path: Path
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    spans: list[Span] = field(default_factory=list)
    data: bytes | None = None  # the message itself when it is in memory rather than in `path`

    def open(self) -> BinaryIO:
        # BytesIO shares the bytes object until written to: no copy of a big message.
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def span_of(self, part: Message) -> Span | None:
        value = str(part.get(OFFLOAD_HEADER, ""))
        token, _, index = value.strip().partition(":")
        if token != self.token or not index.isdigit() or int(index) >= len(self.spans):
            return None
        return self.spans[int(index)]

    def decoded_size(self, span: Span) -> int:
        encoded = span.end - span.start
        return encoded * 3 // 4 * 76 // 78 if span.encoding == "base64" else encoded  # lines of 76 + CRLF

    def head(self, span: Span, limit: int = 65536) -> bytes:
        """The first bytes of a span as stored (e.g. the headers of an attached message)."""
        with self.open() as source:
            source.seek(span.start)
            return source.read(min(limit, span.end - span.start))

    def read(self, span: Span) -> bytes:
        chunks: list[bytes] = []
        self.stream(span, _ListSink(chunks))
        return b"".join(chunks)

    def stream(self, span: Span, sink: BinaryIO | _ListSink) -> int:
        """Decode the span into `sink` chunk by chunk; returns the number of bytes written."""
        written = 0
        with self.open() as source:
            source.seek(span.start)
            decoder = _Decoder(span.encoding)
            left = span.end - span.start
            while left > 0:
                data = source.read(min(_CHUNK, left))
                if not data:
                    break
                left -= len(data)
                written += sink.write(decoder.feed(data))
            written += sink.write(decoder.flush())
        return written


class _ListSink:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def write(self, data: bytes) -> int:
        self.chunks.append(data)
        return len(data)


class _Decoder:
    """Incremental Content-Transfer-Encoding decoder (base64 and quoted-printable; others copy)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        if self.encoding == "base64":
            clean = self.pending + re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            usable = len(clean) - len(clean) % 4
            self.pending = clean[usable:]
            return base64.b64decode(clean[:usable]) if usable else b""
        if self.encoding == "quoted-printable":
            text = self.pending + data
            cut = text.rfind(b"\n") + 1  # decode whole lines only: a soft break may span chunks
            self.pending = text[cut:]
            return binascii.a2b_qp(text[:cut])
        return data

    def flush(self) -> bytes:
        pending, self.pending = self.pending, b""
        if self.encoding == "base64" and pending:
            return binascii.a2b_base64(pending + b"=" * (-len(pending) % 4), strict_mode=False)
        return binascii.a2b_qp(pending) if self.encoding == "quoted-printable" else pending


class _Lines:
    """The file's lines with their offsets, with one line of push-back."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.offset = 0
        self.back: tuple[int, bytes] | None = None

    def next(self) -> tuple[int, bytes] | None:
        if self.back is not None:
            line, self.back = self.back, None
            return line
        data = self.source.readline(_MAX_SCAN_LINE)
        if not data:
            return None
        start, self.offset = self.offset, self.offset + len(data)
        return start, data

    def push(self, line: tuple[int, bytes]) -> None:
        self.back = line

    def skip_to_end(self) -> int:
        """Read past everything left, in chunks; returns the offset of the end."""
        while chunk := self.source.read(_CHUNK):
            self.offset += len(chunk)
        return self.offset


@dataclass
class _Scanner:
    lines: _Lines
    offload: OffloadedParts
    big_part: int
    out: bytearray = field(default_factory=bytearray)
    boundaries: list[bytes] = field(default_factory=list)

    def delimiter(self, line: bytes) -> bool:
        if not line.startswith(b"--"):  # the common case, decided without building anything
            return False
        stripped = line.rstrip(b"\r\n").rstrip(b" \t")
        return any(stripped in (b"--" + b, b"--" + b + b"--") for b in self.boundaries)

    def headers(self) -> bytes:
        block = bytearray()
        while (line := self.lines.next()) is not None:
            if self.delimiter(line[1]):
                self.lines.push(line)
                break
            if len(block) + len(line[1]) > MAX_HEADER_BLOCK:  # no end of headers in sight: the rest is body
                self.lines.push(line)
                break
            block += line[1]
            if line[1] in (b"\r\n", b"\n"):
                break
        return bytes(block)

    def entity(self, depth: int) -> None:
        """One MIME entity: headers, then either child parts or a (possibly offloaded) leaf body."""
        head = self.headers()
        info = BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
        boundary = info.get_param("boundary") if info.get_content_maintype() == "multipart" else None
        if isinstance(boundary, str) and boundary and depth < MAX_SCAN_DEPTH:
            self.out += head
            self.multipart(boundary.encode("latin-1", errors="replace"), depth)
        else:
            self.leaf(head, str(info.get("Content-Transfer-Encoding", "")).strip().lower())

    def multipart(self, boundary: bytes, depth: int) -> None:
        self.boundaries.append(boundary)
        try:
            while (line := self.lines.next()) is not None:
                stripped = line[1].rstrip(b"\r\n").rstrip(b" \t")
                if stripped == b"--" + boundary + b"--":
                    self.out += line[1]
                    return
                if stripped == b"--" + boundary:
                    self.out += line[1]
                    self.entity(depth + 1)
                    continue
                if self.delimiter(line[1]):  # an outer boundary: this part was not closed
                    self.lines.push(line)
                    return
                self.out += line[1]  # preamble
        finally:
            self.boundaries.pop()

    def leaf(self, head: bytes, encoding: str) -> None:
        body = bytearray()
        start = self.lines.offset if self.lines.back is None else self.lines.back[0]
        end = full_end = start
        big = False
        while (line := self.lines.next()) is not None:
            if self.delimiter(line[1]):
                self.lines.push(line)
                full_end = end  # the line break before a delimiter belongs to the delimiter
                break
            end = line[0] + len(line[1].rstrip(b"\r\n"))
            full_end = line[0] + len(line[1])
            if not big:
                body += line[1]
                big = len(body) > self.big_part
            if big and not self.boundaries and self.lines.back is None:
                full_end = self.lines.skip_to_end()  # no delimiter can end this body: no need for lines
                break
        if not big:
            self.out += head + body
            return
        self.offload.spans.append(Span(start, full_end, encoding))
        marker = f"{OFFLOAD_HEADER}: {self.offload.token}:{len(self.offload.spans) - 1}\r\n".encode()
        self.out += _without_blank_line(head) + marker + b"\r\n"


def _without_blank_line(head: bytes) -> bytes:
    """The header block without its closing blank line, so a header can be added after it."""
    if head.endswith(b"\r\n\r\n"):
        return head[:-2]
    if head.endswith(b"\n\n"):
        return head[:-1]
    return head if not head or head.endswith(b"\n") else head + b"\r\n"


def skeleton(path: Path, big_part: int = BIG_PART) -> tuple[bytes, OffloadedParts]:
    """The message without its big leaf bodies, and where those bodies are in the file."""
    return _skeleton(OffloadedParts(path), big_part)


def skeleton_of_bytes(raw: bytes, big_part: int = BIG_PART) -> tuple[bytes, OffloadedParts]:
    """The same for a message held in memory: its big bodies are read from `raw` when asked for."""
    return _skeleton(OffloadedParts(Path(), data=raw), big_part)


def _skeleton(offload: OffloadedParts, big_part: int) -> tuple[bytes, OffloadedParts]:
    with offload.open() as source:
        scanner = _Scanner(_Lines(source), offload, big_part)
        scanner.entity(0)
        while (line := scanner.lines.next()) is not None:  # epilogue or text after a broken structure
            scanner.out += line[1]
    return bytes(scanner.out), offload
