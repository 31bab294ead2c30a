"""`ensure_body` takes the cancel token: another thread (the UI's Cancel) stops a 50 MB download on Dovecot."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.bodies import ensure_body
from deskmail.engine.store import Store
from tests.integration.imaptools import new_mailbox
from tests.integration.test_big_message import ATTACHMENT_SIZE, big_message
from tests.servers.bed import Testbed

CANCEL_AFTER = 2 * 1024 * 1024  # bytes of the partial file when the person presses Cancel


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def cancel_when_partial_reaches(directory: Path, token: CancelToken, seen: list[int]) -> threading.Thread:
    """A thread that cancels `token` (as the GUI thread does) once the download has CANCEL_AFTER bytes."""

    def watch() -> None:
        while not token.wait(0.002):
            sizes = [p.stat().st_size for p in directory.glob(".part-*") if p.exists()] if directory.is_dir() else []
            if sizes and max(sizes) >= CANCEL_AFTER:
                seen.append(max(sizes))
                token.cancel()
        # one thread per test, ended by the cancel or by the test's own cancel at the end

    thread = threading.Thread(target=watch, name="press-cancel", daemon=True)
    thread.start()
    return thread


def test_cancel_stops_a_big_download_leaves_nothing_and_a_new_session_fetches_it(
    testbed: Testbed, store: Store
) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    tag = uuid.uuid4().hex[:8]
    raw = big_message(mailbox.email, random.Random(tag).randbytes(ATTACHMENT_SIZE))
    testbed.mail.put_message(mailbox.email, raw, flags="")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    [row] = store.messages(inbox.id)
    token, seen = CancelToken(), list[int]()
    watcher = cancel_when_partial_reaches(store.bodies_dir, token, seen)

    with pytest.raises(Cancelled):
        ensure_body(session, store, row.id, token)
    token.cancel()  # ends the watcher if the download had not started
    watcher.join(timeout=10)
    assert seen and CANCEL_AFTER <= seen[0] < len(raw)  # it was stopped in the middle
    assert list(store.bodies_dir.iterdir()) == []  # no partial file left behind
    assert store.body(row.id) is None

    idle = open_session(mailbox.connector())
    with pytest.raises(Cancelled):  # an already-cancelled token does not even start
        ensure_body(idle, store, row.id, token)
    idle.logout()

    fresh = open_session(mailbox.connector())  # the cut-off session is closed: a new one fetches it whole
    body = ensure_body(fresh, store, row.id)
    assert body.path is not None and body.path.stat().st_size == body.size == len(raw)
    assert body.path.read_bytes() == raw
    fresh.logout()
