"""A message in its own window (Enter or double-click in the list): the same reader, as big as the person likes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QWidget

from deskmail.engine.store.models import MessageSummary
from deskmail.ui.icons import app_icon
from deskmail.ui.mail.reader import ReadingPane

if TYPE_CHECKING:
    from deskmail.engine.mime.render import RenderedMessage


class MessageWindow(QMainWindow):
    """One message, read-only; links, mailto: and attachments work as in the main window's reader."""

    def __init__(self, summary: MessageSummary, rendered: RenderedMessage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(summary.subject or "(no subject)")
        self.setWindowIcon(app_icon())
        self.pane = ReadingPane()
        self.pane.show_message(summary, rendered)
        # Remote images are offered in the main window, which remembers the choice for the sender.
        self.pane.remote_bar.hide()
        self.setCentralWidget(self.pane)
        self.pane.link_hovered.connect(lambda address: self.statusBar().showMessage(address))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self).activated.connect(self.close)
        self.resize(760, 720)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # Esc closes a message window, as in other mail apps
            self.close()
            return
        super().keyPressEvent(event)
