"""A message in its own window (Enter or double-click in the list): the same reader, as big as the person likes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QWidget

from deskmail.core.i18n import _
from deskmail.engine.store.models import MessageSummary
from deskmail.ui.accessible import name_overflow_button
from deskmail.ui.icons import app_icon, ui_icon
from deskmail.ui.mail.reader import ReadingPane

if TYPE_CHECKING:
    from deskmail.engine.mime.render import RenderedMessage


class MessageWindow(QMainWindow):
    """One message, read-only; links, mailto: and attachments work as in the main window's reader."""

    def __init__(self, summary: MessageSummary, rendered: RenderedMessage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(summary.subject or _("(no subject)"))
        self.setWindowIcon(app_icon())
        self.pane = ReadingPane()
        self.pane.show_message(summary, rendered)
        # Remote images are offered in the main window, which remembers the choice for the sender.
        self.pane.remote_bar.hide()
        self.setCentralWidget(self.pane)
        self.pane.link_hovered.connect(lambda address: self.statusBar().showMessage(address))
        self.toolbar = self.addToolBar(_("Message"))
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        name_overflow_button(self.toolbar)
        # Ctrl+W (the platform's Close) closes it, as Esc does; a size for reading, not the list's.
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self).activated.connect(self.close)
        self.resize(760, 720)

    def add_action(self, text: str, slot: Callable[[], object], key: str) -> QAction:
        """Reply, Reply All, Forward: on this window's own message, whatever the main window shows now."""
        action = self.toolbar.addAction(ui_icon("sent"), text)
        action.setShortcut(QKeySequence(key))
        keys = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        # Translators: a button's tooltip, e.g. "Reply (Ctrl+R)".
        action.setToolTip(_("{action} ({keys})").format(action=text, keys=keys))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # Esc closes a message window, as in other mail apps
            self.close()
            return
        super().keyPressEvent(event)
