"""Reply, reply all and forward: who gets it, the subject prefix, quoting and threading headers."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from deskmail.core import i18n
from deskmail.core.i18n import _
from deskmail.engine.mime.compose import FORWARDED_HEADER, AttachmentFile, OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.parse import Attachment, ParsedMessage

# Prefixes other mail programs write in their languages, optionally counted ("Re[2]:", "AW(3):"),
# with an ASCII or a full-width colon. We write "Re:" and "Fwd:" ourselves, as RFC 5322 suggests
# and most programs recognise; these lists only keep replies from piling prefixes up.
_REPLY_WORDS = (
    "re", "res", "resp", "aw", "antw", "antwort", "sv", "vs", "ref", "rif", "r", "odp", "yan", "atb", "ats",
    "vá", "odg", "回复", "回覆", "答复", "返信", "رد", "ΑΠ", "ΣΧΕΤ", "תשובה", "отв",
)  # fmt: skip
_FORWARD_WORDS = (
    "fwd", "fw", "wg", "tr", "enc", "rv", "i", "pd", "doorst", "vb", "vs", "vl", "ilt", "i̇lt", "továbbítás",
    "转发", "轉寄", "転送", "ΠΡΘ", "הועבר", "إعادة توجيه", "пересл",
)  # fmt: skip


def _prefix_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{alternatives})\s*(?:\[\d+\]|\(\d+\))?\s*[:：]", re.IGNORECASE)


_REPLY_PREFIX = _prefix_pattern(_REPLY_WORDS)
_FORWARD_PREFIX = _prefix_pattern(_FORWARD_WORDS)
MAX_REFERENCES = 20  # long threads: keep the root and the newest ids, as RFC 5322 suggests


def reply_subject(subject: str) -> str:
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


def forward_subject(subject: str) -> str:
    return subject if _FORWARD_PREFIX.match(subject) else f"Fwd: {subject}".rstrip()


def attribution(original: ParsedMessage) -> str:
    """The line above a quoted reply, in the writer's language: "On <date> at <time>, <name> wrote:"."""
    if not original.sender:
        if original.date is None:
            return _("Someone wrote:")
        date, time = _local_date_and_time(original.date)
        return _("On {date} at {time}, someone wrote:").format(date=date, time=time)
    who = original.sender[0].display()
    if original.date is None:
        return _("{name} wrote:").format(name=who)
    date, time = _local_date_and_time(original.date)
    return _("On {date} at {time}, {name} wrote:").format(date=date, time=time, name=who)


def _local_date_and_time(when: datetime) -> tuple[str, str]:
    """The date and time as the writer's language writes them (CLDR through Babel); English as before."""
    local = when.astimezone()
    code = i18n.language()
    if code == "en":
        return f"{local:%a, %d %b %Y}", f"{local:%H:%M}"
    from babel.dates import format_date, format_time

    return format_date(local, "full", locale=code), format_time(local, "short", locale=code)


def quote(text: str) -> str:
    """Each line prefixed with "> " (">" alone before lines that are already quotes or empty)."""
    lines = text.rstrip("\n").splitlines() or [""]
    return "\n".join((">" if not line or line.startswith(">") else "> ") + line for line in lines)


def _references(original: ParsedMessage) -> list[str]:
    refs = list(original.references) or ([original.in_reply_to] if original.in_reply_to else [])
    if original.message_id and original.message_id not in refs:
        refs.append(original.message_id)
    return refs if len(refs) <= MAX_REFERENCES else [refs[0], *refs[-(MAX_REFERENCES - 1) :]]


def _without(people: list[Address], excluded: set[str]) -> list[Address]:
    kept: list[Address] = []
    for person in people:
        key = person.email.lower()
        if key and key not in excluded:
            kept.append(person)
            excluded.add(key)
    return kept


def reply(
    original: ParsedMessage, *, me: Address, my_addresses: set[str] | None = None, reply_all: bool = False
) -> OutgoingMessage:
    """A reply (or reply all) with the original quoted below an attribution line."""
    mine = {a.lower() for a in (my_addresses or set())} | {me.email.lower()}
    from_me = bool(original.sender) and original.sender[0].email.lower() in mine
    # Replying to one's own sent message goes to its recipients, not back to oneself.
    targets = original.to if from_me else (original.reply_to or original.sender)
    excluded = set(mine)
    to = _without(list(targets), excluded)
    cc: list[Address] = []
    if reply_all:
        to += _without([] if from_me else list(original.to), excluded)
        cc = _without(list(original.cc), excluded)
    return OutgoingMessage(
        sender=me,
        to=to,
        cc=cc,
        subject=reply_subject(original.subject),
        body=f"\n\n{attribution(original)}\n{quote(original.text)}\n",
        in_reply_to=original.message_id,
        references=_references(original),
    )


def _forward_header(original: ParsedMessage) -> str:
    """The block above a forwarded text, in the writer's language (the original's own words stay as they are)."""
    # Translators: the line above a forwarded message's header block; keep the dashes.
    lines = [_("---------- Forwarded message ----------")]
    fields = (
        # Translators: labels in the header block of a forwarded message.
        (_("From: {value}"), ", ".join(a.formatted() for a in original.sender)),
        (_("Date: {value}"), _forward_date(original.date) if original.date else ""),
        (_("Subject: {value}"), original.subject),
        (_("To: {value}"), ", ".join(a.formatted() for a in original.to)),
        (_("Cc: {value}"), ", ".join(a.formatted() for a in original.cc)),
    )
    lines += [label.format(value=value) for label, value in fields if value]
    return "\n".join(lines)


def _forward_date(when: datetime) -> str:
    code = i18n.language()
    if code == "en":
        return when.strftime("%a, %d %b %Y %H:%M %z")
    from babel.dates import format_datetime

    return format_datetime(when, "full", locale=code)


def forward(original: ParsedMessage, raw: bytes | Path, *, me: Address, inline: bool = True) -> OutgoingMessage:
    """Forward inline (text below a header block, attachments carried over) or as an .eml attachment.

    `raw` may be the stored body file: a big message is then never read whole, its attachments (or
    the message itself) are copied from the file in chunks when the forward is spooled for sending.
    """
    out = OutgoingMessage(sender=me, subject=forward_subject(original.subject), forwarded=original.message_id)
    if inline:
        out.body = f"\n\n{_forward_header(original)}\n\n{original.text.rstrip()}\n"
        out.attachments = [
            _carried_over(original, a, streamed=isinstance(raw, Path)) for a in original.attachments if not a.inline
        ]
    else:
        name = re.sub(r"[/\\]", "_", original.subject or "message") + ".eml"
        if isinstance(raw, Path):
            out.attachments = [AttachmentFile.streamed_from(raw, name, "message/rfc822")]
        else:
            out.attachments = [AttachmentFile(name, raw, "message/rfc822")]
    return out


def _carried_over(original: ParsedMessage, attachment: Attachment, *, streamed: bool) -> AttachmentFile:
    if not streamed:
        return AttachmentFile(
            attachment.filename, original.attachment_data(attachment.part_id), attachment.content_type
        )

    def copy(sink: BinaryIO) -> None:
        original.save_attachment(attachment.part_id, sink)

    return AttachmentFile(attachment.filename, content_type=attachment.content_type, writer=copy, size=attachment.size)


def edit_draft(draft: ParsedMessage, *, me: Address) -> OutgoingMessage:
    """Reopen a saved draft in the composer; the Message-ID is kept so saving replaces the old copy."""
    return OutgoingMessage(
        sender=draft.sender[0] if draft.sender else me,
        to=list(draft.to),
        cc=list(draft.cc),
        bcc=list(draft.bcc),
        subject=draft.subject,
        body=draft.text,
        attachments=[
            AttachmentFile(a.filename, draft.attachment_data(a.part_id), a.content_type) for a in draft.attachments
        ],
        in_reply_to=draft.in_reply_to,
        references=list(draft.references),
        reply_to=list(draft.reply_to),
        message_id=draft.message_id,
        forwarded=_forwarded_id(draft),
    )


def _forwarded_id(draft: ParsedMessage) -> str:
    """The forwarded message's Message-ID a draft of a forward carries (its header survives saving)."""
    wanted = FORWARDED_HEADER.lower()
    found = next((value for name, value in draft.headers if name.lower() == wanted), "")
    match = re.search(r"<[^<>\s]{1,500}>", found)
    return match.group(0) if match else ""
