"""Forwarding a 50 MB message (inline and as attachment) streams its body file into the outbox."""

from __future__ import annotations

import email
import email.policy
import hashlib
import random
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

import pytest

from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.reply import forward
from deskmail.engine.runtime import parse_body
from deskmail.engine.smtp.outbox import Outbox
from deskmail.engine.smtp.sender import Sender
from tests.integration.test_big_message import ATTACHMENT_SIZE, PEAK_LIMIT, big_message, runtime_with_big_message
from tests.servers.bed import Testbed


def _not_used(*_args: object) -> object:
    raise AssertionError("queueing must not touch the network")


# Under tracemalloc every Python step is slow; on a busy 2-core machine this takes minutes.
@pytest.mark.timeout(600)
def test_forwarding_a_50_mb_message_streams_it_into_the_outbox(testbed: Testbed, tmp_path: Path) -> None:
    data = random.randbytes(ATTACHMENT_SIZE)
    digest = hashlib.sha256(data).hexdigest()
    runtime, summary = runtime_with_big_message(testbed, tmp_path, data, "fwd")
    me = runtime.account.email
    original_digest = hashlib.sha256(big_message(me, data)).hexdigest()
    del data
    store = runtime.store()
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
