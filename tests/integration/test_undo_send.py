"""Undo Send in the engine: a message waits in the outbox until its time, can be taken back, survives a kill."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from deskmail.engine.mime.parse import parse_message
from tests.integration import test_send
from tests.integration.test_send import REPO, People, copies, message, sender_for
from tests.servers.bed import Testbed

people = test_send.people  # the fixture: a fresh sender and recipient

CHILD = """
import os, signal, sys, time
from pathlib import Path
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from tests.integration.send_helpers import make_sender
store, ip, ca, me, friend, delay = sys.argv[1:7]
sender = make_sender(Path(store), ip, Path(ca), me, os.environ["SEND_CHILD_PASSWORD"])
out = OutgoingMessage(sender=Address("Me", me), to=[Address("", friend)], subject="Killed while waiting", body="hi")
sender.queue_only(out, time.time() + float(delay))
print(out.message_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # the app dies during the Undo Send wait
"""


def test_a_waiting_message_is_not_sent_by_a_check_and_can_be_taken_back(testbed: Testbed, people: People) -> None:
    sender = sender_for(testbed, people)
    out = message(people)
    before = len(testbed.smtp.received)
    item_id = sender.queue_only(out, time.time() + 30)
    assert sender.send_pending() == []  # a check for mail during the wait does not send it
    raw = sender.outbox.take_back(item_id)
    assert raw is not None and parse_message(raw).message_id == out.message_id
    assert sender.outbox.items() == [] and sender.outbox.take_back(item_id) is None
    assert len(testbed.smtp.received) == before


def test_killed_during_the_wait_the_message_is_sent_at_the_next_start(testbed: Testbed, people: People) -> None:
    env = {**os.environ, "SEND_CHILD_PASSWORD": people.password}
    args = [str(people.store_file), testbed.mail.ip, str(testbed.ca_path), people.me, people.friend, "1.5"]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=REPO, env=env, timeout=60, check=False, capture_output=True
    )
    assert child.returncode == -9, child.stderr
    message_id = child.stdout.decode().strip()
    restarted = sender_for(testbed, people)
    [waiting] = restarted.outbox.items()
    assert waiting.message_id == message_id  # nothing lost
    if waiting.not_before > time.time():
        assert restarted.send_pending() == []  # its Undo Send wait is not over yet
        time.sleep(waiting.not_before - time.time() + 0.1)
    [result] = restarted.send_pending()
    assert result.error is None and restarted.outbox.items() == []
    assert len(copies(testbed, people.friend, people.password, "INBOX", message_id)) == 1
