"""Folder create/rename/delete work offline: queued in the store, replayed when Dovecot is back; refusals undo."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import imapclient
import pytest

from deskmail.core.errors import UserFacingError
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.qtbridge.reach import waits_for_connection
from tests.integration.imaptools import message
from tests.integration.test_big_message import _Password


def server_folders(server: Any, ca_path: Path, email: str, password: str) -> set[str]:
    client = imapclient.IMAPClient(
        server.ip, port=993, ssl=True, ssl_context=ssl.create_default_context(cafile=str(ca_path))
    )
    try:
        client.login(email, password)
        return {str(name) for _flags, _delim, name in client.list_folders()}
    finally:
        client.logout()


class Bed:
    """A private Dovecot (so stopping it disturbs no other test) and one account's runtime on it."""

    def __init__(self, testbed: Any, dovecot_factory: Any, tmp_path: Path) -> None:
        self.email, self.password = f"folders-{uuid.uuid4().hex[:8]}@example.test", "folders-pw"
        self.server = dovecot_factory(users={self.email: self.password})
        self.server.put_message(self.email, message("hello"), folder="Old stuff")
        self.ca_path = testbed.ca_path
        self.account = Account(
            email=self.email,
            display_name="Me",
            incoming=ServerConfig(Protocol.IMAP, self.server.host, 993, Security.SSL, username=self.email),
            outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=self.email),
        )
        self.paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
        self.settings = testbed.settings

    def runtime(self) -> AccountRuntime:
        return AccountRuntime(self.account, self.paths, self.settings, _Password(self.password))  # type: ignore[arg-type]

    def on_server(self) -> set[str]:
        return server_folders(self.server, self.ca_path, self.email, self.password)


@pytest.fixture
def bed(testbed: Any, dovecot_factory: Any, tmp_path: Path) -> Iterator[Bed]:
    yield Bed(testbed, dovecot_factory, tmp_path)


def names(runtime: AccountRuntime) -> set[str]:
    return {f.name for f in runtime.store().folders()}


def test_created_renamed_and_deleted_offline_reach_the_server_after_a_restart(bed: Bed) -> None:
    runtime = bed.runtime()
    runtime.sync()
    old = runtime.store().folder("Old stuff")
    assert old is not None and old.exists == 1
    bed.server.stop()

    created = runtime.change_folder("create", None, "Projects")
    assert created is not None
    renamed = runtime.change_folder("rename", created.id, "Projects 2026")
    assert renamed is not None and renamed.name == "Projects 2026"
    runtime.change_folder("delete", old.id)
    assert {"Projects 2026"} <= names(runtime) and not {"Projects", "Old stuff"} & names(runtime)  # shown at once
    with pytest.raises(UserFacingError) as offline:
        runtime.sync()
    assert waits_for_connection(offline.value)  # the kept connection died, a new one is refused: offline
    runtime.close()  # the app quits while offline: the changes wait in the store

    bed.server.start()
    again = bed.runtime()
    report = again.sync()
    assert report.rolled_back == []
    on_server = bed.on_server()
    assert "Projects 2026" in on_server and "Projects" not in on_server and "Old stuff" not in on_server
    assert "Projects 2026" in names(again) and "Old stuff" not in names(again)
    assert again.store().pending_ops() == []
    again.close()


def test_a_refused_rename_is_undone_with_a_plain_message(bed: Bed) -> None:
    runtime = bed.runtime()
    runtime.sync()
    old = runtime.store().folder("Old stuff")
    assert old is not None
    bed.server.stop()
    runtime.change_folder("rename", old.id, "Archive 2020")
    with pytest.raises(UserFacingError):  # the app tries to send it at once: offline
        runtime.push_changes()
    bed.server.start()
    other = imapclient.IMAPClient(
        bed.server.ip, port=993, ssl=True, ssl_context=ssl.create_default_context(cafile=str(bed.ca_path))
    )
    other.login(bed.email, bed.password)
    other.create_folder("Archive 2020")  # another device took the name meanwhile
    other.logout()

    report = runtime.sync()
    [refusal] = report.rolled_back
    assert refusal.startswith("The server refused to rename the folder “Old stuff” to “Archive 2020”.")
    assert "It has its old name again." in refusal
    back = runtime.store().folder("Old stuff")
    assert back is not None and back.id == old.id and len(runtime.store().messages(back.id)) == 1  # messages kept
    assert {"Old stuff", "Archive 2020"} <= bed.on_server()
    runtime.close()


def test_names_that_cannot_work_are_refused_at_once_in_plain_words(bed: Bed) -> None:
    runtime = bed.runtime()
    runtime.sync()
    inbox = runtime.store().folder("INBOX")
    assert inbox is not None
    for kind, folder_id, name, words in (
        ("create", None, "  ", "type a name"),
        ("create", None, "old STUFF", "already a folder"),
        ("create", None, "a/b", "cannot contain"),
        ("rename", inbox.id, "Post", "cannot be renamed"),
        ("delete", inbox.id, "", "cannot be deleted"),
    ):
        with pytest.raises(UserFacingError) as refused:
            runtime.change_folder(kind, folder_id, name)
        assert words in refused.value.message
    assert runtime.store().pending_ops() == []
    runtime.close()


def test_changes_queued_before_an_offline_rename_reach_the_renamed_folder(bed: Bed) -> None:
    runtime = bed.runtime()
    runtime.sync()
    old = runtime.store().folder("Old stuff")
    assert old is not None
    [row] = runtime.store().messages(old.id)
    bed.server.stop()
    runtime.act("read", old.id, [row.uid], True)  # marked read in "Old stuff"...
    runtime.change_folder("rename", old.id, "Older")  # ...which is then renamed, all offline
    with pytest.raises(UserFacingError):
        runtime.push_changes()
    bed.server.start()
    assert runtime.push_changes() == []
    client = imapclient.IMAPClient(
        bed.server.ip, port=993, ssl=True, ssl_context=ssl.create_default_context(cafile=str(bed.ca_path))
    )
    client.login(bed.email, bed.password)
    client.select_folder("Older", readonly=True)
    assert client.search(["SEEN"]) == [row.uid]
    client.logout()
    runtime.close()
