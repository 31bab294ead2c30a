"""Settings › General › Undo Send: how long a sent message waits so that it can be taken back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from deskmail.core.i18n import _, ngettext
from deskmail.engine.prefs import UNDO_SEND_DEFAULT, UNDO_SEND_MAX, AppSettings
from deskmail.ui.context import AppContext
from deskmail.ui.settings.spin import CountSpin

SAVE_DELAY_MS = 400  # each click of the spin box changes it: save once it rests


class UndoSendChoice(QWidget):
    """ "Wait [5] seconds before sending": settings.json's undo_send_seconds, applied to the window at once."""

    def __init__(self, context: AppContext, view: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = view
        self.settings = AppSettings(context.paths)
        self.seconds: QSpinBox = CountSpin(lambda n: ngettext("{n} second", "{n} seconds", n))
        self.seconds.setRange(0, UNDO_SEND_MAX)
        self.seconds.setValue(UNDO_SEND_DEFAULT)
        self.seconds.setAccessibleName(_("Seconds to wait before sending"))
        # One sentence around the spin box, so each language puts it where its grammar wants it.
        # Translators: {seconds} is a box with the number of seconds ("5 seconds"); keep {seconds} once.
        sentence = _("Wait {seconds} before sending, so that Undo can take a message back")
        words_before, _seconds, words_after = sentence.partition("{seconds}")
        row = QHBoxLayout()
        before = QLabel(words_before.strip())
        before.setBuddy(self.seconds)
        row.addWidget(before)
        row.addWidget(self.seconds)
        after = QLabel(words_after.strip())
        after.setWordWrap(True)  # long in German: wraps rather than pushing the page sideways at 800 x 600
        row.addWidget(after, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        hint = QLabel(_("Choose 0 seconds to send at once, without the chance to undo."))
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self._save)
        self.setEnabled(False)  # until settings.json is read: a click now would be undone by it
        self.seconds.valueChanged.connect(self._changed)
        context.runner.run(
            lambda c, p: self.settings.undo_send_seconds(), name="settings-undo-send", on_finished=self._loaded
        )

    def _loaded(self, seconds: object) -> None:
        if isinstance(seconds, int):
            self.seconds.blockSignals(True)
            self.seconds.setValue(seconds)
            self.seconds.blockSignals(False)
        self.setEnabled(True)

    def _changed(self, seconds: int) -> None:
        actions = getattr(self.view(), "actions_", None)
        if actions is not None:
            actions.undo_send_seconds = seconds  # the next message sent waits this long
        self._timer.start()

    def _save(self) -> None:
        seconds = str(self.seconds.value())
        self.context.runner.run(
            lambda c, p: self.settings.set("undo_send_seconds", seconds), key="settings-save", name="save-undo-send"
        )

    def flush(self) -> None:
        """Closing the window: a change still waiting for its delay is saved now."""
        if self._timer.isActive():
            self._timer.stop()
            self._save()
