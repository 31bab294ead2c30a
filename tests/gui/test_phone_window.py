"""The "Set up your phone" window, opened where people find it: the wizard's Done page and the account's menu."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.phone.window import PhoneWindow
from deskmail.wizard.steps import Step
from tests.unit.test_phone_export import check_payload

from .test_mail_testbed import mailbox, open_window, view_of  # noqa: F401  (mailbox: fixture)
from .wizard_bed import Run, accept_found, click, run, type_account, wait_for  # noqa: F401  (run: fixture)

pytestmark = pytest.mark.gui


def phone_window() -> PhoneWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, PhoneWindow) and w.isVisible()), None)


def test_done_page_opens_the_phone_window_and_the_password_comes_from_the_keyring(
    qtbot: QtBot,
    run: Run,  # noqa: F811
    testbed: Any,
) -> None:
    type_account(qtbot, run, testbed.user, testbed.password)
    wait_for(qtbot, run, Step.FOUND)
    accept_found(qtbot, run.wizard)
    wait_for(qtbot, run, Step.DONE)
    page = run.wizard.page()
    click(qtbot, page.phone_button)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: phone_window() is not None)
    window = phone_window()
    assert window is not None
    try:
        [shown] = check_payload(window.payload)
        assert shown["incoming"][1] == "imap.example.test" and shown["password"] is None
        assert testbed.password not in window.payload and window.warning.isHidden()
        window.include_password.setFocus()
        qtbot.keyClick(window.include_password, Qt.Key.Key_Space)  # by keyboard; read from the bed's gnome-keyring
        qtbot.waitUntil(lambda: testbed.password in window.payload, timeout=10000)
        assert window.warning.isVisible() and "can read your password" in window.warning.text()
        window.include_password.setChecked(False)
        assert testbed.password not in window.payload and window.warning.isHidden()
    finally:
        window.close()


def test_account_menu_opens_it_and_sends_the_iphone_profile_in_a_new_message(
    qtbot: QtBot,
    testbed: Any,
    deskmail_home: Path,
    mailbox: tuple[str, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    email, password = mailbox
    win = open_window(qtbot, testbed, deskmail_home, email, password, testbed.mail.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: view.folders.select(email, ""), timeout=20000)  # the account's own row
        assert view.folder_menu.phone in win.file_menu.actions()
        where = view.folders.visualRect(view.folders.currentIndex()).center()
        view.folders.customContextMenuRequested.emit(where)  # right-click on the account
        qtbot.waitUntil(view.folder_menu.menu.isVisible)
        assert view.folder_menu.phone in view.folder_menu.menu.actions() and view.folder_menu.phone.isEnabled()
        view.folder_menu.menu.close()
        view.folder_menu.phone.trigger()
        qtbot.waitUntil(lambda: phone_window() is not None)
        window = phone_window()
        assert window is not None and window.parentWidget() is win
        assert check_payload(window.payload)[0]["identity"][0] == email

        monkeypatch.setattr(
            "deskmail.ui.phone.window.QInputDialog.getText", lambda *a, **k: ("my.iphone@icloud.example", True)
        )
        click(qtbot, window.send_button)
        composer = next(c for c in view.actions_.composers if isinstance(c, ComposerWindow))
        assert composer.to.text().startswith("my.iphone@icloud.example")
        [attachment] = composer.attachments
        assert attachment.filename.endswith(".mobileconfig")
        profile = plistlib.loads(attachment.load().data)
        assert profile["PayloadContent"][0]["IncomingMailServerHostName"] == testbed.mail.host
        assert password.encode() not in attachment.load().data
        composer.close()

        pdf = tmp_path / "card.pdf"
        monkeypatch.setattr(
            "deskmail.ui.phone.window.QFileDialog.getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)")
        )
        click(qtbot, window.save_card_button)
        qtbot.waitUntil(lambda: "Saved" in window.status.text(), timeout=10000)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert testbed.mail.host in text and testbed.smtp.host in text and "993" in text and "465" in text
        window.close()
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]
