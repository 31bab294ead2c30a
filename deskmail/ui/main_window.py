"""The main window: an inviting empty state until there is an account, then the mail view."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from deskmail import APP_NAME
from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import _
from deskmail.engine.accounts import Account
from deskmail.engine.prefs import WindowPrefs
from deskmail.qtbridge.message_model import isolate
from deskmail.qtbridge.tasks import Progress
from deskmail.ui.about import AboutDialog
from deskmail.ui.context import AppContext
from deskmail.ui.icons import app_icon

log = logging.getLogger(__name__)

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None
# A view for saved accounts; the mail view plugs in here (see set_mail_view_factory).
MailViewFactory = Callable[[AppContext, QWidget], QWidget]


class EmptyState(QWidget):
    """ "No account yet" with one obvious button."""

    def __init__(self, on_add: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(128, 128))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(_("No account yet"))
        font = title.font()
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(_("Add your e-mail account to read and send mail.\nYour address and password are all it takes."))
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setStyleSheet("color: palette(placeholder-text);")
        self.add_button = QPushButton(_("Add account"))
        self.add_button.setDefault(True)
        self.add_button.setMinimumWidth(180)
        self.add_button.setMinimumHeight(36)
        self.add_button.clicked.connect(on_add)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(icon)
        layout.addSpacing(12)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(16)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)


class MainWindow(QMainWindow):
    """Deskmail's one main window: menus, the empty state or the mail view, About."""

    accounts_changed = Signal(list)

    def __init__(self, context: AppContext, mail_view: MailViewFactory | None = None) -> None:
        super().__init__()
        self.context = context
        self.accounts: list[Account] = []
        self._mail_view_factory = mail_view
        self.mail_view: QWidget | None = None
        self._saved_state: dict[str, Any] = {}
        self.closed = False  # closed by the person: answers still on their way change nothing
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.fit_to_screen()
        self.stack = QStackedWidget()
        self.loading = QWidget()  # shown for the few ms until the account list arrives
        self.empty_state = EmptyState(self.add_account)
        self.stack.addWidget(self.loading)
        self.stack.addWidget(self.empty_state)
        self.setCentralWidget(self.stack)
        self._build_actions()
        self._build_menus()
        self.reload_accounts()

    def fit_to_screen(self, share: float = 0.8) -> None:
        """The first window: about 80 % of the screen, centred (a remembered size and place wins later)."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1100, 720)
            return
        area = screen.availableGeometry()
        width, height = int(area.width() * share), int(area.height() * share)
        self.setGeometry(
            area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2, width, height
        )

    # -- actions and menus ---------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], object], shortcut: Shortcut = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if QGuiApplication.isRightToLeft() and keys and not keys[-1].isalnum():
                # A menu draws the keys in the menu's direction: Arabic showed "Ctrl+," as ",+Ctrl".
                # Text after a tab is the menu's keys column; the isolate keeps them left to right.
                action.setText(f"{text}\t{isolate(keys)}")
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.add_account_action = self._action(_("&Add Account…"), self.add_account)
        self.quit_action = self._action(_("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.about_action = self._action(_("&About {app}").format(app=APP_NAME), self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.help_action = self._action(
            _("{app} &Help").format(app=APP_NAME), self.show_help, QKeySequence.StandardKey.HelpContents
        )
        self.shortcuts_action = self._action(_("&Keyboard Shortcuts"), self.show_shortcuts)
        self.diagnostic_action = self._action(_("&Copy a Diagnostic Report"), self.copy_diagnostic_report)
        self.settings_action = self._action(_("&Settings…"), self.show_settings, "Ctrl+,")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS: the application menu

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu(_("&File"))
        self.file_menu.addAction(self.add_account_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = bar.addMenu(_("&Edit"))
        self.edit_menu.addAction(self.settings_action)
        self.help_menu = bar.addMenu(_("&Help"))
        self.help_menu.addAction(self.help_action)
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.diagnostic_action)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

    # -- accounts ------------------------------------------------------------------

    def reload_accounts(self) -> None:
        """Read the saved accounts on a worker (the UI never touches the disk itself)."""
        if self.closed:  # e.g. Settings saved an account after this window closed
            return
        store = self.context.accounts

        def read(cancel: CancelToken, progress: Progress) -> list[Account]:
            return list(store.list())

        self.context.runner.run(read, name="list-accounts", on_finished=self._show_accounts, on_failed=self._no_list)

    def _show_accounts(self, accounts: object) -> None:
        if self.closed:  # the list arrived after the window closed: its mail view is shut down for good
            return
        self.accounts = list(accounts) if isinstance(accounts, list) else []
        if not self.accounts:
            self.stack.setCurrentWidget(self.empty_state)
            self.empty_state.add_button.setFocus()
        else:
            self._show_mail_view()
        self.accounts_changed.emit(self.accounts)

    def _no_list(self, error: object) -> None:
        # An unreadable accounts file: the person can still add an account (the store says why in the log).
        log.warning("could not read the accounts: %s", error)
        self._show_accounts([])

    def _show_mail_view(self) -> None:
        if self.mail_view is None:
            if self._mail_view_factory is None:
                self.mail_view = QLabel(_("Your mail will appear here."), alignment=Qt.AlignmentFlag.AlignCenter)
            else:
                self.mail_view = self._mail_view_factory(self.context, self)
            self.stack.addWidget(self.mail_view)
            install = getattr(self.mail_view, "install", None)
            if callable(install):
                install(self)  # the view's toolbar, menus and status bar
            restore = getattr(self.mail_view, "restore_state", None)
            if callable(restore) and isinstance(self._saved_state.get("mail"), dict):
                restore(self._saved_state["mail"])
        set_accounts = getattr(self.mail_view, "set_accounts", None)
        if callable(set_accounts):
            set_accounts(self.accounts)
        self.stack.setCurrentWidget(self.mail_view)

    def add_account(self) -> None:
        """Open the Add-account wizard; a saved account refreshes the window."""
        wizard = self.context.make_wizard(self)
        added = getattr(wizard, "account_added", None)
        if added is not None:
            added.connect(lambda _account: self.reload_accounts())
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()

    # -- dialogs -------------------------------------------------------------------

    def show_settings(self) -> None:
        from deskmail.ui.settings.window import open_settings

        self.settings_window = open_settings(self, getattr(self, "settings_window", None))
        self.settings_window.destroyed.connect(lambda _o=None: setattr(self, "settings_window", None))

    def show_about(self) -> None:
        dialog = AboutDialog(self.context.log_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_shortcuts(self) -> None:
        from deskmail.ui.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_help(self) -> None:
        from deskmail.ui.help import HelpWindow

        if getattr(self, "help_window", None) is None:
            self.help_window = HelpWindow(self)
            self.help_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.help_window.destroyed.connect(lambda _o=None: setattr(self, "help_window", None))
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()

    def copy_diagnostic_report(self) -> None:
        from deskmail.ui.diagnostics import copy_report

        copy_report(self, self.context, self.accounts, getattr(self.mail_view, "last_errors", {}))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        closer = getattr(self.mail_view, "close_window", None)
        if callable(closer) and not closer():
            event.ignore()
            return
        self.closed = True
        for child in self.findChildren(QWidget):  # its own windows go with it: Settings, Help, a report, a question
            if child.isWindow() and child.isVisible():
                child.close()
        event.accept()

    # -- remembered size and panes ---------------------------------------------------------

    def restore_state(self, state: dict[str, Any]) -> None:
        """Size, position and pane sizes from the last run (read by the composition root)."""
        self._saved_state = state
        geometry = state.get("geometry")
        if isinstance(geometry, str):
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))

    def save_state(self) -> None:
        """Remember size, position and pane sizes (written on a worker; it also runs during shutdown)."""
        state: dict[str, Any] = {"geometry": bytes(self.saveGeometry().toBase64().data()).decode("ascii")}
        saver = getattr(self.mail_view, "save_state", None)
        state["mail"] = saver() if callable(saver) else self._saved_state.get("mail", {})
        prefs = WindowPrefs(self.context.paths)
        with contextlib.suppress(RuntimeError):  # the runner already stopped (tests closing windows late)
            self.context.runner.run(lambda c, p: prefs.save(state), name="save-window", cleanup=True)
