"""Sync, actions, drafts and sending against a real Courier IMAP: a server with other habits than Dovecot
(folders under the INBOX. namespace, no UIDNEXT on SELECT, no CONDSTORE/MOVE/SPECIAL-USE, and no
APPEND to a mailbox selected read-only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import imapclient
import pytest

from deskmail.core.cancel import CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import Actions
from deskmail.engine.imap.folderops import FolderActions
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.smtp.drafts import DraftManager
from deskmail.engine.smtp.outbox import LocalDrafts, Outbox
from deskmail.engine.smtp.sender import Sender
from deskmail.engine.store import Store
from tests.integration.imaptools import PASSWORD, Mailbox, assert_converged, message, new_mailbox
from tests.integration.send_helpers import smtp_login
from tests.servers.bed import Testbed
from tests.servers.courier import Courier


@pytest.fixture
def mailbox(testbed: Testbed, courier: Courier) -> Mailbox:
    box = new_mailbox(courier, testbed.ca_path)
    testbed.mail.add_user(box.email, PASSWORD)  # the bed's SMTP server checks passwords against Dovecot
    return box


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def sync(mailbox: Mailbox, store: Store, folders: list[str] | None = None) -> SyncReport:
    session = open_session(mailbox.connector())
    try:
        report = sync_account(session, store, folders=folders)
        assert report.ok, report.to_json()
    finally:
        session.logout()
    return report


def imap(mailbox: Mailbox) -> imapclient.IMAPClient:
    return mailbox.connect()


def sender(testbed: Testbed, mailbox: Mailbox, store: Store) -> Sender:
    def smtp(cancel: CancelToken) -> object:
        return smtp_login(testbed.smtp.ip, testbed.ca_path, mailbox.email, PASSWORD)

    def imap_connect(cancel: CancelToken) -> imapclient.IMAPClient:
        return mailbox.connect()

    return Sender(Outbox(store), smtp, imap_connect)  # type: ignore[arg-type]


def outgoing(mailbox: Mailbox, subject: str = "Hello from Courier") -> OutgoingMessage:
    out = OutgoingMessage(
        sender=Address("Me", mailbox.email), to=[Address("Friend", mailbox.email)], subject=subject, body="Hi"
    )
    out.ensure_message_id()
    return out


def folder_names(mailbox: Mailbox) -> set[str]:
    client = mailbox.connect()
    try:
        return {str(name) for _flags, _delim, name in client.list_folders()}
    finally:
        client.logout()


def test_first_sync_then_unchanged_resync_takes_the_fast_path(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(30)
    mailbox.server.put_message(mailbox.email, message("kept in Sent"), folder="Sent")
    first = sync(mailbox, store)
    assert_converged(store, mailbox)
    inbox = store.folder("INBOX")
    assert inbox is not None and inbox.unread == 15 and inbox.uidnext == 31
    sent = store.folder("INBOX.Sent")
    assert sent is not None and str(sent.special_use) == "sent"
    assert {f.name for f in first.folders} == {"INBOX", "INBOX.Sent", "INBOX.Trash"}
    before = store.conn.execute("SELECT max(id), count(*) FROM messages").fetchone()
    again = sync(mailbox, store)
    # Courier sends no UIDNEXT on SELECT: STATUS supplies it, so nothing is refetched.
    assert all("full" not in f.path for f in again.folders), again.to_json()
    assert store.conn.execute("SELECT max(id), count(*) FROM messages").fetchone() == before
    assert_converged(store, mailbox)


def test_changes_elsewhere_and_new_mail_converge(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(10)
    sync(mailbox, store)
    other = imap(mailbox)
    other.select_folder("INBOX")
    uids = other.search("ALL")
    other.add_flags(uids[:2], [b"\\Flagged"])
    other.remove_flags(uids[2:4], [b"\\Seen"])
    other.delete_messages(uids[4:5])
    other.expunge()
    other.logout()
    mailbox.server.deliver(mailbox.email, message("arrived later"))
    report = sync(mailbox, store, folders=["INBOX"])
    assert report.folders[0].added == 1 and report.folders[0].removed == 1
    assert_converged(store, mailbox)


def test_flags_move_and_delete_reach_the_server(mailbox: Mailbox, store: Store) -> None:
    mailbox.fill(6, flags=lambda n: "")
    sync(mailbox, store)
    inbox, trash = store.folder("INBOX"), store.folder("INBOX.Trash")
    assert inbox is not None and trash is not None
    uids = store.uids(inbox.id)
    actions = Actions(store)
    actions.mark_read(inbox, uids[:2])
    actions.mark_flagged(inbox, uids[2:3])
    actions.delete(inbox, uids[3:4])  # to INBOX.Trash: COPY + EXPUNGE, Courier has no MOVE
    assert sync(mailbox, store).rolled_back == []
    assert store.pending_ops() == []
    assert_converged(store, mailbox)
    other = imap(mailbox)
    assert other.select_folder("INBOX.Trash")[b"EXISTS"] == 1
    other.select_folder("INBOX")
    assert len(other.search(["SEEN"])) == 2 and len(other.search(["FLAGGED"])) == 1
    assert len(other.search("ALL")) == 5
    other.logout()


def test_draft_is_saved_in_a_drafts_folder_inside_the_namespace(mailbox: Mailbox, store: Store) -> None:
    assert "INBOX.Drafts" not in folder_names(mailbox)
    drafts = DraftManager(LocalDrafts(store), lambda cancel: mailbox.connect())
    draft = outgoing(mailbox, "Unfinished")
    saved = drafts.save(draft)
    assert saved.server_error is None, saved.server_error
    again = drafts.save(draft)  # the second version replaces the first
    assert again.server_error is None, again.server_error
    other = imap(mailbox)
    other.select_folder("INBOX.Drafts", readonly=True)
    assert len(other.search(["HEADER", "Message-ID", draft.message_id])) == 1
    other.logout()


def test_send_files_one_copy_in_sent_and_creates_no_drafts_folder(
    testbed: Testbed, mailbox: Mailbox, store: Store
) -> None:
    out = outgoing(mailbox)
    send = sender(testbed, mailbox, store)
    item = send.queue(out)
    result = send.send(item.id)
    assert result.error is None, result.error
    assert result.state is None and Outbox(store).items() == []
    DraftManager(LocalDrafts(store), lambda cancel: mailbox.connect()).discard(out.message_id)  # as after Send
    other = imap(mailbox)
    other.select_folder("INBOX.Sent", readonly=True)
    assert len(other.search(["HEADER", "Message-ID", out.message_id])) == 1
    other.logout()
    assert "INBOX.Drafts" not in folder_names(mailbox) and "Drafts" not in folder_names(mailbox)


def test_sent_folder_is_created_inside_the_namespace(testbed: Testbed, courier: Courier, store: Store) -> None:
    email = f"nosent-{uuid.uuid4().hex[:8]}@example.test"
    courier.add_user(email, PASSWORD, folders=())
    testbed.mail.add_user(email, PASSWORD)
    mailbox = Mailbox(courier, email, testbed.ca_path)
    out = outgoing(mailbox)
    send = sender(testbed, mailbox, store)
    result = send.send(send.queue(out).id)
    assert result.error is None, result.error
    assert "INBOX.Sent" in folder_names(mailbox)


def test_folder_made_in_the_window_is_created_inside_the_namespace(mailbox: Mailbox, store: Store) -> None:
    sync(mailbox, store)
    FolderActions(store).create("Projects")  # typed as a top-level name, as a person would
    report = sync(mailbox, store)
    assert report.rolled_back == []
    assert "INBOX.Projects" in folder_names(mailbox)
    assert store.folder("INBOX.Projects") is not None and store.folder("Projects") is None


def test_append_to_the_folder_just_examined(mailbox: Mailbox) -> None:
    session = ImapSession(mailbox.connect())
    try:
        session.select("INBOX.Sent", readonly=True)  # as the preview and push passes open folders
        session.append("INBOX.Sent", message("filed while looking"), flags=("\\Seen",))
        assert session.select("INBOX.Sent").exists == 1
    finally:
        session.logout()
