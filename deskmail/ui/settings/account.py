"""One account's settings: name and signature, checking for mail, password, servers, removing it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace

import shiboken6
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import Field
from deskmail.core.i18n import _, ngettext
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import Candidate, ConnectionPolicy, ServerConfig
from deskmail.engine.accounts import CHECK_MINUTES_RANGE, MAX_SIGNATURE_CHARS, Account
from deskmail.engine.credentials import KeyringUnavailable
from deskmail.qtbridge.tasks import Progress
from deskmail.ui.context import AppContext
from deskmail.ui.direction import align_text_to_window
from deskmail.ui.settings.certificate import CERTIFICATE_PROBLEMS, CertificateQuestion
from deskmail.ui.settings.checking import CheckRow, problem_text
from deskmail.ui.settings.spin import CountSpin
from deskmail.ui.wizard.common import error_line, heading, paragraph, show_error
from deskmail.ui.wizard.pop3_page import DownloadChoicesFields
from deskmail.ui.wizard.settings_pages import ServerFields
from deskmail.wizard.manual import AUTH_CHOICES, ManualSettings
from deskmail.wizard.problems import INCOMING, OUTGOING, Problem, check_problem, trusting

SAVE_DELAY_MS = 500  # typing a name or signature: save once the person pauses


def checked_account(account: Account, candidate: Candidate, report: object) -> Account:
    """The account with the servers that were just proven, with the user names that worked."""
    incoming, outgoing = candidate.incoming, candidate.outgoing or account.outgoing
    worked_in = getattr(getattr(report, "incoming", None), "username", "")
    worked_out = getattr(getattr(report, "outgoing", None), "username", "")
    # Only the pins of the servers in use stay: a certificate trusted for a server given up is forgotten.
    servers = {(server.host.lower(), server.port) for server in (incoming, outgoing)}
    pins = tuple(pin for pin in account.policy.pins if (pin.host.lower(), pin.port) in servers)
    return replace(
        account,
        policy=replace(account.policy, pins=pins),
        incoming=replace(incoming, username=worked_in) if worked_in else incoming,
        outgoing=replace(outgoing, username=worked_out) if worked_out else outgoing,
        source="manual" if (incoming, outgoing) != (account.incoming, account.outgoing) else account.source,
    )


def candidate_of(
    account: Account, incoming: ServerConfig | None = None, outgoing: ServerConfig | None = None
) -> Candidate:
    return Candidate(
        source=account.source,
        url="",
        trusted=True,
        trust_reason="saved",
        provider=account.provider,
        incoming=incoming or account.incoming,
        outgoing=outgoing or account.outgoing,
    )


def scrolling(page: QWidget) -> QScrollArea:
    """Small screens (800 x 600) and big fonts: a page scrolls rather than being cut off."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class AccountSettings(QWidget):
    """The tabs of one account; `after_save(account)` once a change is written, `removed(email)` once it is gone."""

    removed = Signal(str)
    password_changed = Signal(str)

    def __init__(self, context: AppContext, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.account = account
        self.after_save: Callable[[Account], None] = lambda _account: None
        self.before_remove: Callable[[str], None] = lambda _email: None  # the mail window lets go of it
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for tab, title in (
            (self._you_tab(), _("Name and signature")),
            (self._password_tab(), _("Password")),
            (self._servers_tab(), _("Servers")),
        ):
            self.tabs.addTab(scrolling(tab), title)  # a tab scrolls on a small screen; Remove stays in sight
        self.remove_button = QPushButton(_("Remove this account…"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.ask_remove)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        self.title = heading(account.email)
        self.title.setAccessibleName(account.email)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)

    # -- name, signature, checking for mail ---------------------------------------------------

    def _you_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(self.account.display_name)
        self.name.setAccessibleName(_("Your name"))
        self.name.setPlaceholderText(_("For example Anna Schmidt"))
        form.addRow(_("Your name:"), self.name)
        form.addRow("", paragraph(_("People see it next to your address when you write to them.")))
        self.signature = QPlainTextEdit(self.account.signature)
        align_text_to_window(self.signature)
        self.signature.setAccessibleName(_("Signature"))
        self.signature.setPlaceholderText(_("For example:\nAnna Schmidt\n+49 30 1234567"))
        self.signature.setTabChangesFocus(True)
        self.signature.setFixedHeight(self.fontMetrics().height() * 6)
        form.addRow(_("Signature:"), self.signature)
        form.addRow("", paragraph(_("Added at the end of every new message and reply you write.")))
        self.check_minutes: QSpinBox = CountSpin(lambda n: ngettext("{n} minute", "{n} minutes", n))
        self.check_minutes.setRange(*CHECK_MINUTES_RANGE)
        self.check_minutes.setValue(self.account.check_minutes)
        self.check_minutes.setAccessibleName(_("Minutes between checks for new mail"))
        self.check_minutes.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * 16))
        form.addRow(_("Check for new mail every:"), self.check_minutes)
        self.download: DownloadChoicesFields | None = None  # POP3 accounts only: IMAP mail stays on the server
        if self.account.uses_pop3:
            form.addRow("", paragraph(_("Deskmail downloads your mail from the server this often.")))
            self.download = DownloadChoicesFields()
            self.download.set_choices(self.account.download)
            self.download.changed.connect(lambda: self._timer.start())
            # Its own full-width rows: beside a label, the indented "Remove ... after [14] days" row would
            # push the page into sideways scrolling at 200 % on a small screen.
            form.addRow(QLabel(_("Once a message is downloaded to this computer:")))
            form.addRow(self.download)
        else:
            form.addRow("", paragraph(_("Many providers also tell Deskmail at once when new mail arrives.")))
        self.name.textEdited.connect(lambda _t: self._timer.start())
        self.signature.textChanged.connect(self._signature_changed)
        self.check_minutes.valueChanged.connect(lambda _v: self._timer.start())
        return tab

    def _signature_changed(self) -> None:
        if len(self.signature.toPlainText()) > MAX_SIGNATURE_CHARS:
            self.signature.setPlainText(self.signature.toPlainText()[:MAX_SIGNATURE_CHARS])
        self._timer.start()

    def save_now(self) -> None:
        """Write name, signature, interval and POP3 choices (on a worker); the mail window uses them at once
        (a POP3 account's next download follows the new choice)."""
        self._timer.stop()
        account = replace(
            self.account,
            display_name=" ".join(self.name.text().split()),
            signature=self.signature.toPlainText().rstrip(),
            check_minutes=self.check_minutes.value(),
            download=self.download.choices() if self.download is not None else self.account.download,
        )
        if account != self.account:
            self._save(account)

    def flush(self) -> None:
        if self._timer.isActive():
            self.save_now()

    def _save(self, account: Account) -> None:
        self.account = account
        store, after_save = self.context.accounts, self.after_save

        def done(_result: object) -> None:
            after_save(account)  # also when this window was closed meanwhile

        self.context.runner.run(
            lambda c, p: store.save(account), key="settings-save", name="save-account", on_finished=done
        )

    # -- password ---------------------------------------------------------------------------------

    def _password_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        if self.account.uses_oauth:
            column.addWidget(
                paragraph(
                    _(
                        "You sign in to this account in your browser, so Deskmail has no password to change. "
                        "If you changed your password with your provider, Deskmail asks you to sign in again."
                    )
                )
            )
            column.addStretch(1)
            self.password = QLineEdit()
            self.password_check = CheckRow(self.context.runner)
            self.password_button = QPushButton()
            return tab
        column.addWidget(
            paragraph(
                _(
                    "Changed your password with your mail provider? Type the new one here. Deskmail first checks "
                    "it with your provider, then keeps it in this computer's password keyring."
                )
            )
        )
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("New password"))
        self.password.setMaximumWidth(self.fontMetrics().horizontalAdvance("x" * 40))
        show = QCheckBox(_("Show password"))
        show.toggled.connect(
            lambda on: self.password.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        )
        form.addRow(_("New password:"), self.password)
        form.addRow("", show)
        column.addLayout(form)
        self.password_button = QPushButton(_("Check and save password"))
        self.password_button.setAutoDefault(False)
        self.password_button.setEnabled(False)
        self.password.textChanged.connect(lambda text: self.password_button.setEnabled(bool(text)))
        self.password.returnPressed.connect(self.change_password)
        self.password_button.clicked.connect(self.change_password)
        button_row = QHBoxLayout()
        button_row.addWidget(self.password_button)
        button_row.addStretch(1)
        form.addRow("", button_row)
        self.password_check = CheckRow(self.context.runner)
        column.addWidget(self.password_check)
        column.addStretch(1)
        return tab

    def change_password(self) -> None:
        password = self.password.text()
        if not password or self.password_check.running:
            return
        register_secret(password)
        account, settings, credentials = self.account, self.context.settings, self.context.credentials

        def work(cancel: CancelToken, progress: Progress) -> object:
            from deskmail.engine.validate import check_account

            report = check_account(
                candidate_of(account), account.email, password, settings=settings, policy=account.policy,
                cancel=cancel, progress=lambda text: progress(str(text)),
            )  # fmt: skip
            if not report.ok:
                return report
            if account.remember_password:
                credentials.set(account.email, password)  # raises KeyringUnavailable: nothing changed
            else:
                credentials.set_for_session(account.email, password)
            return report

        self.password_button.setEnabled(False)
        self.password_check.run(work, self._password_checked, self._password_failed)

    def _password_checked(self, report: object) -> None:
        self.password_button.setEnabled(bool(self.password.text()))
        errors = getattr(report, "errors", [])
        if errors:
            self.password_check.say(
                _("{problem} Your saved password was not changed.").format(problem=problem_text(errors[0])), ok=False
            )
            return
        self.password.clear()
        self.password_check.say(
            _("Your new password works. It is kept in this computer's password keyring.")
            if self.account.remember_password
            else _("Your new password works. Deskmail uses it until you close it.")
        )
        self.password_changed.emit(self.account.email)

    def _password_failed(self, error: object) -> None:
        self.password_button.setEnabled(bool(self.password.text()))
        if isinstance(error, KeyringUnavailable):
            self.password_check.say(
                _("{problem} Your saved password was not changed.").format(problem=error.message), ok=False
            )
            return
        self.password_check.say(problem_text(error), ok=False)

    # -- servers ------------------------------------------------------------------------------------

    def _servers_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        self.manual = ManualSettings.from_candidate(candidate_of(self.account), self.account.email)
        self.incoming = ServerFields(
            _("Receiving mail (IMAP)"), "imap.example.com", Field.INCOMING_HOST, Field.INCOMING_PORT
        )
        self.outgoing = ServerFields(
            _("Sending mail (SMTP)"), "smtp.example.com", Field.OUTGOING_HOST, Field.OUTGOING_PORT
        )
        self.incoming.bind(self.manual.incoming)
        self.outgoing.bind(self.manual.outgoing)
        self.username_error = error_line()
        column.addWidget(self.incoming)
        column.addWidget(self.username_error)
        column.addWidget(self.outgoing)
        self.auth = QComboBox()
        self.auth.setAccessibleName(_("How to sign in"))
        for method, words in AUTH_CHOICES.items():
            self.auth.addItem(_(words), method)  # marked with N_() in wizard/manual.py
        self.auth.setCurrentIndex(max(0, list(AUTH_CHOICES).index(self.manual.auth)))
        self.auth.activated.connect(lambda index: setattr(self.manual, "auth", str(self.auth.itemData(index))))
        form = QFormLayout()
        form.addRow(_("Sign in with:"), self.auth)
        column.addLayout(form)
        self.servers_button = QPushButton(_("Check and save settings"))
        self.servers_button.setAutoDefault(False)
        self.servers_button.clicked.connect(self.change_servers)
        self.certificate_question: CertificateQuestion | None = None
        row = QHBoxLayout()
        row.addWidget(paragraph(_("Change these only if your provider tells you to.")), 1)
        row.addWidget(self.servers_button)
        column.addLayout(row)
        self.servers_check = CheckRow(self.context.runner)
        column.addWidget(self.servers_check)
        column.addStretch(1)
        if self.account.uses_oauth:  # browser sign-in: the provider's servers, nothing to type
            for widget in (self.incoming, self.outgoing, self.auth, self.servers_button):
                widget.setEnabled(False)
            self.servers_check.say(
                _("You sign in to this account in your browser; its servers are set by your provider.")
            )
        return tab

    def change_servers(self) -> None:
        if self.servers_check.running:
            return
        errors = self.manual.errors()
        self.incoming.show_errors(errors)
        self.outgoing.show_errors(errors)
        show_error(self.username_error, errors.get(Field.USERNAME))
        if errors:
            self.servers_check.say(_("Please correct the settings marked above."), ok=False)
            return
        policy = self.account.policy
        if self.manual.uses_plaintext and not policy.allow_plaintext:
            if not self._accept_plaintext():
                return
            policy = ConnectionPolicy(pins=policy.pins, allow_plaintext=True)
        candidate = self.manual.to_candidate(self.account.provider)
        self._check_servers(replace(self.account, policy=policy), candidate)

    def _check_servers(self, account: Account, candidate: Candidate) -> None:
        """Check `candidate` with `account`'s password and policy; saved (with that policy) only if it works."""
        settings, credentials = self.context.settings, self.context.credentials

        def work(cancel: CancelToken, progress: Progress) -> object:
            from deskmail.engine.validate import check_account

            password = credentials.get(account.email)
            if password is None:
                raise KeyringUnavailable(_("Deskmail does not have your password. Type it on the Password tab first."))
            return check_account(
                candidate, account.email, password, settings=settings, policy=account.policy,
                cancel=cancel, progress=lambda text: progress(str(text)),
            )  # fmt: skip

        self.servers_button.setEnabled(False)
        self.servers_check.run(
            work, lambda report: self._servers_checked(account, candidate, report), self._servers_failed
        )

    def _accept_plaintext(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("These settings are not encrypted"),
            _(
                "With these settings, your password and all your mail travel over the internet unprotected. "
                "Anyone on the same network can read them.\n\nUse this only if your provider offers nothing else."
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        use = box.addButton(_("Use them anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is use

    def _servers_checked(self, account: Account, candidate: Candidate, report: object) -> None:
        self.servers_button.setEnabled(True)
        errors = getattr(report, "errors", [])
        if errors:
            self.servers_check.say(
                _("{problem} Your saved settings were not changed.").format(problem=problem_text(errors[0])), ok=False
            )
            incoming, outgoing = (getattr(getattr(report, side, None), "error", None) for side in (INCOMING, OUTGOING))
            problem = check_problem(incoming, outgoing, candidate)
            if problem.kind in CERTIFICATE_PROBLEMS:
                self._ask_about_certificate(account, candidate, problem)
            return
        self._save(checked_account(account, candidate, report))
        self.servers_check.say(_("These settings work and are saved."))

    def _ask_about_certificate(self, account: Account, candidate: Candidate, problem: Problem) -> None:
        """As in the wizard: the certificate and the risk in plain words, "Go back" by default; trusting pins
        exactly this certificate (SHA-256) and checks again; saved only when that check works."""
        box = CertificateQuestion(problem, candidate, self)
        self.certificate_question = box  # tests answer it

        def answered(result: int) -> None:
            self.certificate_question = None
            box.deleteLater()
            if result == QDialog.DialogCode.Accepted and box.trust_button is not None:
                self._check_servers(replace(account, policy=trusting(account.policy, problem)), candidate)
                return
            widget = self.incoming.widget_for(problem.focus) or self.outgoing.widget_for(problem.focus)
            if widget is not None:
                widget.setFocus()

        box.finished.connect(answered)
        box.open()

    def _servers_failed(self, error: object) -> None:
        self.servers_button.setEnabled(True)
        self.servers_check.say(
            _("{problem} Your saved settings were not changed.").format(problem=problem_text(error)), ok=False
        )

    # -- removing ----------------------------------------------------------------------------------------

    def ask_remove(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Remove this account?"),
            _("Remove {email} from Deskmail?").format(email=self.account.email),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            _(
                "Deskmail forgets this account and its saved password, and deletes the copy of its mail on this "
                "computer. Messages waiting in the Outbox are not sent.\n\n"
                "Your mail stays with your provider: add the account again to see it again."
            )
        )
        remove = box.addButton(_("Remove account"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        self.confirm = box  # tests answer it
        box.finished.connect(lambda _r: self.remove() if box.clickedButton() is remove else None)
        box.open()

    def remove(self) -> None:
        """Forget the account, its password and the copy of its mail (like `deskmail account remove`).

        The mail window lets go of it first (watchers stop, its store closes on the account's queue);
        the deletion is queued behind that close, so nothing still uses what is deleted.
        """
        email, paths = self.account.email, self.context.paths
        store, credentials = self.context.accounts, self.context.credentials

        def work(cancel: CancelToken, progress: Progress) -> object:
            from deskmail.engine.store.writer import account_dir

            store.remove(email)
            problem = ""
            try:
                credentials.delete(email)
            except KeyringUnavailable as exc:  # the account is gone either way: say what is left
                problem = _("The account was removed, but its saved password could not be deleted. {problem}").format(
                    problem=exc.message
                )
            shutil.rmtree(account_dir(paths, email), ignore_errors=True)
            return problem

        self.remove_button.setEnabled(False)
        self.before_remove(email)
        after_save = self.after_save

        def finished(problem: object) -> None:
            after_save(self.account)  # the main window reads the accounts again, even if Settings closed
            if shiboken6.isValid(self):
                self._removed(email, problem)

        self.context.runner.run(
            work, key=email, name="remove-account", on_finished=finished, on_failed=self._remove_failed
        )

    def _removed(self, email: str, problem: object) -> None:
        if problem:
            QMessageBox.warning(self, _("Password not deleted"), str(problem))
        self.removed.emit(email)

    def _remove_failed(self, error: object) -> None:
        self.remove_button.setEnabled(True)
        QMessageBox.warning(self, _("Not removed"), problem_text(error))
