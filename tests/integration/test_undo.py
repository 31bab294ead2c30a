"""Undo and Redo of message actions against Dovecot: the server ends exactly as it was (by Message-ID)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.undo import perform, undo
from deskmail.engine.store import Store
from tests.integration.imaptools import Mailbox, assert_converged, new_mailbox
from tests.servers.bed import Testbed

State = dict[str, dict[str, frozenset[str]]]


@pytest.fixture
def mailbox(testbed: Testbed) -> Mailbox:
    box = new_mailbox(testbed.mail, testbed.ca_path)
    box.fill(4)  # every other one read
    box.server.put_message(box.email, b"Subject: no id\r\n\r\nwithout a Message-ID\r\n", flags="F")
    return box


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def by_message_id(client: IMAPClient) -> State:
    """Folder -> {Message-ID (or subject): flags}, asked on a separate connection."""
    state: State = {}
    for _flags, _delim, name in client.list_folders():
        client.select_folder(name, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)]"]) if uids else {}
        state[name] = {
            d[b"BODY[HEADER.FIELDS (MESSAGE-ID SUBJECT)]"].decode().strip(): frozenset(
                f.decode() for f in d[b"FLAGS"] if f != b"\\Recent"
            )
            for d in data.values()
        }
    return state


def server(mailbox: Mailbox) -> State:
    client = mailbox.connect()
    try:
        return by_message_id(client)
    finally:
        client.logout()


def sync(mailbox: Mailbox, store: Store) -> None:
    session = open_session(mailbox.connector())
    try:
        assert sync_account(session, store).rolled_back == []
    finally:
        session.logout()


def push(mailbox: Mailbox, store: Store) -> None:
    session = open_session(mailbox.connector())
    try:
        assert replay(session, store) == []
    finally:
        session.logout()


ACTIONS = [("read", True), ("read", False), ("flag", True), ("flag", False), ("archive", None), ("delete", None)]


@pytest.mark.parametrize(("kind", "value"), [*ACTIONS, ("move", "Projects")])
def test_undo_after_the_server_made_the_change_restores_it_exactly(
    mailbox: Mailbox, store: Store, kind: str, value: object
) -> None:
    other = mailbox.connect()
    other.create_folder("Projects")
    other.logout()
    sync(mailbox, store)
    before = server(mailbox)
    inbox = store.folder("INBOX")
    assert inbox is not None
    uids = store.uids(inbox.id)[:2] + store.uids(inbox.id)[-1:]  # the last one has no Message-ID
    target = store.folder("Projects") if value == "Projects" else value
    done = perform(store, kind, inbox, uids, target)
    assert done is not None
    push(mailbox, store)  # the server made the change; this folder is not synced again yet
    changed = server(mailbox)
    assert changed != before or kind in ("read", "flag")  # (marking read what was read changes nothing)
    redo = undo(store, done)
    if kind in ("archive", "delete", "move"):
        assert store.message_count(inbox.id) == 5  # back in the list at once, before the server knows
    sync(mailbox, store)
    assert server(mailbox) == before
    assert_converged(store, mailbox)
    undo(store, redo)  # Redo
    sync(mailbox, store)
    assert server(mailbox) == changed
    assert_converged(store, mailbox)


@pytest.mark.parametrize(("kind", "value"), ACTIONS)
def test_undo_before_the_server_saw_the_change_sends_nothing(
    mailbox: Mailbox, store: Store, kind: str, value: object
) -> None:
    sync(mailbox, store)
    before = server(mailbox)
    inbox = store.folder("INBOX")
    assert inbox is not None
    done = perform(store, kind, inbox, store.uids(inbox.id)[:3], value)  # offline: queued only
    assert done is not None
    redo = undo(store, done)
    assert store.message_count(inbox.id) == 5
    sync(mailbox, store)
    assert server(mailbox) == before
    assert store.pending_ops() == []
    assert_converged(store, mailbox)
    undo(store, redo)
    sync(mailbox, store)
    assert server(mailbox) != before or kind in ("read", "flag")
    assert_converged(store, mailbox)


def test_delete_for_good_is_not_undoable(mailbox: Mailbox, store: Store) -> None:
    sync(mailbox, store)
    inbox, trash = store.folder("INBOX"), store.folder("Trash")
    assert inbox is not None and trash is not None
    done = perform(store, "delete", inbox, store.uids(inbox.id)[:1])
    assert done is not None
    push(mailbox, store)
    sync(mailbox, store)
    assert perform(store, "delete", trash, store.uids(trash.id)) is None
