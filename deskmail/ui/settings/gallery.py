"""The Settings window, page by page, for screenshots. Sample accounts in a temp folder; no network."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import QWidget

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.failures import cert_error
from deskmail.ui.gallery import settle
from deskmail.ui.mail.gallery import sample_window
from deskmail.ui.settings.account import AccountSettings, candidate_of
from deskmail.ui.settings.window import SettingsWindow
from deskmail.wizard.problems import check_problem

SIGNATURE = "Anna Schmidt\nGarden Club treasurer · +49 30 1234 5678"


def settings(section: int = 1, tab: int = 0, accounts: int = 2, pop3: bool = False) -> SettingsWindow:
    window = sample_window(accounts=accounts, pop3=pop3)
    window.show_settings()
    dialog = window.settings_window
    assert isinstance(dialog, SettingsWindow)
    page = first_account(dialog)
    page.signature.blockSignals(True)
    page.signature.setPlainText(SIGNATURE)
    page.signature.blockSignals(False)
    dialog.sections.setCurrentRow(section)
    page.tabs.setCurrentIndex(tab)
    settle(seconds=0.3)
    return dialog


def first_account(dialog: SettingsWindow) -> AccountSettings:
    return next(iter(dialog.account_pages.values()))


def password_refused() -> SettingsWindow:
    dialog = settings(tab=1)
    page = first_account(dialog)
    page.password.setText("not-the-password")
    page.password_check.say(
        "The server did not accept your password. Check it, or create an app password if your provider "
        "asks for one. Your saved password was not changed.",
        ok=False,
    )
    return dialog


def password_checking() -> SettingsWindow:
    dialog = settings(tab=1)
    row = first_account(dialog).password_check
    first_account(dialog).password.setText("new-password")
    row.busy.show()
    row.cancel_button.show()
    row.text.setText("Signing in to imap.example.test…")
    return dialog


def remove_question() -> QWidget:
    dialog = settings()
    page = first_account(dialog)
    page.ask_remove()
    settle(seconds=0.2)
    return page.confirm


def scenes() -> Iterator[tuple[str, Callable[[], QWidget]]]:
    yield "01-account", settings
    yield "02-password", lambda: settings(tab=1)
    yield "03-password-checking", password_checking
    yield "04-password-refused", password_refused
    yield "05-servers", lambda: settings(tab=2)
    yield "06-general", lambda: settings(section=4)
    yield "07-offline", lambda: settings(section=5)
    yield "08-remove-question", remove_question
    yield "09-one-account-small", _small
    yield "10-pop3-account", _pop3
    yield "11-pop3-no-copy-small", _pop3_no_copy_small
    yield "12-general-always-ask", _always_ask
    yield "13-certificate-question", lambda: certificate_question(ErrorKind.CERT_UNTRUSTED)
    yield "14-certificate-changed", lambda: certificate_question(ErrorKind.CERT_CHANGED)


def _always_ask() -> SettingsWindow:
    """Always ask first: the senders allowed before are kept, and the page says they are asked for too."""
    dialog = settings(section=4)
    dialog.general.remote_ask.setChecked(True)
    dialog.general._show_allowed(3)
    settle(seconds=0.2)
    return dialog


def certificate_question(kind: ErrorKind) -> QWidget:
    """Check and save settings met a self-signed certificate (or one that changed since it was trusted)."""
    dialog = settings(tab=2)
    page = first_account(dialog)
    server = ServerConfig(Protocol.IMAP, "mail.example.org", 993, Security.SSL, "anna")
    data = {
        "host": server.host,
        "port": server.port,
        "sha256": "7b44cc6b627e892db1be394ebc23583e55da19c8562e57cc73a22bf5d74f947e",
        "issuer": "CN=mail.example.org",
        "subject": "CN=mail.example.org",
        "not_before": "2026-01-01T00:00:00+00:00",
        "not_after": "2027-01-01T00:00:00+00:00",
        "names": ["mail.example.org"],
    }
    candidate = candidate_of(page.account, incoming=server)
    page._ask_about_certificate(page.account, candidate, check_problem(cert_error(kind, server, data), None, candidate))
    settle(seconds=0.2)
    assert page.certificate_question is not None
    return page.certificate_question


def _pop3() -> SettingsWindow:
    """A POP3 account: how often it downloads, and what happens to the copy on the server."""
    dialog = settings(pop3=True)
    dialog.resize(dialog.width(), 720)  # the whole page, its POP3 choices at the bottom
    settle(seconds=0.2)
    return dialog


def _pop3_no_copy_small() -> SettingsWindow:
    dialog = settings(accounts=1, pop3=True)
    page = first_account(dialog)
    assert page.download is not None
    page.download.keep.setChecked(False)  # the days grey out; the sentence says what that means
    page._timer.stop()  # a picture, not a change to save
    dialog.resize(760, 540)  # a 800 x 600 screen
    settle(seconds=0.2)
    return dialog


def _small() -> SettingsWindow:
    dialog = settings(accounts=1)
    dialog.resize(760, 540)  # a 800 x 600 screen
    return dialog
