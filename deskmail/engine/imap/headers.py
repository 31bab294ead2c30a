"""Turn the FETCH items of a header sync into `MessageHeaders`, quickly and without trusting them."""

from __future__ import annotations

import calendar
import email.header
import email.utils
import functools
import re
from typing import Any

from deskmail.engine import limits
from deskmail.engine.imap.wire import (
    Untagged,
    bounded_number,
    flag_words,
    header_sync_items,
    paren_words,
    parse_fetch_items,
    uid_number,
)
from deskmail.engine.store.models import MessageHeaders

# The header fields a message list needs; asking for these is ~4x faster than ENVELOPE.
HEADER_FIELDS = ("FROM", "TO", "CC", "SUBJECT", "DATE", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES", "CONTENT-TYPE")
HEADER_ITEMS = "UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (" + " ".join(HEADER_FIELDS) + ")]"
_MAX_FIELD = 4000  # a hostile server could send megabytes of "Subject"; the list needs little
_MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_INTERNALDATE = re.compile(rb"\s*(\d{1,2}-[A-Za-z]{3}-\d{4}) (\d\d):(\d\d):(\d\d) ([+-]\d\d\d\d)")
_SIMPLE_ADDRESS = re.compile(r"\s*(?:([^<>]*?)\s*<([^<>\s]*)>|([^<>\s]*))\s*$")
_RFC5322_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?(\d{1,2}\s+[A-Za-z]{3}\s+\d{4})\s+(\d\d):(\d\d)(?::(\d\d))?\s+([+-]\d\d\d\d)"
)
_FOLD = re.compile(r"\n[ \t]+")
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:[ \t]*(.*)$", re.M)  # greedy: no backtracking on long lines
_MSGID = re.compile(r"<[^<>\s]{1,500}>")
_NOBODY: tuple[str, str, str, tuple[tuple[str, str], ...]] = ("", "", "", ())


def headers_from_response(response: Untagged) -> MessageHeaders | None:
    """One FETCH answer of HEADER_ITEMS -> MessageHeaders; None when it has no UID or header block.

    The usual answer shape goes straight to the fields (tens of thousands per first sync);
    anything else through the general FETCH parser. ImapError or ValueError: unreadable.
    """
    fast = header_sync_items(response)
    if fast is None:
        parsed = parse_fetch_items(response)
        return headers_from_fetch(parsed) if "UID" in parsed and "BODY[HEADER.FIELDS]" in parsed else None
    uid, flags, size, date, modseq, block = fast
    return _headers(
        uid_number(uid),
        flag_words(flags),
        bounded_number(modseq, limits.IMAP_MAX_MODSEQ) if modseq else 0,
        bounded_number(size, limits.IMAP_MAX_MODSEQ),
        parse_internaldate(date),
        block,
    )


def headers_from_fetch(items: dict[str, Any]) -> MessageHeaders:
    """A FETCH response of HEADER_ITEMS, split by `parse_fetch_items` -> MessageHeaders (missing pieces empty)."""
    return _headers(
        uid_number(items["UID"]),  # ValueError: the caller skips this message
        flag_words(items.get("FLAGS")),
        _modseq(items.get("MODSEQ")),
        bounded_number(items.get("RFC822.SIZE"), limits.IMAP_MAX_MODSEQ),
        parse_internaldate(items.get("INTERNALDATE") or b""),
        items.get("BODY[HEADER.FIELDS]") or b"",
    )


def _headers(
    uid: int, flags: tuple[str, ...], modseq: int, size: int, internaldate: int, block: bytes
) -> MessageHeaders:
    """The message from its FETCH items and its header block (built positionally: keywords cost a
    dataclass twice as much; a field that is absent costs no call)."""
    fields = split_header_block(block)
    get = fields.get
    sender_name, sender_addr, _, senders = _addresses(get("from", ""))
    to, cc = get("to"), get("cc")
    _, _, to_text, to_people = _addresses(to) if to else _NOBODY
    _, _, cc_text, cc_people = _addresses(cc) if cc else _NOBODY
    subject = get("subject", "")
    message_id, in_reply_to, references = get("message-id"), get("in-reply-to"), get("references")
    content_type = get("content-type")
    return MessageHeaders(
        uid,
        flags,
        modseq,
        _decode_words(subject) if "=?" in subject else subject,
        sender_name,
        sender_addr,
        to_text,
        cc_text,
        parse_date(get("date", "")) or internaldate,
        internaldate,
        size,
        _first_id(message_id) if message_id else "",
        _first_id(in_reply_to) if in_reply_to else "",
        " ".join(_MSGID.findall(references)[-50:]) if references else "",
        _looks_like_attachments(content_type) if content_type else False,
        [*senders, *to_people, *cc_people],
    )


def split_header_block(raw: bytes) -> dict[str, str]:
    """Unfold and split `Name: value` lines; raw UTF-8 is accepted (RFC 6532), bad bytes replaced."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    if "\n " in text or "\n\t" in text:  # most blocks have no folded line: no substitution pass
        text = _FOLD.sub(" ", text)
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
    date, hh, mm, ss, zone = match.groups()
    midnight = _internal_midnight(date, zone)
    if midnight is None:
        return 0  # year 0 (seen from a hostile server) is no date: unknown, not a crash
    return midnight + int(hh) * 3600 + int(mm) * 60 + int(ss)


@functools.lru_cache(maxsize=4096)  # a mailbox's messages fall on far fewer days than there are messages
def _internal_midnight(date: bytes, zone: bytes) -> int | None:
    """'22-Nov-2026', '+0100' -> Unix seconds of that day's start in that zone; None for no such month or year."""
    day, mon, year = date.split(b"-")
    month = _MONTHS.get(mon.decode().title())
    if month is None or not 1 <= int(year) <= 9999:
        return None
    return _month_start(int(year), month) + (int(day) - 1) * 86400 - _zone_seconds(zone.decode())


def parse_date(value: str) -> int:
    """A Date: header -> Unix seconds, or 0 when it cannot be read."""
    if not value:
        return 0
    match = _RFC5322_DATE.match(value)
    if match is not None:  # the common, well-formed case without the stdlib's general parser
        date, hh, mm, ss, zone = match.groups()
        midnight = _date_midnight(date, zone)
        if midnight is not None and int(hh) < 24 and int(mm) < 60:
            return midnight + int(hh) * 3600 + int(mm) * 60 + int(ss or 0)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return 0
    try:
        return int(email.utils.mktime_tz(parsed))
    except (OverflowError, ValueError):
        return 0


@functools.lru_cache(maxsize=4096)
def _date_midnight(date: str, zone: str) -> int | None:
    """'13 Sep 2020', '-0000' -> Unix seconds of that day's start in that zone; None when it is no real date."""
    day, mon, year = date.split()
    month = _MONTHS.get(mon.title())
    if month is None or not 1 <= int(day) <= 31 or not 1 <= int(year) <= 9999:
        return None
    return _month_start(int(year), month) + (int(day) - 1) * 86400 - _zone_seconds(zone)


def _zone_seconds(zone: str) -> int:
    """'+0130' -> 5400, '-0500' -> -18000."""
    seconds = int(zone[1:3]) * 3600 + int(zone[3:5]) * 60
    return -seconds if zone[0] == "-" else seconds


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
