"""New-mail desktop notifications: a tray message where the desktop has a tray, else the status bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from deskmail import APP_NAME
from deskmail.engine.store.models import MessageSummary
from deskmail.ui.icons import app_icon

SHOW_MS = 10_000


def sender_name(summary: MessageSummary) -> str:
    return summary.from_name or summary.from_addr or "an unknown sender"


def describe(messages: list[MessageSummary]) -> tuple[str, str]:
    """(title, text) in plain words: who and what for one message, how many and from whom for several."""
    if len(messages) == 1:
        only = messages[0]
        return f"New message from {sender_name(only)}", only.subject or "(no subject)"
    names: list[str] = []
    for summary in messages:
        name = sender_name(summary)
        if name not in names:
            names.append(name)
    shown = names[:2]
    others = len(names) - len(shown)
    people = " and ".join(shown) if not others else f"{', '.join(shown)} and {others} more"
    return f"{len(messages)} new messages", f"From {people}"


class NewMailNotifier(QObject):
    """Announces what a sync brought: at most one notification per sync and account."""

    def __init__(
        self,
        window: Callable[[], QWidget],
        show_in_status_bar: Callable[[str], None],
        account_count: Callable[[], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.show_in_status_bar = show_in_status_bar
        self.account_count = account_count  # with several accounts the notification says which one
        self.tray: QSystemTrayIcon | None = None

    def _tray(self) -> QSystemTrayIcon | None:
        """The tray icon, made on first use; None when the desktop has no tray (e.g. GNOME without extension)."""
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip(APP_NAME)
            self.tray.messageClicked.connect(self._bring_window)
            self.tray.activated.connect(lambda _reason: self._bring_window())
            self.tray.show()
        return self.tray

    def _bring_window(self) -> None:
        window = self.window()
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()

    def announce(self, email: str, messages: list[MessageSummary]) -> None:
        if not messages:
            return
        title, text = describe(messages)
        if self.account_count() > 1:
            text = f"{text}\n({email})"
        tray = self._tray()
        if tray is not None:
            tray.showMessage(title, text, app_icon(), SHOW_MS)
        else:
            self.show_in_status_bar(f"{title}: {' '.join(text.split())}")
            QApplication.alert(self.window())  # no tray: the taskbar entry asks for attention instead

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
            self.tray = None
