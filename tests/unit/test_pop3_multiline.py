"""The bulk decoder of POP3 multi-line answers against a line-by-line reference, split every which way."""

from __future__ import annotations

import random

import pytest

from deskmail.engine.pop3.multiline import MultiLine


def stuffed(message: bytes) -> bytes:
    """What a server sends for `message` (CRLF lines): dots stuffed, then the end marker."""
    lines = message.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    wire = b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)
    return wire + b".\r\n"


def decode(wire: bytes, cuts: list[int]) -> tuple[bytes, bytes]:
    reader = MultiLine()
    out = b""
    position = 0
    for cut in [*cuts, len(wire)]:
        out += reader.feed(wire[position:cut])
        position = cut
        if reader.done:
            return out, reader.leftover + wire[position:]
    raise AssertionError("no end marker found")


MESSAGES = [
    b"",
    b"Subject: x\r\n\r\nbody\r\n",
    b".starts with a dot\r\n..two dots\r\n.\r\nnot the end\r\n",
    b"Subject: y\r\n\r\n" + b"A" * 200_000 + b"\r\n.\r\n",
    b"a\r\n\r\n.\r\n\r\n",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_every_split_of_the_wire_gives_the_message_and_the_leftover(message: bytes) -> None:
    wire = stuffed(message) + b"+OK next answer\r\n"
    points = range(1, min(len(wire), 60)) if len(wire) < 1000 else [1, 2, 3, 5, 8, 13, 100, 65536, 199_999]
    for cut in points:
        assert decode(wire, [cut]) == (message, b"+OK next answer\r\n"), cut
    rng = random.Random(len(message))
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(wire)), min(6, len(wire) - 1)))
        assert decode(wire, cuts) == (message, b"+OK next answer\r\n"), cuts


def test_bare_lf_lines_become_crlf() -> None:
    assert decode(b"a\nb\n..c\n.\n", [3]) == (b"a\r\nb\r\n.c\r\n", b"")


def test_a_long_line_is_released_in_pieces() -> None:
    reader = MultiLine()
    released = sum(len(reader.feed(b"x" * 65536)) for _ in range(20))
    assert released >= 19 * 65536 and not reader.done  # memory stays one chunk, whatever the line
