"""Checking, Problem (every variant), the special pages (POP3 only, app password, ...) and Done."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskmail.ui.wizard.common import Page, action_label, button, heading, icon_label, paragraph, scaled_font
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.problems import Problem, Variant
from deskmail.wizard.steps import Action, Step

CHECK_ROWS = (("incoming", "Receiving mail"), ("outgoing", "Sending mail"))


class CheckingPage(Page):
    """Both servers checked at once, each ticked off; also shown while the account is saved."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.title = heading("Checking your settings...")
        self.content.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Checking your settings")
        self.content.addWidget(self.bar)
        self.rows: dict[str, QLabel] = {}
        for side, words in CHECK_ROWS:
            label = QLabel()
            label.setFont(scaled_font(label.font(), 1.1))
            label.setWordWrap(True)
            label.setAccessibleName(words)
            self.rows[side] = label
            self.content.addWidget(label)
        self.status = paragraph()
        self.content.addWidget(self.status)
        self.cancel_button = button("Cancel", "Stop checking")
        self.buttons.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self._cancel)

    def refresh(self) -> None:
        draft, saving = self.machine.draft, self.machine.step is Step.SAVING
        candidate = draft.candidate
        self.title.setText("Saving your account..." if saving else "Checking your settings...")
        hosts = {side: getattr(candidate, side).host for side, _ in CHECK_ROWS if getattr(candidate, side, None)}
        # Both checks run at once; their progress lines name the server, so each row shows its own.
        separate = len(set(hosts.values())) == len(hosts)
        for side, words in CHECK_ROWS:
            host = hosts.get(side, "")
            latest = next((line for line in reversed(draft.progress) if host and host in line), "")
            if saving:
                text = f"\u2713 {words} works ({host})"
            elif separate and latest:
                text = f"{words}: {latest}"
            else:
                text = f"{words}: checking {host}..."
            self.rows[side].setText(text)
        self.status.setText("" if saving or separate or not draft.progress else draft.progress[-1])
        self.cancel_button.setEnabled(not saving)

    def _cancel(self) -> None:
        self.machine.cancel()
        self.after()

    def first_focus(self) -> QWidget | None:
        return self.cancel_button


VARIANT_ICONS = {
    Variant.CERTIFICATE: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Variant.DANGER: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Variant.PLAINTEXT: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Variant.PASSWORD: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Variant.OFFLINE: QStyle.StandardPixmap.SP_DriveNetIcon,
}


class ActionButtons:
    """A row of action buttons, rebuilt for each Problem or special page; the first is the default."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.widgets: list[QPushButton] = []

    def show(self, step: Step, actions: tuple[Action, ...]) -> None:
        for widget in self.widgets:
            self.page.buttons.removeWidget(widget)
            widget.deleteLater()
        self.widgets = []
        # Reading order left to right ends with the default action, next to the window's edge.
        for action in reversed(actions):
            push = button(action_label(step, action))
            push.setObjectName(f"action_{action.value}")
            push.clicked.connect(lambda _checked=False, a=action: self.page.act(a))
            self.page.buttons.addWidget(push)
            push.show()  # a child added to a visible page is otherwise shown only later, from the event loop
            self.widgets.append(push)

    @property
    def default(self) -> QPushButton | None:
        return self.widgets[-1] if self.widgets else None

    def find(self, action: Action) -> QPushButton | None:
        return next((w for w in self.widgets if w.objectName() == f"action_{action.value}"), None)


class CertificateBox(QFrame):
    """What a person must see before trusting a certificate: server, issuer, validity, fingerprint."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.form = QFormLayout(self)

    def show_problem(self, problem: Problem) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for cert in problem.certificates:
            pairs = cert.fingerprint.split(":")
            lines = [":".join(pairs[i : i + 16]) for i in range(0, len(pairs), 16)]
            fingerprint = paragraph("\n".join(lines), selectable=True)
            fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            fingerprint.setAccessibleName("Fingerprint (SHA-256)")
            self.form.addRow("Server:", paragraph(f"{cert.host} (port {cert.port})", selectable=True))
            self.form.addRow("Issued by:", paragraph(_issuer_words(cert.issuer), selectable=True))
            valid = f"from {_date_words(cert.not_before)} until {_date_words(cert.not_after)}"
            self.form.addRow("Valid:", paragraph(valid))
            if cert.names:
                self.form.addRow("Made for:", paragraph(", ".join(cert.names[:6]), selectable=True))
            self.form.addRow("Fingerprint:", fingerprint)
        self.setVisible(bool(problem.certificates))


class ProblemPage(Page):
    """What went wrong in plain words, what to do, the fitting actions; technical details folded away."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        row = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.icon)
        column = QVBoxLayout()
        self.title = heading()
        self.server = paragraph()
        self.server.setFont(scaled_font(self.server.font(), 1.0, bold=True))
        self.message = paragraph(selectable=True)
        self.fix = paragraph(selectable=True)
        for widget in (self.title, self.server, self.message, self.fix):
            column.addWidget(widget)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.certificates = CertificateBox()
        self.content.addWidget(self.certificates)
        self.details_button = QToolButton()
        self.details_button.setText("Technical details")
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName("Show technical details")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Technical details")
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        self.content.addWidget(self.details_button)
        self.content.addWidget(self.details)
        self.action_buttons = ActionButtons(self)

    def enter(self) -> None:
        problem = self.machine.draft.problem
        if problem is None:
            return
        pixmap = VARIANT_ICONS.get(problem.variant, QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(48, 48))
        provider = self._provider_name()
        self.title.setText(_with_provider(problem.title, provider))
        server = self._server_words(problem)
        self.server.setText(server)
        self.server.setVisible(bool(server))
        self.message.setText(_with_provider(problem.message, provider))
        self.fix.setText(_with_provider(problem.fix, provider))
        self.certificates.show_problem(problem)
        self.details.setPlainText(problem.details)
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(problem.details))
        self.action_buttons.show(Step.PROBLEM, problem.actions)
        if problem.variant is Variant.APP_PASSWORD:
            retype = self.action_buttons.find(Action.RETYPE_PASSWORD)
            if retype is not None:
                retype.setText("Type the app password")

    def _provider_name(self) -> str:
        candidate = self.machine.draft.candidate
        return candidate.provider.name if candidate is not None else ""

    def _server_words(self, problem: Problem) -> str:
        candidate = self.machine.draft.candidate
        server = getattr(candidate, problem.side, None) if candidate and problem.side else None
        if not problem.server_words:
            return ""
        return f"{problem.server_words}: {server.host}" if server is not None else problem.server_words

    def default_button(self) -> QPushButton | None:
        return self.action_buttons.default


MESSAGES = {
    Step.POP3_ONLY: (
        "Your provider only offers POP3",
        "Your provider's settings only mention POP3, which downloads your mail to this computer, and no "
        "server for sending mail.\n\n"
        "Your provider's help pages list the outgoing (SMTP) server: you can type it in yourself.",
    ),
    Step.OAUTH_ONLY: (
        "You need an app password",
        "Your provider does not let e-mail apps use your normal password. Instead, you can create an "
        "\u201capp password\u201d on your provider's website: a separate password just for Deskmail.\n\n"
        "Open the app password page, create one, then type it here instead of your normal password.",
    ),
    Step.IMAP_DISABLED: (
        "Allow e-mail apps first",
        "Your provider lets you read your mail only in the web browser until you switch on access for "
        "e-mail apps (often called \u201cIMAP\u201d) in your webmail settings.\n\n"
        "Open the settings page, switch it on, then come back here.",
    ),
    Step.NOT_FOUND: (
        "We could not find your settings",
        "We asked everywhere we know, but found no settings for your address. Your provider's help pages "
        "list them, usually under \u201cIMAP\u201d and \u201cSMTP\u201d. You can type them in yourself.",
    ),
    Step.NO_KEYRING: (
        "Your password cannot be kept safely",
        "If you choose that, your password is kept only in memory while Deskmail runs, and never written to a file.",
    ),
}


# The "sign in on the website" page when Deskmail can do that sign-in (a client id is configured).
OAUTH_SIGN_IN_MESSAGE = (
    "Sign in with your provider",
    "Your provider does not let e-mail apps use your normal password. Instead, you sign in on "
    "your provider's own web page, in your browser, and allow Deskmail to read and send your mail. "
    "Deskmail never sees your password.\n\n"
    "If you prefer, you can use an \u201capp password\u201d instead, if your provider offers them.",
)


class MessagePage(Page):
    """The special pages: an explanation in plain words and the actions that fit."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        row = QHBoxLayout()
        row.addWidget(icon_label(self, QStyle.StandardPixmap.SP_MessageBoxInformation))
        column = QVBoxLayout()
        self.title = heading()
        self.text = paragraph()
        self.notice = paragraph(selectable=True)
        for widget in (self.title, self.notice, self.text):
            column.addWidget(widget)
        # The browser sign-in is the way forward when offered: one large button under the text, not
        # a fourth button squeezed into the bottom row.
        self.sign_in_button = button("")
        self.sign_in_button.setObjectName(f"action_{Action.SIGN_IN_WITH_BROWSER.value}")
        self.sign_in_button.setFont(scaled_font(self.sign_in_button.font(), 1.15, bold=True))
        self.sign_in_button.setMinimumHeight(round(2.4 * self.fontMetrics().height()))
        self.sign_in_button.clicked.connect(lambda: self.act(Action.SIGN_IN_WITH_BROWSER))
        self.sign_in_button.hide()
        sign_in_row = QHBoxLayout()
        sign_in_row.addWidget(self.sign_in_button)
        sign_in_row.addStretch(1)
        column.addSpacing(8)
        column.addLayout(sign_in_row)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.action_buttons = ActionButtons(self)

    def enter(self) -> None:
        step = self.machine.step
        sign_in = self.machine.oauth_provider() if step is Step.OAUTH_ONLY else None
        title, text = OAUTH_SIGN_IN_MESSAGE if sign_in is not None else MESSAGES.get(step, ("", ""))
        candidate = self.machine.draft.candidate
        name = candidate.provider.name if candidate is not None else ""
        text = _with_provider(text, name)
        self.title.setText(_with_provider(title, name))
        self.text.setText(text)
        # Discovery's note says what the page text says better when the sign-in is offered.
        notice = "" if sign_in is not None else self.machine.draft.notice
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        actions = self.machine.actions()
        offered = Action.SIGN_IN_WITH_BROWSER in actions
        self.action_buttons.show(step, tuple(a for a in actions if a is not Action.SIGN_IN_WITH_BROWSER))
        self.sign_in_button.setText(f"Sign in with {sign_in.name or name} in your browser" if sign_in else "")
        self.sign_in_button.setVisible(offered)

    def default_button(self) -> QPushButton | None:
        return self.sign_in_button if self.sign_in_button.isVisibleTo(self) else self.action_buttons.default


class DonePage(Page):
    """The account is saved; the main window opens on it."""

    def __init__(
        self,
        machine: WizardMachine,
        after: Callable[[], None],
        open_url: Callable[[str], None],
        finish: Callable[[], None],
    ) -> None:
        super().__init__(machine, after, open_url)
        row = QHBoxLayout()
        row.addWidget(icon_label(self, QStyle.StandardPixmap.SP_DialogApplyButton))
        column = QVBoxLayout()
        column.addWidget(heading("All set!"))
        self.text = paragraph()
        column.addWidget(self.text)
        # Mail on the phone too, without typing the settings again there (issue #18).
        self.phone_button = button("Set up your phone too\u2026", "Put this account on your phone")
        self.phone_button.clicked.connect(self._set_up_phone)
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone_button)
        phone_row.addStretch(1)
        column.addSpacing(8)
        column.addLayout(phone_row)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.finish_button = button("Start reading mail")
        self.buttons.addWidget(self.finish_button)
        self.finish_button.clicked.connect(finish)

    def enter(self) -> None:
        account = self.machine.draft.account
        if account is None:
            return
        kept = (
            "Your password is kept safe in your computer's keyring."
            if account.remember_password
            else "Deskmail will ask for your password each time it starts."
        )
        if account.uses_oauth:
            kept = (
                "You stay signed in: Deskmail keeps the sign-in safe in your computer's keyring."
                if account.remember_password
                else "You will sign in again in your browser each time Deskmail starts."
            )
        self.text.setText(f"Your e-mail account {account.email} is ready.\n\n{kept}")

    def _set_up_phone(self) -> None:
        from deskmail.ui.phone.window import open_phone_window

        if self.machine.draft.account is not None:
            open_phone_window(self.machine.draft.account, self)

    def default_button(self) -> QPushButton | None:
        return self.finish_button


def _with_provider(text: str, provider: str) -> str:
    """ "Your provider" becomes the provider's name when we know it: people recognise "GMX", not "provider"."""
    if not provider:
        return text
    return (
        text.replace("Your provider's", f"{provider}'s")
        .replace("your provider's", f"{provider}'s")
        .replace("Your provider", provider)
        .replace("your provider", provider)
    )


def _date_words(text: str) -> str:
    """ "2027-01-10T00:00:00+00:00" -> "10 January 2027": people read dates, not timestamps."""
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text or "?"
    return f"{when.day} {when:%B %Y}"


def _issuer_words(issuer: str) -> str:
    """ "CN=R3,O=Let's Encrypt,C=US" -> "Let's Encrypt (R3)": the organisation, not the X.500 syntax."""
    parts = dict(part.split("=", 1) for part in re.split(r"(?<!\\),", issuer) if "=" in part)
    organisation, common = parts.get("O", "").replace("\\", ""), parts.get("CN", "").replace("\\", "")
    if organisation and common and common != organisation:
        return f"{organisation} ({common})"
    return organisation or common or issuer or "(unknown)"
