"""A browser sign-in account whose incoming server is POP3: AUTH XOAUTH2 with the access token on the
bed's Dovecot (its oauth2 passdb asks the bed's authorization server), then a download."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Provider, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.oauth import flow
from deskmail.engine.oauth.accounts import save_signed_in, with_oauth
from deskmail.engine.oauth.provider import oauth_provider
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import runtime_for
from tests.integration.imaptools import message
from tests.integration.oauth_helpers import Browser
from tests.servers.oauth import CLIENT_ID, OAuthServer


def test_pop3_download_with_a_browser_sign_in(
    testbed: Any,
    oauth_server: OAuthServer,
    dovecot_factory: Callable[..., Any],
    smtp_factory: Callable[..., Any],
    keyring_env: dict[str, str],
    deskmail_home: Path,
) -> None:
    pop, smtp = dovecot_factory(oauth=oauth_server), smtp_factory(oauth=oauth_server)
    pop.put_message(testbed.user, message("signed in over POP3"), flags="")
    env = {**testbed.env, "DESKMAIL_HOME": str(deskmail_home), "DESKMAIL_OAUTH_CLIENT_OAUTH_TEST": CLIENT_ID}
    settings = Settings.from_env(env)
    provider = oauth_provider("oauth-test", "Test Mail", oauth_server.block(), dict(settings.oauth_env))
    assert provider is not None
    browser = Browser(oauth_server, str(testbed.ca_path))
    tokens = flow.sign_in(provider, testbed.user, settings=settings, open_browser=browser.open, cancel=CancelToken())
    browser.join()
    account = with_oauth(
        Account(
            testbed.user,
            "Alice",
            ServerConfig(Protocol.POP3, pop.host, 995, Security.SSL, testbed.user, ("oauth2",)),
            ServerConfig(Protocol.SMTP, smtp.host, 465, Security.SSL, testbed.user, ("oauth2",)),
            provider=Provider("oauth-test", "Test Mail"),
        ),
        provider,
    )
    paths = Paths.from_settings(settings).ensure()
    save_signed_in(AccountStore(paths), Credentials(), account, tokens, settings)
    runtime = runtime_for(dataclasses.replace(account), paths, settings, Credentials())
    try:
        report = runtime.sync()
        assert report.ok and report.folders[0].added == 1
        inbox = runtime.store().folder("INBOX")
        assert inbox is not None
        assert [m.subject for m in runtime.store().messages(inbox.id)] == ["signed in over POP3"]
    finally:
        runtime.close()
    assert oauth_server.stats.get("introspect:http", 0) >= 1  # Dovecot really checked the token
