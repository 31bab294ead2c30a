"""Token requests (RFC 6749 4.1.3 and 6): code for tokens, refresh token for a new access token.

Over our bounded HTTPS client only (verified TLS, size and time limits). Every token is registered
with core.redact the moment it arrives; none is ever put into an exception's text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import _
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.net.http import HttpClient, HttpError

TOKEN_TIMEOUT = 15.0
MAX_TOKEN_RESPONSE = 64 * 1024
DEFAULT_LIFETIME = 3600  # seconds, when a server does not say (RFC 6749 5.1 makes expires_in optional)


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint answered; `expires_at` is on the time.monotonic() clock."""

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""

    def fresh(self, margin: float = 60.0) -> bool:
        """True while the access token has more than `margin` seconds left."""
        return time.monotonic() + margin < self.expires_at

    def __repr__(self) -> str:  # dataclass's repr would print the tokens
        return f"TokenSet(expires_in={self.expires_at - time.monotonic():.0f}s, scope={self.scope!r})"


def sign_in_again(provider: OAuthProvider, email: str, details: str = "") -> UserFacingError:
    """The error for a refresh token that no longer works: only a new browser sign-in helps."""
    return UserFacingError(
        ErrorKind.OAUTH_REQUIRED,
        # callers name the account
        _("Your sign-in to {provider} has ended or was withdrawn.").format(provider=provider.name or provider.id),
        fix=_("Sign in again with {provider} in your browser.").format(provider=provider.name or provider.id),
        field=Field.PASSWORD,
        details=details,
        data={"sign_in_again": True, "provider": provider.id, "account": email},
    )


def _code_refused(provider: OAuthProvider, email: str, details: str) -> UserFacingError:
    return UserFacingError(
        ErrorKind.OAUTH_REQUIRED,
        _("{provider} did not accept the sign-in for {email}.").format(
            provider=provider.name or provider.id, email=email
        ),
        fix=_("Try signing in again."),
        details=details,
        data={"provider": provider.id},
    )


def exchange_code(
    provider: OAuthProvider,
    code: str,
    verifier: str,
    redirect_uri: str,
    settings: Settings,
    email: str,
    cancel: CancelToken = NEVER,
) -> TokenSet:
    """Trade the authorization code (with its PKCE verifier) for tokens; a refresh token is required."""
    register_secret(code)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": provider.client_id,
        "code_verifier": verifier,
    }
    tokens = _request(provider, form, settings, email, cancel, previous_refresh="", refused=_code_refused)
    if not tokens.refresh_token:
        raise UserFacingError(
            ErrorKind.PROTOCOL_ERROR,
            _("{provider} signed you in but did not allow Deskmail to stay signed in.").format(
                provider=provider.name or provider.id
            ),
            fix=_("Try again; if it happens again, use an app password instead."),
            details="token response without refresh_token",
        )
    return tokens


def refresh(
    provider: OAuthProvider, refresh_token: str, settings: Settings, email: str, cancel: CancelToken = NEVER
) -> TokenSet:
    """A new access token (and maybe a new refresh token: some providers rotate them)."""
    register_secret(refresh_token)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": provider.client_id}
    if provider.scope:
        form["scope"] = provider.scope
    return _request(provider, form, settings, email, cancel, previous_refresh=refresh_token, refused=sign_in_again)


def _request(
    provider: OAuthProvider,
    form: dict[str, str],
    settings: Settings,
    email: str,
    cancel: CancelToken,
    previous_refresh: str,
    refused: Callable[[OAuthProvider, str, str], UserFacingError],
) -> TokenSet:
    if provider.client_secret:
        form["client_secret"] = provider.client_secret
    host = provider.token_url
    try:
        response = HttpClient(settings).post_form(
            provider.token_url, form, cancel=cancel, timeout=TOKEN_TIMEOUT, max_bytes=MAX_TOKEN_RESPONSE
        )
    except HttpError as exc:
        raise _network_error(provider, exc) from None
    if response.truncated:
        raise _protocol(provider, f"token response from {host} larger than {MAX_TOKEN_RESPONSE} bytes")
    data = _json(response.body)
    if response.status != 200 or "error" in data:
        error = str(data.get("error", ""))
        details = f"{host}: HTTP {response.status}, error={error!r}"
        if error in ("invalid_grant", "unauthorized_client", "invalid_client") or response.status in (400, 401):
            raise refused(provider, email, details)
        raise _protocol(provider, details)
    return _token_set(provider, data, previous_refresh)


def _token_set(provider: OAuthProvider, data: dict[str, Any], previous_refresh: str) -> TokenSet:
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise _protocol(provider, "token response without access_token")
    register_secret(access)
    if str(data.get("token_type", "bearer")).lower() != "bearer":
        raise _protocol(provider, f"token type {data.get('token_type')!r}, not Bearer")
    refresh_token = data.get("refresh_token") or previous_refresh
    if not isinstance(refresh_token, str):
        raise _protocol(provider, "refresh_token is not a string")
    register_secret(refresh_token)
    lifetime = data.get("expires_in", DEFAULT_LIFETIME)
    try:
        seconds = max(0.0, float(lifetime))
    except (TypeError, ValueError):
        seconds = float(DEFAULT_LIFETIME)
    return TokenSet(access, refresh_token, time.monotonic() + seconds, str(data.get("scope", "")))


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"error": "not_json"}
    return data if isinstance(data, dict) else {"error": "not_an_object"}


def _protocol(provider: OAuthProvider, details: str) -> UserFacingError:
    return UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        _("{provider}'s sign-in service gave an answer Deskmail does not understand.").format(
            provider=provider.name or provider.id
        ),
        fix=_("Try again later."),
        details=details,
    )


def _network_error(provider: OAuthProvider, exc: HttpError) -> UserFacingError:
    kind = {
        "timeout": ErrorKind.TIMEOUT,
        "dns_timeout": ErrorKind.OFFLINE,
        "no_such_host": ErrorKind.HOST_NOT_FOUND,
        "refused": ErrorKind.CONNECT_REFUSED,
        "tls_cert": ErrorKind.CERT_UNTRUSTED,
        "tls": ErrorKind.TLS_FAILED,
    }.get(exc.kind, ErrorKind.OFFLINE)
    return UserFacingError(
        kind,
        _("Deskmail could not reach {provider}'s sign-in service.").format(provider=provider.name or provider.id),
        fix=_("Check that this computer is connected to the internet, then try again."),
        field=Field.NETWORK,
        details=f"{exc.kind}: {exc}",
    )
