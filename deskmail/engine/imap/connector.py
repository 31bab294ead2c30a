"""Connectors: how the engine gets a logged-in IMAPClient for an account (TLS rules in connect.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapclient import IMAPClient

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine import failures, limits
from deskmail.engine.accounts import Account
from deskmail.engine.cancelwatch import Deadline, closes_on_cancel
from deskmail.engine.imap.account import Connector
from deskmail.engine.passwordlookup import PasswordLookup, open_and_log_in

if TYPE_CHECKING:
    from deskmail.engine.oauth.session import OAuthLogin

IMAP_TIMEOUT = limits.IDLE_TIMEOUT


def account_connector(
    account: Account,
    password: str | OAuthLogin | PasswordLookup[str | OAuthLogin],
    settings: Settings,
    timeout: float | None = None,
) -> Connector:
    """A Connector that opens a verified (or pinned) TLS connection and logs in; errors are UserFacingError.

    The whole of it (TCP, TLS, greeting, login) has CONNECT_DEADLINE: a server trickling bytes
    restarts the idle `timeout` with each one, but not that deadline. A `PasswordLookup` (still
    asking the keyring) is waited for only once TLS is done; its answer serves every reconnect.
    """
    if isinstance(password, str):
        register_secret(password)
    lookup = password if isinstance(password, PasswordLookup) else PasswordLookup.known(password)

    def connect(cancel: CancelToken) -> IMAPClient:
        from deskmail.engine.connect import close_quietly, login_imap, open_imap

        deadline = Deadline(limits.CONNECT_DEADLINE, lookup.watching(cancel))
        username = account.incoming.username or account.email

        def log_in(client: IMAPClient, secret: str | OAuthLogin) -> None:
            with closes_on_cancel(client.socket(), deadline):
                login_imap(client, username, secret, deadline)

        try:
            client: IMAPClient = open_and_log_in(
                lambda: open_imap(account.incoming, settings, account.policy, deadline, timeout or limits.IDLE_TIMEOUT),
                log_in,
                close_quietly,
                lookup,
                cancel,
                deadline,
            )
        except (UserFacingError, Cancelled, OSError):
            if deadline.expired and not cancel.cancelled:
                raise failures.timed_out(account.incoming, "connecting and logging in") from None
            raise
        return client

    return connect
