"""Keystrokes meant for a composer never reach the main window.

When a composer closes or hides (sent, Undo Send wait), someone typing fast is still typing their
message; the main window would take those letters as commands (A archives, S flags, letters jump to
folders and rows). For a moment after that, plain keys (no Ctrl, Alt or Meta) aimed at the main
window are dropped; each dropped key keeps the pause going while the typing goes on, up to LONGEST.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

PAUSE_S = 1.5  # after a composer closes: what a fast typist's next keys take to stop
LONGEST_S = 10.0
COMMAND_KEYS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class TypingGuard(QObject):
    """Drops plain keys aimed at `window` for PAUSE_S after `hold()` (an application event filter)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.until = 0.0
        self.started = 0.0
        self.installed = False

    def hold(self) -> None:
        now = time.monotonic()
        self.started, self.until = now, now + PAUSE_S
        app = QApplication.instance()
        if app is not None and not self.installed:
            app.installEventFilter(self)
            self.installed = True

    @property
    def holding(self) -> bool:
        return time.monotonic() < self.until

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        if not isinstance(event, QKeyEvent) or event.modifiers() & COMMAND_KEYS:
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window.window():
            return False
        now = time.monotonic()
        if now >= self.until:
            self._remove()
            return False
        if kind == QEvent.Type.KeyPress:
            self.until = min(now + PAUSE_S, self.started + LONGEST_S)  # still typing: keep the pause
        event.accept()  # a ShortcutOverride accepted here stops the shortcut; the key press is dropped
        return True

    def _remove(self) -> None:
        app = QApplication.instance()
        if app is not None and self.installed:
            app.removeEventFilter(self)
            self.installed = False
