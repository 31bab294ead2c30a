"""The POP3 account at run time, as the mail window uses it, on the real bed: download, local folders and
actions without a server, previews and search from stored bodies, drafts and the Sent copy kept locally."""

from __future__ import annotations

import email
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.settings import Settings
from deskmail.engine.credentials import Credentials
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.paths import Paths
from deskmail.engine.pop3.runtime import Pop3Runtime
from deskmail.engine.runtime import runtime_for
from deskmail.engine.store.models import SpecialUse
from tests.integration.imaptools import message
from tests.integration.pop3tools import pop3_account

PASSWORD = "pop3-runtime-pw"


@pytest.fixture
def runtime(testbed: Any, tmp_path: Path) -> Iterator[Pop3Runtime]:
    address = f"rt-{uuid.uuid4().hex[:8]}@example.test"
    testbed.mail.add_user(address, PASSWORD)
    for subject in ("Holiday pictures", "Invoice 42"):
        testbed.mail.put_message(address, message(subject, body=f"About the {subject.lower()}: zebra\r\n"), flags="")
    credentials = Credentials(session=None)
    credentials.set_for_session(address, PASSWORD)
    settings = Settings(dns_server=testbed.settings.dns_server, extra_ca=testbed.settings.extra_ca, home=tmp_path)
    made = runtime_for(pop3_account(testbed, address), Paths.from_settings(settings), settings, credentials)
    assert isinstance(made, Pop3Runtime)  # the one place that tells IMAP and POP3 apart
    yield made
    made.close()


def test_sync_actions_folders_previews_and_search_work_locally(runtime: Pop3Runtime, testbed: Any) -> None:
    report = runtime.sync()
    assert report.ok and report.folders[0].added == 2
    store = runtime.store()
    inbox = store.special_folder(SpecialUse.INBOX)
    assert inbox is not None
    assert runtime.fill_previews("INBOX") == 2 and runtime.fill_previews("INBOX") == 0
    assert all("zebra" in m.preview for m in store.messages(inbox.id))
    assert {m.subject for m in store.search("zebra")} == {"Holiday pictures", "Invoice 42"}  # bodies searchable

    projects = runtime.change_folder("create", None, "Projects")
    assert projects is not None and store.pending_ops() == []  # nothing waits for a server
    first, second = store.messages(inbox.id)
    runtime.act("read", inbox.id, [first.uid], True)
    runtime.act("flag", inbox.id, [first.uid], True)
    runtime.act("move", inbox.id, [first.uid], projects)
    runtime.act("delete", inbox.id, [second.uid])
    moved = store.messages(projects.id)
    assert [m.subject for m in moved] == [first.subject] and moved[0].seen and moved[0].flagged
    assert runtime.open_message(moved[0]).body_html.count("zebra") == 1  # the body followed it
    renamed = runtime.change_folder("rename", projects.id, "Work")
    assert renamed is not None and renamed.name == "Work"
    trash = store.special_folder(SpecialUse.TRASH)
    assert trash is not None and store.message_count(trash.id) == 1
    assert all(store.visible_count(f.id) == store.message_count(f.id) for f in store.folders())  # moved locally
    runtime.change_folder("delete", renamed.id)
    assert store.folder("Work") is None and store.pending_ops() == []
    assert runtime.sync().folders[0].added == 0  # gone here, still on the server: never downloaded again
    assert runtime.search_server("zebra") == []  # everything is local already


def test_send_files_the_sent_copy_locally_and_drafts_live_in_the_local_drafts(
    runtime: Pop3Runtime, testbed: Any
) -> None:
    runtime.sync()
    store = runtime.store()
    me = runtime.account.email
    outgoing = OutgoingMessage(
        Address("Pop Person", me), to=[Address("", testbed.user)], subject="From POP3", body="Hi"
    )
    saved = runtime.draft_manager().save(outgoing)
    assert saved.server_error is None
    drafts = store.special_folder(SpecialUse.DRAFTS)
    assert drafts is not None and [m.subject for m in store.messages(drafts.id)] == ["From POP3"]
    runtime.draft_manager().save(outgoing)  # saved again: still one copy
    assert store.message_count(drafts.id) == 1

    result = runtime.send(outgoing)
    assert result.error is None
    sent = store.special_folder(SpecialUse.SENT)
    assert sent is not None
    (copy,) = store.messages(sent.id)
    assert copy.message_id == outgoing.message_id and copy.seen
    assert store.message_count(drafts.id) == 0  # the draft went with the send
    (received,) = [r for r in testbed.smtp.received if me in r.mail_from]
    assert email.message_from_bytes(received.content)["Subject"] == "From POP3"


def test_a_big_sent_message_is_kept_as_a_file(runtime: Pop3Runtime, testbed: Any) -> None:
    me = runtime.account.email
    text = "a long letter line\n" * 100_000  # about 2 MB: over the inline limit
    big = OutgoingMessage(Address("Pop Person", me), to=[Address("", testbed.user)], subject="Big one", body=text)
    assert runtime.send(big).error is None
    store = runtime.store()
    sent = store.special_folder(SpecialUse.SENT)
    assert sent is not None
    (copy,) = store.messages(sent.id)
    body = store.body(copy.id)
    assert body is not None and body.path is not None and body.path.exists() and body.size > 1024 * 1024
    assert copy.subject == "Big one" and "a long letter line" in runtime.open_message(copy).body_html


def test_undo_puts_local_moves_and_flags_back(runtime: Pop3Runtime) -> None:
    assert runtime.sync().ok
    store = runtime.store()
    inbox, trash = store.special_folder(SpecialUse.INBOX), store.special_folder(SpecialUse.TRASH)
    assert inbox is not None and trash is not None
    first, _second = store.messages(inbox.id)
    flagged = runtime.act("flag", inbox.id, [first.uid], True)
    deleted = runtime.act("delete", inbox.id, [first.uid])
    assert flagged is not None and deleted is not None and store.message_count(trash.id) == 1
    redo = runtime.undo(deleted)  # back from the Trash, found by where the local move put it
    assert store.message_count(trash.id) == 0 and store.pending_ops() == []
    back = [m for m in store.messages(inbox.id) if m.subject == first.subject]
    assert len(back) == 1 and back[0].flagged
    assert runtime.open_message(back[0]).body_html.count("zebra") == 1  # the same row: its body came along
    runtime.undo(runtime.act("flag", inbox.id, [back[0].uid], False) or flagged)
    assert [m.flagged for m in store.messages(inbox.id) if m.subject == first.subject] == [True]
    runtime.undo(redo)  # Redo: to the Trash again
    assert store.message_count(trash.id) == 1 and store.pending_ops() == []
