"""LIST-STATUS parsing and fallbacks over a scripted connection (the real server is in test_resync_status)."""

from __future__ import annotations

import io
import socket
from typing import Any

import pytest

from deskmail.engine.imap.session import ImapSession

_SOCKETS: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Any:
    yield
    while _SOCKETS:
        _SOCKETS.pop().close()


class ScriptedImap:
    """Just what wire.run needs from imaplib: tags, send, and the server's lines to read."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.sent: list[bytes] = []
        self.tagged_commands: dict[bytes, Any] = {}
        self.file = io.BytesIO()
        self._tag = 0

    def _new_tag(self) -> bytes:
        self._tag += 1
        return b"T%d" % self._tag

    def send(self, data: bytes) -> None:
        self.sent.append(data)
        tag = data.split(b" ", 1)[0]
        self.file = io.BytesIO(self.answers.pop(0).replace(b"TAG", tag))

    def read(self, size: int) -> bytes:
        return self.file.read(size)


class ScriptedClient:
    def __init__(self, imap: ScriptedImap) -> None:
        self._imap = imap

    def capabilities(self) -> tuple[bytes, ...]:
        return (b"IMAP4REV1", b"LIST-EXTENDED", b"LIST-STATUS", b"CONDSTORE", b"SPECIAL-USE")

    def socket(self) -> socket.socket:
        """What a command's deadline watch would shut down: an unconnected socket (never reached here)."""
        sock = socket.socket()
        _SOCKETS.append(sock)
        return sock


def session(answers: list[bytes]) -> tuple[ImapSession, ScriptedImap]:
    imap = ScriptedImap(answers)
    return ImapSession(ScriptedClient(imap)), imap  # type: ignore[arg-type]


def test_literal_names_nil_delimiter_and_extended_data_are_read() -> None:
    s, imap = session(
        [
            b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX\r\n'
            b"* STATUS INBOX (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 7 HIGHESTMODSEQ 11 UNSEEN 1)\r\n"
            b'* LIST (\\Sent) "/" {10}\r\nSent "old" ("CHILDINFO" ("SUBSCRIBED"))\r\n'
            b'* STATUS {10}\r\nSent "old" (MESSAGES 2 UNSEEN 0)\r\n'
            b"* LIST (\\Noselect \\HasChildren) NIL Top\r\n"
            b'* LIST (\\NonExistent \\Subscribed) "/" Gone\r\n'
            b"TAG OK done\r\n"
        ]
    )
    infos, statuses = s.list_folders_and_status()
    assert imap.sent[0].startswith(b'T1 LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (MESSAGES')
    assert [(i.name, i.subscribed, i.selectable, str(i.special_use)) for i in infos] == [
        ("INBOX", True, True, "inbox"),
        ('Sent "old"', False, True, "sent"),
        ("Top", False, False, ""),
    ]
    assert statuses["INBOX"].highestmodseq == 11 and statuses['Sent "old"'].messages == 2
    assert "Gone" not in statuses and infos[0].attributes == ("\\HasNoChildren",)


def test_a_server_that_refuses_its_advertised_list_status_is_asked_the_plain_way() -> None:
    s, _ = session(
        [
            b"TAG BAD unknown return option\r\n",
            b'* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\Sent) "/" Sent\r\nTAG OK done\r\n',
            b'* LSUB () "/" INBOX\r\n* LSUB () "/" Sent\r\nTAG OK done\r\n',
        ]
    )
    infos, statuses = s.list_folders_and_status()
    assert [(i.name, i.subscribed) for i in infos] == [("INBOX", True), ("Sent", True)] and statuses == {}
