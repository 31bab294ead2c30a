"""The Settings window against the real test bed and a real gnome-keyring (issue 15, item 1)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox
from pytestqt.qtbot import QtBot

from deskmail.core.serverconfig import CertificatePin
from deskmail.engine.accounts import account_key
from deskmail.engine.credentials import SERVICE
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import REMOTE_ASK, RemoteContentPrefs
from deskmail.engine.store.writer import account_dir
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.mail.view import MailView, make_mail_view
from deskmail.ui.main_window import MainWindow
from deskmail.ui.settings.account import AccountSettings
from deskmail.ui.settings.certificate import CertificateQuestion
from deskmail.ui.settings.window import SettingsWindow

from .test_mail_testbed import PIXEL_HOST, PNG, message, open_subject, open_window, view_of

pytestmark = pytest.mark.gui
WAIT_MS = 20000
_numbers = itertools.count(1)


@pytest.fixture
def mailbox(testbed: Any) -> tuple[str, str]:
    email, password = f"sara{next(_numbers)}@example.test", "sara-secret-pw"
    testbed.mail.add_user(email, password)
    alice = ("Alice", testbed.user)
    testbed.mail.put_message(email, message(alice, email, "Plain hello", "Hello Anna,\nsee you soon."), flags="")
    pixel = f"https://{PIXEL_HOST}/pixel.png"
    testbed.web.add(PIXEL_HOST, "/pixel.png", PNG, headers={"Content-Type": "image/png"})
    html = f'<p>Big <b>news</b></p><img src="{pixel}">'
    testbed.mail.put_message(email, message(alice, email, "HTML news", "Big news", html), flags="")
    return email, password


@pytest.fixture
def window(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str], keyring_env: dict[str, str]
) -> Iterator[MainWindow]:
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def reopen(qtbot: QtBot, testbed: Any, home: Path, email: str, password: str) -> MainWindow:
    """The app started again on the same settings folder (open_window would save the account anew)."""
    from deskmail.app import build_context

    settings = dataclasses.replace(testbed.settings, home=home)
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner)
    context.credentials.set_for_session(email, password)
    win = MainWindow(context, make_mail_view)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: isinstance(win.mail_view, MailView), timeout=WAIT_MS)
    win.runner = runner  # type: ignore[attr-defined]
    return win


def open_settings(qtbot: QtBot, win: MainWindow) -> SettingsWindow:
    win.settings_action.trigger()  # Edit › Settings… (Ctrl+,)
    dialog = win.settings_window
    assert isinstance(dialog, SettingsWindow)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.general.isEnabled() and dialog.offline.isEnabled())
    return dialog


def account_page(dialog: SettingsWindow, email: str) -> AccountSettings:
    return dialog.account_pages[account_key(email)]


def saved(win: MainWindow, email: str) -> Any:
    account = win.context.accounts.get(email)
    assert account is not None
    return account


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_menu_entry_and_shortcut(window: MainWindow) -> None:
    action = window.settings_action
    assert action in window.edit_menu.actions()
    assert action.shortcut().toString() == "Ctrl+,"
    assert action.menuRole() == action.MenuRole.PreferencesRole  # macOS: in the application menu


def test_closing_the_mail_window_closes_its_settings_window(qtbot: QtBot, window: MainWindow) -> None:
    """Settings acts on the window's accounts: it does not stay on screen (or save into it) once that closed."""
    dialog = open_settings(qtbot, window)
    window.close()
    assert not dialog.isVisible() and window.closed


def test_changes_take_effect_at_once_and_persist(
    qtbot: QtBot, window: MainWindow, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    view = view_of(window)
    assert view.controller.check_interval_ms(email) == 5 * 60_000
    dialog = open_settings(qtbot, window)
    page = account_page(dialog, email)
    page.name.clear()
    qtbot.keyClicks(page.name, "Anna Lindqvist")
    page.signature.setPlainText("Anna\nTel. 555 0100")
    page.check_minutes.setValue(2)
    # Name, signature and interval reach the mail window without a restart.
    qtbot.waitUntil(lambda: view.accounts[0].display_name == "Anna Lindqvist", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.controller.check_interval_ms(email) == 2 * 60_000, timeout=WAIT_MS)
    assert view.accounts[0].signature == "Anna\nTel. 555 0100"
    assert saved(window, email).check_minutes == 2
    assert view.actions_.me(email).name == "Anna Lindqvist"  # the From of the next message
    # The app's choices: at once in the window.
    dialog.general.notifications.setChecked(False)
    dialog.general.remote_ask.setChecked(True)
    assert view.notifier.enabled is False and view.reading.remote_mode == REMOTE_ASK
    dialog.offline.days.setValue(7)
    dialog.offline.metered.setChecked(True)
    dialog.close()  # saves what still waits for its typing delay
    offline = deskmail_home / "config" / "offline.json"
    qtbot.waitUntil(lambda: offline.exists() and json.loads(offline.read_text())["days"] == 7, timeout=WAIT_MS)
    assert json.loads(offline.read_text())["on_metered_networks"] is True
    window.close()
    window.runner.shutdown(wait=True)  # type: ignore[attr-defined]

    # A new start reads it all back: the window and the Settings window show the choices.
    again = reopen(qtbot, testbed, deskmail_home, email, password)
    try:
        view = view_of(again)
        qtbot.waitUntil(lambda: view.notifier.enabled is False, timeout=WAIT_MS)
        assert view.reading.remote_mode == REMOTE_ASK
        qtbot.waitUntil(lambda: view.controller.check_interval_ms(email) == 2 * 60_000, timeout=WAIT_MS)
        dialog = open_settings(qtbot, again)
        page = account_page(dialog, email)
        assert page.signature.toPlainText() == "Anna\nTel. 555 0100"
        assert page.check_minutes.value() == 2
        qtbot.waitUntil(lambda: dialog.offline.days.value() == 7, timeout=WAIT_MS)
        assert dialog.general.remote_ask.isChecked() and not dialog.general.notifications.isChecked()
    finally:
        again.close()
        again.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_signature_in_a_new_message_and_below_the_reply_above_the_quote(
    qtbot: QtBot, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    email, _password = mailbox
    view = view_of(window)
    dialog = open_settings(qtbot, window)
    account_page(dialog, email).signature.setPlainText("Anna\nTel. 555 0100")
    dialog.close()
    qtbot.waitUntil(lambda: view.accounts[0].signature != "", timeout=WAIT_MS)

    new = view.actions_.compose()
    assert new.body.toPlainText() == "\n\n-- \nAnna\nTel. 555 0100\n"
    assert new.body.textCursor().position() == 0  # the person types above it
    assert not new.dirty  # closing an untouched message asks nothing
    new.close()

    open_subject(qtbot, view, "Plain hello")
    view.actions_.reply_to(False)
    reply = view.actions_.composers[-1].body.toPlainText()
    assert reply.startswith("\n\n-- \nAnna\nTel. 555 0100\n\n")
    signature, quote = reply.index("-- \nAnna"), reply.index("> Hello Anna,")
    assert signature < reply.index("wrote:") < quote  # below the person's text, above the quote
    view.actions_.composers[-1].close()


def test_password_change_is_checked_first_then_kept_only_in_the_keyring(
    qtbot: QtBot, window: MainWindow, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]
) -> None:
    email, old = mailbox
    window.context.credentials.set(email, old)  # the account remembers its password in the keyring
    dialog = open_settings(qtbot, window)
    page = account_page(dialog, email)
    dialog.show_account(email)
    page.tabs.setCurrentIndex(1)

    # A wrong password is refused by the server: a plain message, the old password stays.
    qtbot.keyClicks(page.password, "not-my-password-1")
    page.password_button.click()
    qtbot.waitUntil(lambda: not page.password_check.running, timeout=WAIT_MS)
    assert "\u26a0" in page.password_check.text.text()
    assert "not changed" in page.password_check.text.text()
    assert keyring.get_password(SERVICE, account_key(email)) == old

    # The provider has the new password now: it is checked, then kept in the keyring.
    new = "brand-new-secret-42"
    testbed.mail.add_user(email, new)
    page.password.clear()
    qtbot.keyClicks(page.password, new)
    page.password_button.click()
    assert page.password_check.running and page.password_check.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "works" in page.password_check.text.text(), timeout=WAIT_MS)
    assert keyring.get_password(SERVICE, account_key(email)) == new
    assert page.password.text() == ""
    assert files_containing(deskmail_home, new) == []  # settings, store, logs: nowhere in a file


def test_remove_account_asks_first_then_leaves_no_password_and_no_store(
    qtbot: QtBot, window: MainWindow, deskmail_home: Path, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    window.context.credentials.set(email, password)
    view = view_of(window)
    store = account_dir(window.context.paths, email)
    qtbot.waitUntil(store.exists, timeout=WAIT_MS)
    dialog = open_settings(qtbot, window)
    page = account_page(dialog, email)

    page.remove_button.click()
    box = page.confirm
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)  # Enter keeps the account
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert saved(window, email) is not None and store.exists()

    page.remove_button.click()
    remove = next(b for b in page.confirm.buttons() if b.text() == "Remove account")
    remove.click()
    qtbot.waitUntil(lambda: window.context.accounts.get(email) is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not store.exists(), timeout=WAIT_MS)
    assert keyring.get_password(SERVICE, account_key(email)) is None
    assert email not in view.controller.runtimes and view.controller.check_interval_ms(email) is None
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=WAIT_MS)
    assert account_key(email) not in dialog.account_pages


def test_server_settings_are_checked_before_they_are_saved(
    qtbot: QtBot, window: MainWindow, testbed: Any, mailbox: tuple[str, str]
) -> None:
    email, _password = mailbox
    view = view_of(window)
    dialog = open_settings(qtbot, window)
    page = account_page(dialog, email)
    page.tabs.setCurrentIndex(2)

    # A port where nothing answers: a plain message, the saved settings stay as they were.
    page.incoming.port.setText("")
    qtbot.keyClicks(page.incoming.port, "1")
    page.servers_button.click()
    qtbot.waitUntil(lambda: not page.servers_check.running, timeout=WAIT_MS)
    assert "not changed" in page.servers_check.text.text()
    assert saved(window, email).incoming.port == 993

    # STARTTLS on 143 works on this server: saved, and the mail window connects with it from now on.
    page.incoming.security.setCurrentIndex(1)
    page.incoming.security.activated.emit(1)  # as a person choosing it
    page.incoming.port.clear()
    qtbot.keyClicks(page.incoming.port, "143")
    page.servers_button.click()
    qtbot.waitUntil(lambda: "saved" in page.servers_check.text.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: saved(window, email).incoming.port == 143, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.controller.account(email).incoming.port == 143, timeout=WAIT_MS)
    # The open list reads from the account's new store reader, never the one closed with the old connection.
    source = view.model.source
    qtbot.waitUntil(
        lambda: getattr(view.model.source, "reader", None) is view.controller.reader(email), timeout=WAIT_MS
    )
    assert view.model.source is not source or getattr(source, "reader", None) is view.controller.reader(email)


def servers_tab_with_host(qtbot: QtBot, window: MainWindow, email: str, host: str) -> AccountSettings:
    """Settings › the account › Servers, with `host` typed as the incoming server."""
    page = account_page(open_settings(qtbot, window), email)
    page.tabs.setCurrentIndex(2)
    page.incoming.host.selectAll()
    qtbot.keyClicks(page.incoming.host, host)
    return page


def check_servers_and_wait_for_the_question(qtbot: QtBot, page: AccountSettings) -> CertificateQuestion:
    page.servers_button.click()
    qtbot.waitUntil(lambda: page.certificate_question is not None, timeout=WAIT_MS)
    box = page.certificate_question
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    return box


def test_a_self_signed_certificate_is_trusted_only_by_choice_and_a_changed_one_refused(
    qtbot: QtBot, window: MainWindow, testbed: Any, dovecot_factory: Any, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    own = dovecot_factory(cert=testbed.certs.untrusted("*.example.test"), users={email: password})
    view = view_of(window)
    page = servers_tab_with_host(qtbot, window, email, own.host)

    # The wizard's question, in its words: the certificate to look at, "Go back" the default.
    box = check_servers_and_wait_for_the_question(qtbot, page)
    assert box.view.title.text() == "The server's identity could not be confirmed"
    assert box.trust_button is not None and box.trust_button.text() == "Trust this certificate"
    assert box.back_button.isDefault() and box.back_button.hasFocus()
    assert [c.host for c in box.problem.certificates] == [own.host]
    sha256 = box.problem.certificates[0].sha256
    assert box.view.certificates.isVisibleTo(box)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter never trusts a certificate
    qtbot.waitUntil(lambda: page.certificate_question is None)
    assert page.window().focusWidget() is page.incoming.host  # back at the server name, the field to check
    assert "not changed" in page.servers_check.text.text()
    assert saved(window, email).incoming.host == testbed.mail.host and saved(window, email).policy.pins == ()

    # Trusted by choice: pinned by SHA-256 for exactly this server, checked again, then saved and used.
    box = check_servers_and_wait_for_the_question(qtbot, page)
    assert box.trust_button is not None
    box.trust_button.click()
    qtbot.waitUntil(lambda: "saved" in page.servers_check.text.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: saved(window, email).incoming.host == own.host, timeout=WAIT_MS)
    assert saved(window, email).policy.pins == (CertificatePin(own.host, 993, sha256),)
    qtbot.waitUntil(lambda: view.controller.account(email).policy.pins != (), timeout=WAIT_MS)

    # Later the server shows another certificate: refused with the wizard's words, never offered to trust.
    own.stop()
    own.cert = testbed.certs.untrusted("*.example.test")
    own.start()
    box = check_servers_and_wait_for_the_question(qtbot, page)
    assert box.view.title.text() == "The server's certificate has changed"
    assert box.trust_button is None and box.back_button.isDefault()
    assert "not the one you chose to trust" in box.view.message.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.certificate_question is None)
    assert "not changed" in page.servers_check.text.text()
    assert saved(window, email).policy.pins == (CertificatePin(own.host, 993, sha256),)


def test_a_certificate_for_another_name_is_never_offered_to_trust(
    qtbot: QtBot, window: MainWindow, testbed: Any, dovecot_factory: Any, mailbox: tuple[str, str]
) -> None:
    email, password = mailbox
    other = dovecot_factory(cert=testbed.certs.wrong_host(), users={email: password})
    page = servers_tab_with_host(qtbot, window, email, other.host)
    box = check_servers_and_wait_for_the_question(qtbot, page)
    assert box.view.title.text() == "The server gave a different name"
    assert box.trust_button is None
    box.back_button.click()
    qtbot.waitUntil(lambda: page.certificate_question is None)
    assert saved(window, email).policy.pins == () and saved(window, email).incoming.host == testbed.mail.host


def test_remote_content_ask_each_time_overrides_allowed_senders(
    qtbot: QtBot, window: MainWindow, testbed: Any, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    view.reading.allowed_senders.add(testbed.user)  # Alice was allowed before
    view.reading.prefs.allow(testbed.user)
    dialog = open_settings(qtbot, window)
    dialog.general.remote_ask.setChecked(True)
    open_subject(qtbot, view, "HTML news")
    assert view.reading_pane.rendered is not None and view.reading_pane.rendered.remote_blocked
    assert not view.reading_pane.remote_bar.isHidden()
    assert testbed.web.count(host=PIXEL_HOST) == 0

    # Asked for every sender: the bar offers this one time only, never a per-sender choice that would
    # silently do nothing; Settings says the allowed sender is asked for too.
    assert bar_choices(view) == ["Show images"]
    assert dialog.general.allowed_count.text() == (
        "Allowed: 1 sender. While Deskmail always asks first, it asks for this one too."
    )

    dialog.general.remote_allowed.setChecked(True)
    assert bar_choices(view) == ["Show images", "Always for this sender"]  # the bar on screen follows at once
    assert dialog.general.allowed_count.text() == "Allowed: 1 sender."
    open_subject(qtbot, view, "Plain hello")
    open_subject(qtbot, view, "HTML news")
    qtbot.waitUntil(lambda: testbed.web.count(host=PIXEL_HOST, path="/pixel.png") >= 1, timeout=WAIT_MS)


def bar_choices(view: MailView) -> list[str]:
    return [button.text() for button in view.reading_pane.remote_bar.buttons]


def test_show_images_while_asking_for_every_sender_remembers_no_sender(
    qtbot: QtBot, window: MainWindow, testbed: Any
) -> None:
    view = view_of(window)
    dialog = open_settings(qtbot, window)
    dialog.general.remote_ask.setChecked(True)
    open_subject(qtbot, view, "HTML news")
    assert bar_choices(view) == ["Show images"]
    view.reading_pane.remote_bar.buttons[0].click()
    qtbot.waitUntil(lambda: testbed.web.count(host=PIXEL_HOST, path="/pixel.png") >= 1, timeout=WAIT_MS)
    view.reading.show_remote(True)  # even asked to remember (an old shortcut), it stays this time only
    qtbot.waitUntil(lambda: testbed.web.count(host=PIXEL_HOST, path="/pixel.png") >= 2, timeout=WAIT_MS)
    assert view.reading.allowed_senders == set()
    assert RemoteContentPrefs(window.context.paths).load() == set()


def test_notifications_off_leaves_new_mail_in_the_status_bar_only(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    shown: list[tuple[str, str]] = []
    view.notifier.notify_desktop = lambda title, text: bool(shown.append((title, text))) or True
    view.notifier.tray = None
    dialog = open_settings(qtbot, window)
    dialog.general.notifications.setChecked(False)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=WAIT_MS)
    summary = view.model.summary(0)
    assert summary is not None
    view.notifier.announce("x@example.test", [summary])
    assert shown == [] and view.notifier.tray is None
    dialog.general.notifications.setChecked(True)
    view.notifier._tray = lambda: None  # type: ignore[method-assign]  # no tray here: the desktop's service
    view.notifier.announce("x@example.test", [summary])
    assert len(shown) == 1


def test_an_imap_account_shows_no_pop3_choices(qtbot: QtBot, window: MainWindow, mailbox: tuple[str, str]) -> None:
    """Its mail stays on the server by nature: "Keep a copy on the server" is for POP3 accounts only."""
    dialog = open_settings(qtbot, window)
    assert account_page(dialog, mailbox[0]).download is None
    texts = {box.text() for box in dialog.findChildren(QCheckBox)}
    assert "Keep a copy on the server" not in texts and "Remove it from the server after" not in texts
