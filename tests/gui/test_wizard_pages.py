"""Every wizard page renders from canned answers (the screenshot scenes), with keyboard defaults right."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QProgressBar, QPushButton
from pytestqt.qtbot import QtBot

from deskmail.ui.wizard import AccountWizard
from deskmail.ui.wizard.gallery import scenes
from deskmail.wizard.steps import Action, Step

SCENES = dict(scenes())


@pytest.mark.gui
@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders(qtbot: QtBot, name: str) -> None:
    build: Callable[[], AccountWizard] = SCENES[name]
    wizard = build()
    qtbot.addWidget(wizard, before_close_func=lambda w: w.hide())  # "Saving…" refuses to close (half-saved)
    wizard.show()
    page = wizard.page()
    assert wizard.stack.currentWidget() is page
    texts = " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())
    for jargon in ("socketType", "Traceback", "Exception", "None"):
        assert jargon not in texts
    unnamed = [
        w.objectName() or type(w).__name__
        for w in page.findChildren(QLineEdit) + page.findChildren(QComboBox) + page.findChildren(QProgressBar)
        if w.isVisible() and not w.accessibleName()
    ]
    assert unnamed == []  # screen readers announce every field by name
    for push in page.findChildren(QPushButton):
        assert not push.isVisible() or push.text() or push.accessibleName()
    wizard.reject()


@pytest.mark.gui
def test_keyboard_only_account_page(qtbot: QtBot) -> None:
    """Tab moves name -> address -> password; Enter continues; Escape closes."""
    wizard = SCENES["01-account"]()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    page = wizard.account_page
    order = [page.name_edit]
    widget = page.name_edit
    for _ in range(2):
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or not widget.isVisible():
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [page.name_edit, page.email_edit, page.password_edit]
    qtbot.keyClicks(page.email_edit, "anna@example.com")
    qtbot.keyClick(page.email_edit, Qt.Key.Key_Return)
    assert wizard.machine.step is Step.FINDING
    with qtbot.waitSignal(wizard.rejected, timeout=5000):
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)


@pytest.mark.gui
def test_certificate_problem_defaults_to_go_back(qtbot: QtBot) -> None:
    wizard = SCENES["20-problem-cert-untrusted"]()
    qtbot.addWidget(wizard)
    assert wizard.machine.step is Step.PROBLEM
    default = wizard.page().default_button()
    assert default is not None and default.isDefault() and default.text() == "Go back"
    assert wizard.machine.actions()[0] is Action.GO_BACK
    wizard.reject()


@pytest.mark.gui
def test_plaintext_page_enter_never_accepts(qtbot: QtBot) -> None:
    wizard = SCENES["07-plaintext"]()
    qtbot.addWidget(wizard)
    page = wizard.page()
    default = page.default_button()
    assert default is not None and default.text() == "Go back"
    assert not page.accept_button.isEnabled()  # type: ignore[attr-defined]
    wizard.reject()
