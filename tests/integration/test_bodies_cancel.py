"""`ensure_body` takes the cancel token: another thread (the UI's Cancel) stops a 50 MB download on Dovecot."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.bodies import ensure_body
from deskmail.engine.store import Store
from deskmail.net.tls import client_context
from tests.integration.imaptools import PASSWORD, new_mailbox
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


def _imap_processes(server: Any) -> list[int]:
    """The pids of this Dovecot's imap processes (one per logged-in connection)."""
    assert server._proc is not None
    group = server._proc.pid
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getpgid(int(entry.name)) == group and (entry / "comm").read_text().strip() == "imap":
                    found.append(int(entry.name))
    return found


def test_cancel_wakes_a_download_from_a_server_that_stopped_answering(
    testbed: Testbed, dovecot_factory: Any, store: Store
) -> None:
    server = dovecot_factory()
    mailbox = new_mailbox(server, testbed.ca_path)
    tag = uuid.uuid4().hex[:8]
    raw = big_message(mailbox.email, random.Random(tag).randbytes(ATTACHMENT_SIZE))
    server.put_message(mailbox.email, raw, flags="")

    def no_read_timeout(cancel: CancelToken) -> IMAPClient:
        """A connection whose reads wait for ever: only the cancel watchdog can end a blocked read."""
        client = IMAPClient(server.ip, port=993, ssl=True, ssl_context=client_context(extra_ca=testbed.ca_path))
        client.login(mailbox.email, PASSWORD)
        return client

    session = open_session(no_read_timeout)
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    [row] = store.messages(inbox.id)
    token, stalled_at = CancelToken(), list[int]()
    frozen: list[int] = []

    def hang_the_server_then_press_cancel() -> None:
        """Freeze Dovecot mid-message (a hung server), wait until our read blocks, then cancel."""
        partial = 0
        while partial < CANCEL_AFTER and not token.wait(0.002):
            partial = max([p.stat().st_size for p in store.bodies_dir.glob(".part-*") if p.exists()] or [0])
        frozen.extend(_imap_processes(server))
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        last = -1
        while partial != last:  # the socket buffers drain into the file, then the read blocks
            last = partial
            token.wait(0.5)
            partial = max([p.stat().st_size for p in store.bodies_dir.glob(".part-*") if p.exists()] or [0])
        stalled_at.append(partial)
        token.cancel()

    presser = threading.Thread(target=hang_the_server_then_press_cancel, name="hang-and-cancel", daemon=True)
    presser.start()
    try:
        with pytest.raises(Cancelled):
            ensure_body(session, store, row.id, token)  # without the cancel watchdog this read never returns
    finally:
        presser.join(timeout=30)
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    assert frozen and stalled_at and CANCEL_AFTER <= stalled_at[0] < len(raw)
    assert list(store.bodies_dir.iterdir()) == [] and store.body(row.id) is None
