"""Sending through an Account's real connections (engine.connect): 587 STARTTLS and 465 implicit TLS."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.smtp.outbox import OutboxState, outbox_items
from deskmail.engine.smtp.service import drafts_for, sender_for
from deskmail.engine.store import Store
from tests.integration.send_helpers import imap_login
from tests.servers.bed import Testbed


def account_for(testbed: Testbed, email: str, smtp_security: Security) -> Account:
    port = 465 if smtp_security is Security.SSL else 587
    return Account(
        email=email,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, username=email),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, port, smtp_security, username=email),
    )


def count(testbed: Testbed, user: str, password: str, folder: str, message_id: str) -> int:
    client = imap_login(testbed.mail.ip, testbed.ca_path, user, password)
    try:
        client.select_folder(folder, readonly=True)
        return len(client.search(["HEADER", "Message-ID", message_id]))
    finally:
        client.logout()


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_send_through_the_account_connections(testbed: Testbed, tmp_path: Path, security: Security) -> None:
    tag = uuid.uuid4().hex[:8]
    me, friend, password = f"acct{tag}@example.test", f"pal{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    testbed.mail.add_user(friend, password)
    account = account_for(testbed, me, security)
    store = Store.open(tmp_path / "store.sqlite3")
    out = OutgoingMessage(sender=Address("Me", me), to=[Address("", friend)], subject="via account", body="hi")
    drafts = drafts_for(account, password, testbed.settings, store)
    assert drafts.save(out).server_error is None
    sender = sender_for(account, password, testbed.settings, store)
    result = sender.send(sender.queue(out).id)
    assert result.error is None and result.state is None
    assert drafts.discard(out.message_id) is None
    assert count(testbed, friend, password, "INBOX", out.message_id) == 1
    assert count(testbed, me, password, "Sent", out.message_id) == 1
    assert count(testbed, me, password, "Drafts", out.message_id) == 0


def test_a_wrong_password_keeps_the_message_waiting(testbed: Testbed, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    me = f"wrong{tag}@example.test"
    testbed.mail.add_user(me, "right-password")
    sender = sender_for(account_for(testbed, me, Security.STARTTLS), "wrong-password", testbed.settings,
                        Store.open(tmp_path / "store.sqlite3"))  # fmt: skip
    out = OutgoingMessage(sender=Address("", me), to=[Address("", me)], subject="x", body="y")
    result = sender.send(sender.queue(out).id)
    assert result.error is not None and result.error.kind is ErrorKind.AUTH_FAILED
    assert "wrong-password" not in str(result.error.to_json())
    [waiting] = sender.outbox.items()
    assert waiting.state is OutboxState.FAILED


class _Password:
    """Stands in for the keyring (tested elsewhere): the runtime only asks for the password."""

    def __init__(self, password: str) -> None:
        self.password = password

    def get(self, email: str) -> str:
        return self.password


def test_the_runtime_sends_what_waits_after_a_crash_and_drops_the_draft(testbed: Testbed, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    me, password = f"rt{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    account = account_for(testbed, me, Security.STARTTLS)
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    waiting = OutgoingMessage(sender=Address("", me), to=[Address("", me)], subject="left over", body="x")
    sender_for(account, password, testbed.settings, runtime.store()).queue(waiting)  # app died before sending
    draft = OutgoingMessage(sender=Address("", me), to=[Address("", me)], subject="drafted", body="y")
    drafts_for(account, password, testbed.settings, runtime.store()).save(draft, upload=False)  # offline
    runtime.sync()
    assert outbox_items(runtime.store()) == []
    assert count(testbed, me, password, "Sent", waiting.message_id) == 1
    assert count(testbed, me, password, "Drafts", draft.message_id) == 1
    result = runtime.send(draft)
    assert result.error is None
    assert count(testbed, me, password, "Drafts", draft.message_id) == 0
    assert count(testbed, me, password, "INBOX", draft.message_id) == 1
    runtime.close()


def test_an_opened_message_becomes_searchable_by_its_body(testbed: Testbed, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    me, password = f"fts{tag}@example.test", f"pw-{tag}"
    testbed.mail.add_user(me, password)
    body = b"<html><body><p>The zanzibar" + tag.encode() + b" report is attached.</p></body></html>"
    testbed.mail.put_message(me, b"Subject: report\r\nContent-Type: text/html\r\n\r\n" + body)
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account_for(testbed, me, Security.SSL), paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    runtime.sync()
    store = runtime.store()
    inbox = store.folder("INBOX")
    assert inbox is not None
    [summary] = store.messages(inbox.id)
    assert store.search(f"zanzibar{tag}") == []
    runtime.body(summary)
    assert [m.id for m in store.search(f"zanzibar{tag}")] == [summary.id]
    refreshed = store.message(summary.id)
    assert refreshed is not None and refreshed.preview.startswith("The zanzibar")
    runtime.close()
