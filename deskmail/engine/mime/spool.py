"""Outgoing messages written into a file in chunks, so a forwarded 50 MB message never sits whole in memory.

The email package builds every part in memory. Here it builds the message with a short marker in
place of each streamed attachment's content; the markers are then replaced, while writing, by the
content read from its file in chunks (base64 for files, the raw message for a forwarded .eml).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, cast

from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage, build_message

CHUNK = 57 * 1024  # a multiple of 57 bytes: each encodes to whole 76-character base64 lines
_SPOOL_HEADER = b"X-Deskmail-Spool: "


@contextmanager
def spooled(out: OutgoingMessage, directory: Path) -> Iterator[Path]:
    """The message written to a temporary file in `directory` (removed afterwards).

    An attachment that cannot be read (moved, deleted, or a forwarded message gone from the
    store) raises UserFacingError in plain words, with data {"queued": False}.
    """
    fd, name = tempfile.mkstemp(dir=directory, prefix=".spool-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink:
            try:
                write_message(out, sink)
            except OSError as exc:
                raise unreadable_attachment(exc) from exc
        yield path
    finally:
        path.unlink(missing_ok=True)


def unreadable_attachment(exc: OSError) -> UserFacingError:
    name = Path(exc.filename).name if getattr(exc, "filename", None) else ""
    return UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        _("An attachment could not be read ({name}).").format(name=name)
        if name
        else _("An attachment could not be read."),
        fix=_("It may have been moved or deleted: remove it and attach it again."),
        details=f"{type(exc).__name__}: {exc}",
        data={"queued": False},  # nothing went into the outbox: the composer keeps the message
    )


def write_message(out: OutgoingMessage, sink: BinaryIO, *, date: dt.datetime | None = None) -> int:
    """Write the complete message (as `build_message` makes it) into `sink`; returns the bytes written."""
    out.ensure_message_id()  # on `out` itself (as build_message does), not on the copy built below
    streamed: dict[bytes, AttachmentFile] = {}
    stand_ins: list[AttachmentFile] = []
    for attachment in out.attachments:
        if attachment.writer is None:
            stand_ins.append(attachment)
            continue
        tag = f"deskmail-spool-{uuid.uuid4().hex}".encode()
        if attachment.mime_type() == "message/rfc822":
            marker = _SPOOL_HEADER + tag + b"\r\n\r\n"  # how the generator writes a header-only message
            stand_ins.append(replace(attachment, data=marker, writer=None))
        else:
            marker = base64.b64encode(tag) + b"\r\n"  # one base64 line
            stand_ins.append(replace(attachment, data=tag, writer=None))
        streamed[marker] = attachment
    skeleton = build_message(replace(out, attachments=stand_ins), date=date).as_bytes()
    written = 0
    for marker, attachment in streamed.items():
        before, found, skeleton = skeleton.partition(marker)
        assert found, "the message skeleton lost a spool marker"
        written += sink.write(before)
        written += _write_content(attachment, sink)
    return written + sink.write(skeleton)


def _write_content(attachment: AttachmentFile, sink: BinaryIO) -> int:
    assert attachment.writer is not None
    if attachment.mime_type() == "message/rfc822":
        target: _Sink = _CrlfLines(sink)
    else:
        target = _Base64Lines(sink)
    attachment.writer(cast(BinaryIO, target))  # it has the one method writers use: write()
    return target.close()


class _Sink:
    """A write-only file that transforms what passes through it."""

    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.written = 0

    def _out(self, data: bytes) -> None:
        if data:
            self.written += self.sink.write(data)

    def write(self, data: bytes) -> int:
        raise NotImplementedError

    def close(self) -> int:
        return self.written


class _Base64Lines(_Sink):
    """Base64 in 76-character CRLF lines, fed in chunks of any size."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__(sink)
        self.pending = b""

    def write(self, data: bytes) -> int:
        self.pending += data
        whole = len(self.pending) - len(self.pending) % 57
        if whole >= CHUNK:
            self._out(base64.encodebytes(self.pending[:whole]).replace(b"\n", b"\r\n"))
            self.pending = self.pending[whole:]
        return len(data)

    def close(self) -> int:
        self._out(base64.encodebytes(self.pending).replace(b"\n", b"\r\n"))
        self.pending = b""
        return self.written


class _CrlfLines(_Sink):
    """A message copied as it is, except that bare line feeds become CRLF and it ends with a line break."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__(sink)
        self.carry = b""  # a CR that ended the last chunk: the next chunk may start with its LF
        self.ends_line = False

    def write(self, data: bytes) -> int:
        text, self.carry = self.carry + data, b""
        if text.endswith(b"\r"):
            text, self.carry = text[:-1], b"\r"
        if text:
            self._out(text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            self.ends_line = text.endswith(b"\n")
        return len(data)

    def close(self) -> int:
        if self.carry:
            self._out(self.carry)
            self.ends_line = False
        if not self.ends_line:
            self._out(b"\r\n")
        return self.written
