"""The IMAP response reader and FETCH item parser, fed with scripted server bytes."""

from __future__ import annotations

import email.utils
import io
import socket
from typing import Any

import pytest

from deskmail.engine import limits
from deskmail.engine.imap import wire
from deskmail.engine.imap.folders import folder_infos
from deskmail.engine.imap.headers import (
    headers_from_fetch,
    headers_from_response,
    parse_date,
    parse_internaldate,
    split_header_block,
)
from deskmail.engine.store.models import SpecialUse


class ScriptedServer:
    """Stands in for imaplib.IMAP4: answers every command with the same scripted bytes."""

    def __init__(self, script: bytes) -> None:
        self.tagged_commands: dict[bytes, Any] = {}
        self.sent: list[bytes] = []
        self._file = io.BytesIO(script)
        self._n = 0

    def _new_tag(self) -> bytes:
        self._n += 1
        tag = b"T%d" % self._n
        self.tagged_commands[tag] = None
        return tag

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    @property
    def file(self) -> io.BytesIO:
        return self._file

    def read(self, size: int) -> bytes:
        return self._file.read(size)


def test_fetch_with_literals_in_any_order_and_untagged_extras() -> None:
    script = (
        b"* 3 EXISTS\r\n"
        b"* 1 FETCH (FLAGS (\\Seen \\Recent) UID 7 BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: hi)\r\n\r\n"
        b' INTERNALDATE "01-Feb-2024 10:00:00 +0100" RFC822.SIZE 42 MODSEQ (12))\r\n'
        b"* 2 FETCH (UID 9 FLAGS () BODY[HEADER.FIELDS (SUBJECT)] NIL)\r\n"
        b"* VANISHED (EARLIER) 1:3,5\r\n"
        b"T1 OK done\r\n"
    )
    server = ScriptedServer(script)
    answer = wire.run(server, b"UID FETCH 1:* (UID FLAGS)")
    assert server.sent == [b"T1 UID FETCH 1:* (UID FLAGS)\r\n"]
    assert server.tagged_commands == {}
    first, second = (wire.parse_fetch_items(u) for u in answer.of("FETCH"))
    assert first["UID"] == b"7" and first["BODY[HEADER.FIELDS]"] == b"Subject: hi)\r\n\r\n"
    assert first["INTERNALDATE"] == b"01-Feb-2024 10:00:00 +0100" and first["MODSEQ"] == b"(12)"
    assert wire.flag_words(first["FLAGS"]) == ("\\Seen",)
    assert second["BODY[HEADER.FIELDS]"] is None
    assert answer.of("EXISTS")[0].number == 3
    assert answer.of("VANISHED")[0].text == b"(EARLIER) 1:3,5"


def test_fast_path_matches_general_path() -> None:
    literal = b"From: a@b\r\n\r\n"
    text = (
        b'(UID 5 FLAGS (\\Seen) RFC822.SIZE 10 INTERNALDATE "1-Jan-2020 00:00:00 +0000" '
        b"BODY[HEADER.FIELDS (FROM)] \x00 MODSEQ (3))"
    )
    fast = wire.parse_fetch_items(wire.Untagged(1, "FETCH", text, [literal]))
    slow = wire.parse_fetch_items(wire.Untagged(1, "FETCH", text.replace(b"UID 5 ", b"UID 5  "), [literal]))
    assert fast == slow


def test_header_answer_read_straight_or_through_the_general_parser_alike() -> None:
    """The usual header-sync answer skips the dict of FETCH items; any other shape takes the general
    parser. Both must give the same message, with or without RFC822.SIZE, with MODSEQ before or
    after the header block, odd spacing, and no UID or header block (skipped)."""
    block = b"From: Ana <ana@x.test>\r\nSubject: hi\r\nDate: Thu, 1 Feb 2024 10:00:00 +0100\r\n\r\n"
    shapes = [
        b'(UID 5 FLAGS (\\Seen $Label) RFC822.SIZE 10 INTERNALDATE " 1-Feb-2024 09:00:00 +0000" '
        b"BODY[HEADER.FIELDS (FROM SUBJECT DATE)] \x00 MODSEQ (3))",
        b'(UID 5 FLAGS () INTERNALDATE "01-Feb-2024 09:00:00 -0130" MODSEQ (7) BODY[HEADER.FIELDS (FROM)] \x00)',
        b'(UID 5 FLAGS (\\Recent) RFC822.SIZE 10 INTERNALDATE "1-Feb-2024 09:00:00 +0000" BODY[HEADER.FIELDS ()] \x00)',
    ]
    for text in shapes:
        for shape in (text, text.replace(b"UID 5 ", b"UID 5  "), text.replace(b"FLAGS", b"flags")):
            response = wire.Untagged(1, "FETCH", shape, [block])
            straight = headers_from_response(response)
            assert straight == headers_from_fetch(wire.parse_fetch_items(response)), shape
            assert straight is not None and straight.uid == 5 and straight.subject == "hi"
    assert headers_from_response(wire.Untagged(1, "FETCH", b"(FLAGS (\\Seen))", [])) is None
    with pytest.raises(ValueError):  # no UID a message can be stored under: the caller skips it
        headers_from_response(wire.Untagged(1, "FETCH", shapes[0].replace(b"UID 5", b"UID 0"), [block]))


def test_dates_each_part_checked() -> None:
    assert parse_date("Thu, 1 Feb 2024 10:00:00 +0100") == 1706778000
    assert parse_date("1 Feb 2024 10:00 -0130") == 1706787000  # no seconds, a half-hour zone
    assert parse_date("Thu, 29 Feb 2024 23:59:59 +0000") == 1709251199
    for odd in ("32 Jan 2024 10:00:00 +0000", "1 Feb 2024 24:00:00 +0000", "1 Feb 0000 10:00:00 +0000"):
        parsed = email.utils.parsedate_tz(odd)  # no such day, hour or year: read as the stdlib reads it
        assert parsed is not None and parse_date(odd) == email.utils.mktime_tz(parsed)
    assert parse_internaldate(b"01-Feb-2024 09:00:00 +0000") == parse_internaldate(b" 1-Feb-2024 10:30:00 +0130")
    assert parse_internaldate(b"01-Foo-2024 09:00:00 +0000") == 0


def test_no_and_bad_raise_with_status() -> None:
    with pytest.raises(wire.ImapError) as refused:
        wire.run(ScriptedServer(b"T1 NO [TRYCREATE] no such mailbox\r\n"), b"UID MOVE 1 x")
    assert refused.value.status == "NO" and "TRYCREATE" in refused.value.text


def test_connection_closed_mid_literal() -> None:
    with pytest.raises(wire.ConnectionLost):
        wire.run(ScriptedServer(b"* 1 FETCH (UID 1 BODY[] {100}\r\nshort"), b"UID FETCH 1 BODY[]")
    with pytest.raises(wire.ConnectionLost):
        wire.run(ScriptedServer(b""), b"NOOP")


def test_huge_literal_refused_before_reading() -> None:
    with pytest.raises(wire.ImapError):
        wire.run(ScriptedServer(b"* 1 FETCH (BODY[] {999999999999}\r\n"), b"UID FETCH 1 BODY[]")


def test_literal_sink_streams() -> None:
    chunks: list[bytes] = []

    def sink(size: int, imap: Any) -> bytes:
        chunks.append(imap.read(size))
        return b""

    answer = wire.run(ScriptedServer(b"* 1 FETCH (UID 4 BODY[] {5}\r\nhello)\r\nT1 OK\r\n"), b"X", literal_sink=sink)
    assert chunks == [b"hello"] and wire.parse_fetch_items(answer.untagged[0])["BODY[]"] == b""


def test_headers_decoded_and_bounded() -> None:
    block = (
        b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.test>\r\n"
        b'To: "Doe, Jane" <jane@example.test>, bob@example.test\r\n'
        b"Subject: =?iso-8859-1?q?caf=E9?=\r\n  continued\r\n"
        b"Date: Thu, 1 Feb 2024 10:00:00 +0100\r\n"
        b"Message-ID: <a@b>\r\nReferences: <1@x>\r\n <2@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
    )
    items = {
        "UID": b"3",
        "FLAGS": b"(\\Seen)",
        "RFC822.SIZE": b"99",
        "INTERNALDATE": b"1-Feb-2024 09:00:00 +0000",
        "BODY[HEADER.FIELDS]": block,
    }
    headers = headers_from_fetch(items)
    assert headers.from_name == "Jörg" and headers.from_addr == "jorg@example.test"
    assert headers.to_addrs == "Doe, Jane <jane@example.test>, bob@example.test"
    assert headers.subject == "café continued"
    assert headers.date == 1706778000 == headers.internaldate
    assert headers.refs == "<1@x> <2@x>" and headers.has_attachments
    assert len(split_header_block(b"Subject: " + b"x" * 100_000 + b"\r\n")["subject"]) <= 4000
    assert split_header_block(b"Subject: a" + b" " * 200_000 + b"b\r\n")["subject"] == "a"


def test_dates_that_cannot_be_read_are_zero() -> None:
    assert parse_date("yesterday") == 0 and parse_date("") == 0
    assert parse_internaldate(b"garbage") == 0
    assert parse_date("1 Jan 2001 00:00:00 GMT") == 978307200  # the slow path still works


def test_special_use_by_attribute_then_by_name() -> None:
    listed = [
        ((), "/", "INBOX"),
        (("\\HasNoChildren",), "/", "Sent Items"),
        (("\\Trash",), "/", "Papierkorb"),
        ((), "/", "Trash"),
        ((), ".", "INBOX.Spam"),
        (("\\Noselect",), "/", "[Gmail]"),
        ((), "/", "[Gmail]/All Mail"),
    ]
    infos = {i.name: i for i in folder_infos(listed, subscribed={"Sent Items"})}
    assert infos["INBOX"].special_use is SpecialUse.INBOX and infos["INBOX"].subscribed
    assert infos["Sent Items"].special_use is SpecialUse.SENT and infos["Sent Items"].subscribed
    assert infos["Papierkorb"].special_use is SpecialUse.TRASH
    assert infos["Trash"].special_use is SpecialUse.NONE  # the attribute wins over the name
    assert infos["INBOX.Spam"].special_use is SpecialUse.JUNK
    assert not infos["[Gmail]"].selectable
    assert infos["[Gmail]/All Mail"].special_use is SpecialUse.ARCHIVE


def test_oversized_header_literal_is_cut_without_holding_it() -> None:
    from deskmail.engine.imap.session import MAX_HEADER_BYTES, ImapSession

    huge = b"Subject: " + b"y" * (3 * MAX_HEADER_BYTES) + b"\r\n\r\n"
    script = (
        b'* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 9 INTERNALDATE "1-Jan-2020 00:00:00 +0000" '
        b"BODY[HEADER.FIELDS (SUBJECT)] {%d}\r\n" % len(huge) + huge + b")\r\nT1 OK\r\n"
    )

    class Client:
        _imap = ScriptedServer(script)

        def capabilities(self) -> tuple[bytes, ...]:
            return (b"IMAP4REV1",)

        def socket(self) -> socket.socket:
            return listener  # only watched for the command's deadline

    with socket.socket() as listener:
        (headers,) = ImapSession(Client()).fetch_headers([1])  # type: ignore[arg-type]
    assert headers.uid == 1 and 0 < len(headers.subject) <= 4000


def test_long_search_answer_is_read_but_endless_lines_are_not() -> None:
    numbers = b" ".join(b"%d" % n for n in range(1, 300_001))  # ~2 MB: more than imaplib allows
    answer = wire.run(ScriptedServer(b"* SEARCH " + numbers + b"\r\nT1 OK\r\n"), b"UID SEARCH ALL")
    assert answer.of("SEARCH")[0].text.count(b" ") == 299_999
    with pytest.raises(wire.ImapError):
        wire.run(ScriptedServer(b"* OK " + b"x" * (limits.IMAP_MAX_LINE + 10) + b"\r\n"), b"NOOP")


def test_flag_answers_fast_and_general_shapes() -> None:
    from deskmail.engine.imap.session import _flag_changes

    texts = [
        b"(UID 5 FLAGS (\\Seen \\Recent) MODSEQ (9))",
        b"(FLAGS () UID 7)",
        b"(UID 6 FLAGS ())",
        b"(MODSEQ (3) UID 8 FLAGS (\\Flagged))",
        b"(FLAGS (\\Seen))",
    ]
    changes = _flag_changes([wire.Untagged(1, "FETCH", t, []) for t in texts])
    assert changes == [(5, ("\\Seen",), 9), (7, (), 0), (6, (), 0), (8, ("\\Flagged",), 3)]
