"""Print preview, the drag target, Help and the diagnostic report, for screenshots (sample store, no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import QWidget

from deskmail.ui.gallery import settle
from deskmail.ui.mail.gallery import mail_view, open_message, sample_window


def print_preview(subject: str = "Dinner on Friday?") -> QWidget:
    """What File › Print… and Save as PDF… put on paper, in Qt's own preview of the same printer output."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

    from deskmail.ui.mail.printing import printable

    window = open_message(sample_window(), subject)
    pane = mail_view(window).reading_pane
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    preview = QPrintPreviewWidget(printer)
    preview.paintRequested.connect(lambda p: printable(pane).print_(p))
    preview.resize(700, 900)
    preview.fitToWidth()
    preview._keep_alive = (window, printer)  # type: ignore[attr-defined]  # the preview only points at them
    preview.updatePreview()
    settle(seconds=0.2)
    return preview


def file_menu() -> QWidget:
    """The File menu with Print… and Save as PDF…, opened under its title."""
    window = open_message(sample_window(), "Dinner on Friday?")
    window.show()
    settle(seconds=0.2)
    menu = window.file_menu
    menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    settle(seconds=0.2)
    menu._keep_alive = window  # type: ignore[attr-defined]
    return menu


def drag_target() -> QWidget:
    """Messages dragged over a folder: the folder under the pointer lights up."""
    window = open_message(sample_window(), "Dinner on Friday?")
    view = mail_view(window)
    target = next(f for f in view.folders.folders_of(view.accounts[0].email) if f.special_use.name == "ARCHIVE")
    view.folders._drop_key = (view.accounts[0].email, target.name)
    view.folders.viewport().update()
    settle(seconds=0.2)
    return window


def help_page(page: int) -> QWidget:
    from deskmail.ui.help import HelpWindow

    window = sample_window()
    dialog = HelpWindow(window)
    dialog.show_page(page)
    dialog._keep_alive = window  # type: ignore[attr-defined]
    return dialog


def diagnostic() -> QWidget:
    from deskmail.ui.diagnostics import DiagnosticDialog, report

    window = sample_window(accounts=2)
    view = mail_view(window)
    view.last_errors[view.accounts[0].email] = "network_unreachable"
    dialog = DiagnosticDialog(report(window.accounts, view.last_errors, window.context.log_path), window)
    dialog._keep_alive = window  # type: ignore[attr-defined]
    return dialog


def undo_send_setting() -> QWidget:
    from deskmail.ui.settings.gallery import settings

    return settings(section=4)  # General, with the Undo Send section at its end


def scenes() -> Iterator[tuple[str, Callable[[], QWidget]]]:
    yield "01-print-preview", print_preview
    yield "02-print-preview-html", lambda: print_preview("Spring workshop: raised beds")
    yield "03-file-menu", file_menu
    yield "04-drag-onto-archive", drag_target
    yield "05-help-getting-started", lambda: help_page(0)
    yield "06-help-security-words", lambda: help_page(1)
    yield "07-help-app-passwords", lambda: help_page(2)
    yield "08-help-offline", lambda: help_page(3)
    yield "09-help-undo", lambda: help_page(4)
    yield "10-diagnostic-report", diagnostic
    yield "11-settings-undo-send", undo_send_setting
