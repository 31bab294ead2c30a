"""Outgoing messages: what the composer holds, built into an RFC 5322 message with the SMTP policy."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import io
import mimetypes
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import BinaryIO

import idna

from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.filenames import clean_filename

# Which message a forward forwards (Thunderbird writes the same header): it gets $Forwarded once sent.
FORWARDED_HEADER = "X-Forwarded-Message-Id"
ContentWriter = Callable[[BinaryIO], object]  # writes an attachment's content into a file, in chunks


@dataclass(frozen=True)
class AttachmentFile:
    """A file to attach: its name as the recipient will see it, bytes and MIME type.

    Big content stays where it is: `writer` copies it in chunks when the message is spooled
    (see mime.spool), and `data` is then empty.
    """

    filename: str
    data: bytes = b""
    content_type: str = ""
    writer: ContentWriter | None = None
    size: int = -1  # of a streamed attachment's content (-1: not known)

    @classmethod
    def from_path(cls, path: Path) -> AttachmentFile:
        return cls(path.name, path.read_bytes())

    @classmethod
    def streamed_from(cls, path: Path, filename: str = "", content_type: str = "") -> AttachmentFile:
        """A file attached without reading it now: copied in chunks when the message is spooled."""

        def copy(sink: BinaryIO) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, sink, 1024 * 1024)

        try:
            size = path.stat().st_size
        except OSError:  # gone already: spooling the message says so in plain words
            size = -1
        return cls(filename or path.name, content_type=content_type, writer=copy, size=size)

    @property
    def length(self) -> int:
        return self.size if self.writer is not None else len(self.data)

    def content(self) -> bytes:
        """The whole content in memory (for small uses such as drafts; spooling streams instead)."""
        if self.writer is None:
            return self.data
        buffer = io.BytesIO()
        self.writer(buffer)
        return buffer.getvalue()

    def mime_type(self) -> str:
        guessed = mimetypes.guess_type(self.filename, strict=False)[0]
        return self.content_type or guessed or "application/octet-stream"


@dataclass
class OutgoingMessage:
    """What the composer edits. `message_id` stays the same across draft saves and the final send."""

    sender: Address
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    attachments: list[AttachmentFile] = field(default_factory=list)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    message_id: str = ""
    forwarded: str = ""  # Message-ID of the message this one forwards: it gets $Forwarded once this is sent

    def ensure_message_id(self) -> str:
        if not self.message_id:
            self.message_id = make_message_id(self.sender.email)
        return self.message_id

    def envelope_recipients(self) -> list[str]:
        """RCPT TO addresses: To, Cc and Bcc, each once."""
        seen: dict[str, str] = {}
        for addr in [*self.to, *self.cc, *self.bcc]:
            seen.setdefault(addr.email.lower(), ascii_address(addr.email))
        return list(seen.values())


def make_message_id(sender_email: str) -> str:
    """A unique Message-ID in the sender's domain (not the computer's name, which would leak it)."""
    domain = sender_email.rpartition("@")[2] or "deskmail.invalid"
    return email.utils.make_msgid(domain=_ascii_domain(domain))


def _ascii_domain(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def ascii_address(address: str) -> str:
    """The address with an internationalised domain in its ASCII (xn--) form, as SMTP needs it."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{_ascii_domain(domain)}" if local else address


def _header_address(addr: Address) -> HeaderAddress:
    local, _, domain = addr.email.rpartition("@")
    return HeaderAddress(display_name=addr.name, username=local, domain=_ascii_domain(domain))


def _add_attachment(msg: EmailMessage, attachment: AttachmentFile) -> None:
    ctype = attachment.mime_type()
    filename = clean_filename(attachment.filename, ctype)
    if ctype == "message/rfc822":  # a forwarded message: attach it as a message, not as base64 bytes
        inner = BytesParser(policy=email.policy.SMTP).parsebytes(attachment.content())
        msg.add_attachment(inner, filename=filename)
        return
    maintype, _, subtype = ctype.partition("/")
    msg.add_attachment(attachment.content(), maintype=maintype, subtype=subtype or "octet-stream", filename=filename)


def build_message(out: OutgoingMessage, *, date: dt.datetime | None = None) -> EmailMessage:
    """The complete message (Bcc included: smtplib drops it on the wire, the Sent copy keeps it)."""
    # An address with a non-ASCII local part (jörg@...) can only be written raw, as UTF-8 (RFC 6532);
    # such a message needs a server with SMTPUTF8, which the sender checks before sending.
    everyone = [out.sender, *out.to, *out.cc, *out.bcc, *out.reply_to]
    utf8 = any(not a.email.rpartition("@")[0].isascii() for a in everyone)
    msg = EmailMessage(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)
    msg["From"] = _header_address(out.sender)
    for name, people in (("To", out.to), ("Cc", out.cc), ("Bcc", out.bcc), ("Reply-To", out.reply_to)):
        if people:
            msg[name] = [_header_address(a) for a in people]
    msg["Subject"] = out.subject
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now().astimezone())
    msg["Message-ID"] = out.ensure_message_id()
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    if out.references:
        msg["References"] = " ".join(out.references)
    if out.forwarded:
        msg[FORWARDED_HEADER] = out.forwarded
    body = out.body if out.body.endswith("\n") else out.body + "\n"
    # quoted-printable keeps the message 7-bit, so servers without 8BITMIME take it unchanged
    msg.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for attachment in out.attachments:
        _add_attachment(msg, attachment)
    for part in msg.iter_parts():
        del part["MIME-Version"]  # add_attachment copies it into every part; only the top needs it
    return msg
