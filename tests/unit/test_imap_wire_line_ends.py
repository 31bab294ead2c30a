"""Line ends the reader accepts (a bare LF, as GNU Mailutils sends) and a line the network cut off."""

from __future__ import annotations

import pytest

from deskmail.engine.imap import wire
from tests.unit.test_imap_wire import ScriptedServer


def test_bare_lf_ends_lines_and_literal_announcements() -> None:
    script = b"* 1 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {13}\nSubject: hi\r\n)\n* 2 EXISTS\nT1 OK done\n"
    answer = wire.run(ScriptedServer(script), b"UID FETCH 7 (UID)")
    (fetch,) = [wire.parse_fetch_items(u) for u in answer.of("FETCH")]
    assert fetch["UID"] == b"7" and fetch["BODY[HEADER.FIELDS]"] == b"Subject: hi\r\n"
    assert answer.of("EXISTS")[0].number == 2 and answer.text == "done"


def test_a_line_cut_off_by_the_network_is_a_lost_connection_not_a_bad_answer() -> None:
    def parse(response: wire.Untagged) -> bool:  # as a streaming FETCH does, before the next line
        wire.parse_fetch_items(response)
        return True

    with pytest.raises(wire.ConnectionLost):  # not ImapError("BAD"): that would skip the folder
        wire.run(ScriptedServer(b"* 1 FETCH (UID 7 FLAGS (\\Se"), b"UID FETCH 7 (FLAGS)", each=parse)


def test_untagged_responses_can_be_taken_as_they_arrive() -> None:
    script = b"* 1 FETCH (UID 7 FLAGS ())\r\n* 3 EXISTS\r\n* 2 FETCH (UID 8 FLAGS ())\r\nT1 OK done\r\n"
    seen: list[bytes] = []

    def take(response: wire.Untagged) -> bool:
        if response.keyword != "FETCH":
            return False
        seen.append(response.text)
        return True

    answer = wire.run(ScriptedServer(script), b"UID FETCH 7:8 (FLAGS)", each=take)
    assert seen == [b"(UID 7 FLAGS ())", b"(UID 8 FLAGS ())"]
    assert [u.keyword for u in answer.untagged] == ["EXISTS"]
