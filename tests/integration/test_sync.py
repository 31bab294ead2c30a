"""Sync against the test bed's Dovecot: the store converges to exactly the server's state."""

from __future__ import annotations

import io
import random
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import Actions
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.wire import ConnectionLost
from deskmail.engine.store import Store
from tests.integration.imaptools import Mailbox, assert_converged, message, new_mailbox
from tests.servers.bed import Testbed
from tests.servers.dovecot import Dovecot


@pytest.fixture(params=["qresync", "plain"])
def mailbox(request: pytest.FixtureRequest, testbed: Testbed, dovecot_factory: Callable[..., Dovecot]) -> Mailbox:
    """A fresh mailbox on the bed's Dovecot, and on a Dovecot without CONDSTORE/QRESYNC."""
    if request.param == "plain":
        return new_mailbox(dovecot_factory(remove_capabilities=("CONDSTORE", "QRESYNC")), testbed.ca_path)
    return new_mailbox(testbed.mail, testbed.ca_path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def sync(mailbox: Mailbox, store: Store) -> None:
    session = open_session(mailbox.connector())
    try:
        report = sync_account(session, store)
        assert report.ok, report.to_json()
    finally:
        session.logout()


def test_initial_sync_matches_server(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(30)
    mailbox.fill(5, folder="Archive")
    sync(mailbox, store)
    assert_converged(store, mailbox)
    inbox = store.folder("INBOX")
    assert inbox is not None and inbox.unread == 15
    rows = store.messages(inbox.id, limit=50)
    assert len(rows) == 30 and rows[0].subject.startswith("INBOX message")
    assert rows[0].date > rows[-1].date and rows[0].from_addr == "bob@example.test"
    sent = store.folder("Sent")
    assert sent is not None and str(sent.special_use) == "sent"


def test_changes_made_elsewhere_converge(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(40)
    sync(mailbox, store)
    other = mailbox.connect()
    other.select_folder("INBOX")
    uids = other.search("ALL")
    other.add_flags(uids[:5], [b"\\Flagged"])
    other.remove_flags(uids[5:10], [b"\\Seen"])
    other.add_flags(uids[10:12], [b"\\Seen", b"$Label1"])
    other.move(uids[12:15], "Archive")
    other.delete_messages(uids[15:18])
    other.expunge()
    other.append("INBOX", message("arrived later"))
    other.append("Sent", message("sent elsewhere"), flags=[b"\\Seen"])
    other.create_folder("Projects")
    other.append("Projects", message("in a new folder"))
    other.logout()
    sync(mailbox, store)
    assert_converged(store, mailbox)


def test_resync_without_changes_changes_nothing(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(20)
    sync(mailbox, store)
    before = store.data_version(), store.conn.execute("SELECT max(id), count(*) FROM messages").fetchone()
    sync(mailbox, store)
    assert store.conn.execute("SELECT max(id), count(*) FROM messages").fetchone() == before[1]
    assert_converged(store, mailbox)


def test_uidvalidity_change_refetches_folder(mailbox: Mailbox, store: Store) -> None:
    other = mailbox.connect()
    other.create_folder("Projects")
    for n in range(5):
        other.append("Projects", message(f"old {n}"))
    sync(mailbox, store)
    old = store.folder("Projects")
    assert old is not None and old.exists == 5
    other.delete_folder("Projects")
    other.create_folder("Projects")
    for n in range(3):
        other.append("Projects", message(f"new {n}"))
    other.logout()
    sync(mailbox, store)
    assert_converged(store, mailbox)
    new = store.folder("Projects")
    assert new is not None and new.uidvalidity != old.uidvalidity
    assert sorted(m.subject for m in store.messages(new.id)) == ["new 0", "new 1", "new 2"]


def test_connection_cut_mid_sync_resumes_without_duplicates(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(1500, flags=lambda n: "S")
    session = open_session(mailbox.connector())
    seen: list[object] = []

    def cut_after_second_batch(progress: object) -> None:
        seen.append(progress)
        if len(seen) == 3:
            session.client.socket().shutdown(socket.SHUT_RDWR)  # the network goes away mid-sync

    with pytest.raises((OSError, ConnectionLost)):
        sync_account(session, store, folders=["INBOX"], progress=cut_after_second_batch)
    session.close()
    inbox = store.folder("INBOX")
    assert inbox is not None and 0 < store.stored_count(inbox.id) < 1500
    assert inbox.uidnext == 0  # the resume point was not written
    sync(mailbox, store)
    assert_converged(store, mailbox)
    ids = [r[0] for r in store.conn.execute("SELECT message_id FROM messages WHERE folder_id = ?", (inbox.id,))]
    assert len(ids) == len(set(ids)) == 1500


def test_range_fetch_and_body_streaming(mailbox: Mailbox) -> None:
    mailbox.fill(3)
    session = ImapSession(mailbox.connect())
    session.select("INBOX")
    headers = session.fetch_headers("1:*")  # imapclient's own fetch() fails on this range
    assert len(headers) == 3
    uid = headers[-1].uid
    raw = session.fetch_body(uid)
    assert isinstance(raw, bytes) and b"Subject: INBOX message" in raw
    sink = io.BytesIO()
    assert session.fetch_body(uid, sink=sink, chunk=7) == len(raw)
    assert sink.getvalue() == raw
    flags, _ = session.fetch_flags("1:*", changedsince=1 if session.condstore else 0)
    assert {uid for uid, _, _ in flags} <= {h.uid for h in headers}
    session.logout()


def test_answers_that_do_not_add_up_take_the_full_path(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(10)
    sync(mailbox, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    uids = store.uids(inbox.id)
    # The store now claims more than the server ever said (as after a server restore from backup)
    # and lost a row and a flag: nothing may be trusted, the full path must repair everything.
    store.set_sync_state(
        inbox.id,
        uidvalidity=inbox.uidvalidity,
        uidnext=inbox.uidnext + 1000,
        highestmodseq=inbox.highestmodseq + 1000,
        exists=10,
    )
    store.remove_uids(inbox.id, uids[:1])
    store.update_flags(inbox.id, [(uids[1], ("\\Flagged",), 0)])
    session = open_session(mailbox.connector())
    report = sync_account(session, store, folders=["INBOX"])
    session.logout()
    assert "full" in report.folders[0].path
    assert_converged(store, mailbox)


def test_random_changes_elsewhere_always_converge(mailbox: Mailbox, store: Store) -> None:
    """Rounds of random changes by another client and queued local actions; sync after each."""
    rng = random.Random(1234)
    mailbox.fill(25)
    other = mailbox.connect()
    session = open_session(mailbox.connector())
    try:
        for round_ in range(6):
            for _ in range(rng.randint(1, 4)):
                _random_change(other, rng, round_)
            if round_:
                _random_local_action(store, rng)  # queued locally; may touch messages already gone
            report = sync_account(session, store)  # one long-lived session, as the app keeps it
            assert report.ok
            assert_converged(store, mailbox)
    finally:
        session.logout()
        other.logout()


def _random_local_action(store: Store, rng: random.Random) -> None:
    inbox = store.folder("INBOX")
    assert inbox is not None
    uids = store.uids(inbox.id)
    if not uids:
        return
    picked = rng.sample(uids, min(len(uids), 2))
    actions = Actions(store)
    choice = rng.choice(["read", "unread", "flag", "archive", "delete"])
    if choice in ("read", "unread"):
        actions.mark_read(inbox, picked, read=choice == "read")
    elif choice == "flag":
        actions.mark_flagged(inbox, picked)
    elif choice == "archive":
        actions.archive(inbox, picked)
    else:
        actions.delete(inbox, picked)


def _random_change(other: IMAPClient, rng: random.Random, round_: int) -> None:
    folder = rng.choice(["INBOX", "Archive"])
    other.select_folder(folder)
    uids = other.search("ALL")
    action = rng.choice(["add", "flag", "unflag", "move", "expunge"]) if uids else "add"
    picked = rng.sample(uids, min(len(uids), rng.randint(1, 3))) if uids else []
    if action == "add":
        other.append(folder, message(f"round {round_}"), flags=rng.choice([(), (b"\\Seen",)]))
    elif action == "flag":
        other.add_flags(picked, [rng.choice([b"\\Seen", b"\\Flagged", b"$Work"])])
    elif action == "unflag":
        other.remove_flags(picked, [b"\\Seen", b"\\Flagged"])
    elif action == "move":
        other.move(picked, "Archive" if folder == "INBOX" else "INBOX")
    else:
        other.delete_messages(picked)
        other.expunge()
