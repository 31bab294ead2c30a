"""pytest-qt walks the whole Add-account wizard against the real test bed (DNS, web, Dovecot, SMTP, keyring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Security
from deskmail.core.settings import Settings
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.main_window import MainWindow
from deskmail.ui.wizard import AccountWizard
from deskmail.ui.wizard.settings_pages import ManualPage
from deskmail.wizard.steps import Step

from .wizard_bed import (
    Run,
    accept_found,
    action,
    assert_saved_safely,
    click,
    found_page,
    run,
    type_account,
    wait_for,
)

pytestmark = pytest.mark.gui
__all__ = ["run"]  # the fixture


def test_happy_path_saves_account_and_keyring_password(qtbot: QtBot, run: Run, testbed: Any) -> None:
    type_account(qtbot, run, testbed.user, testbed.password)
    assert run.step is Step.FINDING
    wait_for(qtbot, run, Step.FOUND)
    page = found_page(run)
    assert page.incoming.domain.text() == "example.test"
    assert page.incoming.security.text().startswith("Encrypted")
    accept_found(qtbot, run.wizard)
    wait_for(qtbot, run, Step.DONE)
    account = assert_saved_safely(run, testbed.user, testbed.password)
    assert account.display_name == "Alice Example" and account.incoming.host == "imap.example.test"


def test_wrong_password_retype_then_success(qtbot: QtBot, run: Run, testbed: Any) -> None:
    type_account(qtbot, run, testbed.user, "not-the-password")
    wait_for(qtbot, run, Step.FOUND)
    accept_found(qtbot, run.wizard)
    wait_for(qtbot, run, Step.PROBLEM)
    problem = run.wizard.machine.draft.problem
    assert problem is not None and problem.kind is ErrorKind.AUTH_FAILED
    retype = action(run, "Type the password again")
    assert retype.isDefault()
    click(qtbot, retype)
    page = run.wizard.account_page
    assert run.step is Step.ACCOUNT and page.password_edit.text() == ""
    assert QApplication.focusWidget() is page.password_edit or not run.wizard.isActiveWindow()
    qtbot.keyClicks(page.password_edit, testbed.password)
    click(qtbot, page.continue_button)
    assert run.step is Step.CHECKING  # same address: no second discovery
    wait_for(qtbot, run, Step.DONE)
    assert_saved_safely(run, testbed.user, testbed.password)


def test_manual_settings_security_fills_port(qtbot: QtBot, run: Run, testbed: Any) -> None:
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    click(qtbot, found_page(run).change_button)
    page = run.wizard.page()
    assert isinstance(page, ManualPage) and run.step is Step.MANUAL
    combo = page.outgoing.security
    combo.setCurrentIndex(1)
    combo.activated.emit(1)  # what choosing "Encrypted (STARTTLS)" with mouse or keyboard does
    assert page.outgoing.port.text() == "587"
    click(qtbot, page.test_button)
    wait_for(qtbot, run, Step.DONE)
    account = assert_saved_safely(run, testbed.user, testbed.password)
    assert (account.outgoing.port, account.outgoing.security, account.source) == (587, Security.STARTTLS, "manual")


def test_untrusted_certificate_trust_then_success(qtbot: QtBot, run: Run, testbed: Any, dovecot_factory: Any) -> None:
    dovecot = dovecot_factory(cert=testbed.certs.untrusted("*.example.test", "example.test"))
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    click(qtbot, found_page(run).change_button)
    page = run.wizard.page()
    assert isinstance(page, ManualPage)
    page.incoming.host.setText("")
    qtbot.keyClicks(page.incoming.host, dovecot.host)
    click(qtbot, page.test_button)
    wait_for(qtbot, run, Step.PROBLEM)
    problem = run.wizard.machine.draft.problem
    assert problem is not None and problem.kind is ErrorKind.CERT_UNTRUSTED, problem
    assert [c.host for c in problem.certificates] == [dovecot.host]
    go_back = action(run, "Go back")
    assert go_back.isDefault()  # Enter must not trust a certificate
    click(qtbot, action(run, "Trust this certificate"))
    wait_for(qtbot, run, Step.DONE)
    account = assert_saved_safely(run, testbed.user, testbed.password)
    assert [(p.host, p.port) for p in account.policy.pins] == [(dovecot.host, 993)]
    assert account.policy.pins[0].sha256 == problem.certificates[0].sha256


def test_http_only_settings_need_confirmation(qtbot: QtBot, run: Run, testbed: Any) -> None:
    email, password = "bob@wz-http.example.test", "bob's password"
    testbed.mail.add_user(email, password)
    type_account(qtbot, run, email, password, name="Bob")
    wait_for(qtbot, run, Step.FOUND)
    page = found_page(run)
    candidate = run.wizard.machine.draft.candidate
    assert candidate is not None and candidate.url.startswith("http://") and not candidate.trusted
    assert page.confirm_frame.isVisible() and not page.continue_button.isEnabled()
    assert "unprotected" in page.reason.text()
    page.confirm_box.setChecked(True)
    click(qtbot, page.continue_button)
    wait_for(qtbot, run, Step.DONE)
    assert_saved_safely(run, email, password)


def test_not_remembering_keeps_password_for_this_session_only(qtbot: QtBot, run: Run, testbed: Any) -> None:
    Credentials().delete(testbed.user)  # the keyring lives for the whole session: start without it
    run.wizard.account_page.remember.setChecked(False)
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    accept_found(qtbot, run.wizard)
    wait_for(qtbot, run, Step.DONE)
    account = run.store.get(testbed.user)
    assert account is not None and account.remember_password is False
    assert Credentials().get(testbed.user) is None  # nothing in the keyring
    assert run.credentials.get(testbed.user) == testbed.password  # the app's session knows it
    assert "each time" in run.wizard.page().text.text()  # type: ignore[attr-defined]
    leaks = [p for p in run.home.rglob("*") if p.is_file() and testbed.password.encode() in p.read_bytes()]
    assert leaks == []


def test_add_account_from_the_main_window(
    qtbot: QtBot, testbed: Any, keyring_env: dict[str, str], deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's own wiring: empty state -> Add account -> the real wizard -> the window shows the account."""
    from deskmail.app import build_context

    testbed.apply_env(monkeypatch)
    Credentials().delete(testbed.user)
    settings = Settings.from_env()
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner, deskmail_home / "x.log")
    window = MainWindow(context)  # no mail view factory: a placeholder stands in for the mail view
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=20000)
    window.empty_state.add_button.click()
    wizard = window.findChild(AccountWizard)
    assert isinstance(wizard, AccountWizard) and wizard.isVisible()
    page = wizard.account_page
    qtbot.keyClicks(page.email_edit, testbed.user)
    qtbot.keyClicks(page.password_edit, testbed.password)
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.machine.step is Step.FOUND, timeout=30_000)
    accept_found(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.machine.step is Step.DONE, timeout=30_000)
    click(qtbot, wizard.page().default_button())  # "Start reading mail"
    qtbot.waitUntil(lambda: window.stack.currentWidget() is not window.empty_state, timeout=10_000)
    assert [a.email for a in window.accounts] == [testbed.user]
    assert Credentials().get(testbed.user) == testbed.password
    runner.shutdown(wait=True)
