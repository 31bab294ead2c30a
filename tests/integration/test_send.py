"""Sending against the test bed's real SMTP and Dovecot: delivery, one Sent copy, crashes, refusals, drafts."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imapclient
import pytest

from deskmail.core.errors import ErrorKind
from deskmail.engine.mime import parse_message
from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.smtp import imapfolders
from deskmail.engine.smtp.errors import SendFailure, failure_reason
from deskmail.engine.smtp.outbox import OutboxState
from deskmail.engine.smtp.sender import Sender, without_bcc
from tests.integration.send_helpers import imap_login, make_drafts, make_sender
from tests.servers.bed import Testbed
from tests.servers.smtp import Behaviour

REPO = Path(__file__).resolve().parents[2]


@dataclass
class People:
    """A fresh sender and recipient account for one test."""

    me: str
    friend: str
    password: str
    store_file: Path


@pytest.fixture
def people(testbed: Testbed, tmp_path: Path) -> Iterator[People]:
    tag = uuid.uuid4().hex[:8]
    found = People(f"me{tag}@example.test", f"friend{tag}@example.test", f"pw-{tag}", tmp_path / "store.sqlite3")
    testbed.mail.add_user(found.me, found.password)
    testbed.mail.add_user(found.friend, found.password)
    yield found
    testbed.smtp.behaviour = Behaviour()


def sender_for(testbed: Testbed, people: People) -> Sender:
    return make_sender(people.store_file, testbed.mail.ip, testbed.ca_path, people.me, people.password)


def message(people: People, **extra: object) -> OutgoingMessage:
    out = OutgoingMessage(
        sender=Address("Me", people.me),
        to=[Address("Friend", people.friend)],
        subject="Hello – ünïcode",
        body="Hi there\nsecond line",
    )
    for key, value in extra.items():
        setattr(out, key, value)
    out.ensure_message_id()
    return out


def copies(testbed: Testbed, user: str, password: str, folder: str, message_id: str) -> list[bytes]:
    client = imap_login(testbed.mail.ip, testbed.ca_path, user, password)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search(["HEADER", "Message-ID", message_id])
        fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [data[b"BODY[]"] for data in fetched.values()]
    finally:
        client.logout()


def test_send_delivers_and_files_exactly_one_copy_in_sent(testbed: Testbed, people: People) -> None:
    sender = sender_for(testbed, people)
    secret = f"hidden{uuid.uuid4().hex[:6]}@example.test"
    testbed.mail.add_user(secret, people.password)
    out = message(people, bcc=[Address("", secret)])
    item = sender.queue(out)
    result = sender.send(item.id)
    assert result.error is None and result.state is None
    assert sender.outbox.items() == []
    [delivered] = copies(testbed, people.friend, people.password, "INBOX", out.message_id)
    assert parse_message(delivered).subject == "Hello – ünïcode"
    [hidden] = copies(testbed, secret, people.password, "INBOX", out.message_id)
    for copy in (delivered, hidden):  # Bcc never goes over the wire ...
        assert b"\nbcc:" not in copy.lower()
    assert secret.encode() not in delivered
    [sent] = copies(testbed, people.me, people.password, "Sent", out.message_id)
    assert secret in [a.email for a in parse_message(sent).bcc]  # ... but kept in the Sent copy
    assert sender.send_pending() == []  # nothing left: sending again does nothing


def test_a_message_read_in_tiny_chunks_arrives_byte_for_byte(
    testbed: Testbed, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deskmail.engine.smtp.outbox.CHUNK", 7)  # every line, dot and header split up
    sender = sender_for(testbed, people)
    out = message(people, bcc=[Address("", "hidden@example.test")], body=".leading dot\n..two\n.\nend.")
    item = sender.queue(out)
    before = len(testbed.smtp.received)
    assert sender.send(item.id).error is None
    arrived = testbed.smtp.received[before].content
    assert arrived == without_bcc(item.raw)  # dots unstuffed by the server: exactly what was queued
    assert b"hidden@example.test" not in arrived
    assert copies(testbed, people.me, people.password, "Sent", out.message_id) == [item.raw]  # Bcc kept there


def test_the_sent_copy_of_a_50_mb_message_is_appended_in_chunks(
    testbed: Testbed, people: People, tmp_path: Path
) -> None:
    data = random.Random(people.me).randbytes(50 * 1024 * 1024)
    (tmp_path / "film.bin").write_bytes(data)
    out = message(people, attachments=[AttachmentFile.streamed_from(tmp_path / "film.bin")])
    del data
    sender = sender_for(testbed, people)
    item_id = sender.queue_only(out)
    client = imap_login(testbed.mail.ip, testbed.ca_path, people.me, people.password)
    try:
        tracemalloc.start()
        try:
            pieces = sender.outbox.chunks(item_id)
            size = sender.outbox.size(item_id)
            appended = imapfolders.append_chunks(client, "Sent", pieces, size, (b"\\Seen",))
            pieces.close()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        client.logout()
    print(f"peak Python allocation while appending a {size / 1e6:.0f} MB Sent copy: {peak / 1e6:.1f} MB")
    assert appended is not None and appended[1] > 0 and peak < 10 * 1024 * 1024
    [stored] = copies(testbed, people.me, people.password, "Sent", out.message_id)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(sender.outbox.raw(item_id) or b"").digest()


@pytest.mark.parametrize("crash_at", ["marked_sent", "filed"])
def test_crash_after_the_250_still_gives_exactly_one_sent_message(
    testbed: Testbed, people: People, crash_at: str
) -> None:
    out = message(people)
    sender_for(testbed, people).queue(out)
    env = {**os.environ, "SEND_CHILD_PASSWORD": people.password}
    args = [str(people.store_file), testbed.mail.ip, str(testbed.ca_path), people.me, crash_at]
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.send_child", *args], cwd=REPO, env=env, timeout=60, check=False
    )
    assert child.returncode == -9  # killed at the checkpoint
    restarted = sender_for(testbed, people)
    [waiting] = restarted.outbox.items()
    assert waiting.state is OutboxState.SENT
    [result] = restarted.send_pending()
    assert result.error is None and restarted.outbox.items() == []
    assert len(copies(testbed, people.friend, people.password, "INBOX", out.message_id)) == 1
    assert len(copies(testbed, people.me, people.password, "Sent", out.message_id)) == 1
    assert sum(out.message_id.encode() in r.content for r in testbed.smtp.received) == 1


def test_crash_during_sending_looks_in_sent_before_sending_again(testbed: Testbed, people: People) -> None:
    sender = sender_for(testbed, people)
    out = message(people)
    item = sender.queue(out)
    sender.outbox.set_state(item.id, OutboxState.SENDING)  # as left by a crash in the DATA phase
    # A server that files sent mail itself (or an earlier run) already has it in Sent:
    client = imap_login(testbed.mail.ip, testbed.ca_path, people.me, people.password)
    client.append("Sent", item.raw, flags=(imapclient.SEEN,))
    client.logout()
    result = sender.send(item.id)
    assert result.error is None and result.state is None
    assert copies(testbed, people.friend, people.password, "INBOX", out.message_id) == []  # not sent twice
    assert len(copies(testbed, people.me, people.password, "Sent", out.message_id)) == 1


def test_a_refused_recipient_leaves_the_message_in_the_outbox(testbed: Testbed, people: People) -> None:
    testbed.smtp.behaviour = Behaviour(refuse_rcpt={people.friend: "550 5.1.1 No such user here"})
    sender = sender_for(testbed, people)
    out = message(people)
    item = sender.queue(out)
    result = sender.send(item.id)
    assert result.error is not None and failure_reason(result.error) is SendFailure.RECIPIENT_REFUSED
    assert people.friend in result.error.message and "Outbox" in result.error.fix
    [waiting] = sender.outbox.items()
    assert waiting.state is OutboxState.FAILED and waiting.last_error is not None
    assert "550 5.1.1" in waiting.last_error["details"]
    assert sender.send_pending() == []  # a refused message waits for the user
    testbed.smtp.behaviour = Behaviour()
    assert sender.send(item.id).error is None  # the user fixed it and pressed Send again
    assert len(copies(testbed, people.me, people.password, "Sent", out.message_id)) == 1


def test_a_busy_server_keeps_the_message_queued_for_a_later_try(testbed: Testbed, people: People) -> None:
    testbed.smtp.behaviour = Behaviour(data_reply="452 4.3.1 Insufficient system storage")
    sender = sender_for(testbed, people)
    item = sender.queue(message(people))
    result = sender.send(item.id)
    assert result.error is not None and result.error.kind is ErrorKind.SERVER_BUSY
    assert sender.outbox.items()[0].state is OutboxState.QUEUED
    testbed.smtp.behaviour = Behaviour()
    [retried] = sender.send_pending()
    assert retried.error is None and sender.outbox.items() == []


def test_some_recipients_refused_is_reported_but_sent_to_the_rest(testbed: Testbed, people: People) -> None:
    ghost = f"ghost{uuid.uuid4().hex[:6]}@example.test"
    testbed.smtp.behaviour = Behaviour(refuse_rcpt={ghost: "550 5.1.1 No such user"})
    sender = sender_for(testbed, people)
    out = message(people, cc=[Address("", ghost)])
    result = sender.send(sender.queue(out).id)
    assert result.error is None and set(result.refused) == {ghost}
    assert len(copies(testbed, people.friend, people.password, "INBOX", out.message_id)) == 1


def test_drafts_replace_the_previous_version(testbed: Testbed, people: People) -> None:
    drafts = make_drafts(people.store_file, testbed.mail.ip, testbed.ca_path, people.me, people.password)
    out = message(people, body="first version")
    first = drafts.save(out)
    assert first.server_error is None and first.record.server_uid > 0
    out.body = "second version"
    second = drafts.save(out)
    assert second.server_error is None and second.record.server_uid != first.record.server_uid
    [on_server] = copies(testbed, people.me, people.password, "Drafts", out.message_id)
    assert "second version" in parse_message(on_server).text
    assert drafts.discard(out.message_id) is None
    assert copies(testbed, people.me, people.password, "Drafts", out.message_id) == []
    assert drafts.local.get(out.message_id) is None


def test_a_draft_with_a_50_mb_attachment_is_saved_and_uploaded_in_chunks(
    testbed: Testbed, people: People, tmp_path: Path
) -> None:
    data = random.Random(people.friend).randbytes(50 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    (tmp_path / "film.bin").write_bytes(data)
    del data
    drafts = make_drafts(people.store_file, testbed.mail.ip, testbed.ca_path, people.me, people.password)
    out = message(people, attachments=[AttachmentFile.streamed_from(tmp_path / "film.bin")])
    tracemalloc.start()
    try:
        saved = drafts.save(out)  # what the composer's autosave does
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak Python allocation while saving and uploading a 50 MB draft: {peak / 1e6:.1f} MB")
    assert saved.server_error is None and saved.record.server_uid > 0 and peak < 16 * 1024 * 1024
    [on_server] = copies(testbed, people.me, people.password, "Drafts", out.message_id)
    [attachment] = parse_message(on_server).attachments
    assert hashlib.sha256(parse_message(on_server).attachment_data(attachment.part_id)).hexdigest() == digest


def test_a_draft_is_kept_locally_when_the_server_is_unreachable(testbed: Testbed, people: People) -> None:
    drafts = make_drafts(people.store_file, testbed.refused_ip, testbed.ca_path, people.me, people.password)
    out = message(people, body="offline draft")
    saved = drafts.save(out)
    assert saved.server_error is not None and saved.server_error.kind is ErrorKind.OFFLINE
    local = drafts.local.get(out.message_id)
    assert local is not None and b"offline draft" in local.raw and local.server_uid == 0


def test_a_message_written_offline_goes_out_once_back_online(testbed: Testbed, people: People) -> None:
    offline = make_sender(people.store_file, testbed.refused_ip, testbed.ca_path, people.me, people.password)
    out = message(people)
    result = offline.send(offline.queue(out).id)
    assert result.error is not None and result.error.kind is ErrorKind.OFFLINE
    assert "Outbox" in result.error.fix
    [waiting] = offline.outbox.items()
    assert waiting.state is not OutboxState.FAILED  # retried by itself, no user action needed
    online = sender_for(testbed, people)
    [sent] = online.send_pending()
    assert sent.error is None and online.outbox.items() == []
    assert len(copies(testbed, people.friend, people.password, "INBOX", out.message_id)) == 1
    assert len(copies(testbed, people.me, people.password, "Sent", out.message_id)) == 1


def test_an_international_address_goes_out_with_smtputf8(testbed: Testbed, people: People) -> None:
    sender = sender_for(testbed, people)
    out = message(people, to=[Address("Jörg", "jörg@example.test")])
    result = sender.send(sender.queue(out).id)
    assert result.error is None
    [received] = [r for r in testbed.smtp.received if out.message_id.encode() in r.content]
    assert received.rcpt_tos == ["jörg@example.test"]
    assert len(copies(testbed, people.me, people.password, "Sent", out.message_id)) == 1
