"""The wizard's browser sign-in on the real bed: autoconfig with <oAuth2>, the bed's authorization
server, Dovecot's oauth2 passdb and the SMTP server checking bearer tokens, gnome-keyring."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import SecretService
from pytestqt.qtbot import QtBot

from deskmail.core.settings import Settings
from deskmail.engine.accounts import AUTH_OAUTH2, AccountStore
from deskmail.engine.credentials import SERVICE, Credentials
from deskmail.engine.paths import Paths
from deskmail.ui.wizard import AccountWizard
from deskmail.wizard.services import real_services
from deskmail.wizard.steps import Step
from tests.integration.oauth_helpers import Browser
from tests.servers.oauth import CLIENT_ID, OAuthServer
from tests.servers.zone import A

from .wizard_bed import WAIT_MS, Run, action, click, type_account, wait_for

pytestmark = pytest.mark.gui
USER = "olga@wz-signin.test"


def autoconfig(imap_host: str, smtp_host: str, oauth: OAuthServer) -> bytes:
    block = oauth.block()
    return (
        "<?xml version='1.0'?><clientConfig version='1.1'><emailProvider id='wz-signin.test'>"
        "<domain>wz-signin.test</domain><displayName>Signin Mail</displayName>"
        f"<incomingServer type='imap'><hostname>{imap_host}</hostname><port>993</port>"
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>OAuth2</authentication></incomingServer>"
        f"<outgoingServer type='smtp'><hostname>{smtp_host}</hostname><port>465</port>"
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>OAuth2</authentication></outgoingServer>"
        "<documentation url='https://wz-signin.test/app-passwords'><descr>App passwords</descr></documentation>"
        "</emailProvider>"
        f"<oAuth2><issuer>{block['issuer']}</issuer><scope>{block['scope']}</scope>"
        f"<authURL>{block['auth_url']}</authURL><tokenURL>{block['token_url']}</tokenURL></oAuth2>"
        "</clientConfig>"
    ).encode()


@pytest.fixture
def browsers() -> list[Browser]:
    """The browser that follows opened pages (none: a browser that never comes back)."""
    return []


@pytest.fixture
def signin_run(
    qtbot: QtBot,
    scratch_testbed: Any,
    oauth_server: OAuthServer,
    dovecot_factory: Callable[..., Any],
    smtp_factory: Callable[..., Any],
    keyring_env: dict[str, str],
    deskmail_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    browsers: list[Browser],
) -> Iterator[Run]:
    bed = scratch_testbed
    oauth_server.users.add(USER)
    imap = dovecot_factory(oauth=oauth_server, users={USER: "never used"})
    smtp = smtp_factory(oauth=oauth_server)
    bed.web.add("autoconfig.wz-signin.test", "/mail/config-v1.1.xml", autoconfig(imap.host, smtp.host, oauth_server))
    bed.dns.add(A("autoconfig.wz-signin.test", bed.web_ips[0]), A("wz-signin.test", bed.web_ips[0]))
    bed.apply_env(monkeypatch)
    monkeypatch.setenv("DESKMAIL_OAUTH_CLIENT_WZ_SIGNIN_TEST", CLIENT_ID)  # the packager's client id
    settings = Settings.from_env()
    store = AccountStore(Paths.from_settings(settings).ensure())
    credentials = Credentials()
    credentials.delete(USER)
    opened: list[str] = []

    def open_url(url: str) -> None:
        opened.append(url)
        for browser in browsers:
            browser.open(url)

    wizard = AccountWizard(real_services(settings, store, credentials), open_url=open_url)
    qtbot.addWidget(wizard)
    wizard.show()
    result = Run(wizard, store, deskmail_home, credentials, opened)
    wizard.account_added.connect(result.added.append)
    yield result
    wizard.reject()
    wizard.runner.shutdown(wait=True)
    for browser in browsers:
        browser.join()


def test_sign_in_in_the_browser_checks_and_saves_the_account(
    qtbot: QtBot, signin_run: Run, oauth_server: OAuthServer, browsers: list[Browser], testbed: Any
) -> None:
    run = signin_run
    browsers.append(Browser(oauth_server, str(testbed.ca_path)))
    type_account(qtbot, run, USER, "my normal password")
    wait_for(qtbot, run, Step.OAUTH_ONLY)
    assert run.wizard.page().title.text() == "Sign in with Signin Mail"  # type: ignore[attr-defined]
    click(qtbot, action(run, "Sign in with Signin Mail in your browser"))
    wait_for(qtbot, run, Step.DONE)
    assert len(run.opened) == 1 and run.opened[0].startswith(oauth_server.base_url + "/authorize?")
    account = run.store.get(USER)
    assert account is not None and account.auth == AUTH_OAUTH2 and run.added == [account]
    [refresh_token] = oauth_server.refresh_tokens(USER)
    assert SecretService.Keyring().get_password(SERVICE, account.key) == refresh_token
    leaks = [p for p in run.home.rglob("*") if p.is_file() and refresh_token.encode() in p.read_bytes()]
    assert leaks == [] and b"my normal password" not in run.store.path.read_bytes()
    assert oauth_server.stats["introspect:http"] >= 1 and oauth_server.stats["introspect"] >= 2  # IMAP + SMTP


def test_cancel_while_the_browser_never_comes_back(qtbot: QtBot, signin_run: Run) -> None:
    run = signin_run
    type_account(qtbot, run, USER, "my normal password")
    wait_for(qtbot, run, Step.OAUTH_ONLY)
    click(qtbot, action(run, "Sign in with Signin Mail in your browser"))
    wait_for(qtbot, run, Step.SIGNING_IN)
    qtbot.waitUntil(lambda: len(run.opened) == 1, timeout=WAIT_MS)
    port = int(run.opened[0].split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")[1].split("%2F")[0])
    click(qtbot, action(run, "Open the sign-in page again"))
    assert run.opened == [run.opened[0]] * 2
    click(qtbot, run.wizard.page().cancel_button)  # type: ignore[attr-defined]
    assert run.step is Step.OAUTH_ONLY
    task = run.wizard.task
    assert task is not None
    qtbot.waitUntil(lambda: task.done, timeout=WAIT_MS)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # the listener is gone
    assert run.store.list() == []


def test_without_a_client_id_the_page_offers_app_passwords_only(
    qtbot: QtBot, signin_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = signin_run
    monkeypatch.delenv("DESKMAIL_OAUTH_CLIENT_WZ_SIGNIN_TEST")
    wizard = AccountWizard(real_services(Settings.from_env(), run.store, run.credentials), open_url=run.opened.append)
    qtbot.addWidget(wizard)
    wizard.show()
    run.wizard = wizard
    type_account(qtbot, run, USER, "my normal password")
    wait_for(qtbot, run, Step.OAUTH_ONLY)
    assert "app password" in wizard.page().title.text()  # type: ignore[attr-defined]
    labels = [a.value for a in wizard.machine.actions()]
    assert "sign_in_with_browser" not in labels
    wizard.reject()
    wizard.runner.shutdown(wait=True)
