"""Any real-world message, however broken, parsed into a display model: headers, best bodies, attachments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import BinaryIO, TypeVar

from deskmail.core.i18n import N_, _
from deskmail.engine.mime.bigfile import BIG_PART, OFFLOAD_HEADER, OffloadedParts, Span, skeleton, skeleton_of_bytes
from deskmail.engine.mime.decode import Address, clean_text, decode_bytes, parse_address_header
from deskmail.engine.mime.filenames import clean_filename, is_executable
from deskmail.engine.mime.sanitize import normalise_cid
from deskmail.engine.mime.text import html_to_text, make_preview, text_to_html, unflow
from deskmail.engine.mime.uuencode import UuFile, extract_uuencoded

MAX_DEPTH = 30  # deeper MIME nesting is an attack or a bug; the rest is ignored
MAX_TEXT_CHARS = 2_000_000  # what the reading pane shows of one huge text part

T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """A part to save or open: `part_id` is its IMAP-style number ("2", "1.3"); `filename` is cleaned."""

    part_id: str
    filename: str
    content_type: str
    size: int
    content_id: str = ""
    inline: bool = False
    executable: bool = False


@dataclass
class ParsedMessage:
    """The display model of one message; `attachment_data(part_id)` returns a part's decoded bytes."""

    subject: str
    sender: list[Address]
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    reply_to: list[Address]
    date: dt.datetime | None
    message_id: str
    in_reply_to: str
    references: list[str]
    headers: list[tuple[str, str]]
    text: str
    html: str | None
    attachments: list[Attachment]
    preview: str
    size: int
    defects: int
    _parts: dict[str, Message] = field(default_factory=dict, repr=False)
    _offload: OffloadedParts | None = field(default=None, repr=False)

    def attachment_data(self, part_id: str) -> bytes:
        """The decoded content of a part listed in `attachments` (KeyError for other ids)."""
        part = self._parts[part_id]
        span = self._offload.span_of(part) if self._offload else None
        return self._offload.read(span) if self._offload and span else part_bytes(part)

    def save_attachment(self, part_id: str, destination: BinaryIO) -> int:
        """Write a part's decoded content to an open file, in chunks for big parts; returns the size."""
        part = self._parts[part_id]
        span = self._offload.span_of(part) if self._offload else None
        if self._offload and span:
            return self._offload.stream(span, destination)
        return destination.write(part_bytes(part))

    def inline_images(self) -> dict[str, Attachment]:
        """Image parts by normalised Content-ID, for resolving `cid:` references in the HTML body."""
        return {a.content_id: a for a in self.attachments if a.content_id and a.content_type.startswith("image/")}


@dataclass
class _Body:
    plain: str = ""
    html: str | None = None
    plain_is_real: bool = False  # False when `plain` was made from HTML


@dataclass
class _Walk:
    attachments: list[Attachment] = field(default_factory=list)
    parts: dict[str, Message] = field(default_factory=dict)
    offload: OffloadedParts | None = None

    def span(self, part: Message) -> Span | None:
        return self.offload.span_of(part) if self.offload else None


def _safe(fn: Callable[[], T], default: T) -> T:
    """Call an email-package accessor that may raise on hostile headers; fall back to `default`."""
    try:
        return fn()
    except Exception:  # header parsing bugs must not stop the message from showing
        return default


def part_bytes(part: Message) -> bytes:
    """Decoded bytes of a leaf part, or the serialised message for message/* parts."""
    if part.get_content_maintype() == "message" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list):
            return b"\n".join(_safe(lambda p=p: p.as_bytes(), b"") for p in inner)  # type: ignore[misc]
    cte = part.get("Content-Transfer-Encoding")
    if cte is not None and str(cte) != str(cte).strip():  # "base64 " would otherwise not be decoded
        part.replace_header("Content-Transfer-Encoding", str(cte).strip())
    data = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def raw_header(msg: Message, name: str) -> str:
    """The first raw value of a header (no policy parsing, which can raise on bad input)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return ""


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter as text ("" if missing), RFC 2231 values decoded."""
    value = _safe(lambda: part.get_param(name), None)
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value) triple
        return decode_bytes(value[2].encode("latin-1", errors="replace"), value[0])
    return value or ""


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename, None) or _param(part, "name")
    return clean_text(name) if name else None


# Machine-readable report parts people still want to read in a bounce: shown as text in the body.
_REPORT_TYPES = ("message/delivery-status", "message/disposition-notification", "message/feedback-report")


def _is_body_part(part: Message, ctype: str) -> bool:
    if ctype in _REPORT_TYPES:
        return True
    if ctype not in ("text/plain", "text/html"):
        return False
    disposition = _safe(part.get_content_disposition, None)
    if disposition == "attachment":
        return False
    return disposition == "inline" or not _filename(part)


_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _leaf_text(part: Message) -> str:
    data = part_bytes(part)
    charset = _safe(part.get_content_charset, None)
    if charset is None and _safe(part.get_content_type, "") == "text/html":
        meta = _META_CHARSET.search(data[:4096])  # HTML parts often declare it only in the markup
        charset = meta.group(1).decode("ascii") if meta else None
    text = decode_bytes(data, charset)[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    if _param(part, "format").lower() == "flowed" and _safe(part.get_content_type, "") == "text/plain":
        return unflow(text, delsp=_param(part, "delsp").lower() == "yes")
    return text


def _attached_subject(part: Message, walk: _Walk) -> str:
    """The subject of an attached message, read from the file's span when the part was offloaded."""
    span = walk.span(part)
    if walk.offload and span:
        head = BytesParser(policy=email.policy.compat32).parsebytes(walk.offload.head(span), headersonly=True)
        return clean_text(raw_header(head, "Subject"))
    inner = part.get_payload()
    first = inner[0] if isinstance(inner, list) and inner else None
    return clean_text(raw_header(first, "Subject")) if isinstance(first, Message) else ""


def _add_attachment(part: Message, part_id: str, walk: _Walk) -> None:
    part_id = part_id or "1"  # a single-part message's body is part 1 in IMAP numbering
    ctype = _safe(part.get_content_type, "application/octet-stream")
    name = _filename(part)
    if not name and ctype == "message/rfc822":
        name = re.sub(r"[/\\]", "_", _attached_subject(part, walk) or "message") + ".eml"  # a subject is no path
    filename = clean_filename(name, ctype)
    cid = normalise_cid(raw_header(part, "Content-ID"))
    span = walk.span(part)
    size = walk.offload.decoded_size(span) if walk.offload and span else len(part_bytes(part))
    executable = is_executable(filename, ctype)
    walk.attachments.append(Attachment(part_id, filename, ctype, size, cid, False, executable))
    walk.parts[part_id] = part


def _collect(part: Message, part_id: str, walk: _Walk, depth: int) -> _Body:
    ctype = _safe(part.get_content_type, "application/octet-stream")
    maintype = ctype.split("/")[0]
    if depth > MAX_DEPTH:
        return _Body()
    if maintype == "multipart" and isinstance(part.get_payload(), list):
        return _multipart(part, ctype, part_id, walk, depth)
    if maintype == "multipart":  # boundary never found: show the raw text rather than nothing
        return _Body(plain=_leaf_text(part), plain_is_real=True)
    if _is_body_part(part, ctype) and walk.span(part) is None:
        text = _leaf_text(part)
        if ctype == "text/html":
            return _Body(plain=html_to_text(text), html=text)
        text, files = extract_uuencoded(text)
        for number, found in enumerate(files, start=1):
            _add_attachment(_synthetic_part(found), f"{part_id or '1'}.uu{number}", walk)
        return _Body(plain=text, plain_is_real=True)
    _add_attachment(part, part_id, walk)
    return _Body()


def _synthetic_part(found: UuFile) -> Message:
    """A uuencoded file as a MIME part (ids "<part>.uuN" exist only locally, not on the server)."""
    part = Message()
    part["Content-Type"] = mimetypes.guess_type(found.name, strict=False)[0] or "application/octet-stream"
    part.add_header("Content-Disposition", "attachment", filename=found.name or "attachment.bin")
    part.set_payload(found.data)
    return part


def _child_ids(part_id: str, count: int) -> list[str]:
    return [f"{part_id}.{i}" if part_id else str(i) for i in range(1, count + 1)]


def _multipart(part: Message, ctype: str, part_id: str, walk: _Walk, depth: int) -> _Body:
    children: list[Message] = [c for c in part.get_payload() if isinstance(c, Message)]
    ids = _child_ids(part_id, len(children))
    if ctype == "multipart/alternative":
        return _alternative([_collect(c, i, walk, depth + 1) for c, i in zip(children, ids, strict=True)])
    if ctype == "multipart/related" and children:
        root = _related_root(part, children)
        bodies = [
            _collect(c, i, walk, depth + 1) if c is root else _resource(c, i, walk)
            for c, i in zip(children, ids, strict=True)
        ]
        return _mixed(bodies)
    return _mixed([_collect(c, i, walk, depth + 1) for c, i in zip(children, ids, strict=True)])


def _resource(part: Message, part_id: str, walk: _Walk) -> _Body:
    """A non-root part of multipart/related: an inline image or similar, listed as an attachment."""
    _add_attachment(part, part_id, walk)
    return _Body()


def _related_root(part: Message, children: list[Message]) -> Message:
    start = normalise_cid(_param(part, "start"))
    if start:
        for child in children:
            if normalise_cid(raw_header(child, "Content-ID")) == start:
                return child
    # MHTML and some mailers name the root's type instead of its Content-ID.
    root_type = _param(part, "type").lower()
    for child in children:
        if root_type and _safe(child.get_content_type, "") == root_type:
            return child
    return children[0]


def _alternative(bodies: list[_Body]) -> _Body:
    html = next((b.html for b in reversed(bodies) if b.html is not None), None)
    plain = next((b.plain for b in reversed(bodies) if b.plain_is_real), None)
    if plain is None:
        plain = next((b.plain for b in reversed(bodies) if b.plain), "")
        return _Body(plain, html, False)
    return _Body(plain, html, True)


def _mixed(bodies: list[_Body]) -> _Body:
    shown = [b for b in bodies if b.plain or b.html]
    plain = "\n\n".join(b.plain for b in shown)
    if all(b.html is None for b in shown):
        return _Body(plain, None, any(b.plain_is_real for b in shown))
    html = "\n".join(b.html if b.html is not None else text_to_html(b.plain) for b in shown)
    return _Body(plain, html, any(b.plain_is_real for b in shown))


def _parse_date(raw: str) -> dt.datetime | None:
    if not raw.strip():
        return None
    parsed = _safe(lambda: email.utils.parsedate_to_datetime(clean_text(raw)), None)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _message_ids(raw: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", raw)


def _addresses(msg: Message, name: str) -> list[Address]:
    values = [str(v) for k, v in msg.raw_items() if k.lower() == name]
    return [a for value in values for a in parse_address_header(value)]


_SPACE_BEFORE_COLON = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:", re.MULTILINE)


def _repair_header_block(raw: bytes) -> bytes:
    """Fix "Subject :" header lines, which make the email package treat all headers as body text."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    return _SPACE_BEFORE_COLON.sub(rb"\1:", head) + rest


BIG_MESSAGE = 4 * BIG_PART  # bigger messages are parsed as a skeleton (see parse_message)
MAX_MULTIPARTS = 200  # more multipart headers than this is an attack on the (recursive) stdlib parser
TOO_NESTED = N_("This message is built from too many nested parts to be shown safely.")


def _parse_tree(raw: bytes, offload: OffloadedParts | None) -> tuple[Message, _Body, _Walk]:
    """The MIME tree and its bodies; hostile nesting gets the headers and a notice instead."""
    walk = _Walk(offload=offload)
    if len(re.findall(rb"(?i)content-type:\s*multipart/", raw)) <= MAX_MULTIPARTS:
        try:
            msg = BytesParser(policy=email.policy.compat32).parsebytes(raw)
            return msg, _collect(msg, "", walk, 0), walk
        except RecursionError:
            walk = _Walk(offload=offload)
    msg = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    return msg, _Body(plain=_(TOO_NESTED), plain_is_real=True), walk


def parse_message_file(path: Path, big_part: int = BIG_PART) -> ParsedMessage:
    """Parse a stored message; parts over `big_part` bytes stay in the file until asked for."""
    if path.stat().st_size <= 4 * big_part:
        return parse_message(path.read_bytes())
    raw, offload = skeleton(path, big_part)
    return parse_message(raw, _offload=offload)


def parse_message(raw: bytes, *, _offload: OffloadedParts | None = None, _size: int = 0) -> ParsedMessage:
    """Parse a message's bytes; never raises for malformed input (defects are counted, not fatal).

    A big message is parsed as its skeleton (big leaf bodies left in `raw`, decoded when asked
    for), as from a file: the email package holds ~9x a message in str lines and copies, so an
    18 MB message would peak near 160 MB; this way parsing adds little beyond `raw` itself.
    """
    if _offload is None and len(raw) > BIG_MESSAGE:
        skeleton_raw, offload = skeleton_of_bytes(raw)
        return parse_message(skeleton_raw, _offload=offload, _size=len(raw))
    # compat32 on purpose: policy.default parses every header it touches through the header registry,
    # which took 1.3 s for one 330-part corpus message and can raise on hostile values. We decode
    # headers ourselves (decode.py), so the raw strings compat32 keeps are exactly what we need.
    msg, body, walk = _parse_tree(_repair_header_block(raw), _offload)
    referenced = {normalise_cid(m) for m in re.findall(r"cid:([^\"'\s)>]+)", body.html or "", re.IGNORECASE)}
    attachments = [
        dataclasses.replace(a, inline=bool(a.content_id) and a.content_id in referenced) for a in walk.attachments
    ]
    return ParsedMessage(
        subject=clean_text(raw_header(msg, "Subject")),
        sender=_addresses(msg, "from"),
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        bcc=_addresses(msg, "bcc"),
        reply_to=_addresses(msg, "reply-to"),
        date=_parse_date(raw_header(msg, "Date")),
        message_id=next(iter(_message_ids(raw_header(msg, "Message-ID"))), raw_header(msg, "Message-ID").strip()),
        in_reply_to=next(iter(_message_ids(raw_header(msg, "In-Reply-To"))), ""),
        references=_message_ids(raw_header(msg, "References")),
        headers=[(str(k), clean_text(str(v))) for k, v in msg.raw_items() if k != OFFLOAD_HEADER],
        text=body.plain,
        html=body.html,
        attachments=attachments,
        preview=make_preview(body.plain),
        size=_size or len(raw),
        defects=sum(len(p.defects) for p in _safe(lambda: list(msg.walk()), [msg])),
        _parts=walk.parts,
        _offload=_offload,
    )
