"""After sending: the draft is gone (server and store), the original is marked; offline it all waits and happens once.

Against the real bed: a private Dovecot (stopped and started by the test) and a private SMTP
submission server; a separate IMAP connection checks the server's state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.parse import parse_message
from deskmail.engine.mime.reply import forward, reply
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.smtp.drafts import DraftManager
from deskmail.engine.smtp.outbox import LocalDrafts, OutboxState, outbox_items
from deskmail.engine.store.models import SpecialUse
from tests.integration.imaptools import message
from tests.integration.send_helpers import imap_login
from tests.integration.test_big_message import _Password


class Bed:
    """One account: IMAP on a private Dovecot, SMTP on a private submission server; both can be stopped."""

    def __init__(self, testbed: Any, dovecot_factory: Any, smtp_factory: Any, tmp_path: Path) -> None:
        tag = uuid.uuid4().hex[:8]
        self.email, self.password = f"slips{tag}@example.test", f"pw-{tag}"
        self.friend = f"friend{tag}@example.test"
        self.testbed = testbed
        self.server = dovecot_factory(users={self.email: self.password})
        testbed.mail.add_user(self.email, self.password)  # the submission server checks passwords there
        testbed.mail.add_user(self.friend, self.password)
        self.smtp = smtp_factory()
        self.account = Account(
            email=self.email,
            display_name="Me",
            incoming=ServerConfig(Protocol.IMAP, self.server.host, 993, Security.SSL, username=self.email),
            outgoing=ServerConfig(Protocol.SMTP, self.smtp.host, 465, Security.SSL, username=self.email),
        )
        self.paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()

    def runtime(self) -> AccountRuntime:
        return AccountRuntime(self.account, self.paths, self.testbed.settings, _Password(self.password))  # type: ignore[arg-type]

    def stop(self) -> None:
        self.server.stop()
        self.smtp.stop()

    def start(self) -> None:
        self.server.start()
        self.smtp.start()

    def search(self, folder: str, *criteria: str, friend: bool = False) -> int:
        """How many messages in `folder` match, seen by a separate connection (the friend's on the bed's Dovecot)."""
        ip = self.testbed.mail.ip if friend else self.server.ip
        client = imap_login(ip, self.testbed.ca_path, self.friend if friend else self.email, self.password)
        try:
            client.select_folder(folder, readonly=True)
            return len(client.search(list(criteria)))
        finally:
            client.logout()


@pytest.fixture
def bed(testbed: Any, dovecot_factory: Any, smtp_factory: Any, tmp_path: Path) -> Iterator[Bed]:
    yield Bed(testbed, dovecot_factory, smtp_factory, tmp_path)


def _original(runtime: AccountRuntime, subject: str) -> Any:
    store = runtime.store()
    inbox = store.folder("INBOX")
    assert inbox is not None
    [summary] = [m for m in store.messages(inbox.id) if m.subject == subject]
    return summary, parse_message(runtime.body(summary))


def test_a_reply_and_a_forward_mark_their_originals_on_the_server(bed: Bed) -> None:
    bed.server.put_message(bed.email, message("Lunch?", sender="pal@example.test"), flags="")
    bed.server.put_message(bed.email, message("Photos", sender="pal@example.test"), flags="")
    runtime = bed.runtime()
    runtime.sync()
    me = Address("Me", bed.email)
    lunch, parsed = _original(runtime, "Lunch?")
    answer = reply(parsed, me=me)
    answer.to = [Address("", bed.friend)]
    assert bed.search("INBOX", "ANSWERED") == 0
    assert runtime.send(answer).error is None
    assert bed.search("INBOX", "ANSWERED", "SUBJECT", "Lunch?") == 1
    assert "\\Answered" in (runtime.store().message(lunch.id) or lunch).flags
    photos, parsed = _original(runtime, "Photos")
    passed_on = forward(parsed, runtime.body(photos), me=me)
    passed_on.to = [Address("", bed.friend)]
    assert runtime.send(passed_on).error is None
    assert bed.search("INBOX", "KEYWORD", "$Forwarded", "SUBJECT", "Photos") == 1
    assert bed.search("INBOX", "ANSWERED", "SUBJECT", "Photos") == 0
    runtime.close()


def test_sent_offline_it_waits_then_leaves_once_with_no_draft_left(bed: Bed) -> None:
    bed.server.put_message(bed.email, message("Meeting", sender="pal@example.test"), flags="")
    bed.server.put_message(bed.email, message("Agenda", sender="pal@example.test"), flags="")
    runtime = bed.runtime()
    runtime.sync()
    store = runtime.store()
    drafts = DraftManager(LocalDrafts(store), runtime.imap_client)
    me = Address("Me", bed.email)
    _meeting, parsed = _original(runtime, "Meeting")
    answer = reply(parsed, me=me)
    answer.to, answer.body = [Address("", bed.friend)], "Yes, see you there." + answer.body
    assert drafts.save(answer).server_error is None  # an earlier version is in the server's Drafts
    runtime.sync()  # ... and listed in the store's Drafts folder
    assert bed.search("Drafts", "HEADER", "Message-ID", answer.message_id) == 1
    note = OutgoingMessage(sender=me, to=[Address("", bed.friend)], subject="Saved offline", body="x")
    agenda, parsed = _original(runtime, "Agenda")
    passed_on = forward(parsed, runtime.body(agenda), me=me)
    passed_on.to = [Address("", bed.friend)]

    bed.stop()
    drafts.save(answer, upload=False)  # autosave while offline
    drafts.save(note, upload=False)  # a draft that never reached the server
    for out in (answer, note, passed_on):
        result = runtime.send(out)
        assert result.error is not None and result.error.kind in (ErrorKind.OFFLINE, ErrorKind.CONNECT_REFUSED)
        assert result.state is OutboxState.QUEUED
    assert [item.message_id for item in outbox_items(store)] == [m.message_id for m in (answer, note, passed_on)]

    bed.start()
    runtime.sync()
    runtime.sync()  # a second check sends nothing again
    assert outbox_items(store) == []
    for out in (answer, note, passed_on):
        assert bed.search("INBOX", "HEADER", "Message-ID", out.message_id, friend=True) == 1
        assert bed.search("Sent", "HEADER", "Message-ID", out.message_id) == 1
        assert bed.search("Drafts", "HEADER", "Message-ID", out.message_id) == 0
        assert LocalDrafts(store).get(out.message_id) is None
    folder = store.special_folder(SpecialUse.DRAFTS)
    assert folder is not None and [m for m in store.messages(folder.id) if m.message_id == answer.message_id] == []
    assert bed.search("INBOX", "ANSWERED", "SUBJECT", "Meeting") == 1  # queued offline, set once it left
    assert bed.search("INBOX", "KEYWORD", "$Forwarded", "SUBJECT", "Agenda") == 1
    assert bed.search("INBOX", "ANSWERED") == 1 and bed.search("INBOX", "KEYWORD", "$Forwarded") == 1
    assert store.pending_ops() == []
    runtime.close()
