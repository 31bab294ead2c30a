"""Bodies on demand: fetched with BODY.PEEK (stays unread), big ones streamed to a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.bodies import INLINE_LIMIT, ensure_body
from deskmail.engine.store import Store
from tests.integration.imaptools import message, new_mailbox
from tests.servers.bed import Testbed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def test_small_inline_big_streamed_to_file_and_removed_with_message(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    small = message("small one", body="just a line\r\n")
    big = message("big one", body=("x" * 998 + "\r\n") * (INLINE_LIMIT // 1000 + 300))
    testbed.mail.put_message(mailbox.email, small, flags="")
    testbed.mail.put_message(mailbox.email, big, flags="")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    rows = {m.subject: m for m in store.messages(inbox.id)}

    small_body = ensure_body(session, store, rows["small one"].id)
    assert small_body.raw == small and small_body.path is None
    big_body = ensure_body(session, store, rows["big one"].id)
    assert big_body.raw is None and big_body.path is not None and big_body.read() == big
    assert ensure_body(session, store, rows["big one"].id).path == big_body.path  # cached, no refetch
    assert store.message_count(inbox.id, unread_only=True) == 2  # PEEK: still unread

    other = mailbox.connect()
    other.select_folder("INBOX")
    other.delete_messages(other.search(["SUBJECT", "big one"]))
    other.expunge()
    other.logout()
    sync_account(session, store)
    session.logout()
    assert not big_body.path.exists()
    assert [m.subject for m in store.messages(inbox.id)] == ["small one"]


def test_action_after_reading_a_body_is_not_refused(testbed: Testbed, store: Store) -> None:
    from deskmail.engine.imap.actions import Actions, replay

    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(1, flags=lambda n: "")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    (row,) = store.messages(inbox.id)
    ensure_body(session, store, row.id)  # opens the folder read-only (EXAMINE)
    Actions(store).mark_read(inbox, [row.uid])
    assert replay(session, store) == []
    session.logout()
    other = mailbox.connect()
    other.select_folder("INBOX", readonly=True)
    assert other.search(["SEEN"]) == [row.uid]
    other.logout()
