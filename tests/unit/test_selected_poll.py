"""The selected folder's poll over a scripted connection: every kind of news, from any server's habits,
means "changed"; only a quiet answer means "as its SELECT left it" (the real servers: test_selected_inbox_poll)."""

from __future__ import annotations

import pytest

from deskmail.engine.imap.session import ImapSession

# _close_sockets is autouse here too: each test's deadline-watch sockets are closed after it, not
# reported unclosed when the interpreter exits.
from tests.unit.test_list_status_fallback import ScriptedClient, ScriptedImap
from tests.unit.test_list_status_fallback import _close_sockets as _close_sockets

SELECTED = (
    b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 9] ok\r\n* OK [HIGHESTMODSEQ 11] ok\r\n"
    b"TAG OK [READ-WRITE]\r\n"
)


class CondstoreClient(ScriptedClient):
    def __init__(self, imap: ScriptedImap, capabilities: tuple[bytes, ...]) -> None:
        super().__init__(imap)
        self._capabilities = capabilities

    def capabilities(self) -> tuple[bytes, ...]:
        return self._capabilities


def selected(poll_answer: bytes, capabilities: tuple[bytes, ...] = (b"IMAP4REV1", b"CONDSTORE")) -> ImapSession:
    imap = ScriptedImap([SELECTED, poll_answer])
    session = ImapSession(CondstoreClient(imap, capabilities))  # type: ignore[arg-type]
    session.select("INBOX")
    return session


def test_a_quiet_answer_is_the_folder_as_selected_and_asks_no_status() -> None:
    session = selected(b"T2 OK NOOP done\r\nT3 OK FETCH done\r\n")
    assert session.poll_selected()
    imap = session.client._imap
    assert imap.sent[1] == b"T2 NOOP\r\nT3 UID FETCH 1:* (UID) (CHANGEDSINCE 11)\r\n"
    assert b"STATUS" not in b"".join(imap.sent)


@pytest.mark.parametrize(
    "answer",
    [
        b"* 4 EXISTS\r\nT2 OK\r\nT3 OK\r\n",  # new mail
        b"* 2 EXPUNGE\r\nT2 OK\r\nT3 OK\r\n",  # an expunge (CONDSTORE without QRESYNC)
        b"* VANISHED 8\r\nT2 OK\r\nT3 OK\r\n",  # an expunge (QRESYNC)
        b"T2 OK\r\n* VANISHED (EARLIER) 8\r\nT3 OK\r\n",  # expunged since the SELECT, named by CHANGEDSINCE
        b"* 2 FETCH (FLAGS (\\Seen))\r\nT2 OK\r\nT3 OK\r\n",  # a flag changed elsewhere, told unasked
        b"T2 OK\r\n* 2 FETCH (UID 8 MODSEQ (12))\r\nT3 OK\r\n",  # changed since the SELECT (CHANGEDSINCE)
        b"T2 OK [HIGHESTMODSEQ 12] NOOP completed\r\nT3 OK\r\n",  # Dovecot with QRESYNC: in the tagged line
        b"* OK [UIDNEXT 10] predicted\r\nT2 OK\r\nT3 OK\r\n",
        b"* OK [HIGHESTMODSEQ 1x] odd\r\nT2 OK\r\nT3 OK\r\n",  # unreadable: not trusted
        b"T2 OK\r\nT3 BAD CHANGEDSINCE not supported\r\n",  # refused: asked the slow way
        b"T2 NO busy\r\nT3 OK\r\n",
    ],
)
def test_any_news_or_refusal_means_changed(answer: bytes) -> None:
    assert not selected(answer).poll_selected()


def test_an_empty_folder_is_polled_by_noop_alone() -> None:
    imap = ScriptedImap([SELECTED.replace(b"* 3 EXISTS", b"* 0 EXISTS"), b"T2 OK\r\n"])
    session = ImapSession(CondstoreClient(imap, (b"IMAP4REV1", b"CONDSTORE")))  # type: ignore[arg-type]
    session.select("INBOX")
    assert session.poll_selected() and imap.sent[1] == b"T2 NOOP\r\n"  # "1:*" is refused by some servers there


def test_without_condstore_or_a_selected_folder_nothing_is_sent() -> None:
    session = selected(b"", capabilities=(b"IMAP4REV1",))
    assert not session.poll_selected() and len(session.client._imap.sent) == 1
    session = selected(b"T2 OK\r\n")
    session.selected = None
    assert not session.poll_selected() and len(session.client._imap.sent) == 1
