"""No keyring on this computer: the wizard does not promise to remember the password (real test bed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot

from deskmail.core.settings import Settings
from deskmail.engine.accounts import AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.ui.wizard import AccountWizard
from deskmail.wizard.services import real_services
from deskmail.wizard.steps import Step

from .wizard_bed import WAIT_MS, Run, accept_found, click, found_page, install_scenarios, type_account, wait_for

pytestmark = pytest.mark.gui


@pytest.fixture
def no_keyring_run(qtbot: QtBot, testbed: Any, deskmail_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """The wizard on the real services, on a desktop whose session bus (and so keyring) is gone."""
    install_scenarios(testbed)
    testbed.apply_env(monkeypatch)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # what keyring itself picks when it finds nothing safe
    store = AccountStore(Paths.from_settings(Settings.from_env()).ensure())
    credentials = Credentials()
    wizard = AccountWizard(real_services(Settings.from_env(), store, credentials), open_url=lambda _url: None)
    qtbot.addWidget(wizard)
    wizard.show()
    run = Run(wizard, store, deskmail_home, credentials)
    wizard.account_added.connect(run.added.append)
    yield run
    wizard.reject()
    wizard.runner.shutdown(wait=True)
    keyring.set_keyring(before)


def test_remember_is_unticked_and_explained_then_saved_for_this_session(
    qtbot: QtBot, no_keyring_run: Run, testbed: Any
) -> None:
    run = no_keyring_run
    page = run.wizard.account_page
    qtbot.waitUntil(lambda: not page.remember.isEnabled(), timeout=WAIT_MS)
    assert not page.remember.isChecked()
    assert page.remember_note.isVisible()
    assert "no safe place" in page.remember_note.text() and "each time" in page.remember_note.text()
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    accept_found(qtbot, run.wizard)
    qtbot.waitUntil(lambda: run.step in (Step.DONE, Step.NO_KEYRING, Step.PROBLEM), timeout=WAIT_MS)
    assert run.step is Step.DONE  # no detour through "your password cannot be kept safely"
    account = run.store.get(testbed.user)
    assert account is not None and account.remember_password is False
    assert run.credentials.get(testbed.user) == testbed.password  # this session knows it
    assert "each time" in run.wizard.page().text.text()  # type: ignore[attr-defined]
    leaks = [p for p in run.home.rglob("*") if p.is_file() and testbed.password.encode() in p.read_bytes()]
    assert leaks == []


def test_remember_is_offered_again_once_the_keyring_works(
    qtbot: QtBot, no_keyring_run: Run, testbed: Any, keyring_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One refusal is not forever: back on the Account page the keyring is asked again (issue 15)."""
    run = no_keyring_run
    page = run.wizard.account_page
    qtbot.waitUntil(lambda: not page.remember.isEnabled(), timeout=WAIT_MS)
    # The person unlocks or starts their keyring meanwhile.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", keyring_env["DBUS_SESSION_BUS_ADDRESS"])
    from keyring.backends import SecretService

    keyring.set_keyring(SecretService.Keyring())  # type: ignore[no-untyped-call]
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    click(qtbot, found_page(run).back_button)
    wait_for(qtbot, run, Step.ACCOUNT)
    qtbot.waitUntil(page.remember.isEnabled, timeout=WAIT_MS)
    assert page.remember.isChecked() and not page.remember_note.isVisible()
