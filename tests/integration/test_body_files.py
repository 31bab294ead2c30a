"""Files of big bodies go with their messages: deleted for good, folder refetched or deleted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import Actions, replay
from deskmail.engine.imap.bodies import INLINE_LIMIT, ensure_body
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.store import Store
from tests.integration.imaptools import Mailbox, message, new_mailbox
from tests.servers.bed import Testbed

BIG_TEXT = ("x" * 998 + "\r\n") * (INLINE_LIMIT // 1000 + 300)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def _fetched_big_file(session: ImapSession, store: Store, folder: str, subject: str) -> Path:
    """Sync `folder`, fetch the body of `subject` (big: kept as a file) and return that file."""
    sync_account(session, store, folders=[folder])
    stored = store.folder(folder)
    assert stored is not None
    [row] = [m for m in store.messages(stored.id) if m.subject == subject]
    body = ensure_body(session, store, row.id)
    assert body.path is not None and body.path.exists()
    return body.path


def _session(mailbox: Mailbox) -> ImapSession:
    return open_session(mailbox.connector())


def test_deleted_for_good_removes_the_file(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    other = mailbox.connect()
    other.create_folder("Trash")
    other.logout()
    testbed.mail.put_message(mailbox.email, message("big in trash", body=BIG_TEXT), folder="Trash", flags="")
    session = _session(mailbox)
    path = _fetched_big_file(session, store, "Trash", "big in trash")
    trash = store.folder("Trash")
    assert trash is not None
    [row] = store.messages(trash.id)

    Actions(store).delete(trash, [row.uid])  # in Trash: for good
    assert path.exists()  # only hidden until the server confirms (a refusal would bring it back)
    assert replay(session, store) == []
    session.logout()
    assert not path.exists()
    assert store.messages(trash.id) == []


def test_uidvalidity_change_and_folder_deletion_remove_the_files(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    other = mailbox.connect()
    other.create_folder("Projects")
    other.create_folder("Old")
    testbed.mail.put_message(mailbox.email, message("big project", body=BIG_TEXT), folder="Projects", flags="")
    testbed.mail.put_message(mailbox.email, message("big old", body=BIG_TEXT), folder="Old", flags="")
    session = _session(mailbox)
    project_file = _fetched_big_file(session, store, "Projects", "big project")
    old_file = _fetched_big_file(session, store, "Old", "big old")
    session.unselect()

    other.delete_folder("Projects")  # recreated: a new UIDVALIDITY, the old rows are refetched
    other.create_folder("Projects")
    other.append("Projects", message("small newcomer"))
    other.delete_folder("Old")
    other.logout()
    sync_account(session, store)
    session.logout()

    assert not project_file.exists()
    assert not old_file.exists()
    assert store.folder("Old") is None
    projects = store.folder("Projects")
    assert projects is not None
    assert [m.subject for m in store.messages(projects.id)] == ["small newcomer"]
    assert list(store.bodies_dir.iterdir()) == []
