"""A new account's first sync stores the newest 50 of the Inbox before anything else, then the rest newest first."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

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

    def progress(value: object) -> None:
        assert isinstance(value, SyncProgress)
        inbox, archive = store.folder("INBOX"), store.folder("Archive")
        assert inbox is not None and archive is not None
        stored.append((value.folder, value.done, store.uids(inbox.id), store.stored_count(archive.id)))

    session = open_session(mailbox.connector())
    try:
        assert sync_account(session, store, progress=progress).ok
    finally:
        session.logout()

    folder, done, uids, archive_rows = stored[0]
    assert (folder, done) == ("INBOX", FIRST_BATCH)
    assert uids == server_uids[-FIRST_BATCH:] and archive_rows == 0  # the newest, before any other folder
    inbox_steps = [uids for name, _, uids, _ in stored if name == "INBOX"]
    for before, after in itertools.pairwise(inbox_steps):
        added = sorted(set(after) - set(before))
        assert not added or max(added) < min(before)  # each batch older than everything before it
    assert inbox_steps[-1] == server_uids
    assert_converged(store, mailbox)
