"""Push: a message delivered by SMTP shows up in the store by itself (IDLE, or NOOP polling)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import Actions
from deskmail.engine.imap.push import FolderWatcher, PushSync
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.store import Store
from deskmail.net.tls import client_context
from tests.integration.imaptools import PASSWORD, Mailbox, message, new_mailbox
from tests.servers.bed import Testbed
from tests.servers.dovecot import Dovecot


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def deliver_by_smtp(testbed: Testbed, mailbox: Mailbox, subject: str) -> None:
    with smtplib.SMTP(testbed.smtp.ip, testbed.smtp.submission_port, timeout=10) as smtp:
        smtp.starttls(context=client_context(extra_ca=testbed.ca_path))
        smtp.login(mailbox.email, PASSWORD)
        smtp.sendmail("bob@example.test", [mailbox.email], message(subject))


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def subjects(store: Store) -> list[str]:
    reader = store.reader()
    try:
        inbox = reader.folder("INBOX")
        return [m.subject for m in reader.messages(inbox.id)] if inbox else []
    finally:
        reader.close()


def test_message_delivered_by_smtp_is_pushed_without_polling(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    push = PushSync(mailbox.connector(), store).start()
    try:
        # The catch-up sync is asked for once IDLE is running: after it, only IDLE can report.
        assert wait_for(lambda: len(subjects(store)) == 3, 15), "the catch-up sync after connecting did not run"
        deliver_by_smtp(testbed, mailbox, "pushed to you")
        assert wait_for(lambda: "pushed to you" in subjects(store), 20)  # only IDLE can bring it
    finally:
        push.stop()


def test_polling_without_idle_and_reconnect(
    testbed: Testbed, dovecot_factory: Callable[..., Dovecot], store: Store
) -> None:
    mailbox = new_mailbox(dovecot_factory(remove_capabilities=("IDLE",)), testbed.ca_path)
    changes: list[str] = []
    cancel = CancelToken()
    watcher = FolderWatcher(mailbox.connector(), "INBOX", changes.append, cancel=cancel, poll_seconds=0.2)
    watcher.start()
    try:
        assert wait_for(lambda: len(changes) == 1, 10)  # the catch-up call after connecting
        other = mailbox.connect()
        other.append("INBOX", message("polled"))
        other.logout()
        assert wait_for(lambda: len(changes) >= 2, 10)
        mailbox.server.stop()  # the network goes away...
        mailbox.server.start()  # ...and comes back: the watcher reconnects and catches up
        count = len(changes)
        assert wait_for(lambda: len(changes) > count, 15)
    finally:
        cancel.cancel()
        watcher.join(5)
    session = open_session(mailbox.connector())
    sync_account(session, store)
    session.logout()
    assert subjects(store) == ["polled"]


def test_actions_submitted_to_the_worker_reach_the_server(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(4, flags=lambda n: "")
    reports: list[SyncReport] = []
    push = PushSync(mailbox.connector(), store, on_report=reports.append).start()
    try:
        assert wait_for(lambda: len(subjects(store)) == 4, 15)

        def read_all(writer: Store) -> None:
            inbox = writer.folder("INBOX")
            assert inbox is not None
            Actions(writer).mark_read(inbox, writer.uids(inbox.id))

        push.submit(read_all)
        other = mailbox.connect()
        other.select_folder("INBOX", readonly=True)
        assert wait_for(lambda: len(other.search(["UNSEEN"])) == 0, 10)
        other.logout()
        reader = store.reader()
        assert wait_for(lambda: not reader.pending_ops(), 20)
        reader.close()
    finally:
        push.stop()


def test_the_open_folder_is_pushed_too(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    reports: list[SyncReport] = []
    push = PushSync(mailbox.connector(), store, on_report=reports.append).start()
    reader = store.reader()

    def archived() -> list[str]:
        archive = reader.folder("Archive")
        return [m.subject for m in reader.messages(archive.id)] if archive else []

    try:
        push.watch_open_folder("Archive")
        # The catch-up sync is asked for once IDLE is running: after it, only IDLE can report.
        assert wait_for(lambda: any(f.name == "Archive" for r in reports for f in r.folders), 15)
        other = mailbox.connect()
        other.append("Archive", message("filed elsewhere"))
        other.logout()
        assert wait_for(lambda: archived() == ["filed elsewhere"], 20)
        push.watch_open_folder(None)
        assert push._open is None
    finally:
        push.stop()
        reader.close()
