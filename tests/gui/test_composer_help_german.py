"""The composer, the help, shortcuts, sizes and new-mail words in German (and the composer in Arabic).

The help texts are built at import time (N_) and translated where they are shown: these tests
prove a person who chose German reads German there, not the English the module was loaded with.
A scan of every visible text against the English message ids catches a string that bypasses _().
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from deskmail.core import i18n
from deskmail.engine.imap.undo import ACTION_KINDS
from deskmail.engine.smtp.outbox import OutboxItem, OutboxState
from deskmail.engine.store.models import MessageSummary
from deskmail.ui import help_texts
from deskmail.ui.help import HelpWindow
from deskmail.ui.language import apply_to_qt
from deskmail.ui.mail import samples
from deskmail.ui.mail.actions import wording
from deskmail.ui.mail.attachments import human_size
from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.mail.notify import describe
from deskmail.ui.mail.outbox import show_outbox
from deskmail.ui.shortcuts import ShortcutsDialog
from tests.translated import tool as _tool
from tests.translated import use_language

pytestmark = pytest.mark.gui


def speaking(code: str, qapp: QApplication, monkeypatch: pytest.MonkeyPatch, where: Path) -> Iterator[None]:
    use_language(code, monkeypatch, where)
    apply_to_qt(qapp, code)
    yield
    i18n.use("en")
    apply_to_qt(qapp, "en")  # Qt's locale, translator and direction too, for the tests after this one


@pytest.fixture
def german(qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    yield from speaking("de", qapp, monkeypatch, tmp_path)


@pytest.fixture
def arabic(qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    yield from speaking("ar", qapp, monkeypatch, tmp_path)


def english_ids() -> set[str]:
    """Every English text marked for translation that the language in use says differently ("Bcc:" is German too)."""
    ids: set[str] = set()
    for message in _tool().extract():
        if not isinstance(message.id, tuple) and "{" not in message.id and i18n._(message.id) != message.id:
            ids.add(message.id)
    return ids


def shown_texts(window: QWidget) -> list[str]:
    """What a person sees or hears: labels, buttons, actions, placeholders, tooltips, accessible names."""
    texts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        texts += [widget.accessibleName(), widget.toolTip()]
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
    for action in window.findChildren(QAction):
        texts += [action.text(), action.toolTip()]
    return [t for t in texts if t]


def composer(qtbot: QtBot) -> ComposerWindow:
    window = ComposerWindow([samples.sample_account()], lambda email, prefix: [])
    qtbot.addWidget(window, before_close_func=lambda w: setattr(w, "dirty", False))
    window.show()
    return window


def test_the_composer_speaks_german(qtbot: QtBot, german: None) -> None:
    window = composer(qtbot)
    assert window.send_button.text() == "Senden"
    assert window.windowTitle() == "Neue Nachricht"
    assert window.subject.placeholderText() == "Worum geht es?"
    label = window.form.labelForField(window.subject)
    assert isinstance(label, QLabel) and label.text() == "Betreff:"
    assert [a.text() for a in window.menuBar().actions()] == ["&Nachricht"]
    assert window.send_button.toolTip().startswith("Senden (")
    left_english = set(shown_texts(window)) & english_ids()
    assert not left_english, f"English left in the German composer: {sorted(left_english)}"
    window.request_send()  # nobody addressed: the plain message is German too
    assert window.field_error.text() == "Geben Sie mindestens einen Empfänger unter An, Cc oder Bcc ein."


def test_the_help_speaks_german(qtbot: QtBot, german: None) -> None:
    window = HelpWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Deskmail-Hilfe"
    assert window.titles()[0] == "Erste Schritte"
    assert window.pages.item(0).text() == "Erste Schritte"
    for row, (title, text) in enumerate(help_texts.PAGES):
        window.show_page(row)
        shown = window.text.toPlainText()
        assert i18n._(title) in shown and title not in window.titles()
        first_words = " ".join(text.split()[:4])  # e.g. "<p>Deskmail needs only your"
        assert first_words not in window.text.toHtml() and len(shown) > 300, f"page {row} is English or empty"
    window.show_page(0)
    assert "Posteingang" in window.text.toPlainText() and "Strg" in window.text.toPlainText()


def test_sizes_and_new_mail_in_german(qapp: QApplication, german: None) -> None:
    assert QLocale().decimalPoint() == ","
    assert human_size(1_258_291) == "1,2 MB" and human_size(2048) == "2 kB"
    ann = MessageSummary(1, 1, 1, (), "", "Ann", "ann@example.test", "", "", 0, 0, "", "", "", False, "")
    bob = MessageSummary(2, 1, 2, (), "Hallo", "Bob", "bob@example.test", "", "", 0, 0, "", "", "", False, "")
    assert describe([ann]) == ("Neue Nachricht von Ann", "(kein Betreff)")
    assert describe([ann, bob]) == ("2 neue Nachrichten", "Von Ann und Bob")


def test_unknown_senders_in_german(qapp: QApplication, german: None) -> None:
    unnamed = MessageSummary(1, 1, 1, (), "Hallo", "", "", "", "", 0, 0, "", "", "", False, "")
    ann = MessageSummary(2, 1, 2, (), "", "Ann", "ann@example.test", "", "", 0, 0, "", "", "", False, "")
    assert describe([unnamed]) == ("Neue Nachricht von einem unbekannten Absender", "Hallo")
    assert describe([ann, unnamed])[1] == "Von Ann und einem unbekannten Absender"


@pytest.mark.parametrize("code", ["de", "ar"])
def test_undo_and_redo_name_each_action_in_a_whole_text(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, code: str
) -> None:
    """Every action the engine can do has its own words (never an English kind.capitalize())."""
    use_language(code, monkeypatch, tmp_path)
    for kind in ACTION_KINDS:
        for value in (True, False) if kind in ("read", "flag") else (None,):
            words = wording(kind, value)
            for english in (words.undo, words.redo, words.undone):
                assert english and i18n._(english) != english, (kind, value, english)
    assert i18n._(wording("read", True).undo) == (
        "Markierung als gelesen rückgängig machen" if code == "de" else "تراجع عن التعليم كمقروءة"
    )


def test_the_outbox_button_in_german(qtbot: QtBot, german: None) -> None:
    def item(number: int, state: OutboxState) -> OutboxItem:
        raw = f"Subject: Note {number}\r\n\r\nHi\r\n".encode()
        return OutboxItem(number, f"<{number}@x>", raw, "a@x", ["b@x"], state, 1, None, 0.0, 0.0)

    button = QPushButton()
    qtbot.addWidget(button)
    queued, failed, unsure = item(1, OutboxState.QUEUED), item(2, OutboxState.FAILED), item(3, OutboxState.UNSURE)
    cases = [
        ([queued, failed], "2 Nachrichten warten im Postausgang · 1 nicht gesendet, klicken, um den Grund zu sehen"),
        ([unsure], "1 Nachricht wartet im Postausgang · 1 vielleicht schon gesendet, klicken, um zu entscheiden"),
        (
            [failed, unsure],
            "2 Nachrichten warten im Postausgang · 1 nicht gesendet, 1 vielleicht schon gesendet, "
            "klicken, um den Grund zu sehen",
        ),
    ]
    for items, text in cases:
        show_outbox(button, [("a@x", i) for i in items], lambda: None, lambda e, i: None, lambda e, i: None)
        assert button.text() == text


def test_shortcuts_name_keys_in_german(qtbot: QtBot, german: None) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    dialog = ShortcutsDialog(window)
    rows = dict(dialog.rows())
    assert rows["Ein Nachrichtenfenster schließen"] and dialog.windowTitle() == "Tastenkürzel"


def test_the_composer_mirrors_in_arabic(qtbot: QtBot, arabic: None) -> None:
    window = composer(qtbot)
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.send_button.text() == "إرسال"
    buttons = {b.text() for b in window.findChildren(QPushButton)}
    assert "Send" not in buttons
