"""Manual settings (for people copying from their provider's help page) and the plaintext warning."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.errors import Field
from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Protocol, Security
from deskmail.ui.wizard.common import (
    Page,
    button,
    error_line,
    heading,
    icon_label,
    paragraph,
    receiving_title,
    show_error,
)
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.manual import AUTH_CHOICES, SECURITY_ORDER, ServerForm
from deskmail.wizard.words import security_words


def shrinking_combo() -> QComboBox:
    """A choice that may be narrower than its longest item (cut with "..." when the window is narrow)
    instead of making the whole window as wide as the longest sentence in the longest language."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    return combo


# IMAP keeps the mail on the server for every device; POP3 downloads it to this computer.
INCOMING_CHOICES = {
    Protocol.IMAP: N_("IMAP: your mail stays on the server, the same on all your devices"),
    Protocol.POP3: N_("POP3: your mail is downloaded to this computer"),
}


class ServerFields(QGroupBox):
    """Server, port, security and user name of one server, bound to a ServerForm."""

    def __init__(self, title: str, example: str, host_field: Field, port_field: Field) -> None:
        super().__init__(title)
        self.form: ServerForm | None = None
        self.host_field, self.port_field = host_field, port_field
        self.host = QLineEdit()
        self.host.setPlaceholderText(example)
        self.host.setAccessibleName(_("{title}: server name").format(title=title))
        self.port = QLineEdit()
        self.port.setAccessibleName(_("{title}: port number").format(title=title))
        self.port.setMaxLength(5)
        self.security = shrinking_combo()
        self.security.setAccessibleName(_("{title}: security").format(title=title))
        for security in SECURITY_ORDER:
            self.security.addItem(security_words(security), security)
        self.username = QLineEdit()
        self.username.setAccessibleName(_("{title}: user name").format(title=title))
        self.host_error, self.port_error = error_line(), error_line()
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addRow(_("Server:"), self.host)
        layout.addRow("", self.host_error)
        layout.addRow(_("Security:"), self.security)
        layout.addRow(_("Port:"), self.port)
        layout.addRow("", self.port_error)
        layout.addRow(_("User name:"), self.username)
        self.host.textEdited.connect(lambda text: self._set("host", text))
        self.port.textEdited.connect(lambda text: self._set("port", text))
        self.username.textEdited.connect(lambda text: self._set("username", text))
        self.security.activated.connect(self._security_chosen)

    def bind(self, form: ServerForm) -> None:
        self.form = form
        self.host.setText(form.host)
        self.port.setText(form.port)
        self.username.setText(form.username)
        self.security.setCurrentIndex(SECURITY_ORDER.index(form.security))

    def _set(self, name: str, text: str) -> None:
        if self.form is not None:
            setattr(self.form, name, text)

    def _security_chosen(self, index: int) -> None:
        if self.form is None:
            return
        self.form.choose_security(SECURITY_ORDER[index])  # fills in the standard port
        self.port.setText(self.form.port)

    def show_errors(self, errors: dict[Field, str]) -> None:
        show_error(self.host_error, errors.get(self.host_field))
        show_error(self.port_error, errors.get(self.port_field))

    def widget_for(self, field: Field) -> QWidget | None:
        if field is self.host_field:
            return self.host
        if field is self.port_field:
            return self.port
        if field.value.endswith(".security") and field.value.startswith(self.host_field.value.split(".")[0]):
            return self.security
        return None


class ManualPage(Page):
    """Every setting by hand; choosing a security fills in its standard port; "Test settings" re-tests."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.content.addWidget(heading(_("Your server settings")))
        self.content.addWidget(
            paragraph(
                _(
                    "Copy these from your e-mail provider's help page. They are often listed under "
                    "\u201cIMAP\u201d or \u201cPOP3\u201d (receiving) and \u201cSMTP\u201d (sending)."
                )
            )
        )
        protocol_row = QFormLayout()
        self.protocol = shrinking_combo()
        self.protocol.setAccessibleName(_("How to receive mail"))
        for protocol, words in INCOMING_CHOICES.items():
            self.protocol.addItem(_(words), protocol)
        protocol_row.addRow(_("Receive mail with:"), self.protocol)
        self.content.addLayout(protocol_row)
        self.incoming = ServerFields(
            receiving_title(Protocol.IMAP), "imap.example.com", Field.INCOMING_HOST, Field.INCOMING_PORT
        )
        self.outgoing = ServerFields(
            _("Sending mail (SMTP)"), "smtp.example.com", Field.OUTGOING_HOST, Field.OUTGOING_PORT
        )
        self.username_error = error_line()
        self.content.addWidget(self.incoming)
        self.content.addWidget(self.username_error)
        self.content.addWidget(self.outgoing)
        auth_row = QFormLayout()
        self.auth = shrinking_combo()
        self.auth.setAccessibleName(_("How to sign in"))
        for method, words in AUTH_CHOICES.items():
            self.auth.addItem(_(words), method)  # marked where defined (wizard/manual.py)
        auth_row.addRow(_("Sign in with:"), self.auth)
        self.content.addLayout(auth_row)
        self.notice = error_line()
        self.content.addWidget(self.notice)
        self.back_button = button(_("Back"))
        self.test_button = button(_("Test settings"), _("Test these settings"))
        self.buttons.addWidget(self.back_button)
        self.buttons.addWidget(self.test_button)
        self.auth.activated.connect(self._auth_chosen)
        self.protocol.activated.connect(self._protocol_chosen)
        self.back_button.clicked.connect(self._back)
        self.test_button.clicked.connect(self._test)
        for fields in (self.incoming, self.outgoing):
            for edit in (fields.host, fields.port, fields.username):
                edit.returnPressed.connect(self._test)

    def enter(self) -> None:
        manual = self.machine.draft.manual
        if manual is not None:
            self._show_protocol(manual.incoming.protocol)
            self.incoming.bind(manual.incoming)
            self.outgoing.bind(manual.outgoing)
            self.auth.setCurrentIndex(
                max(0, list(AUTH_CHOICES).index(manual.auth) if manual.auth in AUTH_CHOICES else 0)
            )
        self.refresh()

    def refresh(self) -> None:
        errors = self.machine.draft.errors
        self.incoming.show_errors(errors)
        self.outgoing.show_errors(errors)
        show_error(self.username_error, errors.get(Field.USERNAME))
        show_error(self.notice, errors.get(Field.NONE) or self.machine.draft.notice)

    def _protocol_chosen(self, index: int) -> None:
        manual = self.machine.draft.manual
        if manual is None:
            return
        manual.choose_incoming_protocol(Protocol(self.protocol.itemData(index)))
        self._show_protocol(manual.incoming.protocol)
        self.incoming.bind(manual.incoming)

    def _show_protocol(self, protocol: Protocol) -> None:
        self.protocol.setCurrentIndex(max(0, list(INCOMING_CHOICES).index(protocol)))
        self.incoming.setTitle(receiving_title(protocol))
        self.incoming.host.setPlaceholderText("pop.example.com" if protocol is Protocol.POP3 else "imap.example.com")

    def _auth_chosen(self, index: int) -> None:
        if self.machine.draft.manual is not None:
            self.machine.draft.manual.auth = str(self.auth.itemData(index))

    def _back(self) -> None:
        self.machine.back()
        self.after()

    def _test(self) -> None:
        self.machine.apply_manual()
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.test_button

    def focus_widget(self, field: Field) -> QWidget | None:
        if field is Field.USERNAME:
            return self.incoming.username
        return self.incoming.widget_for(field) or self.outgoing.widget_for(field)

    def first_focus(self) -> QWidget | None:
        return self.incoming.host


class PlaintextPage(Page):
    """The scary one: the password would travel unprotected; the person must tick a box to go on."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        row = QHBoxLayout()
        row.addWidget(icon_label(self, QStyle.StandardPixmap.SP_MessageBoxCritical))
        column = QVBoxLayout()
        column.addWidget(heading(_("Warning: these settings are not encrypted")))
        self.text = paragraph(
            _(
                "With these settings, your password and all your mail travel over the internet unprotected. "
                "Anyone on the same Wi-Fi or network can read them, and could take over your e-mail account.\n\n"
                "Use this only if your provider offers nothing else, for example a server inside your company."
            )
        )
        column.addWidget(self.text)
        self.servers = paragraph()
        column.addWidget(self.servers)
        self.tick = QCheckBox(_("I understand that others may read my password and my mail"))
        column.addWidget(self.tick)
        self.notice = error_line()
        column.addWidget(self.notice)
        row.addLayout(column, 1)
        self.content.addLayout(row)
        self.back_button = button(_("Go back"))
        self.accept_button = button(_("Use these settings anyway"))
        self.buttons.addWidget(self.accept_button)
        self.buttons.addWidget(self.back_button)
        self.tick.toggled.connect(self._ticked)
        self.back_button.clicked.connect(self._back)
        self.accept_button.clicked.connect(self._accept)

    def enter(self) -> None:
        self.tick.setChecked(self.machine.draft.plaintext_ticked)
        self.refresh()

    def refresh(self) -> None:
        candidate = self.machine.draft.candidate
        if candidate is not None:
            servers = [candidate.incoming] + ([candidate.outgoing] if candidate.outgoing else [])
            plain = [s.host for s in servers if s.security is Security.PLAIN]
            self.servers.setText(_("Not encrypted: {servers}").format(servers=", ".join(plain)))
        self.accept_button.setEnabled(self.tick.isChecked())
        show_error(self.notice, self.machine.draft.notice)

    def _ticked(self, ticked: bool) -> None:
        self.machine.set_plaintext_ticked(ticked)
        self.accept_button.setEnabled(ticked)

    def _back(self) -> None:
        self.machine.back()
        self.after()

    def _accept(self) -> None:
        self.machine.accept_plaintext()
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.back_button  # Enter must never accept the risk by accident

    def first_focus(self) -> QWidget | None:
        return self.back_button
