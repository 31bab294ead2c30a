"""Slim message bars above a view: offline, errors with Retry, remote content. Never modal."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from deskmail.core.i18n import _
from deskmail.ui.icons import ui_icon

STYLES = {
    "info": "background:#e8f0fe; border:1px solid #b6cdf7; color:#1d3a6e;",
    "warning": "background:#fff6dd; border:1px solid #f0d27a; color:#5c4400;",
    "error": "background:#fdecea; border:1px solid #f2b8b5; color:#7a1c17;",
}


class MessageBar(QFrame):
    """A line of text with optional buttons and a close cross; hidden until `show_message`."""

    def __init__(self, kind: str = "info", icon: str = "", closable: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("MessageBar")
        # The text colour goes on the labels too: they take the palette's otherwise (light text on the
        # pale bar in a dark desktop theme).
        text = STYLES[kind].split("color:")[1].rstrip(";")
        self.setStyleSheet(
            f"#MessageBar {{ {STYLES[kind]} border-radius: 4px; }} #MessageBar QLabel {{ border: none; color:{text}; }}"
            f" #MessageBar QToolButton {{ color:{text}; }}"
        )
        self.icon = QLabel()
        if icon:
            self.icon.setPixmap(ui_icon(icon).pixmap(16, 16))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(10, 6, 6, 6)
        self.row.addWidget(self.icon)
        self.row.addWidget(self.text, 1)
        self.buttons: list[QPushButton] = []
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(_("Hide this message"))
        self.close_button.setAccessibleName(_("Hide this message"))
        self.close_button.clicked.connect(self.hide)
        self.close_button.setVisible(closable)
        self.row.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, actions: list[tuple[str, Callable[[], None]]] | None = None) -> None:
        self.text.setText(text)
        self.setAccessibleName(text)
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for label, slot in actions or []:
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, s=slot: s())
            self.row.insertWidget(self.row.count() - 1, button)
            self.buttons.append(button)
        self.show()
