"""Checking, Problem (every variant), the special pages (POP3 only, app password, ...) and Done."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from PySide6.QtCore import QDate, QLocale, Qt
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

from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Candidate
from deskmail.ui.wizard.common import Page, action_label, button, heading, icon_label, paragraph, scaled_font
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.problems import Problem, Variant
from deskmail.wizard.steps import Action, Step

CHECK_ROWS = (("incoming", N_("Receiving mail")), ("outgoing", N_("Sending mail")))
# Whole sentences per side (no "{what} works": languages inflect around the subject).
CHECK_WORKS = {"incoming": N_("Receiving mail works ({host})"), "outgoing": N_("Sending mail works ({host})")}
CHECK_RUNNING = {
    "incoming": N_("Receiving mail: checking {host}…"),
    "outgoing": N_("Sending mail: checking {host}…"),
}


class CheckingPage(Page):
    """Both servers checked at once, each ticked off; also shown while the account is saved."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.title = heading(_("Checking your settings…"))
        self.content.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(_("Checking your settings"))
        self.content.addWidget(self.bar)
        self.rows: dict[str, QLabel] = {}
        for side, words in CHECK_ROWS:
            label = QLabel()
            label.setFont(scaled_font(label.font(), 1.1))
            label.setWordWrap(True)
            label.setAccessibleName(_(words))
            self.rows[side] = label
            self.content.addWidget(label)
        self.status = paragraph()
        self.content.addWidget(self.status)
        self.cancel_button = button(_("Cancel"), _("Stop checking"))
        self.buttons.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self._cancel)

    def refresh(self) -> None:
        draft, saving = self.machine.draft, self.machine.step is Step.SAVING
        candidate = draft.candidate
        self.title.setText(_("Saving your account…") if saving else _("Checking your settings…"))
        hosts = {side: getattr(candidate, side).host for side, _words in CHECK_ROWS if getattr(candidate, side, None)}
        # Both checks run at once; their progress lines name the server, so each row shows its own.
        separate = len(set(hosts.values())) == len(hosts)
        for side, words in CHECK_ROWS:
            host = hosts.get(side, "")
            latest = next((line for line in reversed(draft.progress) if host and host in line), "")
            if saving:
                text = "\u2713 " + _(CHECK_WORKS[side]).format(host=host)
            elif separate and latest:
                text = label_and_value(_(words), latest)
            else:
                text = _(CHECK_RUNNING[side]).format(host=host)
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
            fingerprint.setAccessibleName(_("Fingerprint (SHA-256)"))
            where = _("{host} (port {port})").format(host=cert.host, port=cert.port)
            self.form.addRow(_("Server:"), paragraph(where, selectable=True))
            self.form.addRow(_("Issued by:"), paragraph(_issuer_words(cert.issuer), selectable=True))
            valid = _("from {start} until {end}").format(
                start=_date_words(cert.not_before), end=_date_words(cert.not_after)
            )
            self.form.addRow(_("Valid:"), paragraph(valid))
            if cert.names:
                self.form.addRow(_("Made for:"), paragraph(", ".join(cert.names[:6]), selectable=True))
            self.form.addRow(_("Fingerprint:"), fingerprint)
        self.setVisible(bool(problem.certificates))


class ProblemView(QWidget):
    """What went wrong in plain words and what to do, the certificate to look at, technical details folded
    away: the wizard's Problem page and the Settings window's certificate question show the same."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        content = QVBoxLayout(self)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(12)
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
        content.addLayout(row)
        self.certificates = CertificateBox()
        content.addWidget(self.certificates)
        self.details_button = QToolButton()
        self.details_button.setText(_("Technical details"))
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName(_("Show technical details"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(_("Technical details"))
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        content.addWidget(self.details_button)
        content.addWidget(self.details)
        content.addStretch(1)  # in a taller window the words stay together at the top

    def show_problem(self, problem: Problem, candidate: Candidate | None) -> None:
        """Fill in `problem`; `candidate` names the provider and the server the problem is about."""
        pixmap = VARIANT_ICONS.get(problem.variant, QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(48, 48))
        provider = candidate.provider.name if candidate is not None else ""
        self.title.setText(_with_provider(problem.title, provider))
        server = _server_words(problem, candidate)
        self.server.setText(server)
        self.server.setVisible(bool(server))
        self.message.setText(_with_provider(problem.message, provider))
        self.fix.setText(_with_provider(problem.fix, provider))
        self.certificates.show_problem(problem)
        self.details.setPlainText(problem.details)
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(problem.details))


def _server_words(problem: Problem, candidate: Candidate | None) -> str:
    server = getattr(candidate, problem.side, None) if candidate and problem.side else None
    if not problem.server_words:
        return ""
    return label_and_value(problem.server_words, server.host) if server is not None else problem.server_words


class ProblemPage(Page):
    """The wizard's Problem page: the problem's words and the actions that fit, the default one first."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.view = ProblemView()
        self.content.addWidget(self.view)
        self.action_buttons = ActionButtons(self)

    def enter(self) -> None:
        problem = self.machine.draft.problem
        if problem is None:
            return
        self.view.show_problem(problem, self.machine.draft.candidate)
        self.action_buttons.show(Step.PROBLEM, problem.actions)
        if problem.variant is Variant.APP_PASSWORD:
            retype = self.action_buttons.find(Action.RETYPE_PASSWORD)
            if retype is not None:
                retype.setText(_("Type the app password"))

    def default_button(self) -> QPushButton | None:
        return self.action_buttons.default


# Marked here, translated where shown (MessagePage.enter): the language is chosen after imports.
MESSAGES = {
    Step.POP3_ONLY: (
        N_("Your provider only offers POP3"),
        N_(
            "Your provider's settings only mention POP3, which downloads your mail to this computer, and no "
            "server for sending mail.\n\n"
            "Your provider's help pages list the outgoing (SMTP) server: you can type it in yourself."
        ),
    ),
    Step.OAUTH_ONLY: (
        N_("You need an app password"),
        N_(
            "Your provider does not let e-mail apps use your normal password. Instead, you can create an "
            "\u201capp password\u201d on your provider's website: a separate password just for Deskmail.\n\n"
            "Open the app password page, create one, then type it here instead of your normal password."
        ),
    ),
    Step.IMAP_DISABLED: (
        N_("Allow e-mail apps first"),
        N_(
            "Your provider lets you read your mail only in the web browser until you switch on access for "
            "e-mail apps (often called \u201cIMAP\u201d) in your webmail settings.\n\n"
            "Open the settings page, switch it on, then come back here."
        ),
    ),
    Step.NOT_FOUND: (
        N_("We could not find your settings"),
        N_(
            "We asked everywhere we know, but found no settings for your address. Your provider's help pages "
            "list them, usually under \u201cIMAP\u201d and \u201cSMTP\u201d. You can type them in yourself."
        ),
    ),
    Step.NO_KEYRING: (
        N_("Your password cannot be kept safely"),
        N_(
            "If you choose that, your password is kept only in memory while Deskmail runs, and never written to a file."
        ),
    ),
}


# The "sign in on the website" page when Deskmail can do that sign-in (a client id is configured).
OAUTH_SIGN_IN_MESSAGE = (
    N_("Sign in with your provider"),
    N_(
        "Your provider does not let e-mail apps use your normal password. Instead, you sign in on "
        "your provider's own web page, in your browser, and allow Deskmail to read and send your mail. "
        "Deskmail never sees your password.\n\n"
        "If you prefer, you can use an \u201capp password\u201d instead, if your provider offers them."
    ),
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
        text = _with_provider(_(text), name) if text else ""
        self.title.setText(_with_provider(_(title), name) if title else "")
        self.text.setText(text)
        # Discovery's note says what the page text says better when the sign-in is offered.
        notice = "" if sign_in is not None else self.machine.draft.notice
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        actions = self.machine.actions()
        offered = Action.SIGN_IN_WITH_BROWSER in actions
        self.action_buttons.show(step, tuple(a for a in actions if a is not Action.SIGN_IN_WITH_BROWSER))
        self.sign_in_button.setText(
            _("Sign in with {name} in your browser").format(name=sign_in.name or name) if sign_in else ""
        )
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
        column.addWidget(heading(_("All set!")))
        self.text = paragraph()
        column.addWidget(self.text)
        # Mail on the phone too, without typing the settings again there (issue #18).
        self.phone_button = button(_("Set up your phone too\u2026"), _("Put this account on your phone"))
        self.phone_button.clicked.connect(self._set_up_phone)
        phone_row = QHBoxLayout()
        phone_row.addWidget(self.phone_button)
        phone_row.addStretch(1)
        column.addSpacing(8)
        column.addLayout(phone_row)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.finish_button = button(_("Start reading mail"))
        self.buttons.addWidget(self.finish_button)
        self.finish_button.clicked.connect(finish)

    def enter(self) -> None:
        account = self.machine.draft.account
        if account is None:
            return
        kept = (
            _("Your password is kept safe in your computer's keyring.")
            if account.remember_password
            else _("Deskmail will ask for your password each time it starts.")
        )
        if account.uses_oauth:
            kept = (
                _("You stay signed in: Deskmail keeps the sign-in safe in your computer's keyring.")
                if account.remember_password
                else _("You will sign in again in your browser each time Deskmail starts.")
            )
        ready = _("Your e-mail account {address} is ready.").format(address=account.email)
        self.text.setText(f"{ready}\n\n{kept}")

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


def label_and_value(label: str, value: str) -> str:
    """ "Receiving mail: imap.gmx.net": a label and what it names, punctuated the language's way."""
    # Translators: a label and its value, e.g. "Receiving mail: imap.gmx.net"; keep {label} and {value}.
    return _("{label}: {value}").format(label=label, value=value)


def _date_words(text: str) -> str:
    """ "2027-01-10T00:00:00+00:00" -> "10 January 2027": people read dates, not timestamps."""
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text or "?"
    # Translators: a date as a Qt QLocale pattern (d = day, MMMM = month name, yyyy = year),
    # e.g. "d. MMMM yyyy" for German, "yyyy年M月d日" for Japanese. Month names come from Qt.
    pattern = _("d MMMM yyyy")
    return QLocale().toString(QDate(when.year, when.month, when.day), pattern)


def _issuer_words(issuer: str) -> str:
    """ "CN=R3,O=Let's Encrypt,C=US" -> "Let's Encrypt (R3)": the organisation, not the X.500 syntax."""
    parts = dict(part.split("=", 1) for part in re.split(r"(?<!\\),", issuer) if "=" in part)
    organisation, common = parts.get("O", "").replace("\\", ""), parts.get("CN", "").replace("\\", "")
    if organisation and common and common != organisation:
        return f"{organisation} ({common})"
    return organisation or common or issuer or _("(unknown)")
