"""Qt's side of the chosen language: its own strings, the locale for dates and numbers, the direction.

Deskmail's own words come from gettext (core/i18n.py). Qt's standard buttons and its file and
print dialogs come from Qt's `qtbase_<lang>.qm`, shipped with PySide6 and kept in the bundle for
every shipped language. Arabic turns the whole layout right to left.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from deskmail.core import i18n

_installed: list[QTranslator] = []


def apply_to_qt(app: QApplication, code: str | None = None) -> None:
    """Load Qt's translation for `code` (default: the language in use), set the locale and direction."""
    code = code or i18n.language()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if code != "en":
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{code}", folder) or translator.load(f"qtbase_{code.split('_')[0]}", folder):
            app.installTranslator(translator)
            _installed.append(translator)
    QLocale.setDefault(locale_for(code))
    rtl = code in i18n.RIGHT_TO_LEFT
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)


def locale_for(code: str) -> QLocale:
    """The locale for dates and numbers: the system's own when it speaks `code` (keeps en_GB's
    day-month order and de_AT's "Jänner"), else the language's main one."""
    system = QLocale.system()
    if code == "en" and system.language() == QLocale.Language.C:
        return system  # LANG=C (servers, CI): Qt's C locale writes English already
    wanted = QLocale(code)
    if system.language() == wanted.language() and (code.count("_") == 0 or system.territory() == wanted.territory()):
        return system
    return wanted
