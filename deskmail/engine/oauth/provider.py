"""Which OAuth2 authorization server a provider uses, and the client id Deskmail signs in with.

The endpoints and scopes come from the bundled provider table (resources/providers.json, "oauth2")
or from a provider's autoconfig file (<oAuth2>). The client id is the part Deskmail must be given:
Google and Microsoft issue one per application, and Deskmail has none registered yet. It comes from
the table's "client_id" (empty today) or, for packagers, from DESKMAIL_OAUTH_CLIENT_<PROVIDER>
(provider id in capitals, other characters as "_"; e.g. DESKMAIL_OAUTH_CLIENT_GMAIL), with an
optional DESKMAIL_OAUTH_SECRET_<PROVIDER> for providers that insist on a (not secret) desktop
"client secret". Without a client id there is no browser sign-in and the wizard offers app passwords.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CLIENT_ENV_PREFIX = "DESKMAIL_OAUTH_CLIENT_"
SECRET_ENV_PREFIX = "DESKMAIL_OAUTH_SECRET_"


@dataclass(frozen=True)
class OAuthProvider:
    """One provider's OAuth2 settings; `client_id` is empty when Deskmail has none for it."""

    id: str
    name: str
    auth_url: str
    token_url: str
    scope: str
    client_id: str = ""
    client_secret: str = ""  # only for providers whose "desktop" clients have one; it is not a secret
    auth_params: tuple[tuple[str, str], ...] = field(default=())  # extra query parameters, e.g. access_type

    @property
    def usable(self) -> bool:
        """True when a browser sign-in can be offered (a client id and https endpoints)."""
        return bool(self.client_id) and _https(self.auth_url) and _https(self.token_url)

    def to_json(self) -> dict[str, Any]:
        """What an account remembers (no secret: the client secret is looked up again from the environment)."""
        out: dict[str, Any] = {
            "provider_id": self.id,
            "auth_url": self.auth_url,
            "token_url": self.token_url,
            "scope": self.scope,
            "client_id": self.client_id,
        }
        if self.auth_params:
            out["auth_params"] = "&".join(f"{k}={v}" for k, v in self.auth_params)
        return out


def env_name(prefix: str, provider_id: str) -> str:
    """DESKMAIL_OAUTH_CLIENT_ + the provider id in capitals with every other character as "_"."""
    return prefix + re.sub(r"[^A-Z0-9]", "_", provider_id.upper())


def oauth_provider(
    provider_id: str, name: str, block: Mapping[str, str] | None, environ: Mapping[str, str] | None = None
) -> OAuthProvider | None:
    """The provider's OAuth2 settings from a table/autoconfig block, client id overridden from the environment.

    None when the block lacks endpoints or a scope. The result may still be unusable (no client id).
    """
    if not block:
        return None
    env = os.environ if environ is None else environ
    auth_url, token_url, scope = (str(block.get(k, "")).strip() for k in ("auth_url", "token_url", "scope"))
    if not (auth_url and token_url and scope):
        return None
    client_id = env.get(env_name(CLIENT_ENV_PREFIX, provider_id), "").strip() or str(block.get("client_id", ""))
    secret = env.get(env_name(SECRET_ENV_PREFIX, provider_id), "").strip() or str(block.get("client_secret", ""))
    params = tuple(parse_qsl(str(block.get("auth_params", ""))))
    return OAuthProvider(provider_id, name, auth_url, token_url, scope, client_id.strip(), secret, params)


def from_account_json(data: Mapping[str, Any], name: str, environ: Mapping[str, str] | None = None) -> OAuthProvider:
    """Rebuild an account's saved OAuth2 settings; the client id stays the one its refresh token belongs to."""
    block = {str(k): str(v) for k, v in data.items()}
    provider = oauth_provider(block.get("provider_id", ""), name, block, environ)
    if provider is None:
        raise ValueError("incomplete OAuth2 settings")
    saved_id = block.get("client_id", "")
    if saved_id and saved_id != provider.client_id:
        # A refresh token works only with the client id it was issued to, whatever the environment says now.
        return OAuthProvider(
            provider.id, name, provider.auth_url, provider.token_url, provider.scope, saved_id, "", provider.auth_params
        )
    return provider


def _https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)
