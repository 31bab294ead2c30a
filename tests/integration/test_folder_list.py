"""The folder list against the bed's Dovecot: every name as the server has it, thousands of folders, one pass."""

from __future__ import annotations

from pathlib import Path

from deskmail.core.cancel import CancelToken
from deskmail.engine.imap.account import choose_folders, open_session, sync_account
from deskmail.engine.imap.sync import FolderSync
from deskmail.engine.store import Store
from tests.integration.imaptools import new_mailbox
from tests.servers.bed import Testbed

MANY = 1000  # Maildir++ directories, listed in one pass (the old quadratic pass took minutes at 50,000)


def test_folder_list_names_and_many_folders(testbed: Testbed, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    other = mailbox.connect()
    try:
        for name in ("Entwürfe", 'Say "hi"', "Back\\slash", "Ünïcödé/Child", "With space"):
            other.create_folder(name)
        other.subscribe_folder("With space")
        listed_by_imapclient = {str(name) for _flags, _delim, name in other.list_folders()}
    finally:
        other.logout()
    for n in range(MANY):  # Maildir++ folders made directly: seconds instead of thousands of CREATEs
        folder = testbed.mail.maildir(mailbox.email, f"many-{n:04d}")
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    store = Store.open(tmp_path / "store.sqlite3")
    session = open_session(mailbox.connector())
    try:
        known = FolderSync(session, store).sync_folder_list()
        names = {f.name for f in known}
        assert listed_by_imapclient <= names  # the same names an independent client reads
        assert {"Entwürfe", 'Say "hi"', "Back\\slash", "Ünïcödé/Child", "With space"} <= names
        assert len(names) == len(listed_by_imapclient) + MANY
        assert next(f for f in known if f.name == "With space").subscribed
        assert str(store.folder("Drafts").special_use) == "drafts"  # type: ignore[union-attr]
        chosen, others = choose_folders(known, ["INBOX", "many-0001"])
        assert [f.name for f in chosen] == ["INBOX", "many-0001"]
        assert len(others) == len([f for f in known if f.selectable]) - 2
        report = sync_account(session, store, folders=["INBOX"], cancel=CancelToken(), refresh_counts=False)
        assert report.ok and [f.name for f in report.folders] == ["INBOX"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        session.logout()
        store.close()
