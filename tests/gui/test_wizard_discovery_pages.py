"""The wizard's special pages and Cancel, reached through real discovery on the test bed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.ui.wizard import AccountWizard
from deskmail.ui.wizard.first_pages import AccountPage
from deskmail.ui.wizard.pop3_page import Pop3Page
from deskmail.ui.wizard.settings_pages import ManualPage
from deskmail.wizard.services import real_services
from deskmail.wizard.steps import Step

from .wizard_bed import WAIT_MS, Run, accept_found, action, click, found_page, run, type_account, wait_for

pytestmark = pytest.mark.gui
__all__ = ["run"]  # the fixture


def test_cancel_during_discovery(qtbot: QtBot, run: Run) -> None:
    type_account(qtbot, run, "carol@wz-slow.test", "whatever")
    assert run.step is Step.FINDING
    qtbot.waitUntil(lambda: bool(run.wizard.machine.draft.progress), timeout=WAIT_MS)
    page = run.wizard.page()
    click(qtbot, page.cancel_button)  # type: ignore[attr-defined]
    assert run.step is Step.ACCOUNT and isinstance(run.wizard.page(), AccountPage)
    task = run.wizard.task
    assert task is not None and task.cancelled
    qtbot.waitUntil(lambda: task.done, timeout=WAIT_MS)  # the worker stops soon after
    assert run.step is Step.ACCOUNT and run.store.list() == []


def test_pop3_only_provider_leads_to_the_pop3_page_and_manual_offers_pop3(qtbot: QtBot, run: Run) -> None:
    type_account(qtbot, run, "dan@dm-pop3.test", "whatever")
    wait_for(qtbot, run, Step.FOUND)
    accept_found(qtbot, run.wizard)
    wait_for(qtbot, run, Step.POP3)  # before any check: what POP3 means, and the server copy
    page = run.wizard.page()
    assert isinstance(page, Pop3Page) and page.keep.isChecked() and not page.remove.isChecked()
    click(qtbot, page.back_button)
    assert run.step is Step.FOUND
    click(qtbot, found_page(run).change_button)
    manual = run.wizard.page()
    assert isinstance(manual, ManualPage) and manual.protocol.currentData() == Protocol.POP3
    assert manual.incoming.title() == "Receiving mail (POP3)" and manual.incoming.port.text() == "995"
    manual.protocol.setCurrentIndex(0)
    manual.protocol.activated.emit(0)  # IMAP: port and host name follow
    assert manual.incoming.port.text() == "993" and manual.incoming.host.text() == "imap.dm-pop3.test"


def test_oauth_only_provider_page(qtbot: QtBot, run: Run) -> None:
    type_account(qtbot, run, "erin@wz-oauth.test", "whatever")
    wait_for(qtbot, run, Step.OAUTH_ONLY)
    assert "app password" in run.wizard.page().title.text()  # type: ignore[attr-defined]
    click(qtbot, action(run, "Open the app password page"))
    assert run.opened == ["https://wz-oauth.test/app-passwords"] and run.step is Step.OAUTH_ONLY
    click(qtbot, action(run, "I have an app password"))
    assert run.step is Step.ACCOUNT and run.wizard.account_page.password_edit.text() == ""


def test_an_account_already_set_up_is_refused(
    qtbot: QtBot, testbed: Any, keyring_env: dict[str, str], deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    testbed.apply_env(monkeypatch)
    settings = Settings.from_env()
    store = AccountStore(Paths.from_settings(settings).ensure())
    server = ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, testbed.user)
    smtp = ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, testbed.user)
    store.save(Account(testbed.user, "Alice", server, smtp))
    services = real_services(settings, store, Credentials())
    wizard = AccountWizard(services, open_url=lambda url: None)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: services.account_exists(testbed.user.upper()), timeout=WAIT_MS)  # read in background
    page = wizard.account_page
    qtbot.keyClicks(page.email_edit, testbed.user)
    qtbot.keyClicks(page.password_edit, "whatever")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    assert wizard.machine.step is Step.ACCOUNT
    assert page.email_error.isVisible() and "already set up" in page.email_error.text()
    wizard.reject()
