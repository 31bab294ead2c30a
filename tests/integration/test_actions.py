"""Local-first actions: visible at once, replayed to Dovecot later, rolled back when refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import Actions, replay
from deskmail.engine.store import FolderInfo, Store
from tests.integration.imaptools import Mailbox, assert_converged, message, new_mailbox
from tests.servers.bed import Testbed
from tests.servers.dovecot import Dovecot


@pytest.fixture
def mailbox(testbed: Testbed) -> Mailbox:
    box = new_mailbox(testbed.mail, testbed.ca_path)
    box.fill(12, flags=lambda n: "")
    return box


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = Store.open(store_path)
    yield s
    s.close()


def sync(mailbox: Mailbox, store: Store) -> list[str]:
    session = open_session(mailbox.connector())
    try:
        report = sync_account(session, store)
    finally:
        session.logout()
    assert report.ok
    return report.rolled_back


def test_offline_actions_survive_restart_and_replay(mailbox: Mailbox, store_path: Path) -> None:
    store = Store.open(store_path)
    sync(mailbox, store)
    inbox, archive, trash = (store.folder(n) for n in ("INBOX", "Archive", "Trash"))
    assert inbox and archive and trash
    uids = store.uids(inbox.id)
    actions = Actions(store)  # no connection from here on: we are offline
    actions.mark_read(inbox, uids[:3])
    actions.mark_flagged(inbox, uids[3:4])
    actions.archive(inbox, uids[4:6])
    actions.delete(inbox, uids[6:7])
    visible = {m.uid: m for m in store.messages(inbox.id)}
    assert all(visible[u].seen for u in uids[:3]) and visible[uids[3]].flagged
    assert set(uids[4:7]).isdisjoint(visible)
    assert store.folder("INBOX").unread == 12 - 3 - 3  # type: ignore[union-attr]
    store.close()

    store = Store.open(store_path)  # the app restarted; the queue is still there
    assert [op.kind for op in store.pending_ops()] == ["flags", "flags", "move", "move"]
    assert sync(mailbox, store) == []
    assert store.pending_ops() == []
    assert_converged(store, mailbox)
    other = mailbox.connect()
    assert other.select_folder("Archive")[b"EXISTS"] == 2
    assert other.select_folder("Trash")[b"EXISTS"] == 1
    other.select_folder("INBOX")
    assert len(other.search(["SEEN"])) == 3 and len(other.search(["FLAGGED"])) == 1
    other.logout()
    store.close()


def test_delete_in_trash_expunges(mailbox: Mailbox, store: Store) -> None:
    other = mailbox.connect()
    other.select_folder("INBOX")
    other.move(other.search("ALL")[:2], "Trash")
    other.logout()
    sync(mailbox, store)
    trash = store.folder("Trash")
    assert trash is not None
    Actions(store).delete(trash, store.uids(trash.id)[:1])
    sync(mailbox, store)
    assert_converged(store, mailbox)
    assert store.message_count(trash.id) == 1


def test_refused_move_rolls_back_with_message(mailbox: Mailbox, store: Store) -> None:
    sync(mailbox, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    ghost = store.upsert_folder(FolderInfo("Vanished Folder"))  # gone from the server meanwhile
    uids = store.uids(inbox.id)[:2]
    Actions(store).move(inbox, uids, ghost)
    assert store.message_count(inbox.id) == 10
    session = open_session(mailbox.connector())
    rolled_back = replay(session, store)
    session.logout()
    assert len(rolled_back) == 1
    assert "refused to move 2 messages" in rolled_back[0].message
    assert "back where they were" in rolled_back[0].message
    assert store.message_count(inbox.id) == 12 and store.pending_ops() == []
    sync(mailbox, store)
    assert_converged(store, mailbox)


def test_refused_flag_change_restores_flags(mailbox: Mailbox, store: Store) -> None:
    sync(mailbox, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    uid = store.uids(inbox.id)[0]
    Actions(store).set_flags(inbox, [uid], add=("bad(flag",))  # not a valid atom: the server says BAD
    session = open_session(mailbox.connector())
    rolled_back = replay(session, store)
    session.logout()
    assert len(rolled_back) == 1 and "change was undone" in rolled_back[0].message
    row = store.message_by_uid(inbox.id, uid)
    assert row is not None and row.flags == ()


def test_folder_create_rename_delete_and_counts_of_unsynced_folders(mailbox: Mailbox, store: Store) -> None:
    from deskmail.engine.imap.folderops import FolderActions

    session = open_session(mailbox.connector())
    sync_account(session, store)
    folders = FolderActions(store)
    parent = folders.create("Projekte")
    created = folders.create("Größe", parent)
    assert created.name == "Projekte/Größe" and created.subscribed and created.display_name == "Größe"
    assert replay(session, store) == []
    other = mailbox.connect()
    other.append("Projekte/Größe", message("filed"))
    other.append("Archive", message("archived unread"))
    sync_account(session, store, folders=["Projekte/Größe"])
    archive = store.folder("Archive")
    assert archive is not None and (archive.exists, archive.unread) == (1, 1)  # from STATUS, not a sync
    synced = store.folder("Projekte/Größe")
    assert synced is not None
    renamed = folders.rename(synced, "Klein")
    assert renamed.name == "Projekte/Klein" and store.message_count(renamed.id) == 1
    assert replay(session, store) == []
    assert store.folder("Projekte/Größe") is None
    folders.delete(renamed)
    assert "Projekte/Klein" not in {f.name for f in store.folders()}  # hidden at once
    assert replay(session, store) == []
    assert store.folder("Projekte/Klein") is None
    sync_account(session, store)
    session.logout()
    other.logout()
    assert_converged(store, mailbox)


def test_move_without_move_capability_copies_and_expunges_only_those(
    testbed: Testbed, dovecot_factory: Callable[..., Dovecot], store: Store
) -> None:
    mailbox = new_mailbox(dovecot_factory(remove_capabilities=("MOVE",)), testbed.ca_path)
    mailbox.fill(6, flags=lambda n: "")
    other = mailbox.connect()
    other.select_folder("INBOX")
    bystander = other.search("ALL")[-1]
    other.add_flags([bystander], [b"\\Deleted"])  # marked by another program, not to be expunged by us
    other.logout()
    sync(mailbox, store)
    inbox, archive = store.folder("INBOX"), store.folder("Archive")
    assert inbox is not None and archive is not None
    Actions(store).move(inbox, store.uids(inbox.id)[:2], archive)
    sync(mailbox, store)
    assert_converged(store, mailbox)
    assert store.message_count(archive.id) == 2 and store.message_count(inbox.id) == 4
    assert store.message_by_uid(inbox.id, bystander) is not None


def test_copy_leaves_the_originals_and_a_refused_copy_is_dropped_once(mailbox: Mailbox, store: Store) -> None:
    sync(mailbox, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    client = mailbox.connect()
    client.create_folder("Kept")
    client.logout()
    sync(mailbox, store)
    kept = store.folder("Kept")
    assert kept is not None
    uids = store.uids(inbox.id)[:3]
    Actions(store).copy(inbox, uids, kept)
    ghost = store.upsert_folder(FolderInfo("Vanished Folder"))
    Actions(store).copy(inbox, uids[:1], ghost)
    assert store.message_count(inbox.id) == 12  # nothing leaves the list
    session = open_session(mailbox.connector())
    rolled_back = replay(session, store)
    session.logout()
    assert len(rolled_back) == 1 and "refused to copy 1 message" in rolled_back[0].message
    assert store.pending_ops() == []  # the refused one is not tried again at the next replay
    sync(mailbox, store)
    assert store.message_count(inbox.id) == 12 and store.message_count(kept.id) == 3
    assert_converged(store, mailbox)
