"""The full-text index built behind the header sync, against the bed's Dovecot: a sync stores rows
without indexing them, search finds them anyway, expunged mail leaves nothing behind, and indexing
cut by a killed process resumes (IMAP as the CLI and the window sync, and POP3)."""

# ruff: noqa: F811  (the `store` fixture is imported from test_sync and used as an argument)

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from deskmail.core.settings import Settings
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import runtime_for
from deskmail.engine.store import SpecialUse, Store
from tests.integration.imaptools import Mailbox, message, new_mailbox
from tests.integration.pop3tools import pop3_account
from tests.integration.test_sync import store, sync  # noqa: F401 (a fixture, and the sync as the CLI runs it)
from tests.servers.bed import Testbed

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mailbox(testbed: Testbed) -> Mailbox:
    return new_mailbox(testbed.mail, testbed.ca_path)


def fill(mailbox: Mailbox, subjects: list[str], folder: str = "INBOX") -> None:
    for subject in subjects:
        mailbox.server.put_message(mailbox.email, message(subject), folder=folder, flags="")


def fts_subjects(store: Store, word: str) -> set[str]:
    """What the FTS5 index alone finds (not the scan of rows not indexed yet)."""
    rows = store.conn.execute(
        "SELECT m.subject FROM message_search s JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ?",
        (f'"{word}"*',),
    )
    return {str(subject) for (subject,) in rows}


def indexed(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM message_search").fetchone()[0])


def index_all(store: Store) -> int:
    batches = 0
    while store.index_backlog(7):
        batches += 1
    return batches


def assert_index_whole(store: Store) -> None:
    """One search row per stored message, no stale one, and FTS5's own check passes."""
    ids = sorted(int(i) for (i,) in store.conn.execute("SELECT id FROM messages"))
    assert sorted(int(i) for (i,) in store.conn.execute("SELECT rowid FROM message_search")) == ids
    store.conn.execute("INSERT INTO message_search (message_search) VALUES ('integrity-check')")


def test_a_sync_leaves_indexing_for_later_and_search_finds_the_new_mail_before_and_after(
    mailbox: Mailbox, store: Store
) -> None:
    fill(mailbox, [f"Quarterly report {n}" for n in range(20)] + ["Réunion à l'École"])
    fill(mailbox, ["Quarterly archive"], folder="Archive")
    sync(mailbox, store)
    assert indexed(store) == 0 and store.search_backlog() == 22  # the sync paid for no index
    reader = store.reader()  # the window's own connection
    assert len(reader.search("quarter", limit=500)) == 21
    assert [m.subject for m in reader.search("ecole reunion")] == ["Réunion à l'École"]
    assert reader.search("quarter", limit=5, newest_first=True)[0].subject == "Quarterly archive"
    assert index_all(store) == 4  # batches of 7
    assert store.search_backlog() == 0 and len(fts_subjects(store, "quarter")) == 21
    assert fts_subjects(store, "ecole") == {"Réunion à l'École"}
    assert len(reader.search("quarter", limit=500)) == 21  # from the index now, each once
    assert_index_whole(store)
    fill(mailbox, ["Quarterly late arrival"])  # a later sync: only the new mail waits
    sync(mailbox, store)
    assert store.search_backlog() == 1
    assert "Quarterly late arrival" in {m.subject for m in reader.search("quarter", limit=500)}
    reader.close()


def test_mail_expunged_or_moved_before_indexing_leaves_no_stale_search_row(mailbox: Mailbox, store: Store) -> None:
    fill(mailbox, [f"Budget {n}" for n in range(12)])
    sync(mailbox, store)
    store.index_backlog(5)  # part of it indexed, the rest not yet
    other = mailbox.connect()
    other.select_folder("INBOX")
    uids = sorted(other.search("ALL"))
    other.move(uids[:2], "Archive")  # indexed ones
    other.delete_messages(uids[9:])  # not indexed yet
    other.expunge()
    other.logout()
    sync(mailbox, store)
    found = {m.subject for m in store.search("budget", limit=500)}
    assert found == {f"Budget {n}" for n in range(9)}
    index_all(store)
    assert_index_whole(store)
    assert {m.subject for m in store.search("budget", limit=500)} == found
    archive = store.folder("Archive")
    assert archive is not None
    assert {m.subject for m in store.search("budget", folder_id=archive.id)} == {"Budget 0", "Budget 1"}


CRASH = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from deskmail.engine.store import SpecialUse, Store

    store = Store.open(Path(sys.argv[1]))
    assert store.index_backlog(5) == 5
    # The next batch writes its search rows, then the process dies before the commit.
    store.conn.create_function("power_cut", 0, lambda: os._exit(9))
    store.conn.execute("CREATE TEMP TRIGGER cut AFTER UPDATE ON search_state BEGIN SELECT power_cut(); END")
    store.index_backlog(5)
    """
)


def test_indexing_cut_by_a_killed_process_resumes_without_indexing_a_row_twice(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    fill(mailbox, [f"Invoice {n}" for n in range(18)])
    path = tmp_path / "store.sqlite3"
    store = Store.open(path)
    sync(mailbox, store)
    store.close()
    killed = subprocess.run(
        [sys.executable, "-c", CRASH, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert killed.returncode == 9, killed.stderr
    store = Store.open(path)  # the next start
    try:
        assert indexed(store) == 5 and store.search_backlog() == 13  # the cut batch left nothing
        assert len(store.search("invoice", limit=500)) == 18
        assert index_all(store) == 2
        assert_index_whole(store)
        assert len(fts_subjects(store, "invoice")) == 18
    finally:
        store.close()


def test_the_runtime_indexes_in_batches_after_its_sync_and_stops_when_cancelled(
    testbed: Testbed, tmp_path: Path
) -> None:
    from deskmail.core.cancel import Cancelled, CancelToken
    from deskmail.core.serverconfig import Protocol, Security, ServerConfig
    from deskmail.engine.accounts import Account

    address = f"idx-{uuid.uuid4().hex[:8]}@example.test"
    testbed.mail.add_user(address, "index-pw")
    for n in range(5):
        testbed.mail.put_message(address, message(f"Travel plans {n}"), flags="")
    credentials = Credentials(session=None)
    credentials.set_for_session(address, "index-pw")
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    account = Account(
        email=address,
        display_name="Idx",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, address),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, address),
    )
    runtime = runtime_for(account, Paths.from_settings(settings).ensure(), settings, credentials)
    try:
        assert runtime.sync().ok
        store = runtime.store()
        assert store.search_backlog() == 5 and len(store.search("travel")) == 5
        cancelled = CancelToken()
        cancelled.cancel()
        with pytest.raises(Cancelled):
            runtime.index_search(cancelled)
        assert store.search_backlog() == 5
        assert runtime.index_search() == 5 and runtime.index_search() == 0
        assert len(fts_subjects(store, "travel")) == 5
    finally:
        runtime.close()


def test_pop3_mail_is_searchable_before_and_after_its_index_is_built(testbed: Testbed, tmp_path: Path) -> None:
    address = f"popidx-{uuid.uuid4().hex[:8]}@example.test"
    testbed.mail.add_user(address, "pop-index-pw")
    testbed.mail.put_message(address, message("Holiday pictures", body="the zebra in the garden\r\n"), flags="")
    testbed.mail.put_message(address, message("Invoice 42"), flags="")
    credentials = Credentials(session=None)
    credentials.set_for_session(address, "pop-index-pw")
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    runtime = runtime_for(pop3_account(testbed, address), Paths.from_settings(settings), settings, credentials)
    try:
        assert runtime.sync().ok
        store = runtime.store()
        assert store.search_backlog() == 2
        assert [m.subject for m in store.search("invoice")] == ["Invoice 42"]
        while runtime.fill_previews("INBOX"):  # POP3 previews come from the stored bodies: their text too
            pass
        assert [m.subject for m in store.search("zebra")] == ["Holiday pictures"]  # body text, not indexed yet
        archive = store.special_folder(SpecialUse.ARCHIVE)
        inbox = store.special_folder(SpecialUse.INBOX)
        assert archive is not None and inbox is not None
        holiday = next(m for m in store.messages(inbox.id) if m.subject == "Holiday pictures")
        runtime.act("move", inbox.id, [holiday.uid], archive)  # local folders: the same row, another folder
        assert [m.folder_id for m in store.search("zebra")] == [archive.id]
        while runtime.index_search():
            pass
        assert fts_subjects(store, "zebra") == {"Holiday pictures"} and fts_subjects(store, "invoice") == {"Invoice 42"}
        assert [m.subject for m in store.search("zebra", folder_id=archive.id)] == ["Holiday pictures"]
        assert store.search("zebra", folder_id=inbox.id) == []
        assert_index_whole(store)
    finally:
        runtime.close()
