"""Right-to-left details Qt leaves to the program."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit


def align_text_to_window(edit: QPlainTextEdit) -> None:
    """Lines start at the window's leading edge: the right in Arabic.

    QPlainTextEdit keeps every line at the left even in a mirrored window, so Arabic typed into the
    composer hugged the far edge, away from the labels and the cursor's expected start. Each line
    still reads in its own direction; only the edge it starts from follows the window.
    """
    if not edit.isRightToLeft():
        return
    option = edit.document().defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignRight)
    edit.document().setDefaultTextOption(option)
