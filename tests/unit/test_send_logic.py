"""Pure sending logic: Bcc stripping, Gmail-like detection, error classification."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.smtp.errors import SendFailure, classify_send_failure, failure_reason, is_temporary
from deskmail.engine.smtp.imapfolders import server_files_sent
from deskmail.engine.smtp.outbox import Outbox
from deskmail.engine.smtp.sender import Sender, without_bcc
from deskmail.engine.store import Store


def test_bcc_is_removed_from_the_header_block_only() -> None:
    raw = b"From: a@x\r\nBcc: secret@y,\r\n other@z\r\nSubject: s\r\n\r\nBcc: this line is body text\r\n"
    assert without_bcc(raw) == b"From: a@x\r\nSubject: s\r\n\r\nBcc: this line is body text\r\n"


def test_gmail_like_servers_are_detected() -> None:
    assert server_files_sent([b"IMAP4rev1", b"X-GM-EXT-1"])
    assert server_files_sent([], "smtp.gmail.com") and server_files_sent([], "smtp.office365.com")
    assert not server_files_sent([b"IMAP4rev1", b"UIDPLUS"], "smtp.example.test")
    assert not server_files_sent([], "notgmail.com")


def test_failures_are_classified_in_plain_words() -> None:
    refused = classify_send_failure(smtplib.SMTPRecipientsRefused({"x@y.test": (550, b"5.1.1 unknown")}))
    assert failure_reason(refused) is SendFailure.RECIPIENT_REFUSED and refused.field is Field.RECIPIENTS
    assert refused.data["refused"] == {"x@y.test": "550 5.1.1 unknown"} and "x@y.test" in refused.message
    too_big = classify_send_failure(smtplib.SMTPDataError(552, b"5.3.4 Message size exceeds limit"))
    assert failure_reason(too_big) is SendFailure.TOO_BIG and "too big" in too_big.message
    size = classify_send_failure(smtplib.SMTPSenderRefused(552, b"5.3.4 Message too big", "me@x.test"))
    assert failure_reason(size) is SendFailure.TOO_BIG
    busy = classify_send_failure(smtplib.SMTPDataError(451, b"try later"))
    assert busy.kind is ErrorKind.SERVER_BUSY and is_temporary(busy)
    offline = classify_send_failure(ConnectionRefusedError(111, "refused"))
    assert offline.kind is ErrorKind.OFFLINE and is_temporary(offline)
    assert classify_send_failure(TimeoutError()).kind is ErrorKind.TIMEOUT
    assert is_temporary(UserFacingError(ErrorKind.HOST_NOT_FOUND, "no DNS")) and not is_temporary(too_big)
    assert classify_send_failure(ValueError("odd")).kind is ErrorKind.PROTOCOL_ERROR
    assert refused.to_json()["data"]["reason"] == "recipient_refused"  # survives the outbox's JSON
    for error in (refused, too_big, busy, offline):
        assert "Outbox" in error.fix


def test_a_message_without_recipients_is_not_queued(tmp_path: Path) -> None:
    def never(_cancel: CancelToken) -> smtplib.SMTP:
        raise AssertionError("no network for a message that cannot be sent")

    sender = Sender(Outbox(Store.open(tmp_path / "s.sqlite3")), never, never)
    with pytest.raises(UserFacingError) as info:
        sender.queue(OutgoingMessage(sender=Address("", "me@example.test"), subject="x"))
    assert info.value.field is Field.RECIPIENTS
    assert sender.outbox.items() == []


class _NoUtf8Server(smtplib.SMTP):
    """Stands in for a server without SMTPUTF8 (the test bed's server has it)."""

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def has_extn(self, opt: str) -> bool:
        return False


def test_international_addresses_need_smtputf8() -> None:
    from deskmail.engine.smtp.sender import _utf8_options

    server = _NoUtf8Server()
    assert _utf8_options(server, ["me@example.test", "bob@xn--bcher-kva.example"]) == []
    with pytest.raises(UserFacingError) as info:
        _utf8_options(server, ["me@example.test", "jörg@example.test"])
    assert failure_reason(info.value) is SendFailure.RECIPIENT_REFUSED and "jörg@example.test" in info.value.message


def test_cancelling_keeps_the_message_in_the_outbox(tmp_path: Path) -> None:
    from deskmail.core.cancel import Cancelled
    from deskmail.engine.smtp.outbox import OutboxState

    token = CancelToken()

    def cancelled_while_connecting(cancel: CancelToken) -> smtplib.SMTP:
        token.cancel()
        cancel.raise_if_cancelled()
        raise AssertionError("unreachable")

    sender = Sender(Outbox(Store.open(tmp_path / "s.sqlite3")), cancelled_while_connecting, cancelled_while_connecting)
    item = sender.queue(OutgoingMessage(sender=Address("", "me@example.test"), to=[Address("", "a@example.test")]))
    with pytest.raises(Cancelled):
        sender.send(item.id, token)
    [waiting] = sender.outbox.items()
    assert waiting.state is OutboxState.SENDING and waiting.last_error is None
