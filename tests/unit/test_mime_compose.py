"""Composing, replying and forwarding: headers, encodings, recipients and quoting."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from deskmail.engine.mime import parse_message
from deskmail.engine.mime.addresses import RecipientError, parse_recipients
from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage, build_message
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.reply import edit_draft, forward, forward_subject, quote, reply, reply_subject

ME = Address("Alice Äpfel", "alice@example.test")
ORIGINAL = (
    b"From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>, carol@example.test\r\n"
    b"Cc: dave@example.test, ALICE@example.test\r\nSubject: Plans\r\n"
    b"Date: Tue, 7 Apr 2026 10:00:01 +0000\r\nMessage-ID: <m2@example.test>\r\n"
    b"References: <m0@example.test> <m1@example.test>\r\nIn-Reply-To: <m1@example.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nLet's meet.\r\n> earlier\r\n"
)


def test_build_message_has_every_header_and_encodes_non_ascii() -> None:
    out = OutgoingMessage(
        sender=ME,
        to=[Address("Bøb", "bob@bücher.example")],
        bcc=[Address("", "secret@example.test")],
        subject="Grüße – Plans",
        body="Hej ✓\nsecond line",
        attachments=[AttachmentFile("Rechnung März.pdf", b"%PDF-1.4"), AttachmentFile("a.txt", b"hi")],
        in_reply_to="<m2@example.test>",
        references=["<m1@example.test>", "<m2@example.test>"],
    )
    msg = build_message(out, date=dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC))
    raw = msg.as_bytes()
    assert max(raw) < 128  # 7-bit clean on the wire
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße – Plans"
    assert parsed.sender[0] == ME
    assert parsed.to[0].email == "bob@xn--bcher-kva.example" and parsed.to[0].name == "Bøb"
    assert parsed.bcc[0].email == "secret@example.test"
    assert parsed.message_id == out.message_id and out.message_id.endswith("@example.test>")
    assert parsed.in_reply_to == "<m2@example.test>"
    assert parsed.references == ["<m1@example.test>", "<m2@example.test>"]
    assert parsed.text.strip() == "Hej ✓\nsecond line"
    assert [a.filename for a in parsed.attachments] == ["Rechnung März.pdf", "a.txt"]
    assert [a.content_type for a in parsed.attachments] == ["application/pdf", "text/plain"]
    assert parsed.date == dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC)
    assert out.envelope_recipients() == ["bob@xn--bcher-kva.example", "secret@example.test"]


def test_reply_goes_to_the_sender_with_quote_and_threading() -> None:
    draft = reply(parse_message(ORIGINAL), me=ME)
    assert [a.email for a in draft.to] == ["bob@example.test"] and draft.cc == []
    assert draft.subject == "Re: Plans"
    assert draft.in_reply_to == "<m2@example.test>"
    assert draft.references == ["<m0@example.test>", "<m1@example.test>", "<m2@example.test>"]
    assert "wrote:\n> Let's meet.\n>> earlier" in draft.body
    assert "Bob wrote:" in draft.body and draft.body.count("On ") == 1


def test_reply_all_leaves_me_out_and_lists_everyone_once() -> None:
    draft = reply(parse_message(ORIGINAL), me=ME, reply_all=True)
    assert [a.email for a in draft.to] == ["bob@example.test", "carol@example.test"]
    assert [a.email for a in draft.cc] == ["dave@example.test"]


def test_reply_to_my_own_message_goes_to_its_recipients() -> None:
    mine = ORIGINAL.replace(b"From: Bob <bob@example.test>", b"From: Alice <alice@example.test>")
    draft = reply(parse_message(mine), me=ME)
    assert [a.email for a in draft.to] == ["carol@example.test"]


@pytest.mark.parametrize(
    ("subject", "expected"), [("Plans", "Re: Plans"), ("Re: Plans", "Re: Plans"), ("AW: Plan", "AW: Plan"),
                              ("RE[2]: x", "RE[2]: x"), ("", "Re:")]
)  # fmt: skip
def test_reply_prefix_is_not_doubled(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_forward_prefix_is_not_doubled() -> None:
    assert forward_subject("Fwd: x") == "Fwd: x" and forward_subject("FW: x") == "FW: x"
    assert forward_subject("x") == "Fwd: x"


def test_quote_marks_every_line() -> None:
    assert quote("a\n\n> b") == "> a\n>\n>> b"


def test_forward_inline_and_as_attachment() -> None:
    original = parse_message(ORIGINAL)
    inline = forward(original, ORIGINAL, me=ME)
    assert inline.subject == "Fwd: Plans" and "From: Bob <bob@example.test>" in inline.body
    assert "Let's meet." in inline.body
    attached = forward(original, ORIGINAL, me=ME, inline=False)
    raw = build_message(attached).as_bytes()
    parsed = parse_message(raw)
    [att] = parsed.attachments
    assert att.filename == "Plans.eml" and att.content_type == "message/rfc822"
    inner = email.message_from_bytes(parsed.attachment_data(att.part_id), policy=email.policy.default)
    assert inner["Message-ID"] == "<m2@example.test>"


def test_recipient_fields_are_split_and_checked() -> None:
    people = parse_recipients('"Doe, Jane" <jane@example.test>; bob@example.test,\nbob@example.test')
    assert [(p.name, p.email) for p in people] == [("Doe, Jane", "jane@example.test"), ("", "bob@example.test")]
    with pytest.raises(RecipientError) as info:
        parse_recipients("ok@example.test, not an address, x@localhost")
    assert info.value.invalid == ["not an address", "x@localhost"]


def test_a_reopened_draft_keeps_everything_and_its_message_id() -> None:
    out = OutgoingMessage(
        sender=ME,
        to=[Address("Bob", "bob@example.test")],
        bcc=[Address("", "hidden@example.test")],
        subject="Draft",
        body="unfinished thought",
        attachments=[AttachmentFile("notes.txt", b"notes")],
        in_reply_to="<m2@example.test>",
        references=["<m2@example.test>"],
    )
    again = edit_draft(parse_message(build_message(out).as_bytes()), me=ME)
    assert again.message_id == out.message_id
    assert (again.to, again.bcc, again.subject) == (out.to, out.bcc, out.subject)
    assert again.body.strip() == "unfinished thought"
    assert [(a.filename, a.data) for a in again.attachments] == [("notes.txt", b"notes")]
    assert (again.in_reply_to, again.references) == (out.in_reply_to, out.references)


def test_an_international_local_part_is_written_as_utf8() -> None:
    out = OutgoingMessage(sender=ME, to=[Address("Jörg", "jörg@bücher.example")], subject="Grüße", body="x")
    raw = build_message(out).as_bytes()
    assert "jörg@xn--bcher-kva.example".encode() in raw  # RFC 6532: raw UTF-8 local part, ASCII domain
    assert parse_message(raw).to[0].email == "jörg@xn--bcher-kva.example"
    assert out.envelope_recipients() == ["jörg@xn--bcher-kva.example"]
