"""The mail window's search box: the keys a person uses in it without a mouse.

Esc clears the search (the folder shows again), and Esc in an empty box goes back to the messages,
as Thunderbird's quick filter does; Down and Page Down go into the results (a one-line box has no
other use for them).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget

from deskmail.core.i18n import _


class SearchBox(QLineEdit):
    """A search field; `leave` (Down) and `escape` (Esc when empty) ask the window for the message list."""

    leave = Signal()  # into the results, on the first one
    escape = Signal()  # back to the messages, opening none of them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        key = QKeySequence(QKeySequence.StandardKey.Find).toString(QKeySequence.SequenceFormat.NativeText)
        # Translators: the search box's grey hint; {key} is the key that jumps to it (Ctrl+F, ⌘F).
        self.setPlaceholderText(_("Search all mail ({key})").format(key=key) if key else _("Search all mail"))
        self.setClearButtonEnabled(True)
        self.setAccessibleName(_("Search"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()  # the window shows the folder again; the next Esc goes back to the messages
            return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.leave.emit()
            return
        super().keyPressEvent(event)
