"""POP3 download against the bed's real Dovecot: exactly the server's messages, once, and the server
keeps or loses them only as the person chose."""

from __future__ import annotations

import email
from pathlib import Path
from typing import Any

from deskmail.core.serverconfig import Security
from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.imap.actions import Actions
from deskmail.engine.pop3.local import settle
from deskmail.engine.pop3.sync import DAY, sync_pop3
from deskmail.engine.store.models import SpecialUse
from deskmail.qtbridge.newmail import inbox_mark, new_unread
from tests.integration.imaptools import message, new_mailbox
from tests.integration.pop3tools import logged_in, message_ids, open_store


def server_ids(testbed: Any, mailbox: Any) -> list[str]:
    """Message-IDs of what the server holds now, read with a fresh POP3 session (TOP n 0)."""
    client = logged_in(testbed, mailbox)
    try:
        found = []
        for number in sorted(client.sizes()):
            found.append(email.message_from_bytes(client.top(number))["Message-ID"])
        return sorted(found)
    finally:
        client.quit()


def sync(testbed: Any, mailbox: Any, store: Any, choices: DownloadChoices | None = None, now: float = 0.0) -> Any:
    client = logged_in(testbed, mailbox)
    clock = (lambda: now) if now else __import__("time").time
    return sync_pop3(client, store, choices or DownloadChoices(), now=clock)


def test_inbox_holds_exactly_the_server_messages_and_new_mail_arrives_once(testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(5)
    store = open_store(tmp_path)
    report = sync(testbed, mailbox, store)
    assert report.folders[0].added == 5
    assert message_ids(store) == server_ids(testbed, mailbox)
    names = {f.special_use: f.name for f in store.folders()}
    assert {SpecialUse.INBOX, SpecialUse.SENT, SpecialUse.DRAFTS, SpecialUse.TRASH, SpecialUse.ARCHIVE} <= set(names)

    mark = inbox_mark(store)
    assert mark is not None  # after the first download, what arrives is announced as new mail
    testbed.mail.deliver(mailbox.email, message("arrived over LMTP"))
    assert sync(testbed, mailbox, store).folders[0].added == 1
    assert [m.subject for m in new_unread(store, mark)] == ["arrived over LMTP"]
    assert sync(testbed, mailbox, store).folders[0].added == 0  # nothing twice
    assert message_ids(store) == server_ids(testbed, mailbox) and len(message_ids(store)) == 6
    inbox = store.folder("INBOX")
    assert inbox is not None and store.body(store.messages(inbox.id)[0].id) is not None  # bodies are here


def test_keep_a_copy_keeps_everything_and_days_count_from_first_seen(testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    store = open_store(tmp_path)
    start = 2_000_000_000.0
    after_days = DownloadChoices(keep_on_server=True, delete_after_days=14)
    sync(testbed, mailbox, store, after_days, now=start)
    before = server_ids(testbed, mailbox)
    assert len(before) == 3

    testbed.mail.deliver(mailbox.email, message("seen ten days later"))
    sync(testbed, mailbox, store, after_days, now=start + 10 * DAY)
    assert len(server_ids(testbed, mailbox)) == 4  # nobody is 14 days old yet

    sync(testbed, mailbox, store, after_days, now=start + 14 * DAY + 1)
    remaining = server_ids(testbed, mailbox)
    assert len(remaining) == 1 and remaining[0] not in before  # only the three first seen 14 days ago went
    assert len(message_ids(store)) == 4  # ... from the server only: all four stay here

    sync(testbed, mailbox, store, after_days, now=start + 30 * DAY)
    assert server_ids(testbed, mailbox) == [] and len(message_ids(store)) == 4


def test_no_copy_on_the_server_removes_each_message_once_it_is_stored(testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(4)
    store = open_store(tmp_path)
    report = sync(testbed, mailbox, store, DownloadChoices(keep_on_server=False))
    assert report.folders[0].added == 4 and report.folders[0].removed == 4
    assert server_ids(testbed, mailbox) == [] and len(message_ids(store)) == 4


def test_stls_on_port_110_and_local_actions_without_a_server(testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    store = open_store(tmp_path)
    client = logged_in(testbed, mailbox, Security.STARTTLS)
    assert client.tls.get("version") and "STLS" not in client.capabilities  # CAPA read again after TLS
    sync_pop3(client, store, DownloadChoices())
    inbox, archive, trash = (store.special_folder(u) for u in (SpecialUse.INBOX, SpecialUse.ARCHIVE, SpecialUse.TRASH))
    assert inbox is not None and archive is not None and trash is not None
    uids = [m.uid for m in store.messages(inbox.id)]
    actions = Actions(store)
    actions.mark_read(inbox, uids[:1])
    actions.archive(inbox, uids[1:2])
    actions.delete(inbox, uids[2:3])
    settle(store)
    assert store.pending_ops() == []
    assert store.message_count(inbox.id) == 1 and store.message_count(inbox.id, unread_only=True) == 0
    assert store.message_count(archive.id) == 1 and store.message_count(trash.id) == 1
    moved = store.messages(archive.id)[0]
    assert store.body(moved.id) is not None  # the body followed the message
    actions.delete(trash, [store.messages(trash.id)[0].uid])  # in Trash: for good
    settle(store)
    assert store.message_count(trash.id) == 0
    assert sync(testbed, mailbox, store).folders[0].added == 0  # deleted here: never downloaded again
    assert len(server_ids(testbed, mailbox)) == 3  # other devices still see them on the server
