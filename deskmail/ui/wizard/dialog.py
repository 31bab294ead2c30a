"""The Add-account dialog: shows the state machine's current page and runs its jobs in the background."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from deskmail.core.cancel import Cancelled
from deskmail.core.i18n import _
from deskmail.qtbridge.tasks import Task, TaskRunner
from deskmail.ui.wizard.common import Page
from deskmail.ui.wizard.first_pages import AccountPage, FindingPage, FoundPage
from deskmail.ui.wizard.pop3_page import Pop3Page
from deskmail.ui.wizard.result_pages import CheckingPage, DonePage, MessagePage, ProblemPage
from deskmail.ui.wizard.settings_pages import ManualPage, PlaintextPage
from deskmail.ui.wizard.signin_page import SigningInPage
from deskmail.wizard.draft import Job, Services
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.steps import Step


def open_in_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class AccountWizard(QDialog):
    """Set up one e-mail account; emits `account_added(Account)` once it is saved."""

    account_added = Signal(object)

    def __init__(
        self,
        services: Services,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        open_url: Callable[[str], None] = open_in_browser,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add an e-mail account"))
        self.setAccessibleName(_("Add an e-mail account"))
        self.machine = WizardMachine(services)
        self.runner = runner or TaskRunner(self)
        self.open_url = open_url
        self.task: Task | None = None
        self._shown_step: Step | None = None
        self._announced = False
        self.stack = QStackedWidget()
        self.pages: dict[Step, Page] = {}
        self._build_pages()
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        # Never narrower than a page's words that cannot wrap (a long German tick box): the pages never
        # scroll sideways, so anything wider would be cut off.
        margins = layout.contentsMargins()
        widest = max(page.minimum_width() for page in self.pages.values())
        self.setMinimumWidth(max(520, widest + margins.left() + margins.right()))
        # The pages' scroll areas report their still-empty content here (the dialog came out 520 x 118,
        # its form scrolled out of sight): open at a size that shows a whole page, scaled with the font.
        line = self.fontMetrics().height()
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()).expandedTo(QSize(40 * line, 34 * line)))
        # The first address check loads lists for half a second: do it now, off the GUI thread.
        self.runner.run(lambda _cancel, _progress: services.warm_up(), name="wizard-warm-up")
        # Whether a keyring can keep the password: asked over D-Bus, so off the GUI thread too.
        # A look that failed leaves the offer as it is: saving then falls back to the no-keyring page.
        self._keyring_look: Task | None = None
        self._look_at_keyring()
        self._render()

    def _build_pages(self) -> None:
        def make(cls: type[Page]) -> Page:
            return cls(self.machine, self._render, self._open)

        self.account_page = account = AccountPage(self.machine, self._render, self._open)
        finding, found = make(FindingPage), make(FoundPage)
        manual, plaintext, checking = make(ManualPage), make(PlaintextPage), make(CheckingPage)
        problem, message, signing_in = make(ProblemPage), make(MessagePage), make(SigningInPage)
        done = DonePage(self.machine, self._render, self._open, self.accept)
        for step, page in (
            (Step.ACCOUNT, account),
            (Step.FINDING, finding),
            (Step.FOUND, found),
            (Step.MANUAL, manual),
            (Step.PLAINTEXT, plaintext),
            (Step.POP3, make(Pop3Page)),
            (Step.CHECKING, checking),
            (Step.SAVING, checking),
            (Step.PROBLEM, problem),
            (Step.SIGNING_IN, signing_in),
            (Step.DONE, done),
        ):
            self.pages[step] = page
        for step in (Step.POP3_ONLY, Step.OAUTH_ONLY, Step.IMAP_DISABLED, Step.NOT_FOUND, Step.NO_KEYRING):
            self.pages[step] = message
        for page in dict.fromkeys(self.pages.values()):
            self.stack.addWidget(page)

    # -- rendering -----------------------------------------------------------------------------

    def page(self) -> Page:
        return self.pages[self.machine.step]

    def _render(self) -> None:
        """Show the machine's current page, start the job it waits for, move the focus where it belongs."""
        step, page = self.machine.step, self.page()
        if self.task is not None and self.task.token.cancelled and not self.task.cancelled:
            self.task.cancel()  # the machine gave up on it (Cancel, Back): drop its late outcome too
        entering = step is not self._shown_step
        if entering:
            self.stack.setCurrentWidget(page)
            page.enter()
            self._shown_step = step
            if self._keyring_refused():  # one refusal is not forever: the keyring may work now
                self._look_at_keyring()
        else:
            page.refresh()
        self._set_default(page.default_button())
        self._start_job()
        browser_url = self.machine.take_browser_url()  # the sign-in page: the engine waits for it
        if browser_url:
            self._open(browser_url)
        focus = page.focus_widget(self.machine.draft.focus) or (page.first_focus() if entering else None)
        if focus is not None:
            focus.setFocus()
        if step is Step.DONE and not self._announced and self.machine.draft.account is not None:
            self._announced = True
            self.account_added.emit(self.machine.draft.account)

    def _look_at_keyring(self) -> None:
        if self._keyring_look is not None:
            return
        self._keyring_look = self.runner.run(
            lambda _cancel, _progress: self.machine.services.keyring_available(),
            name="wizard-keyring",
            on_finished=self._keyring_checked,
        )

    def event(self, event: QEvent) -> bool:
        # Back from unlocking or starting the keyring in another window: offer to remember again.
        if event.type() == QEvent.Type.WindowActivate and self._keyring_refused():
            self._look_at_keyring()
        return super().event(event)

    def _keyring_refused(self) -> bool:
        return self.machine.step is Step.ACCOUNT and self.machine.draft.keyring_available is False

    def _keyring_checked(self, available: object) -> None:
        self._keyring_look = None
        if self._alive():
            self.machine.keyring_checked(bool(available))
            self._render()

    def _set_default(self, default: QPushButton | None) -> None:
        for push in self.findChildren(QPushButton):
            push.setDefault(push is default)

    def _open(self, url: str) -> None:
        if url.startswith(("https://", "http://")):
            self.open_url(url)

    # -- background jobs --------------------------------------------------------------------

    def _start_job(self) -> None:
        job = self.machine.take_job()
        if job is None:
            return
        task = self.runner.run(job.work, cancel=job.token, name=f"wizard-{job.kind}")
        task.progress.connect(lambda value, j=job: self._job_progress(j, value))
        task.finished.connect(lambda result, j=job: self._job_done(j, result))
        task.failed.connect(lambda error, j=job: self._job_failed(j, error))
        self.task = task

    def _job_progress(self, job: Job, value: object) -> None:
        if self._alive():
            self.machine.job_progress(job, value)
            self._render()

    def _job_done(self, job: Job, result: object) -> None:
        if self._alive():
            self.machine.job_finished(job, result)
            self._render()

    def _job_failed(self, job: Job, error: object) -> None:
        if self._alive():
            self.machine.job_failed(job, error if isinstance(error, BaseException) else Cancelled())
            self._render()

    def _alive(self) -> bool:
        """False once the window is gone (a save finishing after its dialog was deleted, e.g. at exit)."""
        return shiboken6.isValid(self) and shiboken6.isValid(self.stack)

    def reject(self) -> None:
        """Escape or closing the window: stop whatever runs; nothing is saved."""
        if self.machine.step is Step.SAVING:
            return  # a moment: half-saved (password kept, settings not) would be worse than waiting
        if self.task is not None:
            self.task.cancel()
        if self.machine.step in (Step.FINDING, Step.CHECKING, Step.SIGNING_IN):
            self.machine.cancel()
        super().reject()
