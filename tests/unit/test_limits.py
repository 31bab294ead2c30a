"""Each limit of deskmail/engine/limits.py, fed with scripted bytes (the hostile servers over TLS are in
tests/integration/test_hostile_servers.py)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from deskmail.engine import limits
from deskmail.engine.cancelwatch import Deadline
from deskmail.engine.imap import wire
from deskmail.engine.imap.headers import headers_from_fetch, parse_date, parse_internaldate
from deskmail.engine.imap.mailboxes import decode_name, list_responses, mailbox
from deskmail.engine.mime.parse import ParsedMessage, parse_message
from deskmail.engine.uidset import expand
from tests.unit.test_imap_wire import ScriptedServer


def run(script: bytes, sink: object = None) -> wire.Answer:
    return wire.run(ScriptedServer(script), b"NOOP", literal_sink=sink)


def test_untagged_responses_are_bounded_in_count_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IMAP_MAX_UNTAGGED", 1000)
    assert len(run(b"* 1 FETCH (FLAGS ())\r\n" * 1000 + b"T1 OK\r\n").untagged) == 1000
    with pytest.raises(wire.FramingError):
        run(b"* 1 FETCH (FLAGS ())\r\n" * 1001 + b"T1 OK\r\n")
    monkeypatch.setattr(limits, "IMAP_MAX_UNTAGGED_BYTES", 100_000)
    with pytest.raises(wire.FramingError):
        run(b"* 1 FETCH (UID 1 BODY[] {20000}\r\n" + b"x" * 20_000 + b")\r\n" * 6 + b"T1 OK\r\n")


def test_pipelined_answers_are_bounded_like_one_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipelined poll (NOOP, UID FETCH CHANGEDSINCE) may name many messages: each answer has the same cap,
    and a refused command keeps what came before its tag (an EXISTS of the selected folder)."""
    monkeypatch.setattr(limits, "IMAP_MAX_UNTAGGED", 1000)
    flood = b"* 1 FETCH (UID 1 MODSEQ (5))\r\n" * 1000
    answers = wire.run_pipelined(ScriptedServer(b"* 4 EXISTS\r\nT1 NO gone\r\n" + flood + b"T2 OK\r\n"), [b"A", b"B"])
    refused, done = answers
    assert isinstance(refused, wire.ImapError) and refused.untagged[0].number == 4
    assert isinstance(done, wire.Answer) and len(done.untagged) == 1000
    with pytest.raises(wire.FramingError):
        wire.run_pipelined(ScriptedServer(b"T1 OK\r\n" + flood + b"* 1 EXISTS\r\nT2 OK\r\n"), [b"A", b"B"])


def test_a_literal_read_into_memory_is_bounded_whatever_is_announced() -> None:
    with pytest.raises(wire.FramingError):
        run(b'* LIST () "/" {%d}\r\n' % (limits.IMAP_MAX_LITERAL + 1))
    with pytest.raises(wire.FramingError):  # 5,000 digits: more than Python converts to int
        run(b"* 1 FETCH (BODY[] {" + b"9" * 5000 + b"}\r\n", sink=lambda size, imap: b"")


def test_garbage_where_a_response_must_be_is_a_framing_error() -> None:
    with pytest.raises(wire.FramingError):
        run(b"HTTP/1.1 400 Bad Request\r\n\r\nT1 OK\r\n")
    assert run(b"\r\nT0 OK late answer of an earlier command\r\nT1 OK\r\n").text == ""


def test_half_a_line_is_no_answer() -> None:
    with pytest.raises(wire.ConnectionLost):
        run(b"* 3 EXISTS\r\nT1 O")


def test_numbers_from_the_server_are_bounded() -> None:
    assert wire.bounded_number(b"%d" % 2**64, limits.IMAP_MAX_NUMBER) == limits.IMAP_MAX_NUMBER
    assert wire.bounded_number(b"9" * 5000, limits.IMAP_MAX_MODSEQ) == limits.IMAP_MAX_MODSEQ
    assert wire.bounded_number(b"12x", 100) == 0 and wire.bounded_number(None, 100) == 0
    with pytest.raises(ValueError):
        wire.uid_number(b"%d" % 2**64)
    answer = run(b"* %d EXISTS\r\nT1 OK\r\n" % 2**64)
    assert answer.untagged[0].number == limits.IMAP_MAX_NUMBER
    with pytest.raises(ValueError):
        headers_from_fetch({"UID": b"%d" % 2**64, "BODY[HEADER.FIELDS]": b"Subject: x\r\n\r\n"})


def test_dates_in_year_zero_are_unknown() -> None:
    assert parse_internaldate(b"01-Jan-0000 00:00:00 +0000") == 0
    assert parse_date("Sat, 1 Jan 0000 00:00:00 +0000") in (0, 946684800)  # unknown, or the stdlib's "year 2000"
    assert parse_internaldate(b"01-Jan-2026 00:00:00 +0000") > 0


def test_uid_sets_from_the_server_are_bounded() -> None:
    with pytest.raises(ValueError):
        expand("1:4294967295", limit=limits.IMAP_MAX_MESSAGES)
    with pytest.raises(ValueError):
        expand("1:" + "9" * 5000, limit=limits.IMAP_MAX_MESSAGES)
    assert expand("1:3,7", limit=10) == [1, 2, 3, 7]


def test_a_folder_name_that_is_not_modified_utf7_is_kept_and_sent_back_as_it_came() -> None:
    assert decode_name(b"&AOk-t&AOk-") == "été" and mailbox("été") == b'"&AOk-t&AOk-"'
    assert decode_name(b"&Jjo!") == "&Jjo!" and mailbox("&Jjo!") == b'"&Jjo!"'
    assert mailbox("A&B") == b'"A&-B"'  # a name a person typed is encoded as usual


def test_list_lines_are_read_without_trusting_them() -> None:
    answer = run(
        b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
        b'* LIST () "." "Quoted \\"name\\""\r\n'
        b"* LIST () NIL {6}\r\nLit er\r\n"
        b"* LIST (" + b"(" * 10_000 + b') "/" Deep\r\n'
        b"* LIST garbage\r\n"
        b"T1 OK\r\n"
    )
    listed = list_responses(answer.of("LIST"))
    assert listed == [(("\\HasNoChildren",), "/", b"INBOX"), ((), ".", b'Quoted "name"'), ((), "", b"Lit er")]


def parsed_with_peak(raw: bytes) -> tuple[ParsedMessage, int]:
    """The parse of `raw` and the peak of Python memory it took (bytes)."""
    tracemalloc.start()
    try:
        return parse_message(raw), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_parsing_a_big_message_in_memory_costs_little_more_than_the_message() -> None:
    size = 12 * 1024 * 1024
    head = b"From: a@example.test\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n"
    raw = head + (b"x" * 77 + b"\r\n") * (size // 79)
    parsed, peak = parsed_with_peak(raw)
    assert peak < 2 * size + 8 * 1024 * 1024, peak / 2**20  # was ~9x (an 18 MB message peaked at 157 MB)
    assert parsed.subject == "big" and parsed.size == len(raw)
    (part,) = parsed.attachments  # a body this big is offered as a file, like a big stored message
    assert len(parsed.attachment_data(part.part_id)) == len(raw) - len(head)


def test_a_header_block_without_end_is_read_as_body() -> None:
    raw = (b"no header here " * 5 + b"\r\n") * 200_000  # 15 MB, never a blank line
    parsed, peak = parsed_with_peak(raw)
    assert peak < 2 * len(raw) + 8 * 1024 * 1024, peak / 2**20
    assert parsed.size == len(raw)


def test_a_deadline_can_be_pushed_back() -> None:
    deadline = Deadline(0.05)
    assert not deadline.cancelled
    deadline.extend(10)
    time.sleep(0.1)
    assert not deadline.expired and not deadline.cancelled
    assert Deadline(0.0).expired
