"""Settings and the phone window in the person's language; the Language choice in Settings › General."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from deskmail.core import i18n
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import AppSettings
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.language import apply_to_qt
from deskmail.ui.phone.window import PhoneWindow
from deskmail.ui.settings import restart
from deskmail.ui.settings.window import SettingsWindow
from tests.translated import tool

from .test_mail_testbed import mailbox, open_window  # noqa: F401  (mailbox: fixture)
from .test_settings_testbed import open_settings

pytestmark = pytest.mark.gui
LOCALE = Path(i18n.__file__).resolve().parents[1] / "locale"
OURS = sorted([*(LOCALE.parent / "ui" / "settings").glob("*.py"), *(LOCALE.parent / "ui" / "phone").glob("*.py")])


@pytest.fixture
def catalogs() -> Path:
    """The shipped catalogs."""
    return LOCALE


def speak(code: str) -> None:
    i18n.use(code)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_to_qt(app, code)


@pytest.fixture
def language(catalogs: Path, qapp: QApplication) -> Iterator[Any]:
    yield speak
    speak("en")


def english_ids() -> set[str]:
    """Every English text of the Settings and phone windows (their message ids)."""
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in tool().extract(OURS) if m.id}
    return ids - {"PDF (*.pdf)", "{n} MB", "Signature", "Password", "Server", "General"} - {i18n.NATIVE_NAMES["en"]}


def english_left(root: QWidget) -> list[str]:
    """Texts shown in `root` that are still one of our English texts."""
    shown = [w.text() for w in root.findChildren(QLabel)] + [w.text() for w in root.findChildren(QAbstractButton)]
    shown += [w.title() for w in root.findChildren(QGroupBox)]
    ids = english_ids()
    return [text for text in shown if text.replace("&", "") in ids]


def test_settings_in_german_shows_german_pages_and_labels(
    qtbot: QtBot,
    language: Any,
    testbed: Any,
    deskmail_home: Path,
    mailbox: tuple[str, str],  # noqa: F811
    keyring_env: dict[str, str],
) -> None:
    language("de")
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    try:
        dialog = open_settings(qtbot, win)
        assert dialog.windowTitle() == "Einstellungen"
        sections = [dialog.sections.item(row).text() for row in range(dialog.sections.count())]
        assert sections == ["Ihre Konten", mailbox[0], "Für alle Konten", "Allgemein", "Offline lesen"]
        page = next(iter(dialog.account_pages.values()))
        assert [page.tabs.tabText(i) for i in range(3)] == ["Name und Signatur", "Passwort", "Server"]
        assert page.check_minutes.text().endswith("Minuten") and page.remove_button.text() == "Dieses Konto entfernen…"
        titles = [box.title() for box in dialog.general.findChildren(QGroupBox)]
        assert (
            titles[:2] == ["Sprache", "Bilder und andere Inhalte aus dem Internet"]
            and "Senden rückgängig machen" in titles
        )
        assert dialog.offline.days.text().endswith(" Tage") and dialog.undo_send.seconds.text() == "5 Sekunden"
        dialog.offline.days.setValue(1)
        assert dialog.offline.days.text() == "1 Tag"  # the unit follows the number
        assert english_left(dialog) == []
        dialog.close()
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_units_follow_the_number_in_polish_and_arabic(qtbot: QtBot, language: Any, tmp_path: Path) -> None:
    language("pl")
    dialog = settings_window(qtbot, tmp_path)
    spin = dialog.undo_send.seconds
    assert [(spin.setValue(n), spin.text())[1] for n in (1, 2, 5, 22)] == [
        "1 sekundę", "2 sekundy", "5 sekund", "22 sekundy"
    ]  # fmt: skip
    dialog.close()
    language("ar")
    dialog = settings_window(qtbot, tmp_path)
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert dialog.windowTitle() == "الإعدادات" and english_left(dialog) == []
    dialog.close()


def settings_window(qtbot: QtBot, home: Path) -> SettingsWindow:
    from deskmail.app import build_context

    settings = Settings(home=home)
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner)
    dialog = SettingsWindow(context, [], lambda: None, lambda: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.general.language.isEnabled())
    return dialog


def test_choosing_a_language_saves_it_and_offers_a_restart(
    qtbot: QtBot, catalogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    dialog = settings_window(qtbot, tmp_path)
    choice = dialog.general.language
    names = [choice.box.itemText(i) for i in range(choice.box.count())]
    # Each language by its own name, and by the name the person reads now (CLDR) when that differs.
    assert names[:3] == ["Same as the system (English)", "English", "Deutsch \u2014 German"]
    assert "日本語 \u2014 Japanese" in names and "Français \u2014 French" in names
    assert len(names) == 1 + len(i18n.SHIPPED) and choice.note.isHidden() and choice.restart_button.isHidden()
    restarts: list[bool] = []
    choice.restart = lambda: restarts.append(True) or True
    file = AppSettings(Paths.from_settings(Settings(home=tmp_path))).path
    # By keyboard, as a person would: from "Same as the system" down to English, then Deutsch.
    choice.box.setFocus()
    qtbot.keyClick(choice.box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: file.exists() and json.loads(file.read_text())["language"] == "en")
    assert choice.note.isHidden()  # English is what Deskmail speaks already: nothing to restart
    qtbot.keyClick(choice.box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: json.loads(file.read_text())["language"] == "de")
    assert choice.note.isVisible() and choice.restart_button.isVisible()
    assert choice.note.text() == "Deskmail will speak German the next time it starts."
    assert (
        choice.note_chosen.isVisible() and choice.note_chosen.text() == "Deskmail spricht beim nächsten Start Deutsch."
    )
    assert choice.restart_button.text() == "Restart Deskmail now"
    qtbot.mouseClick(choice.restart_button, Qt.MouseButton.LeftButton)
    assert restarts == [True]
    choice.choose("ar")
    qtbot.waitUntil(lambda: json.loads(file.read_text())["language"] == "ar")
    assert choice.note_chosen.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert choice.note_chosen.text().startswith("سيتحدث Deskmail")
    choice.choose("")  # back to the system's (English here): nothing to restart
    qtbot.waitUntil(lambda: json.loads(file.read_text())["language"] == "")
    assert choice.note.isHidden() and choice.restart_button.isHidden()
    dialog.close()
    # Settings opened again shows the saved choice.
    AppSettings(Paths.from_settings(Settings(home=tmp_path))).set("language", "pl")
    again = settings_window(qtbot, tmp_path)
    assert (
        again.general.language.chosen() == "pl" and again.general.language.box.currentText() == "Polski \u2014 Polish"
    )
    again.close()


class Stubborn(QWidget):
    """A window that stays open when asked to close (like a composer whose person chose Cancel)."""

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()


def test_restart_closes_every_window_first_and_not_when_one_stays_open(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    quits: list[int] = []
    monkeypatch.setattr(QApplication, "quit", lambda *_a: quits.append(1))
    started: list[int] = []
    stubborn = Stubborn()
    qtbot.addWidget(stubborn)
    stubborn.show()
    assert restart.restart_app(lambda: started.append(1)) is False and started == [] and quits == []
    stubborn.hide()
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    assert restart.restart_app(lambda: started.append(1)) is True
    assert other.isHidden() and started == [1] and quits == [1]


def test_phone_window_in_german_and_arabic(qtbot: QtBot, language: Any) -> None:
    server = ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, "anna@example.test")
    account = Account(
        "anna@example.test",
        "Anna",
        server,
        ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "anna@example.test"),
    )
    english = PhoneWindow(account)
    qtbot.addWidget(english)
    assert "Set up your phone" in [english.windowTitle()] and len(english_left(english)) > 10  # the check sees texts
    english.close()
    language("de")
    window = PhoneWindow(account)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Smartphone einrichten"
    assert window.print_button.text() == "Drucken…" and window.include_password.text() == "Mein Passwort einfügen"
    assert window.qr_caption.text().startswith("Tippen Sie in Thunderbird")
    assert english_left(window) == []
    window.close()
    language("ar")
    window = PhoneWindow(account)
    qtbot.addWidget(window)
    window.show()
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.windowTitle() == "إعداد هاتفك" and english_left(window) == []
    window.close()
