"""Helpers for POP3 tests: a POP3 account on the bed's Dovecot, a store, and a logged-in client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account, DownloadChoices
from deskmail.engine.pop3.client import Pop3Client, login_pop3, open_pop3
from deskmail.engine.store.writer import Store
from tests.integration.imaptools import PASSWORD, Mailbox


def pop3_server(testbed: Any, email: str, security: Security = Security.SSL) -> ServerConfig:
    port = 995 if security is Security.SSL else 110
    return ServerConfig(Protocol.POP3, "pop.example.test", port, security, email)


def pop3_account(testbed: Any, email: str, choices: DownloadChoices | None = None) -> Account:
    smtp = ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, email)
    return Account(email, "Pop Person", pop3_server(testbed, email), smtp, download=choices or DownloadChoices())


def logged_in(testbed: Any, mailbox: Mailbox, security: Security = Security.SSL) -> Pop3Client:
    client = open_pop3(pop3_server(testbed, mailbox.email, security), testbed.settings)
    login_pop3(client, mailbox.email, PASSWORD)
    return client


def message_ids(store: Store, folder: str = "INBOX") -> list[str]:
    found = store.folder(folder)
    assert found is not None
    return sorted(m.message_id for m in store.messages(found.id, limit=100_000))


def open_store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "store" / "store.sqlite3")
