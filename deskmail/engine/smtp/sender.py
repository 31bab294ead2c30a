"""Send from the outbox: SMTP first, marked sent only after the final 250, then one copy in Sent.

Crash safety: the state is committed before each network step. `sending` means the transaction
began but the message was not all out: the server cannot have taken it, so it is sent again (after
a look in Sent, for a crash at an unlucky moment). `unsure` is committed once the final "." is
out and before its reply is read: if the reply is lost, the server may have taken the message.
Sent is then searched for its Message-ID (servers like Gmail file sent mail themselves); found,
it is done; not found, the item stays `unsure` and is sent again only when the person says so
(`send(id, resend=True)`), never silently, so nobody gets it twice. `sent` means only the Sent
copy is missing, and it is appended only if Sent does not hold that Message-ID yet.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from imapclient import imapclient as imap_constants

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import _
from deskmail.engine.mime.compose import OutgoingMessage, ascii_address
from deskmail.engine.mime.spool import spooled
from deskmail.engine.smtp import imapfolders
from deskmail.engine.smtp.errors import (
    classify_send_failure,
    is_temporary,
    maybe_sent,
    refused_recipients,
    sent_copy_pending,
    utf8_unsupported,
)
from deskmail.engine.smtp.imapfolders import ImapConnector
from deskmail.engine.smtp.outbox import Outbox, OutboxItem, OutboxState
from deskmail.engine.smtp.stream import sendmail_chunks

log = logging.getLogger(__name__)

SmtpConnector = Callable[[CancelToken], smtplib.SMTP]  # returns a connected, encrypted, logged-in session
Checkpoint = Callable[[str], None]  # called at "all_sent", "accepted", "marked_sent", "filed": tests crash here
OnSent = Callable[[OutboxItem], None]  # the message has left: clean its draft, flag what it answers

MAX_HEAD = 8 * 1024 * 1024  # bytes gathered to find the end of the header block (real ones are a few KB)
_BCC_HEADER = re.compile(rb"^(?:Bcc|Resent-Bcc):.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)


@dataclass
class SendResult:
    """What happened to one outbox item; `error` set means it still waits in the outbox."""

    item_id: int
    message_id: str
    state: OutboxState | None  # None: done and removed from the outbox
    error: UserFacingError | None = None
    refused: dict[str, str] = field(default_factory=dict)  # some recipients refused, the rest got it
    filed_by_server: bool = False


def _wire(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The stored message's pieces with Bcc removed from its header block (gathered whole first)."""
    head = b""
    for piece in pieces:
        head += piece
        if re.search(rb"\r?\n\r?\n", head) or len(head) >= MAX_HEAD:
            break
    yield without_bcc(head)
    yield from pieces


def without_bcc(raw: bytes) -> bytes:
    """The message as it goes over the wire: Bcc headers removed from the header block only."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[: end.start() + 2], raw[end.start() + 2 :]) if end else (raw, b"")
    return _BCC_HEADER.sub(b"", head) + body


class Sender:
    """Sends one account's outbox. Runs on the account's worker thread (it writes the store)."""

    def __init__(
        self,
        outbox: Outbox,
        smtp: SmtpConnector,
        imap: ImapConnector,
        *,
        smtp_host: str = "",
        checkpoint: Checkpoint | None = None,
        on_sent: OnSent | None = None,
    ) -> None:
        self.outbox = outbox
        self.on_sent = on_sent
        self.smtp = smtp
        self.imap = imap
        self.smtp_host = smtp_host
        self.checkpoint = checkpoint or (lambda _name: None)

    def queue(self, message: OutgoingMessage) -> OutboxItem:
        """Build the message and store it in the outbox (durable) before anything touches the network."""
        item = self.outbox.get(self.queue_only(message))
        assert item is not None
        return item

    def queue_only(self, message: OutgoingMessage, not_before: float = 0.0) -> int:
        """Like `queue`, returning the item's id without reading the stored message back.

        `not_before` (Unix time): the message waits in the outbox until then (Undo Send).
        """
        if not message.envelope_recipients():
            raise UserFacingError(
                ErrorKind.PROTOCOL_ERROR,
                _("The message has no recipients."),
                fix=_("Add at least one address in To, Cc or Bcc."),
                field=Field.RECIPIENTS,
                data={"queued": False},
            )
        message.ensure_message_id()
        # Spooled to a file next to the store first: big attachments are copied in chunks, never whole.
        with spooled(message, self.outbox.store.path.parent) as path:
            return self.outbox.add_file(
                path,
                message_id=message.message_id,
                sender=ascii_address(message.sender.email),
                recipients=message.envelope_recipients(),
                not_before=not_before,
            )

    def send_pending(self, cancel: CancelToken = NEVER) -> list[SendResult]:
        """Try everything that is not waiting for the user (failed items need `send(id)` again)."""
        results = []
        now = time.time()
        for item in self.outbox.items(heads_only=True):  # `send` reads each one whole, one at a time
            cancel.raise_if_cancelled()
            # An unsure one is only looked for in Sent; one in its Undo Send wait goes later (it may be undone).
            if item.state is not OutboxState.FAILED and item.not_before <= now:
                results.append(self.send(item.id, cancel))
        return results

    def send(self, item_id: int, cancel: CancelToken = NEVER, *, resend: bool = False) -> SendResult:
        """Take one item as far as it goes: submit (unless already done), then file it in Sent.

        An `unsure` item (it may have been sent) is submitted again only with `resend=True`, the
        person's answer to "send it again?"; without, it is only looked for in Sent."""
        item = self.outbox.get(item_id, heads_only=True)  # the message itself is read in chunks when sent
        if item is None:
            return SendResult(item_id, "", None)
        result = SendResult(item.id, item.message_id, item.state)
        try:
            if item.state in (OutboxState.SENDING, OutboxState.UNSURE) and self._in_sent(item, cancel):
                log.info("outbox %s: found in Sent, not sending again", item.id)
                self._left(item)
                self.outbox.remove(item.id)
                return SendResult(item.id, item.message_id, None, filed_by_server=True)
            if item.state is OutboxState.UNSURE and not resend:
                error = maybe_sent()
                self.outbox.set_state(item.id, OutboxState.UNSURE, error.to_json())
                result.error = error
                return result
            if item.state is not OutboxState.SENT:
                result.refused = self._submit(item, cancel)
            return self._file(item, result, cancel)
        except Cancelled:
            raise  # the item keeps its state: "sending" makes the next attempt look in Sent first
        except Exception as exc:
            return self._failed(item, result, exc, cancel)

    def _failed(self, item: OutboxItem, result: SendResult, exc: Exception, cancel: CancelToken) -> SendResult:
        error = classify_send_failure(exc)
        current = self.outbox.get(item.id, heads_only=True)
        if current is not None and current.state is OutboxState.SENT:
            # Sent, but filing in Sent failed: keep it to file later; the user need not act.
            log.warning(
                "outbox %s: sent, but the Sent copy is not filed yet: %s", item.id, error.details or error.message
            )
            error = sent_copy_pending(error)
            self.outbox.set_state(item.id, OutboxState.SENT, error.to_json())
            result.state, result.error = OutboxState.SENT, error
            return result
        answered = isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused)
        if current is not None and current.state is OutboxState.UNSURE and not answered:
            return self._unsure(item, result, error, cancel)
        # In `sending` the message was not all out: the server cannot have taken it, so it waits
        # to be sent again (a refusal waits for the person to correct it).
        state = OutboxState.QUEUED if is_temporary(error) else OutboxState.FAILED
        self.outbox.set_state(item.id, state, error.to_json())
        result.state, result.error = state, error
        return result

    def _unsure(self, item: OutboxItem, result: SendResult, error: UserFacingError, cancel: CancelToken) -> SendResult:
        """The whole message went out but its reply was lost: look in Sent now; if it is not there,
        it waits as "may already have been sent" for the person to decide (never sent twice by us)."""
        try:
            if self._in_sent(item, cancel):
                log.info("outbox %s: reply lost, but the message is in Sent", item.id)
                self.outbox.remove(item.id)
                return SendResult(item.id, item.message_id, None, filed_by_server=True)
            error = maybe_sent(error.details or error.message)
        except Cancelled:
            raise
        except Exception as exc:  # Sent could not be searched (offline): the next attempt does it
            log.info("outbox %s: reply lost; Sent not searched yet: %s", item.id, exc)
        self.outbox.set_state(item.id, OutboxState.UNSURE, error.to_json())
        result.state, result.error = OutboxState.UNSURE, error
        return result

    def _submit(self, item: OutboxItem, cancel: CancelToken) -> dict[str, str]:
        """SMTP transaction; on the final 250 the item is committed as sent before anything else."""
        self.outbox.set_state(item.id, OutboxState.SENDING)

        def all_sent() -> None:  # the final "." is out: from here a lost reply leaves it unknown
            self.outbox.set_state(item.id, OutboxState.UNSURE)
            self.checkpoint("all_sent")

        session = self.smtp(cancel)
        try:
            cancel.raise_if_cancelled()
            options = _utf8_options(session, [item.sender, *item.recipients])
            pieces = self.outbox.chunks(item.id)
            try:  # read from the outbox row in chunks: a 50 MB message is never whole in memory here
                size = self.outbox.size(item.id)
                refused = sendmail_chunks(
                    session, item.sender, item.recipients, _wire(pieces), size, options, all_sent=all_sent
                )
            finally:
                pieces.close()  # the row is written next: no read of it may stay open
            self.checkpoint("accepted")
            self.outbox.set_state(item.id, OutboxState.SENT)
            self.checkpoint("marked_sent")
            self._left(item)
        finally:
            _quit_quietly(session)
        if refused:
            return refused_recipients(refused).data["refused"]  # type: ignore[no-any-return]
        return {}

    def _left(self, item: OutboxItem) -> None:
        """Tell `on_sent` the message left; its trouble (a local store step) never turns a send into a failure."""
        if self.on_sent is None:
            return
        try:
            self.on_sent(item)
        except Exception:
            log.exception("outbox %s: sent, but the steps after sending failed", item.id)

    def _file(self, item: OutboxItem, result: SendResult, cancel: CancelToken) -> SendResult:
        """Put exactly one copy in Sent, then drop the item from the outbox."""
        client = self.imap(cancel)
        try:
            folder = imapfolders.sent_folder(client)
            by_server = imapfolders.server_files_sent(client.capabilities(), self.smtp_host)
            if not by_server and not imapfolders.uids_with_message_id(client, folder, item.message_id):
                self._append_sent(client, folder, item.id)
            self.checkpoint("filed")
        finally:
            imapfolders.logout_quietly(client)
        self.outbox.remove(item.id)
        result.state, result.filed_by_server = None, by_server
        return result

    def _append_sent(self, client: Any, folder: str, item_id: int) -> None:
        """The Sent copy, read from the outbox row in chunks (whole only for servers without LITERAL+)."""
        pieces = self.outbox.chunks(item_id)
        try:
            done = imapfolders.append_chunks(client, folder, pieces, self.outbox.size(item_id), (imap_constants.SEEN,))
        finally:
            pieces.close()  # the row is removed next: no read of it may stay open
        raw = self.outbox.raw(item_id) if done is None else None
        if raw is not None:
            imapfolders.append(client, folder, raw, (imap_constants.SEEN,))

    def _in_sent(self, item: OutboxItem, cancel: CancelToken) -> bool:
        client = self.imap(cancel)
        try:
            folder = imapfolders.find_folder(client, imap_constants.SENT)  # no Sent folder: not in it
            return folder is not None and bool(imapfolders.uids_with_message_id(client, folder, item.message_id))
        finally:
            imapfolders.logout_quietly(client)


def _utf8_options(session: smtplib.SMTP, addresses: list[str]) -> list[str]:
    """["SMTPUTF8"] when an address has a non-ASCII local part; a clear error if the server cannot."""
    international = [a for a in addresses if not a.isascii()]
    if not international:
        return []
    session.ehlo_or_helo_if_needed()
    if not session.has_extn("smtputf8"):
        raise utf8_unsupported(international)
    return ["SMTPUTF8"]


def _quit_quietly(session: smtplib.SMTP) -> None:
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()
