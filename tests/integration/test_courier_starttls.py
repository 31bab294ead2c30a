"""STARTTLS on port 143 against a real Courier IMAP, and fail-closed when a Courier offers none.

RFC 3501 6.2.1 / RFC 2595: the client asks for STARTTLS before it sends anything secret, checks the
certificate as on 993, and forgets what it learned before TLS. A server that does not offer STARTTLS
(here a Courier on 1143 that takes plain-text LOGIN) is refused before any password leaves.
"""

from __future__ import annotations

import imaplib
import ssl
import time
from pathlib import Path

import pytest

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.connector import account_connector
from deskmail.engine.store import Store
from deskmail.engine.validate.checks import check_server
from deskmail.engine.validate.report import ServerCheck
from tests.integration.imaptools import PASSWORD, Mailbox, new_mailbox
from tests.servers.bed import Testbed
from tests.servers.courier import Courier


@pytest.fixture
def mailbox(testbed: Testbed, courier: Courier) -> Mailbox:
    return new_mailbox(courier, testbed.ca_path)


def account_on(courier: Courier, testbed: Testbed, mailbox: Mailbox, port: int) -> Account:
    return Account(
        email=mailbox.email,
        display_name="",
        incoming=ServerConfig(Protocol.IMAP, courier.host, port, Security.STARTTLS, mailbox.email),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, mailbox.email),
    )


def check_incoming(testbed: Testbed, account: Account) -> ServerCheck:
    """The wizard's and Settings' check of the incoming server (what runs before an account is saved)."""
    policy, quiet = ConnectionPolicy(), lambda _text: None
    return check_server(account.incoming, account.email, PASSWORD, testbed.settings, policy, CancelToken(), quiet, 15)


def logins(courier: Courier, email: str) -> list[str]:
    """Courier's log lines about logins of `email` ("LOGIN, user=..." or "LOGIN FAILED, user=...")."""
    lines = courier.log.read_text(errors="replace").splitlines()
    return [line for line in lines if "LOGIN" in line and f"user={email}," in line]


def test_starttls_on_143_is_checked_then_a_whole_sync_runs_over_it(
    testbed: Testbed, courier: Courier, mailbox: Mailbox, tmp_path: Path
) -> None:
    mailbox.fill(3)
    account = account_on(courier, testbed, mailbox, courier.imap_port)
    check = check_incoming(testbed, account)
    assert check.ok, check.to_json()
    assert len(check.tls["sha256"]) == 64  # the certificate was verified after STARTTLS
    assert "STARTTLS" not in check.capabilities  # asked again after TLS (RFC 3501 6.2.1), not the greeting's

    session = open_session(account_connector(account, PASSWORD, testbed.settings))
    store = Store.open(tmp_path / "store.sqlite3")
    try:
        assert isinstance(session.client.socket(), ssl.SSLSocket)
        report = sync_account(session, store, folders=["INBOX"])
        assert report.ok, report.to_json()
        assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
    finally:
        session.logout()
        store.close()


def test_a_courier_without_starttls_is_refused_before_any_password_is_sent(
    testbed: Testbed, courier: Courier, mailbox: Mailbox
) -> None:
    account = account_on(courier, testbed, mailbox, courier.no_starttls_port)
    with pytest.raises(UserFacingError) as refused:
        account_connector(account, PASSWORD, testbed.settings)(NEVER)
    assert refused.value.kind is ErrorKind.STARTTLS_MISSING
    check = check_incoming(testbed, account)
    assert check.error is not None and check.error.kind is ErrorKind.STARTTLS_MISSING and check.username == ""

    # The same port takes a plain-text LOGIN from a careless client, and Courier logs it: so the log
    # would have shown ours, had we sent one.
    with imaplib.IMAP4(courier.ip, courier.no_starttls_port, timeout=10) as careless:
        careless.login(mailbox.email, PASSWORD)
    deadline = time.monotonic() + 10
    while not logins(courier, mailbox.email) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(logins(courier, mailbox.email)) == 1, logins(courier, mailbox.email)
