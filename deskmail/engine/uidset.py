"""IMAP UID sets: compress sorted UIDs into ranges ("1:5,9,12:20") so command lines stay short."""

from __future__ import annotations

from collections.abc import Iterable


def compress(uids: Iterable[int]) -> str:
    """ "1:3,7,9:10" for [1, 2, 3, 7, 9, 10]; duplicates and order do not matter."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        start = end = ordered[index]
        index += 1
        while index < len(ordered) and ordered[index] == end + 1:
            end = ordered[index]
            index += 1
        parts.append(str(start) if start == end else f"{start}:{end}")
    return ",".join(parts)


def expand(text: str, limit: int | None = None) -> list[int]:
    """The UIDs of a set without "*" ("4,7:9" -> [4, 7, 8, 9]), sorted and unique.

    `limit`: ValueError rather than more UIDs than that (a server's "1:4294967295" is 4 billion).
    """
    found: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition(":")
        if len(low) > 10 or len(high) > 10:
            raise ValueError(f"not a UID: {part[:30]!r}")
        start, end = int(low), int(high or low)
        if limit is not None and len(found) + abs(end - start) >= limit:
            raise ValueError(f"more than {limit} UIDs in one set")
        found.update(range(min(start, end), max(start, end) + 1))
    return sorted(found)


def chunks(text_or_uids: Iterable[int], max_length: int = 8000) -> list[str]:
    """Split UIDs into compressed sets each shorter than `max_length` characters."""
    pieces = compress(text_or_uids).split(",")
    out: list[str] = []
    current: list[str] = []
    length = 0
    for piece in pieces:
        if not piece:
            continue
        if current and length + len(piece) + 1 > max_length:
            out.append(",".join(current))
            current, length = [], 0
        current.append(piece)
        length += len(piece) + 1
    if current:
        out.append(",".join(current))
    return out
