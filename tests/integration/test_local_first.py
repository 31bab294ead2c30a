"""A person's actions beside a sync or replay on the same account (the window runs them on separate queues).

The actions write through a second Store connection (runtime.local_store) while the account's
session is in the middle of its work; each test holds that work right after the server answered
(a hook on the session) and acts there, then lets it finish, against the test bed's Dovecot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.undo import perform, undo
from deskmail.engine.store import Store
from deskmail.engine.store.models import Folder
from tests.integration.imaptools import Mailbox, assert_converged, new_mailbox
from tests.servers.bed import Testbed


@pytest.fixture
def mailbox(testbed: Testbed) -> Mailbox:
    box = new_mailbox(testbed.mail, testbed.ca_path)
    box.fill(6, flags=lambda n: "")
    return box


@dataclass
class Account:
    session: ImapSession  # the account's connection, synced once
    network: Store  # the account's writer (sync, replay)
    local: Store  # the actions' writer, on the same file
    inbox: Folder


@pytest.fixture
def account(mailbox: Mailbox, tmp_path: Path) -> Iterator[Account]:
    network = Store.open(tmp_path / "store.sqlite3")
    local = Store.open(tmp_path / "store.sqlite3")
    session = open_session(mailbox.connector())
    try:
        assert sync_account(session, network).ok
        inbox = local.folder("INBOX")
        assert inbox is not None
        yield Account(session, network, local, inbox)
    finally:
        session.logout()
        local.close()
        network.close()


def held(session: ImapSession, method: str, meanwhile: Callable[[], None]) -> list[int]:
    """Run `meanwhile` once, right after the session's `method` got its answer from the server."""
    real = getattr(session, method)
    calls: list[int] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        if not calls:
            calls.append(1)
            meanwhile()
        return answer

    setattr(session, method, wrapped)
    return calls


def test_flag_and_move_made_during_a_sync_stay(mailbox: Mailbox, account: Account) -> None:
    session, network, local, inbox = account.session, account.network, account.local, account.inbox
    flagged, moved = local.uids(inbox.id)[:2]
    other = mailbox.connect()
    other.select_folder("INBOX")
    other.add_flags([flagged], [b"\\Seen"])  # read on a phone: the next sync has news about it
    other.logout()

    def person() -> None:  # the server's answer (old flags, both messages still here) is on its way
        perform(local, "flag", inbox, [flagged], True)
        perform(local, "archive", inbox, [moved])

    calls = held(session, "select", person)
    assert sync_account(session, network).ok
    assert calls == [1]
    row = local.message_by_uid(inbox.id, flagged)
    assert row is not None and row.flagged, "the sync put the server's older flags over the person's flag"
    assert moved not in {m.uid for m in local.messages(inbox.id)}, "the archived message came back"

    assert replay(session, network) == []  # the push that follows the action
    assert sync_account(session, network).ok
    row = network.message_by_uid(inbox.id, flagged)
    assert row is not None and row.flagged and row.seen  # the person's flag and the phone's read, both
    assert network.pending_ops() == []
    assert_converged(network, mailbox)
    other = mailbox.connect()
    assert other.select_folder("Archive")[b"EXISTS"] == 1
    other.logout()


def test_undo_while_the_move_is_being_sent_moves_it_back(mailbox: Mailbox, account: Account) -> None:
    session, network, local, inbox = account.session, account.network, account.local, account.inbox
    uid = local.uids(inbox.id)[0]
    wanted = local.message_ids_of(inbox.id, [uid])[uid]
    done = perform(local, "delete", inbox, [uid])
    assert done is not None
    undone: list[object] = []
    # The person presses Undo while the replay's MOVE is on the wire: the server may have moved it.
    held(session, "move", lambda: undone.append(undo(local, done)))
    assert replay(session, network) == []
    assert undone
    assert replay(session, network) == []  # the push after the Undo
    assert sync_account(session, network).ok
    assert network.pending_ops() == []
    assert_converged(network, mailbox)
    back = [m for m in network.messages(inbox.id) if m.message_id == wanted]
    assert len(back) == 1, "the Undo was lost: the message stayed in the Trash"


def test_an_action_does_not_wait_for_a_new_folders_first_screen(mailbox: Mailbox, account: Account) -> None:
    session, network, local, inbox = account.session, account.network, account.local, account.inbox
    uid = local.uids(inbox.id)[0]
    other = mailbox.connect()
    other.create_folder("Projects")  # made on a phone: its first screen comes with the next sync
    other.logout()
    mailbox.fill(3, folder="Projects")
    took: list[float] = []

    def person() -> None:  # while the server is slow to send the new folder's newest headers
        started = time.monotonic()
        perform(local, "flag", inbox, [uid], True)
        took.append(time.monotonic() - started)

    real = session.fetch_headers

    def slow_first_screen(uids: Any, *, by_sequence: bool = False, **kwargs: Any) -> Any:
        if by_sequence and not took:
            person()
        return real(uids, by_sequence=by_sequence, **kwargs)

    session.fetch_headers = slow_first_screen  # type: ignore[method-assign]
    assert sync_account(session, network).ok
    assert took and took[0] < 1.0, "the action waited for the sync's transaction (up to the busy timeout)"
    projects = network.folder("Projects")
    assert projects is not None and network.message_count(projects.id) == 3
    row = network.message_by_uid(inbox.id, uid)
    assert row is not None and row.flagged
