"""Connectors: how the engine gets a logged-in IMAPClient for an account (TLS rules in connect.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapclient import IMAPClient

from deskmail.core.cancel import CancelToken
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account
from deskmail.engine.imap.account import Connector

if TYPE_CHECKING:
    from deskmail.engine.oauth.session import OAuthLogin

IMAP_TIMEOUT = 30.0


def account_connector(
    account: Account, password: str | OAuthLogin, settings: Settings, timeout: float = IMAP_TIMEOUT
) -> Connector:
    """A Connector that opens a verified (or pinned) TLS connection and logs in; errors are UserFacingError."""
    if isinstance(password, str):
        register_secret(password)

    def connect(cancel: CancelToken) -> IMAPClient:
        from deskmail.engine.connect import close_quietly, login_imap, open_imap

        client: IMAPClient = open_imap(account.incoming, settings, account.policy, cancel, timeout)
        try:
            login_imap(client, account.incoming.username or account.email, password, cancel)
        except BaseException:
            close_quietly(client)
            raise
        return client

    return connect
