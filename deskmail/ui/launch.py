"""What a start asks of the running window: come to the front, and write to a mailto: address."""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from deskmail.core.i18n import _
from deskmail.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def mailto_urls(args: list[str]) -> list[str]:
    """The mailto: URLs among a command line's arguments."""
    return [a for a in args if a[:7].lower() == "mailto:"]


def recipient_text(url: str) -> str:
    """Who a mailto: URL writes to, for plain sentences ("bob@example.com"), or ""."""
    return unquote(urlsplit(url).path).strip()


def bring_to_front(widget: QWidget) -> None:
    """Show, un-minimise, raise and focus a window (the desktop may still only flash it in the taskbar)."""
    if widget.isMinimized():
        widget.setWindowState(widget.windowState() & ~Qt.WindowState.WindowMinimized)
    widget.show()
    widget.raise_()
    widget.activateWindow()


class LaunchRequests(QObject):
    """Carries out this start's and later starts' requests once the window knows its accounts."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pending: list[str] = []  # mailto: URLs waiting for the account list or a first account
        self.accounts_known = False
        self.prompt: QMessageBox | None = None
        self.first_start_checked = False  # the wizard opens by itself at most once, on the first account list
        window.accounts_changed.connect(self._accounts_changed)

    def handle(self, args: list[str]) -> None:
        """A start's arguments: raise the window; open a composer for each mailto: URL."""
        bring_to_front(self.window)
        self.pending += mailto_urls(args)
        self._flush()

    def _accounts_changed(self, _accounts: object) -> None:
        self.accounts_known = True
        self._open_wizard_at_first_start()
        self._flush()

    def _open_wizard_at_first_start(self) -> None:
        """No account yet and nothing else asked for: open the setup wizard, as a first start should."""
        if self.first_start_checked:
            return
        self.first_start_checked = True
        if self.window.accounts or self.pending:  # a mailto: start asks first (_offer_account)
            return
        log.info("first start: opening the setup wizard")
        # After the window's first paint, so the wizard sits on the calm empty state (its Cancel leaves it there).
        QTimer.singleShot(0, self.window.add_account)

    def _flush(self) -> None:
        if not self.accounts_known or not self.pending:
            return
        if not self.window.accounts:
            self._offer_account()
            return
        actions = getattr(self.window.mail_view, "actions_", None)
        compose_mailto = getattr(actions, "compose_mailto", None)
        if not callable(compose_mailto):
            return
        prompt, self.prompt = self.prompt, None
        if prompt is not None:  # an account was added another way: the question is answered
            prompt.close()
        while self.pending:
            bring_to_front(compose_mailto(self.pending.pop(0)))

    def _offer_account(self) -> None:
        """No account to write from: say so and offer to add one; the message opens once it is added."""
        if self.prompt is not None and self.prompt.isVisible():
            bring_to_front(self.prompt)
            return
        log.info("a mailto: request waits for a first account")
        to = recipient_text(self.pending[-1])
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(_("Add your e-mail account first"))
        box.setText(_("To write an e-mail, Deskmail needs your e-mail account."))
        box.setInformativeText(
            _("Add your account now, and your message to {address} opens right after.").format(address=to)
            if to
            else _("Add your account now, and your message opens right after.")
        )
        self.add_button: QPushButton = box.addButton(_("Add Account…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Not Now"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.add_button)
        box.finished.connect(lambda _r, b=box: self._prompt_closed(b))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.prompt = box
        box.open()

    def _prompt_closed(self, box: QMessageBox) -> None:
        if self.prompt is not box:  # closed by _flush
            return
        self.prompt = None
        if box.clickedButton() is self.add_button:
            self.window.add_account()  # a saved account reloads the list: _accounts_changed writes the message
        else:
            self.pending.clear()


class FileOpenRequests(QObject):
    """macOS hands a running app its mailto: links as QFileOpenEvents, never on the command line."""

    def __init__(self, launch: LaunchRequests) -> None:
        super().__init__(launch)
        self.launch = launch

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url().toString() or event.file()
            if mailto_urls([url]):
                self.launch.handle([url])
                return True
        return False
