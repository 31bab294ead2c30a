"""Forwarding a 50 MB message (inline and as attachment) streams its body file into the outbox."""

from __future__ import annotations

import email
import email.policy
import hashlib
import random
import tracemalloc
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.reply import forward
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime, parse_body
from deskmail.engine.smtp.outbox import Outbox
from deskmail.engine.smtp.sender import Sender
from tests.integration.test_big_message import ATTACHMENT_SIZE, PEAK_LIMIT, _Password, big_message
from tests.servers.bed import Testbed


def _not_used(*_args: object) -> object:
    raise AssertionError("queueing must not touch the network")


# Under tracemalloc every Python step is slow; on a busy 2-core machine this takes minutes.
@pytest.mark.timeout(600)
def test_forwarding_a_50_mb_message_streams_it_into_the_outbox(testbed: Testbed, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    me, password = f"fwd{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    data = random.Random(tag).randbytes(ATTACHMENT_SIZE)
    digest = hashlib.sha256(data).hexdigest()
    original = big_message(me, data)
    original_digest = hashlib.sha256(original).hexdigest()
    testbed.mail.put_message(me, original)
    del data, original
    account = Account(
        email=me,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, username=me),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=me),
    )
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    runtime.sync(["INBOX"])
    store = runtime.store()
    inbox = store.folder("INBOX")
    assert inbox is not None
    [summary] = store.messages(inbox.id)
    body = runtime.stored_body(summary)  # opened in the reading pane: the store keeps it as a file
    assert body.raw is None and body.path is not None
    parsed = parse_body(body)  # what the reading pane holds when the person presses Forward
    sender = Sender(Outbox(store), _not_used, _not_used)  # type: ignore[arg-type]

    for inline in (True, False):
        tracemalloc.start()
        try:
            out = forward(parsed, body.path, me=Address("Me", me), inline=inline)
            out.to = [Address("Friend", "friend@example.test")]
            item_id = sender.queue_only(out)  # what Send does before it connects
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        how = "inline" if inline else "as attachment"
        print(f"peak Python allocation during forward ({how}) + queue of a 50 MB message: {peak / 1e6:.1f} MB")
        assert peak < PEAK_LIMIT

        assert [p.name for p in store.path.parent.glob(".spool-*")] == []  # the spool file is gone
        item = Outbox(store).get(item_id)
        assert item is not None and item.recipients == ["friend@example.test"]
        sent = email.message_from_bytes(item.raw, policy=email.policy.default)
        assert isinstance(sent, EmailMessage) and sent["Subject"] == "Fwd: the big file"
        [attachment] = list(sent.iter_attachments())
        if inline:
            assert "Forwarded message" in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            assert attachment.get_filename() == "video.bin"
            assert hashlib.sha256(attachment.get_content()).hexdigest() == digest
        else:
            assert attachment.get_content_type() == "message/rfc822"
            assert attachment.get_filename() == "the big file.eml"
            start = item.raw.index(b"\r\n\r\n", item.raw.index(b'filename="the big file.eml"')) + 4
            copied = item.raw[start : start + summary.size]
            assert hashlib.sha256(copied).hexdigest() == original_digest  # the message itself, byte for byte
        del item, sent, attachment
    runtime.close()
