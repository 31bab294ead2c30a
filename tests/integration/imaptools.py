"""Helpers for sync tests: a fresh mailbox per test, our connector, and an independent client."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from imapclient import IMAPClient

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.imap.account import Connector
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.engine.store import Store
from deskmail.net.tls import client_context
from tests.servers.bed import Testbed
from tests.servers.courier import Courier
from tests.servers.dovecot import Dovecot

PASSWORD = "sync-test-pw"
_counter = itertools.count(1)


def message(subject: str, sender: str = "Bob <bob@example.test>", body: str = "hello\r\n") -> bytes:
    n = next(_counter)
    return (
        f"From: {sender}\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
        f"Date: {formatdate(1_700_000_000 + n * 60)}\r\nMessage-ID: <t{n}.{uuid.uuid4().hex}@example.test>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


@dataclass
class Mailbox:
    """A fresh user on a Dovecot (or Courier), with ways in for us and for "another mail program"."""

    server: Dovecot | Courier
    email: str
    ca_path: Path

    def connect(self, port: int | None = None) -> IMAPClient:
        client = IMAPClient(
            self.server.ip,
            port=self.server.imaps_port or 993,
            ssl=True,
            ssl_context=client_context(extra_ca=self.ca_path),
            timeout=15,
        )
        client.login(self.email, PASSWORD)
        return client

    def connector(self) -> Connector:
        def connect(cancel: CancelToken) -> IMAPClient:
            cancel.raise_if_cancelled()
            return self.connect()

        return connect

    def fill(
        self, count: int, folder: str = "INBOX", flags: Callable[[int], str] = lambda n: "S" if n % 2 else ""
    ) -> None:
        for n in range(count):
            self.server.put_message(self.email, message(f"{folder} message {n}"), folder=folder, flags=flags(n))


SETUP_COMMANDS = (b"CAPABILITY", b"LOGIN", b"ENABLE", b"LOGOUT", b"ID")  # sent once per connection


def counting_connector(mailbox: Mailbox, sends: list[list[bytes]]) -> Connector:
    """Our connector, and what each send() carries after the setup, as command lines without tags."""

    def connect(cancel: CancelToken) -> IMAPClient:
        client = mailbox.connector()(cancel)
        original = client._imap.send

        def send(data: bytes) -> None:
            lines = [line.split(b" ", 1)[1] for line in data.split(b"\r\n") if b" " in line]
            if lines and not lines[0].upper().startswith(SETUP_COMMANDS):
                sends.append(lines)
            original(data)

        client._imap.send = send
        return client

    return connect


class _Password:
    """Stands in for the keyring (tested elsewhere): the runtime only asks for the password."""

    def get(self, email: str) -> str:
        return PASSWORD


def mailbox_runtime(testbed: Testbed, email: str, tmp_path: Path) -> AccountRuntime:
    """The window's runtime for a mailbox of the bed's Dovecot (made by `new_mailbox`), its files under `tmp_path`."""
    account = Account(
        email=email,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, testbed.mail.host, 993, Security.SSL, username=email),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=email),
    )
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    return AccountRuntime(account, paths, testbed.settings, _Password())  # type: ignore[arg-type]


def new_mailbox(server: Dovecot | Courier, ca_path: Path) -> Mailbox:
    email = f"sync-{uuid.uuid4().hex[:10]}@example.test"
    server.add_user(email, PASSWORD)
    return Mailbox(server, email, ca_path)


def server_state(client: IMAPClient) -> dict[str, dict[int, frozenset[str]]]:
    """Folder -> {uid: flags} as the server has it (asked with explicit UID lists)."""
    state: dict[str, dict[int, frozenset[str]]] = {}
    for _flags, _delim, name in client.list_folders():
        client.select_folder(name, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["FLAGS"]) if uids else {}
        state[name] = {uid: frozenset(f.decode() for f in d[b"FLAGS"] if f != b"\\Recent") for uid, d in data.items()}
    return state


def store_state(store: Store) -> dict[str, dict[int, frozenset[str]]]:
    state: dict[str, dict[int, frozenset[str]]] = {}
    for folder in store.folders():
        rows = store.conn.execute("SELECT uid, flags FROM messages WHERE folder_id = ?", (folder.id,))
        state[folder.name] = {int(uid): frozenset(f for f in flags.split() if f != "\\Recent") for uid, flags in rows}
    return state


def assert_converged(store: Store, mailbox: Mailbox) -> None:
    other = mailbox.connect()
    try:
        expected = server_state(other)
    finally:
        other.logout()
    actual = store_state(store)
    assert set(actual) == set(expected)
    for name in expected:
        assert actual[name] == expected[name], f"folder {name} differs"
        folder = store.folder(name)
        assert folder is not None and folder.exists == len(expected[name])
        assert store.visible_count(folder.id) == store.message_count(folder.id), f"{name}: the kept count is off"
