"""Sign in again from the mail window after the provider withdrew the sign-in (real bed, real keyring)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import SecretService
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import UserFacingError
from deskmail.core.settings import Settings
from deskmail.engine import connect
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import SERVICE, Credentials
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.mail.signin import SignInAgain
from tests.integration.oauth_helpers import Browser
from tests.integration.test_oauth_account import signed_in
from tests.servers.oauth import OAuthServer

pytestmark = pytest.mark.gui
__all__ = ["signed_in"]  # the fixture


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


def test_sign_in_again_keeps_the_new_grant_and_sync_connects(
    qtbot: QtBot,
    testbed: Any,
    oauth_server: OAuthServer,
    signed_in: tuple[Account, Settings, Paths],
    runner: TaskRunner,
    deskmail_home: Path,
) -> None:
    from deskmail.app import build_context

    account, settings, paths = signed_in
    [old_token] = oauth_server.refresh_tokens(testbed.user)
    oauth_server.revoke(testbed.user)
    oauth_server.expire_access_tokens()
    context = build_context(settings, paths, runner, deskmail_home / "x.log")
    with pytest.raises(UserFacingError):
        AccountRuntime(account, paths, settings, context.credentials).imap_client(CancelToken())
    bars: list[tuple[str, list[Any]]] = []
    done: list[str] = []
    browser = Browser(oauth_server, str(testbed.ca_path))
    again = SignInAgain(context, lambda text, actions: bars.append((text, actions)), done.append, browser.open)
    again.start(account)
    assert "Sign in with Test Mail in the browser" in bars[0][0] and bars[0][1][0][0] == "Cancel"
    qtbot.waitUntil(lambda: done == [account.email], timeout=30_000)
    browser.join()
    [new_token] = oauth_server.refresh_tokens(testbed.user)
    assert new_token != old_token
    assert SecretService.Keyring().get_password(SERVICE, account.key) == new_token
    client = AccountRuntime(account, paths, settings, Credentials()).imap_client(CancelToken())
    connect.close_quietly(client)
    assert oauth_server.stats["token:refresh_token"] == 1  # the failed one; the new login used the fresh token


def test_cancel_leaves_the_old_state(
    qtbot: QtBot, signed_in: tuple[Account, Settings, Paths], runner: TaskRunner, deskmail_home: Path
) -> None:
    from deskmail.app import build_context

    account, settings, paths = signed_in
    context = build_context(settings, paths, runner, deskmail_home / "x.log")
    opened: list[str] = []
    done: list[str] = []
    again = SignInAgain(context, lambda text, actions: None, done.append, opened.append)
    again.start(account)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    task = again.task
    assert task is not None
    again.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=30_000)
    assert done == []
