"""The desktop-integration scenes (mailto:, new-mail notice) render."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from deskmail.ui import desktop_gallery
from deskmail.ui.mail.composer import ComposerWindow

pytestmark = pytest.mark.gui
SCENES: dict[str, Callable[[], QWidget]] = dict(desktop_gallery.scenes())


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders(qtbot: QtBot, name: str) -> None:
    widget = SCENES[name]()
    qtbot.addWidget(widget)
    for kept in getattr(widget, "_keep_alive", ()):  # the main window behind the scene's window closes too
        if isinstance(kept, QWidget):
            qtbot.addWidget(kept)
    widget.show()
    assert not widget.grab().isNull()
    if isinstance(widget, ComposerWindow):
        assert "library@example.test" in widget.to.text() and widget.subject.text() == "Renew my books"
    elif isinstance(widget, QMainWindow):
        assert widget.statusBar().currentMessage() == "New message from Ben Okafor: Tickets for Saturday"
