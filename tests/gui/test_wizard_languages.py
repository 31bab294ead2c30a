"""The Add-account wizard in German and Arabic, walked against the real test bed.

Every page visited shows the language's words (titles, buttons, labels, accessible names), none of
the wizard pages' own English texts that the language translates is left on screen, and Arabic turns
the whole wizard right to left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from deskmail.core import i18n
from deskmail.ui.language import apply_to_qt
from deskmail.ui.wizard.pop3_page import DownloadChoicesFields
from deskmail.ui.wizard.result_pages import _date_words
from deskmail.wizard.steps import Step
from tests.unit.test_catalogs import _tool

from .test_translated_scenes import leftovers
from .wizard_bed import Run, accept_found, action, click, found_page, run, type_account, wait_for

pytestmark = pytest.mark.gui
__all__ = ["run"]  # the fixture

ROOT = Path(__file__).resolve().parents[2]
WIZARD_FILES = sorted(p for p in (ROOT / "deskmail" / "ui" / "wizard").glob("*.py") if p.name != "gallery.py")


def use_language(app: QApplication, code: str) -> None:
    """`code` for Deskmail's words and Qt's."""
    apply_to_qt(app, i18n.use(code))


def english_texts() -> set[str]:
    """The wizard pages' own English texts (no placeholders) that the language in use translates."""
    found: set[str] = set()
    for message in _tool().extract(WIZARD_FILES):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid and "{" not in msgid and i18n._(msgid) != msgid:
            found.add(msgid)
    return found


@pytest.fixture(params=["de", "ar"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    use_language(qapp, request.param)
    yield request.param
    use_language(qapp, "en")


@pytest.fixture
def german(qapp: QApplication) -> Iterator[str]:
    use_language(qapp, "de")
    yield "de"
    use_language(qapp, "en")


@pytest.fixture
def walk(language: str, run: Run) -> Run:
    """A wizard on the real services, built after the language was chosen (as the app does)."""
    return run


@pytest.fixture
def walk_de(german: str, run: Run) -> Run:
    return run


def no_english(widget: QWidget, english: set[str]) -> None:
    left = leftovers(widget, english)
    assert left == set(), f"English left on {type(widget).__name__}: {sorted(left)}"


def test_walk_in_the_language_shows_no_english(qtbot: QtBot, walk: Run, testbed: Any, language: str) -> None:
    wizard = walk.wizard
    english = english_texts()
    assert len(english) > 80  # the wizard's texts really are translated in this language
    page = wizard.account_page
    if language == "de":
        assert wizard.windowTitle() == "E-Mail-Konto hinzufügen"
        assert page.content.itemAt(0).widget().text() == "E-Mail einrichten"  # type: ignore[union-attr]
        assert (page.cancel_button.text(), page.continue_button.text()) == ("Abbrechen", "Weiter")
        assert page.remember.text() == "Passwort merken"
    else:
        assert wizard.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert page.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert page.continue_button.text() == "متابعة"
    no_english(wizard, english)
    type_account(qtbot, walk, testbed.user, testbed.password)
    no_english(wizard, english)  # Looking for your settings
    wait_for(qtbot, walk, Step.FOUND)
    found = found_page(walk)
    no_english(wizard, english)
    if language == "de":
        assert found.continue_button.text() == "Weiter" and found.back_button.text() == "Zurück"
        assert found.incoming.title.text() == "E-Mails empfangen (IMAP)"
        assert found.incoming.host.text().startswith("Server imap.example.test, Port 993, Benutzername ")
    else:
        # Host names are left-to-right text; in an Arabic page they still start on the right.
        assert found.incoming.domain.alignment() & Qt.AlignmentFlag.AlignRight
    accept_found(qtbot, wizard)
    no_english(wizard, english)  # Checking your settings
    wait_for(qtbot, walk, Step.DONE)
    no_english(wizard, english)
    done = wizard.page()
    if language == "de":
        assert f"Ihr E-Mail-Konto {testbed.user} ist bereit." in done.text.text()  # type: ignore[attr-defined]
        assert done.finish_button.text() == "E-Mails lesen"  # type: ignore[attr-defined]
    assert walk.store.get(testbed.user) is not None


def test_wrong_password_problem_page_in_german(qtbot: QtBot, walk_de: Run, testbed: Any) -> None:
    """Problem pages build their buttons from a table made at import time: they are German too."""
    english = english_texts()
    type_account(qtbot, walk_de, testbed.user, "not-the-password")
    wait_for(qtbot, walk_de, Step.FOUND)
    accept_found(qtbot, walk_de.wizard)
    wait_for(qtbot, walk_de, Step.PROBLEM)
    no_english(walk_de.wizard, english)
    retype = action(walk_de, "Passwort erneut eingeben")
    assert walk_de.wizard.page().findChildren(QWidget)  # the page is built
    click(qtbot, retype)
    wait_for(qtbot, walk_de, Step.ACCOUNT)
    no_english(walk_de.wizard, english)


def test_days_sentence_around_the_number_box(qapp: QApplication) -> None:
    """Remove it from the server after [n] days: words before and after the box, with the right plural."""
    try:
        use_language(qapp, "de")
        fields = DownloadChoicesFields()
        fields.keep.setChecked(True)
        fields.remove.setChecked(True)
        fields.days.setValue(1)
        assert (fields.remove.text(), fields.days_label.text()) == ("Nach", "Tag vom Server entfernen")
        fields.days.setValue(14)
        assert (fields.remove.text(), fields.days_label.text()) == ("Nach", "Tagen vom Server entfernen")
        assert "noch 14 Tage lang" in fields.consequence.text()
        use_language(qapp, "ja")
        fields = DownloadChoicesFields()
        assert (fields.remove.text(), fields.days_label.text()) == ("", "日後にサーバーから削除する")
        use_language(qapp, "pl")
        fields = DownloadChoicesFields()
        fields.days.setValue(3)
        assert fields.days_label.text() == "dniach"
    finally:
        use_language(qapp, "en")
    fields = DownloadChoicesFields()
    assert (fields.remove.text(), fields.days_label.text()) == ("Remove it from the server after", "days")


def test_certificate_dates_in_the_language(qapp: QApplication) -> None:
    assert _date_words("2027-01-10T00:00:00+00:00") == "10 January 2027"
    try:
        use_language(qapp, "de")
        assert _date_words("2027-01-10T00:00:00+00:00") == "10. Januar 2027"
        use_language(qapp, "ja")
        assert _date_words("2027-01-10T00:00:00+00:00") == "2027年1月10日"
    finally:
        use_language(qapp, "en")
