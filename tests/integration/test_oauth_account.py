"""A browser sign-in account end to end: saved with its refresh token in gnome-keyring only, then
used by the runtime (sync and send connections) and by `deskmail sync`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import SecretService

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import Protocol, Provider, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import connect
from deskmail.engine.accounts import Account, AccountStore
from deskmail.engine.credentials import SERVICE, Credentials
from deskmail.engine.oauth import flow
from deskmail.engine.oauth.accounts import save_signed_in, with_oauth
from deskmail.engine.oauth.provider import oauth_provider
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from tests.integration.oauth_helpers import Browser
from tests.servers.oauth import CLIENT_ID, OAuthServer


@pytest.fixture
def signed_in(
    testbed: Any,
    oauth_server: OAuthServer,
    dovecot_factory: Callable[..., Any],
    smtp_factory: Callable[..., Any],
    keyring_env: dict[str, str],
    deskmail_home: Path,
) -> tuple[Account, Settings, Paths]:
    """Sign in through the bed's authorization server and save the account like the wizard does."""
    imap, smtp = dovecot_factory(oauth=oauth_server), smtp_factory(oauth=oauth_server)
    # A packager's client id, given the documented way.
    env = {**testbed.env, "DESKMAIL_HOME": str(deskmail_home), "DESKMAIL_OAUTH_CLIENT_OAUTH_TEST": CLIENT_ID}
    settings = Settings.from_env(env)
    provider = oauth_provider("oauth-test", "Test Mail", oauth_server.block(), dict(settings.oauth_env))
    assert provider is not None and provider.usable
    browser = Browser(oauth_server, str(testbed.ca_path))
    tokens = flow.sign_in(provider, testbed.user, settings=settings, open_browser=browser.open, cancel=CancelToken())
    browser.join()
    account = with_oauth(
        Account(
            testbed.user,
            "Alice",
            ServerConfig(Protocol.IMAP, imap.host, 993, Security.SSL, testbed.user, ("oauth2",)),
            ServerConfig(Protocol.SMTP, smtp.host, 465, Security.SSL, testbed.user, ("oauth2",)),
            provider=Provider("oauth-test", "Test Mail"),
        ),
        provider,
    )
    paths = Paths.from_settings(settings).ensure()
    save_signed_in(AccountStore(paths), Credentials(), account, tokens, settings)
    return account, settings, paths


def test_refresh_token_lives_in_the_keyring_only(
    testbed: Any, oauth_server: OAuthServer, signed_in: tuple[Account, Settings, Paths]
) -> None:
    account, _settings, paths = signed_in
    [refresh_token] = oauth_server.refresh_tokens(testbed.user)
    assert SecretService.Keyring().get_password(SERVICE, account.key) == refresh_token
    for path in Path(paths.config).parent.rglob("*"):
        if path.is_file():
            assert refresh_token.encode() not in path.read_bytes(), path
    assert AccountStore(paths).get(account.email) == account


def test_runtime_connects_with_the_token_and_refreshes_it(
    testbed: Any, oauth_server: OAuthServer, signed_in: tuple[Account, Settings, Paths]
) -> None:
    account, settings, paths = signed_in
    runtime = AccountRuntime(account, paths, settings, Credentials())
    client = runtime.imap_client(CancelToken())
    assert client.select_folder("INBOX")[b"EXISTS"] >= 0
    connect.close_quietly(client)
    oauth_server.expire_access_tokens()
    smtp = runtime.smtp_client(CancelToken())
    smtp.sendmail(testbed.user, [testbed.user], b"Subject: via runtime\r\n\r\nhello\r\n")
    connect.close_quietly(smtp)
    assert oauth_server.stats["token:refresh_token"] == 1


def test_revoked_sign_in_reaches_the_runtime_as_sign_in_again(
    testbed: Any, oauth_server: OAuthServer, signed_in: tuple[Account, Settings, Paths]
) -> None:
    account, settings, paths = signed_in
    oauth_server.revoke(testbed.user)
    oauth_server.expire_access_tokens()
    with pytest.raises(UserFacingError) as caught:
        AccountRuntime(account, paths, settings, Credentials()).imap_client(CancelToken())
    assert caught.value.kind is ErrorKind.OAUTH_REQUIRED and caught.value.data.get("sign_in_again")
    assert caught.value.message == "Your sign-in to Test Mail has ended or was withdrawn."
