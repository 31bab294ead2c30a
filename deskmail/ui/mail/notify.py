"""New-mail notifications: the tray, else the desktop's notification service (GNOME), plus the status bar."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QProcess
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from deskmail import APP_ID, APP_NAME
from deskmail.core.i18n import _, ngettext
from deskmail.engine.store.models import MessageSummary
from deskmail.ui.icons import app_icon

SHOW_MS = 10_000


def sender_name(summary: MessageSummary) -> str:
    """Who sent it, as the list shows them; "" when the message does not say."""
    return summary.from_name or summary.from_addr


def describe(messages: list[MessageSummary]) -> tuple[str, str]:
    """(title, text) in plain words: who and what for one message, how many and from whom for several.

    A sender the message does not name gets whole sentences of its own ("From an unknown sender"),
    never a phrase put into another sentence: languages inflect it differently in each.
    """
    if len(messages) == 1:
        only = messages[0]
        sender = sender_name(only)
        title = (
            _("New message from {sender}").format(sender=sender) if sender else _("New message from an unknown sender")
        )
        return title, only.subject or _("(no subject)")
    everyone = list(dict.fromkeys(sender_name(summary) for summary in messages))
    names = [name for name in everyone if name]
    unknown = len(names) < len(everyone)  # counted among "more" when two names are already shown
    shown = names[:2]
    others = len(names) - len(shown) + (1 if unknown and len(shown) == 2 else 0)
    count = len(messages)
    title = ngettext("{n} new message", "{n} new messages", count).format(n=count)
    if not shown:
        return title, _("From an unknown sender")
    if len(shown) == 1:
        if unknown:
            return title, _("From {sender} and an unknown sender").format(sender=shown[0])
        return title, _("From {sender}").format(sender=shown[0])
    if not others:
        return title, _("From {first} and {second}").format(first=shown[0], second=shown[1])
    text = ngettext("From {first}, {second} and {n} more", "From {first}, {second} and {n} more", others).format(
        first=shown[0], second=shown[1], n=others
    )
    return title, text


def gvariant_string(text: str) -> str:
    """`text` as a GVariant text-format string literal (what `gdbus call` parses)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", " ")
    return f'"{escaped}"'


def desktop_notify(title: str, text: str) -> bool:
    """A freedesktop notification (GNOME and others without a tray) through `gdbus`; False if unavailable."""
    if not sys.platform.startswith("linux") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    gdbus = shutil.which("gdbus")  # GLib's tool: on every GNOME desktop
    if gdbus is None:
        return False
    args = [
        "call", "--session", "--dest", "org.freedesktop.Notifications",
        "--object-path", "/org/freedesktop/Notifications", "--method", "org.freedesktop.Notifications.Notify",
        gvariant_string(APP_NAME), "0", gvariant_string(APP_ID), gvariant_string(title), gvariant_string(text),
        "[]", '{"desktop-entry": <"' + APP_ID + '">}', str(SHOW_MS),
    ]  # fmt: skip
    started, _pid = QProcess.startDetached(gdbus, args)  # never waits: a missing daemon costs nothing here
    return bool(started)


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
        self.enabled = True  # Settings › General: off shows new mail in the status bar only
        self.notify_desktop: Callable[[str, str], bool] = desktop_notify  # tests and screenshots swap it

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
        # Translators: the status bar's line about new mail, e.g. "2 new messages: From Ann and Bob".
        self.show_in_status_bar(
            _("{title}: {text}").format(title=title, text=" ".join(text.split()))
        )  # for whoever looks at the window
        if not self.enabled:
            return
        tray = self._tray()
        if tray is not None:
            tray.showMessage(title, text, app_icon(), SHOW_MS)
        elif not self.notify_desktop(title, text):
            QApplication.alert(self.window())  # neither: the taskbar entry asks for attention instead

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
            self.tray = None
