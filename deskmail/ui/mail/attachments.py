"""A message's attachments in the reader: buttons that wrap to the pane's width, or one summary when many.

A row of buttons that never wraps made the whole window as wide as the attachments (4,148 px for
ten of them): here the buttons flow onto more lines, and past a few of them they collapse into
"10 attachments, 1.2 MB" (a menu of each one) beside "Save All…".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QLayout, QLayoutItem, QMenu, QSizePolicy, QToolButton, QWidget

from deskmail.core.i18n import _, ngettext
from deskmail.ui.icons import ui_icon

if TYPE_CHECKING:
    from deskmail.engine.mime.parse import Attachment

MAX_BUTTONS = 4  # more attachments than this: one summary button with a menu
MAX_NAME = 40  # characters of a file name on a button (the full name is its tooltip)


def human_size(size: int) -> str:
    """ "1.2 MB" in the person's language and number format (Qt's words: "1,2 MB", "1,2 Mo", "١٫٢ م.ب")."""
    locale = QLocale()
    if size < 1024:
        return locale.formattedDataSize(size)  # "512 bytes": Qt says it in the language, with its plural
    text = locale.formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)
    # A whole number reads better without its ".0" (2 KB, not 2.0 KB), as before.
    return text.replace(f"{locale.decimalPoint()}{locale.toString(0)} ", " ")


def short_name(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 12] + "…" + name[-11:]


class FlowLayout(QLayout):
    """Lays widgets left to right and wraps onto new lines: as narrow as its widest item, never wider."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins: QMargins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint().boundedTo(QSize(max(1, area.width()), item.sizeHint().height()))
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self.spacing(), 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class AttachmentStrip(QWidget):
    """The attachments of the message shown; Open and Save As for each, Save All for several."""

    open_attachment = Signal(object)  # Attachment
    save_attachment = Signal(object)  # Attachment
    save_all = Signal(list)  # [Attachment]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self)
        self.flow.setContentsMargins(0, 4, 0, 0)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)  # the pane's width decides; the strip wraps to it
        self.attachments: list[Attachment] = []
        self.hide()

    def set_attachments(self, attachments: list[Attachment]) -> None:
        while self.flow.count():
            item = self.flow.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.attachments = list(attachments)
        if len(attachments) > MAX_BUTTONS:
            total = human_size(sum(a.size for a in attachments))
            count = len(attachments)
            text = ngettext("{n} attachment, {size}", "{n} attachments, {size}", count).format(n=count, size=total)
            summary = self._button(text, _("Attachments"))
            menu = QMenu(summary)
            for attachment in attachments:
                sub = menu.addMenu(f"{short_name(attachment.filename)}  ({human_size(attachment.size)})")
                self._fill(sub, attachment)
            summary.setMenu(menu)
            self.flow.addWidget(summary)
        else:
            for attachment in attachments:
                button = self._button(
                    f"{short_name(attachment.filename)}  ({human_size(attachment.size)})",
                    _("Attachment {name}").format(name=attachment.filename),
                )
                button.setToolTip(attachment.filename)
                menu = QMenu(button)
                self._fill(menu, attachment)
                button.setMenu(menu)
                self.flow.addWidget(button)
        if len(attachments) > 1:
            save_all = QToolButton()
            save_all.setText(_("Save All…"))
            save_all.setAccessibleName(_("Save all attachments"))
            save_all.clicked.connect(lambda _c=False: self.save_all.emit(list(self.attachments)))
            self.flow.addWidget(save_all)
        self.setVisible(bool(attachments))
        self.updateGeometry()

    def _button(self, text: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(ui_icon("attachment"))
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setAccessibleName(name)
        return button

    def _fill(self, menu: QMenu, attachment: Attachment) -> None:
        menu.addAction(_("Open")).triggered.connect(lambda _c=False: self.open_attachment.emit(attachment))
        menu.addAction(_("Save As…")).triggered.connect(lambda _c=False: self.save_attachment.emit(attachment))
