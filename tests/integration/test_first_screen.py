"""A new account's first sync stores the newest 50 of the Inbox before anything else, then the rest newest first.

The first screen is asked for right after login, before the folder list (which a server may take
long to make, above all with every folder's STATUS), and without the sizes the list does not show
(a Maildir server may open every file for them); the sizes follow at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from deskmail.core.cancel import CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.sync import FIRST_BATCH, SyncProgress
from deskmail.engine.store import Store
from tests.integration.imaptools import assert_converged, new_mailbox
from tests.servers.bed import Testbed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def test_first_screen_is_the_newest_of_the_inbox_then_the_rest_newest_first(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(700)
    mailbox.fill(30, folder="Archive")
    other = mailbox.connect()
    other.select_folder("INBOX", readonly=True)
    server_uids = sorted(other.search("ALL"))
    other.logout()

    stored: list[tuple[str, int, list[int], int]] = []  # (folder, done, INBOX UIDs held, Archive rows)
    sent: list[bytes] = []  # command lines (without tags) as they leave
    sent_before_first_screen: list[bytes] = []

    def progress(value: object) -> None:
        assert isinstance(value, SyncProgress)
        inbox, archive = store.folder("INBOX"), store.folder("Archive")
        assert inbox is not None
        if not stored:
            sent_before_first_screen.extend(sent)
        stored.append(
            (value.folder, value.done, store.uids(inbox.id), store.stored_count(archive.id) if archive else 0)
        )

    def connect(cancel: CancelToken) -> IMAPClient:
        client = mailbox.connector()(cancel)
        original = client._imap.send

        def send(data: bytes) -> None:
            sent.extend(line.split(b" ", 1)[1] for line in data.split(b"\r\n") if b" " in line)
            original(data)

        client._imap.send = send
        return client

    session = open_session(connect)
    try:
        assert sync_account(session, store, progress=progress).ok
    finally:
        session.logout()

    folder, done, uids, archive_rows = stored[0]
    assert (folder, done) == ("INBOX", FIRST_BATCH)
    assert uids == server_uids[-FIRST_BATCH:] and archive_rows == 0  # the newest, before any other folder
    # Right after login: the Inbox, its newest 50, then the folder list (committed with them, so the
    # window never shows mail without its folders); no STATUS, which a first sync cannot use.
    commands = [line.split(b" ")[0].upper() for line in sent_before_first_screen]
    assert commands == [b"SELECT", b"FETCH", b"LIST"], sent_before_first_screen
    assert b"RFC822.SIZE" not in sent_before_first_screen[1] and b"STATUS" not in sent_before_first_screen[2]
    assert archive_rows == 0 and store.folder("Archive") is not None
    inbox_steps = [uids for name, _, uids, _ in stored if name == "INBOX"]
    for before, after in itertools.pairwise(inbox_steps):
        added = sorted(set(after) - set(before))
        assert not added or max(added) < min(before)  # each batch older than everything before it
    assert inbox_steps[-1] == server_uids
    inbox = store.folder("INBOX")
    assert inbox is not None and store.uids_without_size(inbox.id) == []  # the first screen's sizes came after it
    assert b"STATUS" not in b" ".join(sent)  # a first sync has no state to compare a STATUS with
    assert_converged(store, mailbox)
