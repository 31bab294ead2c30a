"""Decoding a POP3 multi-line answer in bulk: the end marker, dot-unstuffing and line ends (RFC 1939 3).

A message arrives as lines; a line starting with "." had one more "." put in front, and a line of
just "." ends the answer. Handling that line by line costs a Python round per line (a 50 MB
attachment has about 700,000), so `MultiLine` works on whole chunks: it searches the end marker,
removes the stuffed dots with one replace, and holds back only the last line ending, which may be
the start of a marker or of a stuffed line that the next chunk completes. Memory stays bounded by
the chunk size, whatever the line lengths. Bare LF line ends (liberal servers) become CRLF.
"""

from __future__ import annotations

import re

_BARE_LF = re.compile(rb"(?<!\r)\n")
_START = b"\r\n"  # the message begins as if after a line end, so a first line "." or ".x" is seen


class MultiLine:
    """Feed chunks in order; each `feed` returns the decoded bytes it can release now."""

    def __init__(self) -> None:
        self._held = _START
        self._skip = len(_START)  # bytes of the virtual start still in front of the output
        self.done = False
        self.leftover = b""  # bytes after the end marker (the next pipelined answer): give them back

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk
        end, length = _end_marker(data)
        if end >= 0:
            self.done = True
            self.leftover = data[end + length :]
            self._held = b""
            return self._release(data[: end + 1] if data[end] == 0x0A else data[:end])
        cut = _last_line_start(data)
        if cut <= 0:
            if len(data) < 8:  # too short to tell whether a marker or a stuffed dot begins here
                self._held = data
                return b""
            # One long line: no line start past position 0, so nothing can span the cut, except a CR
            # whose LF comes in the next chunk.
            cut = len(data) - 1 if data.endswith(b"\r") else len(data)
        self._held = data[cut:]
        return self._release(data[:cut])

    def _release(self, part: bytes) -> bytes:
        part = part.replace(b"\n.", b"\n")  # every line starting with "." was stuffed
        if part.count(b"\n") != part.count(b"\r\n"):
            part = _BARE_LF.sub(b"\r\n", part)
        if self._skip:
            part, self._skip = part[self._skip :], 0
        return part


def _end_marker(data: bytes) -> tuple[int, int]:
    """Index of the line end before the "." line, and the marker's length; (-1, 0) if not there yet."""
    crlf = data.find(b"\n.\r\n")
    lf = data.find(b"\n.\n")
    found = [(i, n) for i, n in ((crlf, 4), (lf, 3)) if i >= 0]
    if not found:
        return -1, 0
    index, length = min(found)
    return index, length


def _last_line_start(data: bytes) -> int:
    """Where the last line ending begins (its CR if CRLF): the rest is held for the next chunk."""
    index = data.rfind(b"\n")
    if index > 0 and data[index - 1] == 0x0D:
        index -= 1
    return index
