"""SMTP and network failures while sending, in plain words; the message always waits in the Outbox."""

from __future__ import annotations

import imaplib
import smtplib
import socket
from enum import StrEnum
from typing import Any

from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import N_, _, ngettext
from deskmail.engine.imap.wire import ConnectionLost

WAITS = N_("The message waits in the Outbox.")


def _waits(fix: str) -> str:
    """A translated fix, then the reassurance that the message waits in the Outbox."""
    return f"{fix} {_(WAITS)}"


class SendFailure(StrEnum):
    """Why a send failed, finer than ErrorKind (whose values the setup wizard maps one by one)."""

    RECIPIENT_REFUSED = "recipient_refused"
    SENDER_REFUSED = "sender_refused"
    TOO_BIG = "too_big"
    REFUSED = "refused"
    BUSY = "busy"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    UNEXPECTED = "unexpected"
    MAYBE_SENT = "maybe_sent"  # the reply to the whole message was lost, and Sent does not hold it


class SendError(UserFacingError):
    """A send failure in plain words; `reason` (also in `data["reason"]`) says which kind."""

    def __init__(self, reason: SendFailure, kind: ErrorKind, message: str, **extra: Any) -> None:
        data = {"reason": str(reason), **extra.pop("data", {})}
        super().__init__(kind, message, data=data, **extra)
        self.reason = reason


def failure_reason(error: UserFacingError) -> SendFailure | None:
    """The SendFailure of an error, also for one read back from the outbox's JSON."""
    reason = error.data.get("reason")
    return SendFailure(reason) if reason in set(SendFailure) else None


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


_TEMPORARY = (
    ErrorKind.OFFLINE,
    ErrorKind.CONNECTION_LOST,
    ErrorKind.TIMEOUT,
    ErrorKind.SERVER_BUSY,
    ErrorKind.CONNECT_REFUSED,
    ErrorKind.HOST_NOT_FOUND,
)


# The connection broke under us (not refused: that is "could not reach").
_BROKE = ConnectionResetError | ConnectionAbortedError | BrokenPipeError | EOFError


def is_temporary(error: UserFacingError) -> bool:
    """True for failures worth retrying by themselves later (network, busy server, 4xx replies)."""
    # HOST_NOT_FOUND too: behind a captive portal or with DNS down, names fail to resolve for a while.
    return error.kind in _TEMPORARY


def refused_recipients(refused: dict[str, tuple[int, bytes]]) -> UserFacingError:
    names = ", ".join(sorted(refused))
    count = len(refused)
    return SendError(
        SendFailure.RECIPIENT_REFUSED,
        ErrorKind.PROTOCOL_ERROR,
        ngettext(
            "The mail server would not accept this recipient: {addresses}.",
            "The mail server would not accept these recipients: {addresses}.",
            count,
        ).format(addresses=names),
        fix=_waits(ngettext("Check the address and send again.", "Check the addresses and send again.", count)),
        field=Field.RECIPIENTS,
        details="; ".join(f"{addr}: {_reply_text(code, msg)}" for addr, (code, msg) in sorted(refused.items())),
        data={"refused": {addr: _reply_text(code, msg) for addr, (code, msg) in refused.items()}},
    )


def maybe_sent(details: str = "") -> UserFacingError:
    """The connection broke after the whole message went out, before the server said it took it."""
    return SendError(
        SendFailure.MAYBE_SENT,
        ErrorKind.PROTOCOL_ERROR,
        _(
            "This message may already have been sent: the connection broke just after it went out, "
            "and it is not in your Sent folder."
        ),
        fix=_(
            "If you are not sure it arrived, send it again; otherwise remove it from the Outbox. "
            "Deskmail does not send it again by itself, so nobody gets it twice."
        ),
        details=details,
    )


def utf8_unsupported(addresses: list[str]) -> UserFacingError:
    return SendError(
        SendFailure.RECIPIENT_REFUSED,
        ErrorKind.PROTOCOL_ERROR,
        _("Your mail server cannot send to addresses with international letters before the @: {addresses}.").format(
            addresses=", ".join(addresses)
        ),
        fix=_waits(_("Ask the recipient for another address.")),
        field=Field.RECIPIENTS,
        data={"refused": {a: "no SMTPUTF8" for a in addresses}},
    )


def classify_send_failure(exc: BaseException) -> UserFacingError:
    """Map an smtplib or socket failure to a UserFacingError (already-typed errors pass through)."""
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return refused_recipients(exc.recipients)
    if isinstance(exc, smtplib.SMTPSenderRefused) and _too_big(exc.smtp_code, _reply_text(0, exc.smtp_error)):
        return _response_failure(552, exc.smtp_error)  # SIZE: refused at MAIL FROM, before any data
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SendError(
            SendFailure.SENDER_REFUSED,
            ErrorKind.PROTOCOL_ERROR,
            _("The mail server refused to send mail from {sender}.").format(sender=exc.sender),
            fix=_waits(_("Check that this address belongs to the account you send from.")),
            details=_reply_text(exc.smtp_code, exc.smtp_error),
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return _response_failure(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, socket.timeout | TimeoutError):
        return SendError(
            SendFailure.TIMEOUT,
            ErrorKind.TIMEOUT,
            _("The outgoing mail server did not answer in time."),
            fix=_waits(_("It will be tried again.")),
            field=Field.NETWORK,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | _BROKE | imaplib.IMAP4.abort | ConnectionLost):
        return SendError(
            SendFailure.UNREACHABLE,
            ErrorKind.CONNECTION_LOST,
            _("The connection to the mail server broke."),
            fix=_waits(_("This usually passes by itself; Deskmail tries again.")),
            field=Field.NETWORK,
            details=f"{type(exc).__name__}: {exc}",
        )
    if isinstance(exc, smtplib.SMTPException | OSError):
        return SendError(
            SendFailure.UNREACHABLE,
            ErrorKind.OFFLINE,
            _("Could not reach the outgoing mail server."),
            fix=_waits(_("Check your internet connection; it will be sent when you're back online.")),
            field=Field.NETWORK,
            details=f"{type(exc).__name__}: {exc}",
        )
    return SendError(
        SendFailure.UNEXPECTED,
        ErrorKind.PROTOCOL_ERROR,
        _("The mail server gave an answer Deskmail did not expect."),
        fix=_waits(_("Deskmail tries again later.")),
        details=f"{type(exc).__name__}: {exc}",
    )


def sent_copy_pending(error: UserFacingError) -> UserFacingError:
    """The message went out; only its copy in the Sent folder is missing, and is filed later by itself."""
    return UserFacingError(
        error.kind if error.kind in _TEMPORARY else ErrorKind.CONNECTION_LOST,
        _("Your message was sent. Deskmail could not put a copy in your Sent folder yet."),
        _("Nothing to do: the copy is filed by itself the next time Deskmail reaches your mail server."),
        Field.NONE,
        error.details or error.message,
        data={**error.data, "sent": True},
    )


def _too_big(code: int, details: str) -> bool:
    return code in (552, 523) or "5.3.4" in details


def _response_failure(code: int, reply: bytes | str) -> UserFacingError:
    details = _reply_text(code, reply)
    if _too_big(code, details):
        return SendError(
            SendFailure.TOO_BIG,
            ErrorKind.PROTOCOL_ERROR,
            _("The message is too big for the mail server."),
            fix=_waits(_("Remove or shrink attachments and send again.")),
            details=details,
        )
    if 400 <= code < 500:
        return SendError(
            SendFailure.BUSY,
            ErrorKind.SERVER_BUSY,
            _("The mail server could not take the message right now."),
            fix=_waits(_("It will be tried again later.")),
            details=details,
        )
    return SendError(
        SendFailure.REFUSED,
        ErrorKind.PROTOCOL_ERROR,
        _("The mail server refused the message."),
        fix=_waits(_("The server said: {reason}.").format(reason=details)),
        details=details,
    )
