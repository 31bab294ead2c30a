"""Turn the FETCH items of a header sync into `MessageHeaders`, quickly and without trusting them."""

from __future__ import annotations

import calendar
import email.header
import email.utils
import functools
import re
from typing import Any

from deskmail.engine import limits
from deskmail.engine.imap.wire import bounded_number, flag_words, paren_words, uid_number
from deskmail.engine.store.models import MessageHeaders

# The header fields a message list needs; asking for these is ~4x faster than ENVELOPE.
HEADER_FIELDS = ("FROM", "TO", "CC", "SUBJECT", "DATE", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES", "CONTENT-TYPE")
HEADER_ITEMS = "UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (" + " ".join(HEADER_FIELDS) + ")]"
_MAX_FIELD = 4000  # a hostile server could send megabytes of "Subject"; the list needs little
_MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_INTERNALDATE = re.compile(rb"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_SIMPLE_ADDRESS = re.compile(r"\s*(?:([^<>]*?)\s*<([^<>\s]*)>|([^<>\s]*))\s*$")
_RFC5322_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d\d):(\d\d)(?::(\d\d))?\s+([+-])(\d\d)(\d\d)"
)
_FOLD = re.compile(r"\n[ \t]+")
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:[ \t]*(.*)$", re.M)  # greedy: no backtracking on long lines
_MSGID = re.compile(r"<[^<>\s]{1,500}>")


def headers_from_fetch(items: dict[str, Any]) -> MessageHeaders:
    """One FETCH response of HEADER_ITEMS -> MessageHeaders (missing pieces stay empty)."""
    uid = uid_number(items["UID"])  # ValueError: the caller skips this message
    fields = split_header_block(items.get("BODY[HEADER.FIELDS]") or b"")
    internaldate = parse_internaldate(items.get("INTERNALDATE") or b"")
    sender_name, sender_addr, _, senders = _addresses(fields.get("from", ""))
    _, _, to_text, to_people = _addresses(fields.get("to", ""))
    _, _, cc_text, cc_people = _addresses(fields.get("cc", ""))
    modseq = _modseq(items.get("MODSEQ"))
    return MessageHeaders(
        uid=uid,
        flags=flag_words(items.get("FLAGS")),
        modseq=modseq,
        subject=_decode(fields.get("subject", "")),
        from_name=sender_name,
        from_addr=sender_addr,
        to_addrs=to_text,
        cc_addrs=cc_text,
        date=parse_date(fields.get("date", "")) or internaldate,
        internaldate=internaldate,
        size=bounded_number(items.get("RFC822.SIZE"), limits.IMAP_MAX_MODSEQ),
        message_id=_first_id(fields.get("message-id", "")),
        in_reply_to=_first_id(fields.get("in-reply-to", "")),
        refs=" ".join(_MSGID.findall(fields.get("references", ""))[-50:]),
        has_attachments=_looks_like_attachments(fields.get("content-type", "")),
        people=[*senders, *to_people, *cc_people],
    )


def split_header_block(raw: bytes) -> dict[str, str]:
    """Unfold and split `Name: value` lines; raw UTF-8 is accepted (RFC 6532), bad bytes replaced."""
    text = _FOLD.sub(" ", raw.decode("utf-8", "replace").replace("\r\n", "\n"))
    fields: dict[str, str] = {}
    for name, value in _FIELD.findall(text):
        key = name.lower()
        if key not in fields:  # the first occurrence wins, as in every mail program
            fields[key] = value[:_MAX_FIELD].rstrip()
    return fields


@functools.lru_cache(maxsize=1024)
def _month_start(year: int, month: int) -> int:
    """Unix seconds at the start of a month (timegm per message was a visible cost at 100k).

    ValueError for a year Python's calendar cannot hold (year 0): callers treat the date as unknown.
    """
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year} out of range")
    return calendar.timegm((year, month, 1, 0, 0, 0))


def parse_internaldate(value: bytes) -> int:
    """'22-Nov-2026 01:01:08 +0000' -> Unix seconds (0 if unreadable)."""
    match = _INTERNALDATE.match(value)
    if match is None:
        return 0
    day, mon, year, hh, mm, ss, sign, tzh, tzm = match.groups()
    month = _MONTHS.get(mon.decode().title())
    if month is None or not 1 <= int(year) <= 9999:
        return 0  # year 0 (seen from a hostile server) is no date: unknown, not a crash
    offset = (int(tzh) * 3600 + int(tzm) * 60) * (1 if sign == b"+" else -1)
    return _month_start(int(year), month) + (int(day) - 1) * 86400 + int(hh) * 3600 + int(mm) * 60 + int(ss) - offset


def parse_date(value: str) -> int:
    """A Date: header -> Unix seconds, or 0 when it cannot be read."""
    if not value:
        return 0
    match = _RFC5322_DATE.match(value)
    if match is not None:  # the common, well-formed case without the stdlib's general parser
        day, mon, year, hh, mm, ss, sign, tzh, tzm = match.groups()
        month = _MONTHS.get(mon.title())
        if month is not None and 1 <= int(day) <= 31 and int(hh) < 24 and int(mm) < 60 and 1 <= int(year) <= 9999:
            offset = (int(tzh) * 3600 + int(tzm) * 60) * (1 if sign == "+" else -1)
            seconds = int(hh) * 3600 + int(mm) * 60 + int(ss or 0) - offset
            return _month_start(int(year), month) + (int(day) - 1) * 86400 + seconds
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return 0
    try:
        return int(email.utils.mktime_tz(parsed))
    except (OverflowError, ValueError):
        return 0


def _modseq(value: bytes | None) -> int:
    """`(12345)` -> 12345 (0 when missing or unreadable); the plain digits without splitting words."""
    if not value:
        return 0
    digits = value.strip(b"()")
    if digits.isdigit():
        return bounded_number(digits, limits.IMAP_MAX_MODSEQ)
    words = paren_words(value)
    return bounded_number(words[0], limits.IMAP_MAX_MODSEQ) if words else 0


def _decode(value: str) -> str:
    """Decode RFC 2047 encoded words (only when present: most subjects are unique and plain, kept out of the cache)."""
    return _decode_words(value) if "=?" in value else value


@functools.lru_cache(maxsize=4096)
def _decode_words(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, ValueError, UnicodeError, email.errors.HeaderParseError):
        return value


@functools.lru_cache(maxsize=8192)  # the same From/To lines repeat all over a mailbox
def _addresses(value: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    """(first name, first address, all as display text, all pairs) of an address header."""
    if not value:
        return "", "", "", ()
    pairs = tuple((_decode(name), addr) for name, addr in _split_addresses(value) if addr or name)[:100]
    if not pairs:
        return "", "", "", ()
    return pairs[0][0], pairs[0][1], _join(pairs), pairs


def _split_addresses(value: str) -> list[tuple[str, str]]:
    """Common simple forms by regex; anything with quotes, comments or groups goes to the stdlib."""
    if '"' in value or "(" in value or ";" in value or "\\" in value:
        return email.utils.getaddresses([value])
    pairs: list[tuple[str, str]] = []
    for part in value.split(","):
        match = _SIMPLE_ADDRESS.match(part)
        if match is None:
            return email.utils.getaddresses([value])
        if match.group(2) is not None:
            pairs.append((match.group(1).strip(), match.group(2).strip()))
        elif match.group(3):
            pairs.append(("", match.group(3)))
    return pairs


def _join(people: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name} <{addr}>" if name else addr for name, addr in people)


def _first_id(value: str) -> str:
    match = _MSGID.search(value)
    return match.group(0) if match else value.strip()[:500]


def _looks_like_attachments(content_type: str) -> bool:
    """multipart/mixed usually means attachments; good enough for the paper-clip icon."""
    return content_type.lower().lstrip().startswith("multipart/mixed")
