"""The Signing-in page: Deskmail opened the provider's sign-in page in the browser and waits for it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QStyle, QVBoxLayout, QWidget

from deskmail.core.i18n import N_, _
from deskmail.ui.wizard.common import Page, button, heading, icon_label, paragraph
from deskmail.wizard.machine import WizardMachine

WAITING_TEXT = N_(
    "Deskmail opened {name}'s sign-in page in your web browser. Sign in there, and allow Deskmail to "
    "read and send your mail.\n\n"
    "You type your password only on {name}'s own page: Deskmail never sees it. When the browser says "
    "you can close the window, come back here."
)


class SigningInPage(Page):
    """Waiting for the browser, with "Open the page again" and Cancel."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        row = QHBoxLayout()
        row.addWidget(icon_label(self, QStyle.StandardPixmap.SP_MessageBoxInformation))
        column = QVBoxLayout()
        self.title = heading()
        self.text = paragraph()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(_("Waiting for you to sign in"))
        self.status = paragraph()
        for widget in (self.title, self.text, self.bar, self.status):
            column.addWidget(widget)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.again_button = button(_("Open the sign-in page again"))
        self.cancel_button = button(_("Cancel"), _("Stop signing in"))
        self.buttons.addWidget(self.again_button)
        self.buttons.addWidget(self.cancel_button)
        self.again_button.clicked.connect(self._again)
        self.cancel_button.clicked.connect(self._cancel)

    def refresh(self) -> None:
        provider = self.machine.oauth_provider()
        # Translators: stands for the provider's name ("Google") in "Sign in with {name} in your browser".
        name = provider.name if provider is not None and provider.name else _("your provider")
        self.title.setText(_("Sign in with {name} in your browser").format(name=name))
        self.text.setText(_(WAITING_TEXT).format(name=name))
        progress = self.machine.draft.progress
        self.status.setText(progress[-1] if progress else "")
        self.again_button.setEnabled(bool(self.machine.draft.sign_in_url))

    def _again(self) -> None:
        self.machine.open_sign_in_again()
        self.after()

    def _cancel(self) -> None:
        self.machine.cancel()
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.cancel_button

    def first_focus(self) -> QWidget | None:
        return self.cancel_button
