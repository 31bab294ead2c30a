"""IMAP UID sets: compress sorted UIDs into ranges ("1:5,9,12:20") so command lines stay short."""

from __future__ import annotations

from collections.abc import Iterable

STEP = 1 << 14  # UIDs one call into C handles at most where a folder's UIDs are walked (about 1 ms)


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
    The list grows by at most STEP UIDs per call into C (a set or sort over a whole Inbox's
    "1:1000000" held the GIL for 0.1 s, and a window sharing the process froze meanwhile).
    """
    ranges: list[tuple[int, int]] = []
    ordered = True
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition(":")
        if len(low) > 10 or len(high) > 10:
            raise ValueError(f"not a UID: {part[:30]!r}")
        start, end = int(low), int(high or low)
        ranges.append((min(start, end), max(start, end)))
        ordered = ordered and (len(ranges) == 1 or ranges[-2][1] < ranges[-1][0])
    if not ordered:  # overlapping or out of order (a server may send either): merged in order
        merged: list[tuple[int, int]] = []
        for low_uid, high_uid in sorted(ranges):
            if merged and low_uid <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high_uid))
            else:
                merged.append((low_uid, high_uid))
        ranges = merged
    if limit is not None and sum(high_uid - low_uid + 1 for low_uid, high_uid in ranges) > limit:
        raise ValueError(f"more than {limit} UIDs in one set")
    out: list[int] = []
    for low_uid, high_uid in ranges:
        for start in range(low_uid, high_uid + 1, STEP):
            out.extend(range(start, min(start + STEP, high_uid + 1)))
    return out


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
