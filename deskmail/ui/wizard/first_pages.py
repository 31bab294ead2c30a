"""The first pages: your account, finding your settings, and the settings we found."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.errors import Field
from deskmail.core.i18n import _
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.ui.wizard.common import (
    Page,
    align_with_layout,
    button,
    error_line,
    heading,
    icon_label,
    paragraph,
    receiving_title,
    scaled_font,
    show_error,
)
from deskmail.wizard.machine import WizardMachine
from deskmail.wizard.words import confirm_reason, security_words, source_words, split_host


class AccountPage(Page):
    """Name, address, password (show/hide), "Remember my password"; Continue only for a valid address."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.content.addWidget(heading(_("Set up your e-mail")))
        self.content.addWidget(paragraph(_("Type your e-mail address and password. Deskmail finds the rest.")))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = self._line(_("Your name"), _("As people will see it, for example Anna Smith"))
        self.email_edit = self._line(_("E-mail address"), "anna@example.com")
        self.email_error = error_line()
        self.hint_row = QWidget()
        hint_layout = QHBoxLayout(self.hint_row)
        hint_layout.setContentsMargins(0, 0, 0, 0)
        self.hint_label = QLabel()
        self.hint_button = button(_("Use it"))
        hint_layout.addWidget(self.hint_label)
        hint_layout.addWidget(self.hint_button)
        hint_layout.addStretch(1)
        self.hint_row.hide()
        self.password_edit = self._line(_("Password"), "")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_error = error_line()
        self.show_password = QCheckBox(_("Show password"))
        self.remember = QCheckBox(_("Remember my password"))
        self.remember.setChecked(True)
        self.remember_note = paragraph()  # why the box is unticked and greyed when there is no keyring
        self.remember_note.setAccessibleName(_("Why Deskmail cannot remember your password"))
        self.remember_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.remember_note.hide()
        form.addRow(_("Your &name:"), self.name_edit)
        form.addRow(_("&E-mail address:"), self.email_edit)
        form.addRow("", self.email_error)
        form.addRow("", self.hint_row)
        form.addRow(_("&Password:"), self.password_edit)
        form.addRow("", self.password_error)
        form.addRow("", self.show_password)
        remember_box = QVBoxLayout()  # the note sits right under its box, not a form row away
        remember_box.addWidget(self.remember)
        remember_box.addWidget(self.remember_note)
        form.addRow("", remember_box)
        self.content.addLayout(form)
        self.cancel_button = button(_("Cancel"))
        self.continue_button = button(_("Continue"))
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addWidget(self.continue_button)
        self.email_edit.textChanged.connect(self._email_changed)
        self.hint_button.clicked.connect(self._use_hint)
        self.show_password.toggled.connect(self._toggle_password)
        self.continue_button.clicked.connect(self._continue)
        self.email_edit.returnPressed.connect(self._continue)
        self.password_edit.returnPressed.connect(self._continue)
        self._hint = ""
        self._email_changed(self.email_edit.text())

    def _line(self, accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    def enter(self) -> None:
        draft = self.machine.draft
        if draft.email and not self.email_edit.text():
            self.email_edit.setText(draft.email)
        if draft.focus is Field.PASSWORD and not draft.password:
            self.password_edit.clear()
        self.refresh()

    def refresh(self) -> None:
        errors = self.machine.draft.errors
        show_error(self.email_error, errors.get(Field.EMAIL))
        show_error(self.password_error, errors.get(Field.PASSWORD))
        self._show_remember()

    def _show_remember(self) -> None:
        """No usable keyring: the box is unticked and greyed, and says why (it cannot keep its promise)."""
        note = self.machine.remember_note
        if note:
            self.remember.setChecked(False)
        elif not self.remember.isEnabled():  # the keyring works again
            self.remember.setChecked(self.machine.draft.remember_password)
        self.remember.setEnabled(not note)
        self.remember_note.setText(note)
        self.remember_note.setVisible(bool(note))

    def _email_changed(self, text: str) -> None:
        valid = bool(text.strip()) and self.machine.address_error(text) is None
        self.continue_button.setEnabled(valid)
        hint = self.machine.typo_hint(text) if valid else None
        local = text.strip().rpartition("@")[0]
        self._hint = f"{local}@{hint}" if hint else ""
        self.hint_label.setText(_("Did you mean {address}?").format(address=self._hint) if hint else "")
        self.hint_button.setAccessibleName(_("Use {address} instead").format(address=self._hint) if hint else "")
        self.hint_row.setVisible(bool(hint))
        if Field.EMAIL in self.machine.draft.errors:
            show_error(self.email_error, None)

    def _use_hint(self) -> None:
        if self._hint:
            self.email_edit.setText(self._hint)
            self.password_edit.setFocus()

    def _toggle_password(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password_edit.setEchoMode(mode)

    def _continue(self) -> None:
        if not self.continue_button.isEnabled():
            return
        self.machine.submit_account(
            self.name_edit.text(), self.email_edit.text(), self.password_edit.text(), self.remember.isChecked()
        )
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.continue_button

    def focus_widget(self, field: Field) -> QWidget | None:
        return {Field.EMAIL: self.email_edit, Field.PASSWORD: self.password_edit}.get(field)

    def first_focus(self) -> QWidget | None:
        return self.name_edit if not self.name_edit.text() else self.email_edit


class FindingPage(Page):
    """Live progress in plain words while discovery runs; Cancel at any time."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.title = heading(_("Looking for your settings..."))
        self.content.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: we cannot know how long the answers take
        self.bar.setAccessibleName(_("Looking for your settings"))
        self.bar.setTextVisible(False)
        self.content.addWidget(self.bar)
        self.status = paragraph()
        self.status.setAccessibleName(_("What Deskmail is doing"))
        self.content.addWidget(self.status)
        self.manual_button = button(_("Type the settings myself"))
        self.cancel_button = button(_("Cancel"), _("Stop looking"))
        self.buttons.addWidget(self.manual_button)
        self.buttons.addWidget(self.cancel_button)
        self.manual_button.clicked.connect(self._manual)
        self.cancel_button.clicked.connect(self._cancel)

    def refresh(self) -> None:
        domain = self.machine.draft.email.rpartition("@")[2]
        self.title.setText(_("Looking for the settings of {domain}...").format(domain=domain))
        lines = self.machine.draft.progress
        self.status.setText("\n".join(lines[-4:]) if lines else _("Starting..."))

    def _cancel(self) -> None:
        self.machine.cancel()
        self.after()

    def _manual(self) -> None:
        self.machine.enter_settings_myself()
        self.after()

    def first_focus(self) -> QWidget | None:
        return self.cancel_button


class ServerBox(QFrame):
    """One server in words: what it is for, its registered domain in large type, how it is protected."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setFont(scaled_font(self.title.font(), 1.0, bold=True))
        self.domain = align_with_layout(QLabel())
        self.domain.setFont(scaled_font(self.domain.font(), 1.8, bold=True))
        self.domain.setWordWrap(True)
        self.host = paragraph(selectable=True)
        row = QHBoxLayout()
        self.lock = QLabel()
        self.security = align_with_layout(QLabel())
        self.security.setFont(scaled_font(self.security.font(), 1.1, bold=True))
        row.addWidget(self.lock)
        row.addWidget(self.security, 1)
        for widget in (self.title, self.domain, self.host):
            layout.addWidget(widget)
        layout.addLayout(row)

    def show_server(self, server: ServerConfig | None) -> None:
        if server is None:
            self.domain.setText(_("(none)"))
            return
        prefix, domain = split_host(server.host)
        if server.protocol is not Protocol.SMTP:  # receiving: IMAP, or POP3 (downloads to this computer)
            self.title.setText(receiving_title(server.protocol))
        self.domain.setText(domain)
        self.host.setText(
            _("Server {host}, port {port}, user name {username}").format(
                host=prefix + domain, port=server.port, username=server.username or "-"
            )
        )
        self.security.setText(security_words(server.security))
        icon = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if server.security is Security.PLAIN
            else QStyle.StandardPixmap.SP_DialogApplyButton
        )
        self.lock.setPixmap(self.style().standardIcon(icon).pixmap(24, 24))
        # Translators: what a screen reader says for a server box, e.g. "Sending mail (SMTP): gmx.net, Encrypted".
        words = _("{title}: {domain}, {security}")
        self.setAccessibleName(
            words.format(title=self.title.text(), domain=domain, security=security_words(server.security))
        )


class FoundPage(Page):
    """ "We found your settings", with "Please confirm" when the source cannot vouch for them."""

    def __init__(self, machine: WizardMachine, after: Callable[[], None], open_url: Callable[[str], None]) -> None:
        super().__init__(machine, after, open_url)
        self.title = heading(_("We found your settings"))
        self.content.addWidget(self.title)
        self.provider = paragraph()
        self.content.addWidget(self.provider)
        # First thing on the page when needed: at large scale, anything lower may be below the fold.
        self.confirm_frame = QFrame()
        self.confirm_frame.setFrameShape(QFrame.Shape.StyledPanel)
        confirm = QHBoxLayout(self.confirm_frame)
        confirm.addWidget(icon_label(self, QStyle.StandardPixmap.SP_MessageBoxWarning, 32))
        texts = QVBoxLayout()
        please = QLabel(_("Please confirm"))
        please.setFont(scaled_font(please.font(), 1.1, bold=True))
        self.reason = paragraph()
        self.confirm_box = QCheckBox(_("I have checked: these server names are right"))
        self.confirm_box.setAccessibleName(_("These settings look right to me"))
        for widget in (please, self.reason, self.confirm_box):
            texts.addWidget(widget)
        confirm.addLayout(texts, 1)
        self.content.addWidget(self.confirm_frame)
        self.incoming = ServerBox(receiving_title(Protocol.IMAP))
        self.outgoing = ServerBox(_("Sending mail (SMTP)"))
        self.content.addWidget(self.incoming)
        self.content.addWidget(self.outgoing)
        self.source = paragraph()
        self.content.addWidget(self.source)
        self.good_to_know = paragraph(selectable=True)
        self.good_to_know.setAccessibleName(_("Good to know"))
        self.content.addWidget(self.good_to_know)
        self.notice = error_line()
        self.content.addWidget(self.notice)
        self.links = QLabel()
        self.links.setWordWrap(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.linkActivated.connect(self.open_url)
        self.content.addWidget(self.links)
        self.change_button = button(_("Change settings..."))
        self.back_button = button(_("Back"))
        self.continue_button = button(_("Continue"))
        for push in (self.change_button, self.back_button, self.continue_button):
            self.buttons.addWidget(push)
        self.confirm_box.toggled.connect(self._confirm)
        self.change_button.clicked.connect(self._change)
        self.back_button.clicked.connect(self._back)
        self.continue_button.clicked.connect(self._continue)

    def enter(self) -> None:
        self.confirm_box.setChecked(self.machine.draft.confirmed)
        self.refresh()

    def refresh(self) -> None:
        draft = self.machine.draft
        candidate = draft.candidate
        if candidate is None:
            return
        name = candidate.provider.name
        self.provider.setText(_("Your e-mail provider: {name}").format(name=name) if name else "")
        self.provider.setVisible(bool(name))
        self.incoming.show_server(candidate.incoming)
        self.outgoing.show_server(candidate.outgoing)
        self.source.setText(_("Where these settings come from: {source}.").format(source=source_words(candidate)))
        self.good_to_know.setText(
            _("Good to know: {note}").format(note=draft.found_message) if draft.found_message else ""
        )
        self.good_to_know.setVisible(bool(draft.found_message))
        self.confirm_frame.setVisible(draft.needs_confirmation)
        self.reason.setText(
            _("{reason} Compare the server names with what your e-mail provider tells you.").format(
                reason=confirm_reason(candidate)
            )
        )
        show_error(self.notice, draft.notice)
        self.continue_button.setEnabled(not draft.needs_confirmation or draft.confirmed)
        links = [
            f'<a href="{html.escape(url, quote=True)}">{html.escape(_link_text(url))}</a>'
            for url in candidate.help_urls
            if url.startswith("https://")
        ]
        self.links.setText(_("Help from your provider: {links}").format(links=", ".join(links)) if links else "")
        self.links.setVisible(bool(links))

    def _confirm(self, ticked: bool) -> None:
        self.machine.set_confirmed(ticked)
        self.after()

    def _change(self) -> None:
        self.machine.change_settings()
        self.after()

    def _back(self) -> None:
        self.machine.back()
        self.after()

    def _continue(self) -> None:
        self.machine.accept_found()
        self.after()

    def default_button(self) -> QPushButton | None:
        return self.continue_button

    def first_focus(self) -> QWidget | None:
        return self.confirm_box if self.machine.draft.needs_confirmation else self.continue_button


def _link_text(url: str) -> str:
    """A short, readable name for a link: its host name."""
    return url.split("://", 1)[-1].split("/", 1)[0]
