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
    qtbot.addWidget(window, before_close_func=done)  # a failed test must not hang on "Save this message?"
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


def test_tab_in_the_text_indents_and_space_never_sends(qtbot: QtBot) -> None:
    window = composer(qtbot)
    sent: list[object] = []
    window.send_requested.connect(sent.append)
    window.body.setFocus()
    qtbot.keyClicks(window.body, "Things to buy:")
    qtbot.keyClick(window.body, Qt.Key.Key_Tab)
    qtbot.keyClick(window.body, Qt.Key.Key_Space)
    qtbot.keyClick(window.body, Qt.Key.Key_Return)
    assert window.focusWidget() is window.body and not sent
    assert window.body.toPlainText() == "Things to buy:\t \n"
    assert window.send_button.focusPolicy() == Qt.FocusPolicy.NoFocus  # never a Tab stop, never Space-pressed
    qtbot.keyClick(window.body, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # Shift+Tab leaves the text
    assert window.focusWidget() is window.subject
    window.body.setFocus()
    qtbot.keyClick(window.body, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Tab goes on
    assert window.focusWidget() is not window.body and window.focusWidget() is not window.send_button
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Space)
    assert not sent
    done(window)


def test_tab_from_to_goes_to_the_subject_and_cc_bcc_come_by_keys(qtbot: QtBot) -> None:
    window = composer(qtbot)
    window.to.setFocus()
    qtbot.keyClicks(window.to, "ben@example.test")
    qtbot.keyClick(window.to, Qt.Key.Key_Tab)  # it used to land on the Cc button, and the subject went nowhere
    assert window.focusWidget() is window.subject
    qtbot.keyClicks(window.focusWidget(), "Lunch")
    qtbot.keyClick(window.subject, Qt.Key.Key_Tab)
    assert window.subject.text() == "Lunch" and window.focusWidget() is window.body
    qtbot.keyClick(window.body, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.subject, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert window.focusWidget() is window.to  # back up past the buttons too
    assert window.cc_toggle.focusPolicy() == window.bcc_toggle.focusPolicy() == Qt.FocusPolicy.NoFocus
    # The keyboard's way to copies: Ctrl+Shift+C / Ctrl+Shift+B (Message > Add Cc / Add Bcc).
    qtbot.keyClick(window.to, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.cc.isVisible() and window.focusWidget() is window.cc and not window.cc_toggle.isVisible()
    qtbot.keyClicks(window.cc, "eve@example.test")
    qtbot.keyClick(window.cc, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.bcc.isVisible() and window.focusWidget() is window.bcc
    assert window.cc.text() == "eve@example.test"
    window.to.setFocus()
    qtbot.keyClick(window.to, Qt.Key.Key_Tab)  # shown copies are the next fields, in reading order
    assert window.focusWidget() is window.cc
    menu = window.menuBar().actions()[0].menu()
    assert window.add_cc_action in menu.actions() and window.add_bcc_action in menu.actions()
    done(window)


def test_tabbing_through_every_field_never_reaches_send(qtbot: QtBot) -> None:
    window = composer(qtbot)
    seen = set()
    for _ in range(20):
        widget = window.focusWidget()
        seen.add(widget)
        if widget is window.body:
            qtbot.keyClick(widget, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert window.to in seen and window.subject in seen and window.body in seen
    assert window.send_button not in seen
    done(window)


def test_send_is_in_the_message_menu(qtbot: QtBot) -> None:
    window = composer(qtbot)
    menu = window.menuBar().actions()[0].menu()
    assert window.send_action in menu.actions()
    done(window)


def test_focus_starts_in_the_first_empty_field(qtbot: QtBot) -> None:
    window = composer(qtbot)
    assert window.focusWidget() is window.to  # a new message: To, not From
    done(window)
    reply = OutgoingMessage(ME, to=[Address("Ben", "ben@example.test")], subject="Re: Lunch", body="\n> hi")
    window = composer(qtbot, reply)
    assert window.focusWidget() is window.body and window.body.textCursor().position() == 0
    done(window)
    forward = OutgoingMessage(ME, subject="Fwd: Lunch", body="---")
    window = composer(qtbot, forward)
    assert window.focusWidget() is window.to
    done(window)
