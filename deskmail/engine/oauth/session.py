"""An account's OAuth2 login: the refresh token from the keyring, access tokens kept in memory.

`OAuthLogin` is what the IMAP and SMTP login functions take instead of a password. Access tokens are
shared by every connection of the process (one cache per account and client id) and refreshed when
they are about to expire or a server refused them. A rotated refresh token is handed to `save_refresh`
(the keyring) at once, so the old one is never needed again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine.oauth import tokens
from deskmail.engine.oauth.provider import OAuthProvider

_cache: dict[tuple[str, str], tokens.TokenSet] = {}
_cache_lock = threading.Lock()


class OAuthLogin:
    """Hands out a valid access token for one account, refreshing it with the refresh token when needed."""

    def __init__(
        self,
        provider: OAuthProvider,
        email: str,
        refresh_token: str,
        settings: Settings,
        save_refresh: Callable[[str], None] | None = None,
    ) -> None:
        register_secret(refresh_token)
        self.provider = provider
        self.email = email
        self._refresh_token = refresh_token
        self._settings = settings
        self._save_refresh = save_refresh
        self._key = (email.strip().casefold(), provider.client_id)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuthLogin({self.provider.id!r}, {self.email!r})"

    @property
    def refresh_token(self) -> str:
        """The current refresh token (what the keyring keeps for this account)."""
        return self._refresh_token

    def access_token(self, cancel: CancelToken = NEVER) -> tuple[str, bool]:
        """(token, fresh): a cached token still valid for a minute, else a newly refreshed one (fresh=True)."""
        with _cache_lock:
            cached = _cache.get(self._key)
        if cached is not None and cached.fresh():
            return cached.access_token, False
        return self.refreshed_token(cancel), True

    def refreshed_token(self, cancel: CancelToken = NEVER) -> str:
        """A new access token from the token endpoint (after a server refused the cached one)."""
        with self._lock:
            result = tokens.refresh(self.provider, self._refresh_token, self._settings, self.email, cancel)
            if result.refresh_token != self._refresh_token:
                self._refresh_token = result.refresh_token
                if self._save_refresh is not None:
                    self._save_refresh(result.refresh_token)
            with _cache_lock:
                _cache[self._key] = result
            return result.access_token

    def remember(self, token_set: tokens.TokenSet) -> None:
        """Keep the access token a sign-in just produced, so the first login needs no refresh."""
        with _cache_lock:
            _cache[self._key] = token_set

    def forget(self) -> None:
        """Drop the cached access token (a server refused it, or the account was removed)."""
        with _cache_lock:
            _cache.pop(self._key, None)
