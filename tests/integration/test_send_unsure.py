"""The reply to the final "." is lost (the real aiosmtpd takes the message, then the connection is cut):
Deskmail looks in Sent and, when the message is not there, keeps it as "may already have been sent"
and sends it again only when the person says so, never silently twice."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.smtp.errors import SendFailure, failure_reason
from deskmail.engine.smtp.outbox import OutboxState
from deskmail.engine.smtp.sender import Sender, SendResult
from tests.integration.send_helpers import imap_login, make_sender
from tests.integration.test_big_message import _Password
from tests.servers.bed import Testbed
from tests.servers.smtp import Behaviour


def setup(testbed: Testbed, tmp_path: Path) -> tuple[Sender, OutgoingMessage, str, str]:
    tag = uuid.uuid4().hex[:8]
    me, friend, password = f"me{tag}@example.test", f"friend{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    testbed.mail.add_user(friend, password)
    sender = make_sender(tmp_path / "store.sqlite3", testbed.mail.ip, testbed.ca_path, me, password)
    out = OutgoingMessage(sender=Address("Me", me), to=[Address("Friend", friend)], subject="Once only", body="Hi")
    out.ensure_message_id()
    return sender, out, me, password


def send_with_reply_lost(testbed: Testbed, sender: Sender, item_id: int) -> SendResult:
    testbed.smtp.behaviour = Behaviour(drop_after_data=True)
    try:
        return sender.send(item_id)
    finally:
        testbed.smtp.behaviour = Behaviour()  # the network is fine again


def delivered(testbed: Testbed, message_id: str) -> int:
    return sum(message_id.encode() in r.content for r in testbed.smtp.received)


def in_sent(testbed: Testbed, me: str, password: str, message_id: str) -> int:
    client = imap_login(testbed.mail.ip, testbed.ca_path, me, password)
    try:
        client.select_folder("Sent", readonly=True)
        return len(client.search(["HEADER", "Message-ID", message_id]))
    finally:
        client.logout()


def test_lost_reply_after_the_final_dot_waits_for_the_person_before_sending_again(
    testbed: Testbed, tmp_path: Path
) -> None:
    sender, out, me, password = setup(testbed, tmp_path)
    item = sender.queue(out)
    first = send_with_reply_lost(testbed, sender, item.id)
    assert delivered(testbed, out.message_id) == 1  # it did arrive, but Deskmail could not know
    assert first.state is OutboxState.UNSURE and first.error is not None
    assert failure_reason(first.error) is SendFailure.MAYBE_SENT
    assert "may already have been sent" in first.error.message

    assert [r.state for r in sender.send_pending()] == [OutboxState.UNSURE]  # looked in Sent, did not send
    again = sender.send(item.id)
    assert again.state is OutboxState.UNSURE and delivered(testbed, out.message_id) == 1
    waiting = sender.outbox.get(item.id)
    assert waiting is not None and waiting.state is OutboxState.UNSURE

    answered = sender.send(item.id, resend=True)  # the person said "send it again"
    assert answered.error is None and answered.state is None
    assert delivered(testbed, out.message_id) == 2
    assert in_sent(testbed, me, password, out.message_id) == 1
    assert sender.outbox.items() == []


def test_lost_reply_but_found_in_sent_is_done(testbed: Testbed, tmp_path: Path) -> None:
    sender, out, me, password = setup(testbed, tmp_path)
    send_with_reply_lost(testbed, sender, sender.queue(out).id)
    # A server that files sent mail itself (as Gmail does) has put the copy into Sent by now.
    client = imap_login(testbed.mail.ip, testbed.ca_path, me, password)
    client.append("Sent", testbed.smtp.received[-1].content, flags=[b"\\Seen"])
    client.logout()
    results = sender.send_pending()
    assert [r.state for r in results] == [None] and results[0].filed_by_server
    assert delivered(testbed, out.message_id) == 1
    assert in_sent(testbed, me, password, out.message_id) == 1
    assert sender.outbox.items() == []


def test_a_refusal_after_the_final_dot_is_not_unsure(testbed: Testbed, tmp_path: Path) -> None:
    sender, out, _me, _password = setup(testbed, tmp_path)
    item = sender.queue(out)
    testbed.smtp.behaviour = Behaviour(data_reply="421 4.3.2 Shutting down")  # an answer, not a lost one
    first = sender.send(item.id)
    assert first.state is OutboxState.QUEUED and delivered(testbed, out.message_id) == 0
    testbed.smtp.behaviour = Behaviour()
    assert [r.state for r in sender.send_pending()] == [None]
    assert delivered(testbed, out.message_id) == 1


def test_a_check_for_mail_that_sends_it_as_its_undo_send_wait_ends_never_makes_the_window_send_it_twice(
    testbed: Testbed, tmp_path: Path
) -> None:
    """A check for mail sends the message as its Undo Send wait ends, and the reply is lost; then the
    window's own send (its wait is over) only looks in Sent: nobody was asked yet. Found as a message
    received twice in the mail window's test of a lost reply, on a busy machine."""
    tag = uuid.uuid4().hex[:8]
    me, friend, password = f"me{tag}@example.test", f"friend{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    testbed.mail.add_user(friend, password)
    imap = ServerConfig(Protocol.IMAP, testbed.mail.host, testbed.mail.imaps_port, Security.SSL, me)
    smtp = ServerConfig(Protocol.SMTP, testbed.smtp.host, testbed.smtp.submissions_port, Security.SSL, me)
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    account = Account(email=me, display_name="Me", incoming=imap, outgoing=smtp)
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    out = OutgoingMessage(sender=Address("Me", me), to=[Address("Friend", friend)], subject="Once only", body="Hi")
    try:
        item_id = runtime.queue(out, delay=0.05)  # Send pressed: Undo Send waits
        time.sleep(0.1)
        testbed.smtp.behaviour = Behaviour(drop_after_data=True)
        try:
            [checked] = runtime.flush_outbox()  # a check for mail ran just then: it sent it, the reply was lost
            assert checked.state is OutboxState.UNSURE and delivered(testbed, out.message_id) == 1
        finally:
            testbed.smtp.behaviour = Behaviour()
        first = runtime.send_queued(item_id)  # the window's wait is over: its send looks in Sent only
        assert first.state is OutboxState.UNSURE and failure_reason(first.error) is SendFailure.MAYBE_SENT
        assert delivered(testbed, out.message_id) == 1

        assert runtime.queue(out) == item_id  # told "may already have been sent", the person presses Send
        again = runtime.send_queued(item_id)
        assert again.error is None and delivered(testbed, out.message_id) == 2
    finally:
        runtime.close()
