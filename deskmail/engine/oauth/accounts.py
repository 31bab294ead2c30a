"""Accounts that sign in through the browser: what to save, and what to log in with.

The keyring item of such an account holds its refresh token where a password account keeps its
password, so removing the account, "remember me" and the session-only fallback work the same way.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine.accounts import AUTH_OAUTH2, Account, AccountStore
from deskmail.engine.credentials import Credentials, KeyringUnavailable, save_account_and_password
from deskmail.engine.oauth.provider import OAuthProvider, from_account_json, oauth_provider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.oauth.tokens import TokenSet, sign_in_again

log = logging.getLogger(__name__)

Secret = str | OAuthLogin  # what the IMAP / SMTP login functions take
__all__ = ["Secret", "account_provider", "login_secret", "save_signed_in", "sign_in_again", "with_oauth"]


def provider_from_block(
    provider_id: str, name: str, block: dict[str, str] | None, settings: Settings
) -> OAuthProvider | None:
    """A discovery result's OAuth2 settings with the packager's client id (DESKMAIL_OAUTH_CLIENT_*) applied."""
    return oauth_provider(provider_id, name, block, dict(settings.oauth_env))


def with_oauth(account: Account, provider: OAuthProvider) -> Account:
    """The account, marked as signing in with `provider` (its endpoints and client id are remembered)."""
    return replace(account, auth=AUTH_OAUTH2, oauth2=tuple(provider.to_json().items()))


def account_provider(account: Account, settings: Settings) -> OAuthProvider:
    name = account.provider.name or account.provider.id
    return from_account_json(dict(account.oauth2), name, dict(settings.oauth_env))


def save_signed_in(
    store: AccountStore, credentials: Credentials, account: Account, tokens: TokenSet, settings: Settings
) -> None:
    """Save the account and its refresh token (keyring, or this session only); keep the access token in memory."""
    save_account_and_password(store, credentials, account, tokens.refresh_token)
    provider = account_provider(account, settings)
    OAuthLogin(provider, account.email, tokens.refresh_token, settings).remember(tokens)


def login_secret(account: Account, stored: str, credentials: Credentials, settings: Settings) -> Secret:
    """What to log in with: the password itself, or an OAuthLogin around the stored refresh token."""
    register_secret(stored)
    if account.auth != AUTH_OAUTH2:
        return stored

    def save_rotated(token: str) -> None:
        try:
            if account.remember_password:
                credentials.set(account.email, token)
            else:
                credentials.set_for_session(account.email, token)
        except KeyringUnavailable as exc:
            credentials.set_for_session(account.email, token)  # better than losing it: works until quit
            log.warning("could not keep the renewed sign-in of %s in the keyring: %s", account.email, exc.details)

    return OAuthLogin(account_provider(account, settings), account.email, stored, settings, save_rotated)
