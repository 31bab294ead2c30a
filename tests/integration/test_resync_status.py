"""A no-change resync asks the server once for every folder: the known folders' STATUS pipelined
before the LIST, the Inbox first (Dovecot rereads a big Inbox for a STATUS that comes after any
other mailbox in the session, and for LIST-STATUS: 0.4 s at 25,000 messages, else 1 ms),
LIST-STATUS for more folders than one batch, pipelined STATUS after the LIST without LIST-EXTENDED.

The commands are counted as they leave for the real Dovecot (what the socket is given to send).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.store import FolderInfo, Store
from tests.integration.imaptools import Mailbox, assert_converged, counting_connector, message, new_mailbox
from tests.servers.bed import Testbed
from tests.servers.dovecot import Dovecot

ODD = 'Entwürfe "alt"'  # non-ASCII and a quote: modified UTF-7, escaped on the wire


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def counted_sync(mailbox: Mailbox, store: Store, paths: dict[str, str] | None = None) -> list[list[bytes]]:
    """Sync once: what each send() carried, as command lines without tags (`paths` gets each folder's path)."""
    sends: list[list[bytes]] = []
    session = open_session(counting_connector(mailbox, sends))
    try:
        report = sync_account(session, store)
        assert report.ok, report.to_json()
    finally:
        session.logout()
    if paths is not None:
        paths.update((f.name, f.path) for f in report.folders)
    return sends


def fill_three_folders(mailbox: Mailbox) -> None:
    mailbox.fill(6)
    mailbox.fill(3, folder="Archive")
    other = mailbox.connect()
    other.create_folder(ODD)  # over IMAP: on disk the name is modified UTF-7
    for n in range(2):
        other.append(ODD, message(f"odd {n}"), flags=[b"\\Seen"] if n else [])
    other.logout()


def test_no_change_resync_is_one_round_trip_status_before_list(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    fill_three_folders(mailbox)
    counted_sync(mailbox, store)
    assert_converged(store, mailbox)
    before = {f.name: (f.exists, f.unread, f.subscribed, f.special_use) for f in store.folders()}
    assert before[ODD][:2] == (2, 1) and before["Sent"][3] == "sent"

    sends = counted_sync(mailbox, store)
    assert len(sends) == 1, sends  # one write: every STATUS, then the LIST
    *statuses, listing = sends[0]
    assert len(statuses) == len(before) and all(line.startswith(b"STATUS ") for line in statuses), sends
    assert statuses[0].startswith(b'STATUS "INBOX" ')
    assert listing.startswith(b'LIST "" "*" RETURN (SUBSCRIBED') and b"STATUS" not in listing
    assert {f.name: (f.exists, f.unread, f.subscribed, f.special_use) for f in store.folders()} == before

    other = mailbox.connect()
    other.append("Archive", message("one more"))
    other.logout()
    paths: dict[str, str] = {}
    sends = counted_sync(mailbox, store, paths)
    selected = [line for lines in sends for line in lines if line.startswith((b"SELECT", b"EXAMINE"))]
    assert [line.split(b" (")[0] for line in selected] == [b'SELECT "Archive"'], sends
    assert paths["Archive"] == "qresync" and paths["INBOX"] == "unchanged"  # ENABLE QRESYNC came just before
    assert_converged(store, mailbox)


@pytest.mark.parametrize("removed", [("LIST-STATUS",), ("LIST-STATUS", "LIST-EXTENDED")])
def test_without_list_status_the_statuses_go_in_one_round_trip(
    testbed: Testbed, dovecot_factory: Callable[..., Dovecot], store: Store, removed: tuple[str, ...]
) -> None:
    mailbox = new_mailbox(dovecot_factory(remove_capabilities=removed), testbed.ca_path)
    fill_three_folders(mailbox)
    counted_sync(mailbox, store)
    sends = counted_sync(mailbox, store)
    commands = [line.split(b" ")[0] for lines in sends for line in lines]
    assert b"SELECT" not in commands and commands.count(b"LIST") == 1, sends
    status_sends = [lines for lines in sends if lines[0].startswith(b"STATUS")]
    statuses = [line for line in status_sends[0] if line.startswith(b"STATUS")]
    assert len(status_sends) == 1 and len(statuses) == len(store.folders()), sends
    assert_converged(store, mailbox)


def test_list_status_names_match_plain_list(testbed: Testbed) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    fill_three_folders(mailbox)
    session = open_session(mailbox.connector())
    try:
        session.client.create_folder("Projects/Garden")
        session.client.unsubscribe_folder("Archive")
        infos, statuses = session.list_folders_and_status()
        plain = session.list_folders()
    finally:
        session.logout()

    def essentials(folders: list[FolderInfo]) -> list[tuple[object, ...]]:
        # A parent that is no folder itself is \\NonExistent in an extended LIST, \\Noselect in a plain one.
        same = {"\\NONEXISTENT": "\\NOSELECT"}
        return sorted(
            (
                f.name,
                f.delimiter,
                f.special_use,
                f.subscribed,
                f.selectable,
                {same.get(a.upper(), a.upper()) for a in f.attributes},
            )
            for f in folders
        )

    assert essentials(infos) == essentials(plain)
    assert ("Projects", False) in {(f.name, f.selectable) for f in infos}
    assert statuses[ODD].messages == 2 and statuses["INBOX"].unseen == 3
    assert set(statuses) == {i.name for i in infos if i.selectable}


def test_pipelined_status_skips_a_refused_folder_and_keeps_the_others(testbed: Testbed) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    fill_three_folders(mailbox)
    session = open_session(mailbox.connector())
    try:
        found = session.statuses(["INBOX", "No such folder", ODD, "Archive"])
        assert session.noop() is not None  # the connection is in step after the refusal
    finally:
        session.logout()
    assert set(found) == {"INBOX", ODD, "Archive"}
    assert (found["INBOX"].messages, found[ODD].messages, found["Archive"].messages) == (6, 2, 3)


def test_a_resync_after_folders_came_and_went_in_one_round_trip_then_the_new_ones(
    testbed: Testbed, store: Store
) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    fill_three_folders(mailbox)
    counted_sync(mailbox, store)
    other = mailbox.connect()
    other.delete_folder(ODD)  # its STATUS is refused; the LIST in the same write drops it
    other.create_folder("Receipts")
    other.append("Receipts", message("paid"))
    other.logout()

    sends = counted_sync(mailbox, store)
    assert sends[0][-1].startswith(b"LIST") and any(ODD.encode("utf-7") in line or b"Entw" in line for line in sends[0])
    assert not any(b"Receipts" in line for line in sends[0]), sends  # not known before this LIST
    names = {f.name for f in store.folders()}
    assert ODD not in names and "Receipts" in names
    assert_converged(store, mailbox)


def test_more_folders_than_one_batch_ask_with_list_status(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(2)
    other = mailbox.connect()
    for n in range(50):
        other.create_folder(f"Box {n:02}")
    other.logout()
    counted_sync(mailbox, store)

    sends = counted_sync(mailbox, store)
    assert len(sends) == 1 and len(sends[0]) == 1, sends
    assert sends[0][0].startswith(b'LIST "" "*" RETURN (SUBSCRIBED') and b"STATUS (MESSAGES" in sends[0][0]
    assert_converged(store, mailbox)
