"""The wizard's certificate question in the Settings window: look at the certificate, then go back or trust it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Candidate
from deskmail.ui.wizard.common import FittingScrollArea, action_label, button
from deskmail.ui.wizard.result_pages import ProblemView
from deskmail.wizard.problems import CERT_KINDS, Problem
from deskmail.wizard.steps import Action, Step

# Problems about the server's certificate: asked in a window of their own, in the wizard's words. A wrong
# name and a changed certificate only ever offer "Go back" (problem_for never offers to trust them).
CERTIFICATE_PROBLEMS = CERT_KINDS | {ErrorKind.CERT_CHANGED}
# In Settings the server fields are right behind the question: "Change settings" is the same as going back.
OFFERED = (Action.GO_BACK, Action.TRUST_CERTIFICATE)


class CertificateQuestion(QDialog):
    """ "Go back" is the default (Enter and Escape never trust a certificate); accepted means "trust it"."""

    def __init__(self, problem: Problem, candidate: Candidate | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.problem = problem
        self.setWindowTitle(problem.title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.view = ProblemView()
        self.view.show_problem(problem, candidate)
        area = FittingScrollArea()  # 800 x 600 and big fonts: the words scroll, the buttons stay in sight
        area.setWidget(self.view)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row = QHBoxLayout()
        row.addStretch(1)
        self.trust_button: QPushButton | None = None
        self.back_button = button(action_label(Step.PROBLEM, Action.GO_BACK))
        actions = tuple(a for a in problem.actions if a in OFFERED)
        for action in reversed(actions):  # as in the wizard: the default last, next to the window's edge
            push = self.back_button if action is Action.GO_BACK else button(action_label(Step.PROBLEM, action))
            push.setObjectName(f"action_{action.value}")
            row.addWidget(push)
            if action is Action.TRUST_CERTIFICATE:
                self.trust_button = push
                push.clicked.connect(self.accept)
        if Action.GO_BACK not in actions:
            row.addWidget(self.back_button)
        self.back_button.clicked.connect(self.reject)
        self.back_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addLayout(row)
        # Tall enough for every word at this width (wrapped labels ask for too little), within the screen.
        screen = self.screen().availableGeometry()
        width = min(620, screen.width() - 40)
        inner = self.view.layout()
        words = inner.totalHeightForWidth(width - 40) if inner is not None else self.view.sizeHint().height()
        height = words + self.back_button.sizeHint().height() + 100  # margins, spacing, frame
        self.setMinimumWidth(min(480, width))
        self.resize(width, min(height, screen.height() - 80))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.back_button.setFocus()
