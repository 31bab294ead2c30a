"""Help › Deskmail Help (F1): a small window of short pages in plain words (texts in help_texts.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from deskmail import APP_NAME
from deskmail.core.i18n import _
from deskmail.ui.help_texts import PAGES


class HelpWindow(QDialog):
    """Page titles on the left, the page on the right; it stays open beside the mail window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("{app} Help").format(app=APP_NAME))
        self.setModal(False)
        self.pages = QListWidget()
        self.pages.setAccessibleName(_("Help topics"))
        self.pages.addItems(self.titles())
        self.pages.setMaximumWidth(max(200, self.pages.sizeHintForColumn(0) + 24))
        self.text = QTextBrowser()
        self.text.setAccessibleName(_("Help text"))
        self.text.setOpenLinks(False)  # the pages have no links to follow; nothing opens from here
        self.pages.currentRowChanged.connect(self.show_page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        body = QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)
        self.pages.setCurrentRow(0)
        self.pages.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_page(self, row: int) -> None:
        if 0 <= row < len(PAGES):
            title, text = PAGES[row]  # marked at import, translated here in the language chosen since
            self.text.setHtml(f"<h2>{_(title)}</h2>{_(text)}")
            if self.pages.currentRow() != row:
                self.pages.setCurrentRow(row)

    def titles(self) -> list[str]:
        return [_(title) for title, _text in PAGES]
