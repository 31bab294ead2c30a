"""Qt's side of the language: its own buttons from qtbase_<lang>.qm, the locale, the direction."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from deskmail.core import i18n
from deskmail.ui.language import apply_to_qt


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save)
    button = box.button(QDialogButtonBox.StandardButton.Cancel)
    assert button is not None
    return button.text().replace("&", "")


def test_qt_standard_buttons_dates_and_direction_follow_the_language(qapp: QApplication) -> None:
    try:
        apply_to_qt(qapp, i18n.use("de"))
        assert _cancel_text() == "Abbrechen"
        assert "Mai" in QLocale().toString(QDate(2021, 5, 3), QLocale.FormatType.LongFormat)
        assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight
        apply_to_qt(qapp, i18n.use("ja"))
        assert _cancel_text() != "Cancel"
        assert "5月" in QLocale().toString(QDate(2021, 5, 3), QLocale.FormatType.LongFormat)
        apply_to_qt(qapp, i18n.use("ar"))
        assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert _cancel_text() != "Cancel"
    finally:
        apply_to_qt(qapp, i18n.use("en"))
    assert _cancel_text() == "Cancel"
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_the_command_line_chooses_from_the_environment_without_a_generated_locale() -> None:
    """A child process with only LANG=de_DE.UTF-8 (not generated here) speaks German."""
    code = (
        "import os, sys; os.environ.pop('DESKMAIL_LANG', None);"
        "from deskmail import cli; cli._use_language();"
        "from deskmail.core import i18n; print(i18n.language(), i18n._('{name} wrote:').format(name='Bob'))"
    )
    env = {"LANG": "de_DE.UTF-8", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "DESKMAIL_HOME": "/nonexistent"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["de", "Bob", "schrieb:"]
