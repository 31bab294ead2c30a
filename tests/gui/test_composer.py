"""The composer for non-technical people: one Send, one Attach, Cc/Bcc on request, sensible keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QToolBar
from pytestqt.qtbot import QtBot

from deskmail.engine.mime.compose import OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.ui.mail import samples
from deskmail.ui.mail.composer import ComposerWindow

pytestmark = pytest.mark.gui
ME = Address("Anna Schmidt", "anna@example.test")


def composer(qtbot: QtBot, message: OutgoingMessage | None = None) -> ComposerWindow:
    window = ComposerWindow([samples.sample_account()], lambda email, prefix: [])
    qtbot.addWidget(window)
    if message is not None:
        window.fill(message)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def done(window: ComposerWindow) -> None:
    """Nothing to save: qtbot closes (and so deletes) the window without asking."""
    window.dirty = False


def visible_texts(window: ComposerWindow) -> list[str]:
    """The labels of every button and toolbar entry a person sees."""
    texts = [b.text() for b in window.findChildren(QPushButton) if b.isVisible()]
    for toolbar in window.findChildren(QToolBar):
        texts += [a.text() for a in toolbar.actions() if a.isVisible()]
    return texts


def test_one_send_and_one_attach(qtbot: QtBot) -> None:
    window = composer(qtbot)
    texts = [t.replace("…", "").replace("&", "") for t in visible_texts(window)]
    assert sum(t == "Send" for t in texts) == 1
    assert sum(t.startswith("Attach") for t in texts) == 1
    done(window)


def test_cc_and_bcc_wait_behind_their_buttons(qtbot: QtBot) -> None:
    window = composer(qtbot)
    assert not window.cc.isVisible() and not window.bcc.isVisible()
    window.cc_toggle.click()
    assert window.cc.isVisible() and window.focusWidget() is window.cc and not window.cc_toggle.isVisible()
    assert not window.bcc.isVisible() and window.bcc_toggle.isVisible()
    done(window)


def test_a_reply_to_all_shows_its_copies(qtbot: QtBot) -> None:
    message = OutgoingMessage(ME, to=[Address("Ben", "ben@example.test")], cc=[Address("", "eve@example.test")])
    window = composer(qtbot, message)
    assert window.cc.isVisible() and "eve@example.test" in window.cc.text()
    assert not window.bcc.isVisible()
    done(window)


def test_enter_moves_on_and_ctrl_enter_sends(qtbot: QtBot) -> None:
    window = composer(qtbot)
    sent: list[object] = []
    window.send_requested.connect(sent.append)
    window.to.setFocus()
    window.to.setText("ben@example.test")
    qtbot.keyClick(window.to, Qt.Key.Key_Return)
    assert not sent
    assert window.focusWidget() is window.subject and not sent  # the next field, past the Cc/Bcc buttons
    qtbot.keyClick(window.subject, Qt.Key.Key_Return)
    assert window.focusWidget() is window.body and not sent
    qtbot.keyClicks(window.body, "Hello")
    qtbot.keyClick(window.body, Qt.Key.Key_Return)
    assert window.body.toPlainText() == "Hello\n" and not sent  # Enter in the text is a new line
    qtbot.keyClick(window.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [window]
    assert window.body.toPlainText() == "Hello\n"
    window.set_sending(False)
    done(window)


def test_tab_from_the_text_goes_to_send(qtbot: QtBot) -> None:
    window = composer(qtbot)
    window.body.setFocus()
    qtbot.keyClick(window.body, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.send_button
    assert "\t" not in window.body.toPlainText()
    done(window)
