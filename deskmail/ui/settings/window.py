"""The Settings window: each account on the left, then the choices for the whole app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from deskmail.engine.accounts import Account
from deskmail.ui.context import AppContext
from deskmail.ui.settings.account import AccountSettings, delete_local_copy
from deskmail.ui.settings.general import GeneralPage, OfflinePage


def _scrolling(page: QWidget) -> QScrollArea:
    """Small screens (800 x 600) and big fonts: a page scrolls rather than being cut off."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class SettingsWindow(QDialog):
    """Changes take effect at once and are kept; the server checks run on a worker with Cancel.

    `accounts_changed()` asks the main window to read the accounts again (new name, signature,
    interval or servers; one removed); `view()` is the mail window (None before the first account).
    """

    def __init__(
        self,
        context: AppContext,
        accounts: list[Account],
        accounts_changed: Callable[[], None],
        view: Callable[[], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.context = context
        self.accounts_changed = accounts_changed
        self.view = view
        self.sections = QListWidget()
        self.sections.setAccessibleName("Settings sections")
        self.sections.setIconSize(QSize(0, 0))
        self.pages = QStackedWidget()
        self.account_pages: dict[str, AccountSettings] = {}
        self._areas: dict[QWidget, QScrollArea] = {}
        for account in accounts:
            self._add_account(account)
        self.general = GeneralPage(context, view)
        self.offline = OfflinePage(context)
        self._add_page("General", self.general)
        self._add_page("Reading offline", self.offline)
        self.sections.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sections.setCurrentRow(0)
        width = max(self.sections.sizeHintForColumn(0), self.fontMetrics().horizontalAdvance("x" * 16)) + 24
        self.sections.setFixedWidth(min(width, self.fontMetrics().horizontalAdvance("x" * 32)))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.sections)
        row.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        line = self.fontMetrics().height()
        self.resize(QSize(52 * line, 38 * line))

    def _add_page(self, title: str, page: QWidget) -> None:
        item = QListWidgetItem(title)
        self.sections.insertItem(self.pages.count(), item)
        self._areas[page] = area = _scrolling(page)
        self.pages.addWidget(area)

    def _add_account(self, account: Account) -> None:
        page = AccountSettings(self.context, account)
        accounts_changed = self.accounts_changed  # not through the window: it may be closed when a save ends
        page.after_save = lambda _account: accounts_changed()
        page.removed.connect(self._removed)
        page.password_changed.connect(self._check_now)
        self.account_pages[account.key] = page
        self._add_page(account.email, page)

    def show_account(self, email: str) -> None:
        for row, page in enumerate(self.account_pages.values()):
            if page.account.email == email:
                self.sections.setCurrentRow(row)

    def _check_now(self, email: str) -> None:
        """A new password: the mail window stops asking for one and checks for mail with it."""
        view = self.view()
        retry = getattr(view, "retry", None)
        if callable(retry):
            retry(email)

    def _removed(self, email: str) -> None:
        page = next((p for p in self.account_pages.values() if p.account.email == email), None)
        if page is None:
            return
        del self.account_pages[page.account.key]
        area = self._areas.pop(page)
        self.sections.takeItem(self.pages.indexOf(area))
        self.pages.removeWidget(area)
        area.deleteLater()
        drop = getattr(self.view(), "drop_account", None)
        if callable(drop):
            drop(email)  # closes its store now, so the copy can be deleted after
        delete_local_copy(self.context, email)
        self.accounts_changed()
        self.sections.setCurrentRow(0)

    def flush(self) -> None:
        """Save whatever still waits for its typing delay."""
        for page in self.account_pages.values():
            page.flush()
        self.offline.flush()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.flush()
        super().done(result)


def open_settings(window: Any, existing: SettingsWindow | None) -> SettingsWindow:
    """One Settings window per main window: a second Ctrl+, brings it to the front."""
    if existing is not None:
        existing.show()
        existing.raise_()
        existing.activateWindow()
        return existing
    dialog = SettingsWindow(
        window.context, list(window.accounts), window.reload_accounts, lambda: window.mail_view, window
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
