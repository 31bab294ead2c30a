"""The browser sign-in (RFC 8252 native-app flow): authorization code + PKCE S256 + state.

    tokens = sign_in(provider, "anna@gmail.com", settings=..., cancel=..., open_browser=open_url)

`open_browser` gets the authorization URL (the ui layer hands it to QDesktopServices, the CLI prints
it and asks the system browser); the engine waits on the loopback listener until the browser comes
back, the time limit passes or the cancel token fires, then trades the code for tokens.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine.oauth.loopback import LoopbackListener, Redirect
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.tokens import TokenSet, exchange_code

log = logging.getLogger(__name__)
SIGN_IN_TIMEOUT = 600.0  # people read, type a password, answer a second factor: give them ten minutes


def new_verifier() -> str:
    """A PKCE code verifier: 64 random bytes as base64url, 86 characters (RFC 7636 4.1 allows 43..128)."""
    return secrets.token_urlsafe(64)


def challenge_for(verifier: str) -> str:
    """The S256 code challenge: base64url(SHA-256(verifier)) without padding (RFC 7636 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(provider: OAuthProvider, redirect_uri: str, state: str, challenge: str, email: str) -> str:
    """The URL the browser opens: our client id, the loopback redirect, scope, state and the PKCE challenge."""
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": email,
        **dict(provider.auth_params),
    }
    parts = urlsplit(provider.auth_url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def sign_in(
    provider: OAuthProvider,
    email: str,
    *,
    settings: Settings,
    open_browser: Callable[[str], object],
    cancel: CancelToken = NEVER,
    timeout: float = SIGN_IN_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> TokenSet:
    """Run the whole sign-in; UserFacingError when it cannot finish, Cancelled when cancelled."""
    if not provider.usable:
        raise UserFacingError(
            ErrorKind.OAUTH_REQUIRED,
            _("This copy of Deskmail cannot sign in to {provider} in the browser.").format(
                provider=provider.name or provider.id
            ),
            fix=_("Use an app password instead."),
            details=f"no client id configured for provider {provider.id!r}",
        )
    verifier, state = new_verifier(), secrets.token_urlsafe(32)
    register_secret(verifier)
    with LoopbackListener(state) as listener:
        redirect_uri = listener.redirect_uri
        url = authorization_url(provider, redirect_uri, state, challenge_for(verifier), email)
        if progress:
            progress(
                _("Waiting for you to sign in to {provider} in your browser...").format(
                    provider=provider.name or provider.id
                )
            )
        open_browser(url)
        redirect = listener.wait(cancel, timeout)
    _check(provider, redirect, state)
    assert redirect is not None
    if progress:
        progress(_("Finishing the sign-in with {provider}...").format(provider=provider.name or provider.id))
    return exchange_code(provider, redirect.code, verifier, redirect_uri, settings, email, cancel)


def _check(provider: OAuthProvider, redirect: Redirect | None, state: str) -> None:
    name = provider.name or provider.id
    if redirect is None:
        raise UserFacingError(
            ErrorKind.TIMEOUT,
            _("The sign-in with {provider} did not finish in time.").format(provider=name),
            fix=_("Try again, and finish the sign-in in the browser window that opens."),
        )
    if not secrets.compare_digest(redirect.state.encode(), state.encode()):
        # Not the answer to our request (RFC 6749 10.12): never trade a code we did not ask for.
        raise UserFacingError(
            ErrorKind.PROTOCOL_ERROR,
            _("The answer that came back from the browser does not belong to this sign-in with {provider}.").format(
                provider=name
            ),
            fix=_("Try again. If this keeps happening, close other sign-in windows first."),
            details="state mismatch",
        )
    if redirect.error:
        denied = redirect.error == "access_denied"
        raise UserFacingError(
            ErrorKind.AUTH_FAILED if denied else ErrorKind.PROTOCOL_ERROR,
            (
                _("Deskmail was not allowed to read your mail at {provider}.")
                if denied
                else _("{provider} could not finish the sign-in.")
            ).format(provider=name),
            fix=_("Try again and choose to allow Deskmail.") if denied else _("Try again later."),
            details=f"error={redirect.error!r} {redirect.error_description[:200]!r}",
        )
    if not redirect.code:
        raise UserFacingError(
            ErrorKind.PROTOCOL_ERROR,
            _("{provider} sent no sign-in code back.").format(provider=name),
            fix=_("Try again."),
        )
