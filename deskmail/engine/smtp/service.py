"""Sending for one account: the Sender and DraftManager wired to the account's real connections.

sender = sender_for(account, password, settings, store)       # on the account's worker thread
item = sender.queue(outgoing)                                 # durable in the outbox at once
result = sender.send(item.id, cancel)                         # SendResult; .error -> show it
drafts = drafts_for(account, password, settings, store)
drafts.save(outgoing, cancel, upload=False)                   # autosave every few seconds
drafts.save(outgoing, cancel)                                 # ... and now and then to the server
drafts.discard(outgoing.message_id, cancel)                   # after Send, or "Discard"
"""

from __future__ import annotations

import smtplib

from deskmail.core.cancel import CancelToken
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine import connect
from deskmail.engine.accounts import Account
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.smtp.drafts import DraftManager
from deskmail.engine.smtp.imapfolders import ImapClient, ImapConnector
from deskmail.engine.smtp.outbox import LocalDrafts, Outbox
from deskmail.engine.smtp.sender import Checkpoint, Sender, SmtpConnector
from deskmail.engine.store import Store


def imap_connector(account: Account, password: str | OAuthLogin, settings: Settings) -> ImapConnector:
    """Opens a verified, logged-in IMAP connection for each call."""
    if isinstance(password, str):
        register_secret(password)

    def open_logged_in(cancel: CancelToken) -> ImapClient:
        client = connect.open_imap(account.incoming, settings, account.policy, cancel)
        try:
            connect.login_imap(client, account.incoming.username or account.email, password, cancel)
        except BaseException:
            connect.close_quietly(client)
            raise
        return client

    return open_logged_in


def smtp_connector(account: Account, password: str | OAuthLogin, settings: Settings) -> SmtpConnector:
    """Opens a verified, logged-in SMTP submission session for each call."""
    if isinstance(password, str):
        register_secret(password)

    def open_logged_in(cancel: CancelToken) -> smtplib.SMTP:
        session = connect.open_smtp(account.outgoing, settings, account.policy, cancel)
        try:
            connect.login_smtp(session, account.outgoing.username or account.email, password, cancel)
        except BaseException:
            connect.close_quietly(session)
            raise
        return session

    return open_logged_in


def sender_for(
    account: Account,
    password: str | OAuthLogin,
    settings: Settings,
    store: Store,
    checkpoint: Checkpoint | None = None,
) -> Sender:
    return Sender(
        Outbox(store),
        smtp_connector(account, password, settings),
        imap_connector(account, password, settings),
        smtp_host=account.outgoing.host,
        checkpoint=checkpoint,
    )


def drafts_for(account: Account, password: str | OAuthLogin, settings: Settings, store: Store) -> DraftManager:
    return DraftManager(LocalDrafts(store), imap_connector(account, password, settings))
