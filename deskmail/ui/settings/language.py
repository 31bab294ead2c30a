"""Settings › General › Language: follow the system or speak one of the shipped languages.

The choice is settings.json's "language" ("" for the system's). Deskmail chooses its language once,
at start, so a new choice says when it takes effect (in the chosen language too, for a person who
picked the language they read) and offers to start Deskmail again now.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from deskmail.core import i18n
from deskmail.core.i18n import N_, _
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import AppSettings
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.settings.restart import restart_app

NEXT_START = N_("Deskmail will speak {language} the next time it starts.")


def language_name(code: str, in_code: str) -> str:
    """`code`'s language named in `in_code`'s words, from CLDR ("Französisch" in German, "français"
    in French, in lower case as French writes it inside a sentence)."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code).get_display_name(in_code))
    except (UnknownLocaleError, ValueError):
        return i18n.NATIVE_NAMES[code]


def list_entry(code: str) -> str:
    """A language in the list: by its own name, and by the name the person reads now if different."""
    native = i18n.NATIVE_NAMES[code]
    here = language_name(code, i18n.language())
    return native if here.casefold() == native.casefold() else f"{native} \u2014 {here}"


def system_language(environ: dict[str, str] | None = None) -> str:
    """The language Deskmail speaks when it follows the system (DESKMAIL_LANG aside)."""
    env = dict(os.environ if environ is None else environ)
    env.pop("DESKMAIL_LANG", None)
    return i18n.choose("", env)


def in_language(code: str, message: str) -> str:
    """`message` in the language `code`, whichever language Deskmail speaks now."""
    if code == "en":
        return message
    found = gettext.translation(i18n.DOMAIN, localedir=str(i18n.LOCALE_DIR), languages=[code], fallback=True)
    return found.gettext(message)


class LanguageChoice(QWidget):
    """The list of languages, each by its own name, and the note that a change needs a new start."""

    def __init__(self, paths: Paths, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = AppSettings(paths)
        self.restart: Callable[[], bool] = restart_app
        self.box = QComboBox()
        self.box.setAccessibleName(_("Language"))
        self.box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        system = system_language()
        self.box.addItem(_("Same as the system ({language})").format(language=i18n.NATIVE_NAMES[system]), "")
        for code in i18n.SHIPPED:
            self.box.addItem(list_entry(code), code)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box)
        row.addStretch(1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_chosen = QLabel()  # the same note in the chosen language
        self.note_chosen.setWordWrap(True)
        self.note_chosen.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.restart_button = QPushButton(_("Restart Deskmail now"))
        self.restart_button.setAutoDefault(False)
        self.restart_button.clicked.connect(self.restart_now)
        restart_row = QHBoxLayout()
        restart_row.setContentsMargins(0, 0, 0, 0)
        restart_row.addWidget(self.restart_button)
        restart_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.note_chosen)
        layout.addLayout(restart_row)
        for shown in (self.note, self.note_chosen, self.restart_button):
            shown.hide()  # until the person chooses: the language in use is what was chosen before
        self.box.activated.connect(self._chosen)
        self.setEnabled(False)  # until settings.json is read: a choice now would be undone by it
        settings = self.settings
        runner.run(lambda c, p: settings.language(), name="settings-language", on_finished=self._loaded)

    def _loaded(self, code: object) -> None:
        if isinstance(code, str):
            self.box.setCurrentIndex(max(0, self.box.findData(code)))
        self.setEnabled(True)

    def chosen(self) -> str:
        return str(self.box.currentData() or "")

    def choose(self, code: str) -> None:
        """As if the person picked `code` ("" for the system's language) from the list."""
        index = self.box.findData(code)
        self.box.setCurrentIndex(index)
        self._chosen(index)

    def _chosen(self, _index: int) -> None:
        code, settings = self.chosen(), self.settings
        # cleanup: a Restart right after the choice quits the app; the choice is still written first.
        self.runner.run(
            lambda c, p: settings.set("language", code), key="settings-save", name="save-language", cleanup=True
        )
        self._show_note(code)

    def _show_note(self, code: str) -> None:
        """Nothing to say when the choice is the language in use; else when it takes effect, and Restart."""
        new = i18n.normalize(code) or system_language()
        changes = new != i18n.language()
        self.note.setVisible(changes)
        self.note_chosen.setVisible(False)
        self.restart_button.setVisible(changes)
        if not changes:
            return
        self.note.setText(_(NEXT_START).format(language=language_name(new, i18n.language())))
        # In its own sentence a language is named as that language writes it there ("parlera français").
        chosen = in_language(new, NEXT_START).format(language=language_name(new, new))
        if chosen != self.note.text():
            self.note_chosen.setText(chosen)
            rtl = new in i18n.RIGHT_TO_LEFT
            self.note_chosen.setLayoutDirection(
                Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
            )
            self.note_chosen.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
            self.note_chosen.setVisible(True)

    def restart_now(self) -> None:
        """Quit and start again; the choice's save still runs while the app shuts down (cleanup work)."""
        self.restart()
