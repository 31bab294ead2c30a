"""The everyday basics against the real test bed: Save as PDF, dragging mail onto a folder, the diagnostic report."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.dragging import drag_data
from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow
from tests.gui import test_mail_testbed as bed
from tests.gui.test_mail_testbed import imap_as, open_subject, subjects, view_of

mailbox, window = bed.mailbox, bed.window  # the fixtures: a fresh account with four messages, its window

pytestmark = pytest.mark.gui


def test_save_as_pdf_writes_the_headers_and_the_text(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    open_subject(qtbot, view, "Travel plans")
    assert view.actions_.save_pdf.isEnabled() and view.actions_.print_message.isEnabled()
    assert view.actions_.save_pdf in window.file_menu.actions()
    saved = view.actions_.save_as_pdf(tmp_path / "travel.pdf")
    assert saved is not None and saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "Travel plans" in text
    assert "We land in Zanzibar on Monday." in text
    assert "From:" in text and "Alice" in text and "Date:" in text


def drop(view: MailView, folder: str, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> bool:
    """What the platform sends the folder tree when the selected messages are dropped on `folder`."""
    tree = view.folders
    email = view.accounts[0].email
    item = next(i for (owner, name), i in tree._items.items() if owner == email and name == folder)
    tree.scrollTo(item.index())
    point = QPointF(tree.visualRect(item.index()).center())
    data = drag_data(email, view.list.selected_summaries())
    actions = Qt.DropAction.MoveAction | Qt.DropAction.CopyAction
    buttons = Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(point.toPoint(), actions, data, buttons, modifiers)
    QApplication.sendEvent(tree.viewport(), enter)
    move = QDragMoveEvent(point.toPoint(), actions, data, buttons, modifiers)
    QApplication.sendEvent(tree.viewport(), move)
    if not move.isAccepted():
        return False
    dropped = QDropEvent(point, actions, data, buttons, modifiers)
    QApplication.sendEvent(tree.viewport(), dropped)
    return dropped.isAccepted()


def test_dragging_mail_onto_a_folder_moves_it_and_with_ctrl_copies_it(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    client = imap_as(testbed, *mailbox)
    client.create_folder("Projects")
    view.controller.sync_all()
    qtbot.waitUntil(lambda: any(f.name == "Projects" for f in view.folders.folders_of(mailbox[0])), timeout=20000)

    def where(subject: str) -> set[str]:
        found = set()
        for name in ("INBOX", "Projects"):
            client.select_folder(name, readonly=True)
            if client.search(["SUBJECT", subject]):
                found.add(name)
        return found

    open_subject(qtbot, view, "Travel plans")
    assert not drop(view, "INBOX")  # its own folder takes no drop
    assert drop(view, "Projects")
    qtbot.waitUntil(lambda: where("Travel plans") == {"Projects"}, timeout=20000)
    qtbot.waitUntil(lambda: "Travel plans" not in subjects(view), timeout=10000)
    notice = view.actions_.history.notice
    qtbot.waitUntil(lambda: notice.isVisible() and [b.text() for b in notice.buttons] == ["Undo"], timeout=10000)
    assert "moved to Projects" in notice.text.text()  # the same path as Move To: Undo puts it back

    open_subject(qtbot, view, "Plain hello")
    assert drop(view, "Projects", Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: where("Plain hello") == {"INBOX", "Projects"}, timeout=20000)
    assert "Plain hello" in subjects(view)
    client.logout()


def test_the_diagnostic_report_names_the_servers_but_no_password_or_subject(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str], tmp_path: Path
) -> None:
    from deskmail.ui.diagnostics import DiagnosticDialog

    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    email, password = mailbox
    log = window.context.log_path or (tmp_path / "deskmail.log")
    window.context.log_path = log
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as file:  # what a careless log line could hold
        file.write(f"INFO sync: login for {email} with {password} worked\n")
        file.write("DEBUG parse: Subject: Travel plans\n")
    QApplication.clipboard().clear()
    window.diagnostic_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(DiagnosticDialog) is not None, timeout=10000)
    text = QApplication.clipboard().text()
    assert testbed.mail.host in text and testbed.smtp.host in text
    assert ":993, security ssl" in text.lower() and "imap" in text.lower()
    assert password not in text
    assert "Travel plans" not in text
    assert "We land in Zanzibar" not in text
    assert "worked" in text  # the log lines are there, masked, not left out
    assert window.findChild(DiagnosticDialog).text.toPlainText() == text


def test_undo_send_seconds_in_settings_apply_at_once_and_are_saved(qtbot: QtBot, window: MainWindow) -> None:
    from deskmail.engine.prefs import AppSettings
    from tests.gui.test_settings_testbed import open_settings

    view = view_of(window)
    dialog = open_settings(qtbot, window)
    choice = dialog.undo_send
    qtbot.waitUntil(choice.isEnabled)
    assert choice.seconds.value() == 5 and (choice.seconds.minimum(), choice.seconds.maximum()) == (0, 30)
    assert choice.parentWidget() is not None and choice.parentWidget().title() == "Undo Send"
    choice.seconds.setValue(12)
    assert view.actions_.undo_send_seconds == 12  # the next message sent waits this long, no restart
    dialog.close()  # a change still in its save delay is saved on closing
    settings = AppSettings(window.context.paths)
    qtbot.waitUntil(lambda: settings.undo_send_seconds() == 12, timeout=5000)
    dialog = open_settings(qtbot, window)
    qtbot.waitUntil(lambda: dialog.undo_send.isEnabled() and dialog.undo_send.seconds.value() == 12, timeout=5000)
    dialog.undo_send.seconds.setValue(0)
    assert view.actions_.undo_send_seconds == 0
    dialog.close()
