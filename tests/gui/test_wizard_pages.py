"""Every wizard page renders from canned answers (the screenshot scenes), with keyboard defaults right."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel
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
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.page()
    assert wizard.stack.currentWidget() is page
    texts = " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())
    for jargon in ("socketType", "Traceback", "Exception", "None"):
        assert jargon not in texts
    wizard.reject()


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
