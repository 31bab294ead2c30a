"""The window's long-lived session keeps the Inbox selected and polls it there, never asking its STATUS.

Dovecot (Maildir) answers a STATUS of a big Inbox by rereading its whole uidlist once a session has
listed folders or asked another folder's STATUS (0.5-2 s at 100,000-1,000,000 messages), which is
every resync of a long-lived session; RFC 3501 says STATUS is not for the selected mailbox anyway
and names NOOP the way to poll it. Each change another mail program makes (new mail, a flag, an
expunge) must still arrive, on Dovecot (with QRESYNC, with CONDSTORE only) and on Courier (neither).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.store import Store
from tests.integration.imaptools import (
    Mailbox,
    assert_converged,
    counting_connector,
    mailbox_runtime,
    message,
    new_mailbox,
)
from tests.servers.bed import Testbed
from tests.servers.courier import Courier
from tests.servers.dovecot import Dovecot


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


class Counted:
    """One long-lived session (as the window keeps one), with what each sync sent, write by write."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.sends: list[list[bytes]] = []
        self.session: ImapSession = open_session(counting_connector(mailbox, self.sends))

    def sync(self, store: Store) -> tuple[SyncReport, list[list[bytes]]]:
        self.sends.clear()
        report = sync_account(self.session, store, keep_inbox=True)
        assert report.ok, report.to_json()
        return report, list(self.sends)

    def close(self) -> None:
        self.session.logout()


def lines(sends: list[list[bytes]]) -> list[bytes]:
    return [line for write in sends for line in write]


def inbox_statused(sends: list[list[bytes]]) -> bool:
    """A STATUS of the Inbox other than right after its SELECT (the UIDNEXT Courier's SELECT leaves out)."""
    sent = lines(sends)
    return any(
        line.upper().startswith((b'STATUS "INBOX"', b"STATUS INBOX "))
        and not (n and sent[n - 1].upper().startswith(b'SELECT "INBOX"'))
        for n, line in enumerate(sent)
    )


def selects(sends: list[list[bytes]]) -> list[bytes]:
    return [line.split(b" (")[0] for line in lines(sends) if line.startswith((b"SELECT", b"EXAMINE"))]


def path_of(report: SyncReport, name: str) -> str:
    return next(f.path for f in report.folders if f.name == name)


@pytest.fixture(params=["dovecot", "dovecot-condstore-only", "courier"])
def server(request: pytest.FixtureRequest, testbed: Testbed) -> Dovecot | Courier:
    if request.param == "courier":
        courier: Courier = request.getfixturevalue("courier")
        return courier
    if request.param == "dovecot-condstore-only":
        factory: Callable[..., Dovecot] = request.getfixturevalue("dovecot_factory")
        return factory(remove_capabilities=("QRESYNC",))
    return testbed.mail


def test_a_kept_session_polls_the_selected_inbox_and_still_sees_every_change(
    testbed: Testbed, server: Dovecot | Courier, store: Store
) -> None:
    mailbox = new_mailbox(server, testbed.ca_path)
    other_folder = "INBOX.Archive" if isinstance(server, Courier) else "Archive"
    mailbox.fill(5)
    other = mailbox.connect()
    if isinstance(server, Courier):
        other.create_folder(other_folder)
    other.append(other_folder, message("kept"))
    other.logout()
    condstore = not isinstance(server, Courier)

    kept = Counted(mailbox)
    try:
        kept.sync(store)  # a first sync: the Inbox first, then the other folder (which leaves nothing selected)
        assert_converged(store, mailbox)
        report, sends = kept.sync(store)  # the Inbox selected again before the LIST, never its STATUS
        assert not inbox_statused(sends) and selects(sends)[0] == b'SELECT "INBOX"', sends
        # Without CONDSTORE (Courier) every folder takes the flags path each time, selecting each.
        assert kept.session.selected == "INBOX" or not condstore

        report, sends = kept.sync(store)  # nothing changed
        assert not inbox_statused(sends), sends
        if condstore:  # one write: the Inbox's poll, the other folders' STATUS, the LIST; nothing selected
            assert len(sends) == 1 and sends[0][0] == b"NOOP" and b"CHANGEDSINCE" in sends[0][1], sends
            assert not selects(sends) and path_of(report, "INBOX") == "unchanged", sends
            assert kept.session.selected == "INBOX"

        def new_mail(client: IMAPClient) -> None:
            client.append("INBOX", message("new while selected elsewhere"))

        def flag(client: IMAPClient) -> None:
            client.select_folder("INBOX")
            client.add_flags(client.search("ALL")[:1], [b"\\Flagged"])

        def expunge(client: IMAPClient) -> None:
            client.select_folder("INBOX")
            client.delete_messages(client.search("ALL")[-1:])
            client.expunge()

        for change in (new_mail, flag, expunge):
            client = mailbox.connect()
            change(client)
            client.logout()
            report, sends = kept.sync(store)
            assert not inbox_statused(sends), (change.__name__, sends)
            assert path_of(report, "INBOX") != "unchanged", change.__name__
            assert_converged(store, mailbox)
            assert kept.session.selected == "INBOX" or not condstore

        report, sends = kept.sync(store)  # quiet again
        assert not inbox_statused(sends), sends
        if condstore:
            assert not selects(sends) and path_of(report, "INBOX") == "unchanged", sends
        assert_converged(store, mailbox)
    finally:
        kept.close()


def test_a_kept_session_selects_the_inbox_again_after_working_in_another_folder(testbed: Testbed, store: Store) -> None:
    """Opening a message elsewhere leaves another folder selected: the next sync selects the Inbox
    before the folder list (no STATUS of it) and polls it from then on."""
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    mailbox.fill(2, folder="Archive")
    kept = Counted(mailbox)
    try:
        kept.sync(store)
        kept.session.select("Archive", readonly=True)
        client = mailbox.connect()
        client.append("INBOX", message("arrived meanwhile"))
        client.logout()

        kept.sends.clear()  # a sync of another folder alone (the open folder's push): no STATUS of the Inbox either
        report = sync_account(kept.session, store, folders=["Archive"], keep_inbox=True)
        assert report.ok and [f.name for f in report.folders] == ["Archive"]
        assert kept.sends and not inbox_statused(kept.sends) and not selects(kept.sends), kept.sends

        report, sends = kept.sync(store)
        assert not inbox_statused(sends), sends
        assert selects(sends)[0] == b'SELECT "INBOX"' and sends[-1][-1].startswith(b"LIST"), sends
        assert kept.session.selected == "INBOX" and report.folders[0].added == 1
        assert_converged(store, mailbox)

        report, sends = kept.sync(store)
        assert len(sends) == 1 and not selects(sends) and path_of(report, "INBOX") == "unchanged", sends
    finally:
        kept.close()


def test_the_command_line_sync_still_asks_the_inbox_status_first_in_one_write(testbed: Testbed, store: Store) -> None:
    """A one-shot session (`deskmail sync`) keeps its one round trip: on a new session Dovecot answers
    the Inbox's STATUS in a millisecond, while a SELECT would add round trips."""
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    for _ in range(2):
        session = open_session(mailbox.connector())
        try:
            report = sync_account(session, store)
            assert report.ok
            assert session.selected is None
        finally:
            session.logout()
    assert path_of(report, "INBOX") == "unchanged"


def test_the_window_runtime_keeps_the_inbox_selected_through_its_preview_pass(testbed: Testbed, tmp_path: Path) -> None:
    """The window's own path: runtime.sync, then the preview pass over every synced folder (as after
    each sync), then the next check is the Inbox's poll in one write, and new mail still arrives."""
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    runtime = mailbox_runtime(testbed, mailbox.email, tmp_path)
    sends: list[list[bytes]] = []
    try:

        def check() -> SyncReport:
            report = runtime.sync()
            for folder in report.folders:  # the window's preview chain after every sync
                while runtime.fill_previews(folder.name):
                    pass
            return report

        check()
        check()  # the Inbox selected before the LIST (the first sync left the last folder selected)
        session = runtime._session
        assert session is not None and session.selected == "INBOX"
        original = session.client._imap.send

        def send(data: bytes) -> None:
            sends.append([line.split(b" ", 1)[1] for line in data.split(b"\r\n") if b" " in line])
            original(data)

        session.client._imap.send = send
        report = check()
        assert len(sends) == 1 and sends[0][0] == b"NOOP" and not selects(sends), sends
        assert path_of(report, "INBOX") == "unchanged" and session.selected == "INBOX"

        testbed.mail.put_message(mailbox.email, message("arrived"), flags="")
        sends.clear()
        report = check()
        assert not inbox_statused(sends) and next(f for f in report.folders if f.name == "INBOX").added == 1, sends
    finally:
        runtime.close()
