"""OAuth2 browser sign-in against the bed's real authorization server, Dovecot (oauth2 passdb) and SMTP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine import connect
from deskmail.engine.oauth import flow, sasl, tokens
from deskmail.engine.oauth.provider import OAuthProvider, oauth_provider
from deskmail.engine.oauth.session import OAuthLogin
from tests.integration.oauth_helpers import Browser
from tests.servers.oauth import CLIENT_ID, OAuthServer


def provider_for(oauth: OAuthServer) -> OAuthProvider:
    block = {**oauth.block(), "client_id": CLIENT_ID}
    provider = oauth_provider("oauth-test", "Test Mail", block, environ={})
    assert provider is not None and provider.usable
    return provider


def sign_in(testbed: Any, oauth: OAuthServer, browser: Browser, **kwargs: Any) -> tokens.TokenSet:
    try:
        return flow.sign_in(
            provider_for(oauth), testbed.user, settings=testbed.settings, open_browser=browser.open, **kwargs
        )
    finally:
        browser.join()


@pytest.fixture
def browser(testbed: Any, oauth_server: OAuthServer) -> Browser:
    return Browser(oauth_server, str(testbed.ca_path))


@pytest.fixture
def servers(
    testbed: Any, oauth_server: OAuthServer, dovecot_factory: Callable[..., Any], smtp_factory: Callable[..., Any]
) -> tuple[ServerConfig, ServerConfig]:
    imap = dovecot_factory(oauth=oauth_server)
    smtp = smtp_factory(oauth=oauth_server)
    return (
        ServerConfig(Protocol.IMAP, imap.host, 993, Security.SSL, testbed.user),
        ServerConfig(Protocol.SMTP, smtp.host, 465, Security.SSL, testbed.user),
    )


def imap_login(testbed: Any, server: ServerConfig, login: OAuthLogin) -> None:
    client = connect.open_imap(server, testbed.settings)
    try:
        connect.login_imap(client, testbed.user, login)
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] >= 0
    finally:
        connect.close_quietly(client)


def smtp_login(testbed: Any, server: ServerConfig, login: OAuthLogin) -> None:
    smtp = connect.open_smtp(server, testbed.settings)
    try:
        connect.login_smtp(smtp, testbed.user, login)
        smtp.sendmail(testbed.user, [testbed.user], b"Subject: oauth\r\n\r\nsent with a bearer token\r\n")
    finally:
        connect.close_quietly(smtp)


@pytest.mark.parametrize("mechanism", ["OAUTHBEARER", "XOAUTH2"])
def test_full_sign_in_then_imap_and_smtp_with_the_token(
    testbed: Any,
    oauth_server: OAuthServer,
    browser: Browser,
    servers: tuple[ServerConfig, ServerConfig],
    mechanism: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sasl, "MECHANISMS", (mechanism,))
    result = sign_in(testbed, oauth_server, browser)
    assert result.refresh_token in oauth_server.refresh_tokens(testbed.user)
    assert browser.pages[0][0] == 302 and browser.pages[-1][0] == 200
    assert "You can close this window" in browser.pages[-1][1]
    login = OAuthLogin(provider_for(oauth_server), testbed.user, result.refresh_token, testbed.settings)
    login.remember(result)
    imap_login(testbed, servers[0], login)
    assert oauth_server.stats["introspect:http"] == 1  # Dovecot's oauth2 passdb checked the token
    smtp_login(testbed, servers[1], login)
    assert oauth_server.stats["introspect"] == 2  # ... and so did the SMTP server
    assert oauth_server.stats["token:refresh_token"] == 0  # the sign-in's access token was used


def test_expired_access_token_is_refreshed(
    testbed: Any, oauth_server: OAuthServer, browser: Browser, servers: tuple[ServerConfig, ServerConfig]
) -> None:
    result = sign_in(testbed, oauth_server, browser)
    login = OAuthLogin(provider_for(oauth_server), testbed.user, result.refresh_token, testbed.settings)
    login.remember(result)
    oauth_server.expire_access_tokens()  # our cache still thinks the token is good: the server refuses it
    imap_login(testbed, servers[0], login)
    assert oauth_server.stats["token:refresh_token"] == 1
    oauth_server.expire_access_tokens()
    smtp_login(testbed, servers[1], login)
    assert oauth_server.stats["token:refresh_token"] == 2


def test_revoked_refresh_token_asks_to_sign_in_again(
    testbed: Any, oauth_server: OAuthServer, browser: Browser, servers: tuple[ServerConfig, ServerConfig]
) -> None:
    result = sign_in(testbed, oauth_server, browser)
    login = OAuthLogin(provider_for(oauth_server), testbed.user, result.refresh_token, testbed.settings)
    login.remember(result)
    oauth_server.revoke(testbed.user)
    for attempt in (lambda: imap_login(testbed, servers[0], login), lambda: smtp_login(testbed, servers[1], login)):
        with pytest.raises(UserFacingError) as caught:
            attempt()
        assert caught.value.kind is ErrorKind.OAUTH_REQUIRED
        assert caught.value.data["sign_in_again"] is True
        assert "Sign in again" in caught.value.fix
        assert result.refresh_token not in str(caught.value) + caught.value.details


def test_forged_state_is_refused_and_no_code_is_traded(
    testbed: Any, oauth_server: OAuthServer, browser: Browser
) -> None:
    oauth_server.state_override = "not-the-state-we-sent"
    with pytest.raises(UserFacingError) as caught:
        sign_in(testbed, oauth_server, browser)
    assert caught.value.kind is ErrorKind.PROTOCOL_ERROR and "does not belong" in caught.value.message
    assert oauth_server.stats["token:authorization_code"] == 0
    assert browser.pages[-1][0] == 400


def test_wrong_pkce_verifier_is_refused_by_the_server(
    testbed: Any, oauth_server: OAuthServer, browser: Browser
) -> None:
    provider = provider_for(oauth_server)
    verifier, state = flow.new_verifier(), "s" * 43
    with flow.LoopbackListener(state) as listener:
        browser.open(
            flow.authorization_url(provider, listener.redirect_uri, state, flow.challenge_for(verifier), testbed.user)
        )
        redirect = listener.wait(CancelToken.with_timeout(10), 10)
    assert redirect is not None and redirect.code
    with pytest.raises(UserFacingError) as caught:
        tokens.exchange_code(
            provider, redirect.code, flow.new_verifier(), listener.redirect_uri, testbed.settings, testbed.user
        )
    assert (
        caught.value.kind is ErrorKind.OAUTH_REQUIRED and "PKCE" in caught.value.details
    ) or "invalid_grant" in caught.value.details
    assert oauth_server.refresh_tokens(testbed.user) == []


def test_browser_never_returns_and_cancel_ends_the_wait(testbed: Any, oauth_server: OAuthServer) -> None:
    cancel = CancelToken()
    opened: list[str] = []
    threading.Timer(0.3, cancel.cancel).start()
    with pytest.raises(Cancelled):
        flow.sign_in(
            provider_for(oauth_server),
            testbed.user,
            settings=testbed.settings,
            open_browser=opened.append,
            cancel=cancel,
        )
    port = int(opened[0].split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")[1].split("%2F")[0])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # the listener is gone


def test_browser_never_returns_times_out(testbed: Any, oauth_server: OAuthServer) -> None:
    with pytest.raises(UserFacingError) as caught:
        flow.sign_in(
            provider_for(oauth_server),
            testbed.user,
            settings=testbed.settings,
            open_browser=lambda url: None,
            timeout=0.3,
        )
    assert caught.value.kind is ErrorKind.TIMEOUT


def test_user_says_no(testbed: Any, oauth_server: OAuthServer, browser: Browser) -> None:
    oauth_server.deny = True
    with pytest.raises(UserFacingError) as caught:
        sign_in(testbed, oauth_server, browser)
    assert caught.value.kind is ErrorKind.AUTH_FAILED and "not allowed" in caught.value.message
