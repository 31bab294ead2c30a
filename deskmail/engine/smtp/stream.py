"""SMTP submission of a queued message read in chunks, so a 50 MB forward never sits whole in memory.

Mirrors `smtplib.SMTP.sendmail` step by step (same replies, same exceptions, so the sender's
error handling and crash safety stay as they are); only DATA differs: the message is read from
its outbox row in chunks, Bcc headers dropped from the header block, lines starting with a dot
doubled (RFC 5321 4.5.2) across chunk boundaries.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Callable, Iterable, Iterator

CHUNK = 1024 * 1024
_LEADING_DOT = re.compile(rb"(?m)^\.")


def sendmail_chunks(
    session: smtplib.SMTP,
    sender: str,
    recipients: list[str],
    chunks: Iterable[bytes],
    size: int,
    mail_options: list[str],
    all_sent: Callable[[], None] = lambda: None,
) -> dict[str, tuple[int, bytes]]:
    """`session.sendmail(sender, recipients, b"".join(chunks))` without joining; returns refused recipients.

    `all_sent` is called once the final "." is out, before its reply is read: from then on a broken
    connection leaves it unknown whether the server took the message."""
    session.ehlo_or_helo_if_needed()
    options = []
    if session.does_esmtp:
        if session.has_extn("size"):
            options.append(f"size={size}")
        options += mail_options
    code, reply = session.mail(sender, options)
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, reply = session.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            session.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        _abandon(session, 0)
        raise smtplib.SMTPRecipientsRefused(refused)
    session.putcmd("data")
    code, reply = session.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    for piece in dot_stuffed(chunks):
        session.send(piece)
    all_sent()
    code, reply = session.getreply()
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPDataError(code, reply)
    return refused


def dot_stuffed(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The message as DATA carries it: whole lines, leading dots doubled, ending in CRLF "." CRLF."""
    carry = b""
    for chunk in chunks:
        text = carry + chunk
        cut = text.rfind(b"\n") + 1  # only whole lines: a dot must be seen at the start of its line
        carry = text[cut:]
        if cut:
            yield _LEADING_DOT.sub(b"..", text[:cut])
    tail = _LEADING_DOT.sub(b"..", carry)
    yield tail + (b"\r\n" if tail and not tail.endswith(b"\r\n") else b"") + b".\r\n"


def _abandon(session: smtplib.SMTP, code: int) -> None:
    if code == 421:
        session.close()
    else:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):  # as smtplib's own _rset
            session.rset()
