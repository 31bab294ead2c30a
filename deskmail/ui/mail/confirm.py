"""The one way the mail window asks before something that cannot be undone."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_for_good(parent: QWidget, title: str, question: str, detail: str, action: str) -> bool:
    """Ask `question` with a button named `action` beside Cancel; True only when that button was pressed.

    The button says what it does (a "Yes" answers a question nobody reads), and Cancel is the
    default: Enter pressed by habit, or Escape, keeps everything as it was.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, title, question, parent=parent)
    box.setInformativeText(detail)
    chosen = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is chosen
