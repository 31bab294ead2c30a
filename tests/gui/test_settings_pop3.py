"""A POP3 account in the Settings window against the bed's Dovecot POP3 (follow-up to issues 14 and 15):
"Keep a copy on the server" is there, saved, and the next download follows it; its check interval is its poll."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.errors import UserFacingError
from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.mail.view import MailView, make_mail_view
from deskmail.ui.main_window import MainWindow
from tests.integration.imaptools import PASSWORD, new_mailbox
from tests.integration.pop3tools import logged_in, pop3_account

from .test_mail_testbed import view_of
from .test_settings_testbed import WAIT_MS, account_page, open_settings

pytestmark = pytest.mark.gui


def on_server(testbed: Any, mailbox: Any) -> int | None:
    """How many messages the server's maildrop holds (None while the app's own session has it locked)."""
    try:
        client = logged_in(testbed, mailbox)
    except UserFacingError:  # [IN-USE]: the app is downloading right now
        return None
    try:
        return len(client.sizes())
    finally:
        client.close()


def test_keep_a_copy_is_saved_and_the_next_download_follows_it(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, keyring_env: dict[str, str]
) -> None:
    from deskmail.app import build_context

    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(2)
    settings = dataclasses.replace(testbed.settings, home=deskmail_home)
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner)
    context.credentials.set_for_session(mailbox.email, PASSWORD)
    context.accounts.save(pop3_account(testbed, mailbox.email))  # keeps a copy on the server
    window = MainWindow(context, make_mail_view)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: isinstance(window.mail_view, MailView), timeout=WAIT_MS)
        view = view_of(window)
        qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=WAIT_MS)  # downloaded, still on the server
        assert on_server(testbed, mailbox) == 2

        dialog = open_settings(qtbot, window)
        page = account_page(dialog, mailbox.email)
        fields = page.download
        assert fields is not None and fields.keep.isChecked() and not fields.remove.isChecked()
        assert fields.remove.isEnabled() and not fields.days.isEnabled()  # days only once "Remove" is ticked
        fields.remove.click()
        assert fields.days.isEnabled() and fields.days.value() == 14
        fields.keep.click()  # untick "Keep a copy": the days no longer apply, as in the wizard
        assert not fields.remove.isEnabled() and not fields.days.isEnabled()
        assert "removed from the server" in fields.consequence.text()
        page.check_minutes.setValue(3)  # the POP3 account's polling interval
        dialog.close()  # saves what waits for its typing delay

        accounts_file = deskmail_home / "config" / "accounts.json"

        def saved_pop3() -> dict[str, Any]:
            return dict(json.loads(accounts_file.read_text())["accounts"][0]["pop3"])

        qtbot.waitUntil(lambda: saved_pop3()["keep_on_server"] is False, timeout=WAIT_MS)
        assert saved_pop3() == {"keep_on_server": False, "delete_after_days": 0, "poll_minutes": 3}
        runtime = view.controller.runtimes[mailbox.email]
        qtbot.waitUntil(lambda: runtime.account.download == DownloadChoices(keep_on_server=False), timeout=WAIT_MS)
        assert view.controller.check_interval_ms(mailbox.email) == 3 * 60_000

        mailbox.fill(1)
        view.controller.sync(mailbox.email)  # the next download (Get Mail, or the timer)
        qtbot.waitUntil(lambda: on_server(testbed, mailbox) == 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=WAIT_MS)  # all here, nothing lost
    finally:
        window.close()
        runner.shutdown(wait=True)
