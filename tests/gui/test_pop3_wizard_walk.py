"""A POP3-only provider, the way a person meets it: the app's empty window -> Add account -> the real
wizard (discovery, the POP3 page, the check) -> the mail window with the Inbox downloaded, read."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.mail.view import MailView, make_mail_view
from deskmail.ui.main_window import MainWindow
from deskmail.ui.wizard import AccountWizard
from deskmail.ui.wizard.pop3_page import Pop3Page
from deskmail.wizard.steps import Step
from tests.integration import discovery_bed
from tests.integration.imaptools import message

from .test_mail_testbed import open_subject, subjects
from .wizard_bed import accept_found, click, install_scenarios

pytestmark = pytest.mark.gui
PASSWORD = "pop3-walk-pw"


def test_pop3_only_provider_from_the_wizard_to_a_filled_inbox(
    qtbot: QtBot, testbed: Any, keyring_env: dict[str, str], deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskmail.app import build_context

    install_scenarios(testbed)
    testbed.apply_env(monkeypatch)
    address = f"walk-{uuid.uuid4().hex[:8]}@{discovery_bed.POP3_DOMAIN}"
    testbed.mail.add_user(address, PASSWORD)
    for n in range(3):
        testbed.mail.put_message(address, message(f"Downloaded {n}", body=f"Text of message {n}\r\n"), flags="")

    from deskmail.core.settings import Settings

    settings = Settings.from_env()
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner, deskmail_home / "x.log")
    window = MainWindow(context, make_mail_view)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=20000)
    window.empty_state.add_button.click()
    wizard = window.findChild(AccountWizard)
    assert isinstance(wizard, AccountWizard)
    page = wizard.account_page
    qtbot.keyClicks(page.email_edit, address)
    qtbot.keyClicks(page.password_edit, PASSWORD)
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.machine.step is Step.FOUND, timeout=30_000)
    assert wizard.machine.draft.candidate is not None and wizard.machine.draft.candidate.incoming.protocol == "pop3"
    accept_found(qtbot, wizard)

    qtbot.waitUntil(lambda: wizard.machine.step is Step.POP3, timeout=10_000)
    pop3 = wizard.page()
    assert isinstance(pop3, Pop3Page)
    assert "Other devices will not see what you read, file or delete here." in pop3.intro.text()
    assert pop3.keep.isChecked() and not pop3.remove.isChecked() and pop3.days.value() == 14
    assert pop3.remove.isEnabled() and not pop3.days.isEnabled()
    qtbot.keyClick(pop3.keep, Qt.Key.Key_Space)  # keyboard: untick "Keep a copy" ...
    assert not pop3.remove.isEnabled()
    qtbot.keyClick(pop3.keep, Qt.Key.Key_Space)  # ... and tick it again
    pop3.remove.setChecked(True)
    assert pop3.days.isEnabled()
    click(qtbot, pop3.continue_button)

    qtbot.waitUntil(lambda: wizard.machine.step is Step.DONE, timeout=30_000)
    click(qtbot, wizard.page().default_button())  # "Start reading mail"
    qtbot.waitUntil(lambda: isinstance(window.mail_view, MailView), timeout=20000)
    saved = context.accounts.get(address)
    assert saved is not None and saved.uses_pop3
    assert saved.download == DownloadChoices(keep_on_server=True, delete_after_days=14)
    assert Credentials().get(address) == PASSWORD

    view = window.mail_view
    assert isinstance(view, MailView)
    wanted = {f"Downloaded {n}" for n in range(3)}
    qtbot.waitUntil(lambda: wanted <= subjects(view), timeout=30000)
    open_subject(qtbot, view, "Downloaded 1")
    rendered = view.reading_pane.rendered
    assert rendered is not None and "Text of message 1" in rendered.body_html
    window.close()
    runner.shutdown(wait=True)
