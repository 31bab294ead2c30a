"""Unexpected errors: log the traceback, then tell the person in plain words without quitting."""

from __future__ import annotations

import html
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from deskmail import APP_NAME
from deskmail.core.i18n import N_, _, ngettext
from deskmail.core.redact import redact

log = logging.getLogger("deskmail.crash")

HEADLINE = N_("Something went wrong")
EXPLANATION = N_(
    "{app} ran into a problem it did not expect. Your mail and your settings are safe, "
    "and you can keep working. If it keeps happening, restarting {app} usually helps."
)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class CrashReporter(QObject):
    """sys.excepthook and threading.excepthook: every unexpected error is logged and shown once."""

    # Errors in other threads are shown from the GUI thread.
    _from_thread = Signal(object)

    def __init__(self, log_path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: QMessageBox | None = None
        self.count = 0
        self._previous: tuple[Callable[..., object], Callable[..., object]] | None = None
        self._from_thread.connect(self._show)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """Log the traceback and show (or update) the friendly dialog; Ctrl+C still quits."""
        if issubclass(exc_type, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        log.error("Unexpected error", exc_info=(exc_type, exc, tb))
        if threading.current_thread() is threading.main_thread():
            self._show((exc_type, exc, tb))
        else:
            self._from_thread.emit((exc_type, exc, tb))

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(object)
    def _show(self, info: ExcInfo) -> None:
        if QApplication.instance() is None:
            return
        self.count += 1
        try:
            dialog = self.dialog or self._make_dialog()
            dialog.setDetailedText(redact("".join(traceback.format_exception(*info))))
            if self.count > 1:
                dialog.setText(
                    ngettext("<b>{headline}</b> ({n} time)", "<b>{headline}</b> ({n} times)", self.count).format(
                        headline=_(HEADLINE), n=self.count
                    )
                )
            dialog.show()
            dialog.raise_()
        except Exception:  # the crash dialog itself must never start a loop of crash dialogs
            log.exception("Could not show the error dialog")

    def _make_dialog(self) -> QMessageBox:
        parent = QApplication.activeWindow()
        dialog = QMessageBox(
            QMessageBox.Icon.Warning, _(HEADLINE), f"<b>{_(HEADLINE)}</b>", QMessageBox.StandardButton.Close, parent
        )
        dialog.setTextFormat(Qt.TextFormat.RichText)
        # Wide enough that the log file path fits on one line in most cases.
        dialog.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 460px; }")
        dialog.setWindowTitle(_("{app}: something went wrong").format(app=APP_NAME))
        explanation = _(EXPLANATION).format(app=APP_NAME)
        info = f"<p>{explanation}</p>"
        if self.log_path is not None:
            path = html.escape(str(self.log_path))
            if QApplication.isRightToLeft():  # a path reads left to right, even inside Arabic
                path = f"\u2066{path}\u2069"
            where = _("The details were written to the log file:<br>{path}").format(path=path)
            info += f"<p>{where}</p>"
            button = dialog.addButton(_("Open Log Folder"), QMessageBox.ButtonRole.ActionRole)
            # Keep the dialog open: an action-role button would otherwise close it.
            button.clicked.disconnect()
            button.clicked.connect(self.open_log_folder)
        dialog.setInformativeText(info)
        dialog.finished.connect(self._forget_dialog)
        self.dialog = dialog
        return dialog

    def _forget_dialog(self) -> None:
        self.dialog = None
        self.count = 0

    def open_log_folder(self) -> None:
        if self.log_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path.parent)))
