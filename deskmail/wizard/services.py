"""The real collaborators of the wizard: discovery, connection checks, accounts and the keyring."""

from __future__ import annotations

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Candidate, ConnectionPolicy
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountStore, account_key
from deskmail.engine.credentials import Credentials, save_account_and_password
from deskmail.engine.oauth.accounts import provider_from_block
from deskmail.engine.oauth.provider import OAuthProvider
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.wizard.draft import CheckReportLike, DiscoveryLike, OpenBrowser, Progress, Services

DISCOVERY_TIMEOUT = 8.0


def real_services(
    settings: Settings,
    store: AccountStore,
    credentials: Credentials,
    discovery_timeout: float = DISCOVERY_TIMEOUT,
) -> Services:
    """Services wired to the engine (the composition root and the GUI tests use this)."""

    def discover(email: str, cancel: CancelToken, progress: Progress) -> DiscoveryLike:
        # Imported when used: discovery loads the provider table and the Public Suffix List.
        from deskmail.discovery import discover as run_discovery

        return run_discovery(email, settings=settings, cancel=cancel, progress=progress, timeout=discovery_timeout)

    def check(
        candidate: Candidate,
        email: str,
        password: str | OAuthLogin,
        policy: ConnectionPolicy,
        cancel: CancelToken,
        progress: Progress,
    ) -> CheckReportLike:
        from deskmail.engine.validate import check_account

        return check_account(
            candidate, email, password, settings=settings, policy=policy, cancel=cancel, progress=progress
        )

    def save(account: Account, password: str, cancel: CancelToken) -> None:
        save_account_and_password(store, credentials, account, password)

    def oauth_for(candidate: Candidate) -> OAuthProvider | None:
        block = candidate.extra.get("oauth2")
        if not isinstance(block, dict):
            return None
        return provider_from_block(candidate.provider.id, candidate.provider.name, block, settings)

    def sign_in(provider: OAuthProvider, email: str, cancel: CancelToken, progress: Progress) -> OAuthLogin:
        from deskmail.engine.oauth.flow import sign_in as browser_sign_in

        def open_browser(url: str) -> None:
            progress(OpenBrowser(url))  # the UI opens it: the engine has no say over the desktop

        tokens = browser_sign_in(
            provider, email, settings=settings, open_browser=open_browser, cancel=cancel, progress=progress
        )
        login = OAuthLogin(provider, email, tokens.refresh_token, settings)
        login.remember(tokens)
        return login

    # The Account page asks "already set up?" on the GUI thread, which must not read files: the
    # saved addresses are read once in the background, when the wizard opens.
    existing: set[str] = set()

    def load_in_background() -> None:
        warm_up()
        existing.update(account.key for account in store.list())

    return Services(
        discover=discover,
        check=check,
        save=save,
        address_error=address_error,
        typo_hint=typo_hint,
        account_exists=lambda email: account_key(email) in existing,
        warm_up=load_in_background,
        keyring_available=credentials.available,
        oauth_for=oauth_for,
        sign_in=sign_in,
    )


def warm_up() -> None:
    """Load the address checks and the Public Suffix List (about 0.5 s) before the first keystroke needs them."""
    address_error("anna@example.com")
    typo_hint("anna@example.com")


def address_error(text: str) -> str | None:
    """Discovery's address check, in plain words (None when the address is fine)."""
    from deskmail.discovery.address import AddressError, parse_address

    try:
        parse_address(text)
    except AddressError as exc:
        return str(exc.message)
    return None


def typo_hint(text: str) -> str | None:
    from deskmail.discovery.address import typo_hint as hint

    if "@" not in text:
        return None
    found = hint(text)
    return str(found) if found else None
