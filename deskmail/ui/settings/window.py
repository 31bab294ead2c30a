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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import N_, _
from deskmail.engine.accounts import Account
from deskmail.ui.context import AppContext
from deskmail.ui.settings.account import AccountSettings, scrolling
from deskmail.ui.settings.general import GeneralPage, OfflinePage
from deskmail.ui.settings.undo_send import UndoSendChoice


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
        self.setWindowTitle(_("Settings"))
        self.context = context
        self.accounts_changed = accounts_changed
        self.view = view
        self.sections = QListWidget()
        self.sections.setAccessibleName(_("Settings sections"))
        self.sections.setSpacing(2)
        self.pages = QStackedWidget()
        self.account_pages: dict[str, AccountSettings] = {}
        self._areas: dict[QWidget, QWidget] = {}
        self.general = GeneralPage(context, view)
        self.undo_send = UndoSendChoice(context, view)
        self.general.add_section(N_("Undo Send"), self.undo_send)
        self.offline = OfflinePage(context)
        self._add_heading(_("For all accounts"))
        self._add_page(_("General"), self.general)
        self._add_page(_("Reading offline"), self.offline)
        if accounts:
            self._add_heading(_("Your accounts"), row=0)
        for account in accounts:
            self._add_account(account)
        self.sections.currentItemChanged.connect(self._section_chosen)
        self.sections.setCurrentRow(1)
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
        wanted = QSize(62 * line, 44 * line)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry().size()
        self.resize(wanted.boundedTo(screen * 0.92))

    def _add_heading(self, title: str, row: int | None = None) -> None:
        item = QListWidgetItem(title)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a label, not a place to go (arrow keys skip it)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.sections.insertItem(self.sections.count() if row is None else row, item)

    def _add_page(self, title: str, page: QWidget) -> None:
        item = QListWidgetItem(title)
        item.setToolTip(title)
        self._areas[page] = area = page if isinstance(page, AccountSettings) else scrolling(page)  # tabs scroll
        item.setData(Qt.ItemDataRole.UserRole, area)
        self.pages.addWidget(area)
        if isinstance(page, AccountSettings):  # accounts stay together, under their heading
            after = 1 + sum(1 for p in self._areas if isinstance(p, AccountSettings)) - 1
            self.sections.insertItem(after, item)
        else:
            self.sections.addItem(item)

    def _section_chosen(self, item: QListWidgetItem | None) -> None:
        area = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(area, QWidget):
            self.pages.setCurrentWidget(area)

    def _add_account(self, account: Account) -> None:
        page = AccountSettings(self.context, account)
        accounts_changed = self.accounts_changed  # not through the window: it may be closed when a save ends
        page.after_save = lambda _account: accounts_changed()
        page.before_remove = self._let_go
        page.removed.connect(self._removed)
        page.password_changed.connect(self._check_now)
        self.account_pages[account.key] = page
        self._add_page(account.email, page)

    def show_account(self, email: str) -> None:
        for page in self.account_pages.values():
            if page.account.email == email:
                self.sections.setCurrentRow(self._row_of(self._areas[page]))

    def _row_of(self, area: QWidget) -> int:
        for row in range(self.sections.count()):
            if self.sections.item(row).data(Qt.ItemDataRole.UserRole) is area:
                return row
        return -1

    def _check_now(self, email: str) -> None:
        """A new password: the mail window stops asking for one and checks for mail with it."""
        view = self.view()
        retry = getattr(view, "retry", None)
        if callable(retry):
            retry(email)

    def _let_go(self, email: str) -> None:
        drop = getattr(self.view(), "drop_account", None)
        if callable(drop):
            drop(email)  # stops its watchers and closes its store before anything is deleted

    def _removed(self, email: str) -> None:
        page = next((p for p in self.account_pages.values() if p.account.email == email), None)
        if page is None:
            return
        del self.account_pages[page.account.key]
        area = self._areas.pop(page)
        self.sections.takeItem(self._row_of(area))
        self.pages.removeWidget(area)
        area.deleteLater()
        if not self.account_pages:
            self.sections.takeItem(0)  # the "Your accounts" heading, over nothing now
        self.sections.setCurrentRow(1)

    def flush(self) -> None:
        """Save whatever still waits for its typing delay."""
        for page in self.account_pages.values():
            page.flush()
        self.offline.flush()
        self.undo_send.flush()

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
