"""The "Set up your phone" window: the Thunderbird QR code shown large, the iPhone profile and the card."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import segno
from PySide6.QtCore import QRectF, QSize, QStandardPaths, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import N_, _
from deskmail.core.redact import register_secret
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import Credentials, KeyringUnavailable
from deskmail.engine.export import ExportError
from deskmail.engine.export.mobileconfig import CONTENT_TYPE, file_name, mobileconfig
from deskmail.engine.export.thunderbird import export_codes
from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.phone.qr import paint_qr

Compose = Callable[[OutgoingMessage], object]
QR_STEPS_ON_SCREEN = N_(
    "In Thunderbird on your Android phone, tap \u201cImport settings\u201d, then \u201cScan QR code\u201d, "
    "and point the phone at this code."
)
PASSWORD_WARNING = N_(
    "Anyone who sees this code, or a photo of it, can read your password. "
    "Untick the box again as soon as your phone has read it."
)
IPHONE_TEXT = N_(
    "A settings file for the iPhone's Mail app. Open it on the iPhone, then install it in "
    "Settings \u203a General \u203a VPN & Device Management. The iPhone asks for your password."
)
CARD_TEXT = N_("A page with your settings and the steps to type them into any phone's mail app. It shows no password.")
MAIL_BODY = N_(
    "Open the attached file on your iPhone or iPad (tap it in the Mail app).\n\n"
    "Then go to Settings \u203a General \u203a VPN & Device Management, tap the profile and install it. "
    "The iPhone asks for your e-mail password while installing; the file does not contain it.\n"
)


class QrView(QWidget):
    """The code, as large as the window allows, always black on white."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code: segno.QRCode | None = None
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(_("QR code for Thunderbird on Android"))

    def set_code(self, code: segno.QRCode | None) -> None:
        self.code = code
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.code is None:
            return
        painter = QPainter(self)
        paint_qr(painter, QRectF(self.rect()), self.code, whole_pixels=True)
        painter.end()


def _bold(font: QFont, factor: float) -> QFont:
    result = QFont(font)
    result.setBold(True)
    result.setPointSizeF(result.pointSizeF() * factor)
    return result


def _section(title: str, text: str) -> tuple[QVBoxLayout, QLabel, QHBoxLayout]:
    """A heading, a paragraph and a row of buttons (right-aligned)."""
    column = QVBoxLayout()
    heading = QLabel(title)
    heading.setFont(_bold(heading.font(), 1.15))
    body = QLabel(text)
    body.setWordWrap(True)
    buttons = QHBoxLayout()
    column.addWidget(heading)
    column.addWidget(body)
    column.addLayout(buttons)
    buttons.addStretch(1)
    return column, body, buttons


class PhoneWindow(QDialog):
    """Three ways onto a phone: scan the code, install the iPhone profile, or type from the card."""

    def __init__(
        self,
        account: Account,
        credentials: Credentials | None = None,
        runner: TaskRunner | None = None,
        compose: Callable[[], Compose | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.account = account
        self.credentials = credentials
        self.runner = runner or TaskRunner(self)
        self.find_compose = compose or (lambda: None)
        self.password: str | None = None
        self.setWindowTitle(_("Set up your phone"))
        self.setAccessibleName(_("Set up your phone"))
        self._build()
        self._show_code()

    def _build(self) -> None:
        title = QLabel(_("Set up {email} on your phone").format(email=self.account.email))
        title.setFont(_bold(title.font(), 1.4))
        title.setWordWrap(True)
        intro = QLabel(
            _("Your phone gets the settings Deskmail found and checked. Choose the way that fits your phone.")
        )
        intro.setWordWrap(True)

        left = QVBoxLayout()
        heading = QLabel(_("Thunderbird on Android"))
        heading.setFont(_bold(heading.font(), 1.15))
        self.qr = QrView()
        self.qr_caption = QLabel(_(QR_STEPS_ON_SCREEN))
        self.qr_caption.setWordWrap(True)
        self.include_password = QCheckBox(_("Include my password"))
        self.include_password.setAccessibleDescription(_("Put your password in the code, so the phone does not ask"))
        self.include_password.toggled.connect(self._password_toggled)
        self.include_password.setVisible(not self.account.uses_oauth)
        self.warning = QLabel(_(PASSWORD_WARNING))
        self.warning.setWordWrap(True)
        # A red that stays readable on a dark desktop theme as well as a light one.
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self.warning.setStyleSheet(f"color: {'#ff8a80' if dark else '#b3261e'}; font-weight: bold;")
        self.warning.hide()
        for widget in (heading, self.qr, self.qr_caption, self.include_password, self.warning):
            left.addWidget(widget)
        left.setStretch(1, 1)

        right = QVBoxLayout()
        iphone, self.iphone_text, iphone_buttons = _section(_("iPhone or iPad"), _(IPHONE_TEXT))
        self.send_button = QPushButton(_("Send to my iPhone\u2026"))
        self.save_profile_button = QPushButton(_("Save File\u2026"))
        for push in (self.send_button, self.save_profile_button):
            iphone_buttons.addWidget(push)
        self.send_button.clicked.connect(self.send_profile)
        self.save_profile_button.clicked.connect(self.save_profile)
        card, _card_text, card_buttons = _section(_("Any other phone"), _(CARD_TEXT))
        self.print_button = QPushButton(_("Print\u2026"))
        self.save_card_button = QPushButton(_("Save as PDF\u2026"))
        for push in (self.print_button, self.save_card_button):
            card_buttons.addWidget(push)
        self.print_button.clicked.connect(self.print_card)
        self.save_card_button.clicked.connect(self.save_card)
        right.addLayout(iphone)
        right.addSpacing(18)
        right.addLayout(card)
        right.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right.addWidget(self.status)

        columns = QHBoxLayout()
        columns.addLayout(left, 5)
        columns.addSpacing(18)
        columns.addLayout(right, 4)
        close = QPushButton(_("Close"))
        close.setDefault(True)
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)
        self.resize(760, 560)
        self.setMinimumSize(560, 460)
        self._profile_problem = self._profile_error()
        if self._profile_problem:
            self.send_button.setEnabled(False)
            self.save_profile_button.setEnabled(False)
            self.iphone_text.setText(self._profile_problem)

    # -- the Thunderbird code ----------------------------------------------------------------------

    def _show_code(self) -> None:
        try:
            code = export_codes([(self.account, self.password)])[0]
        except ExportError as exc:
            self.qr.set_code(None)
            self.qr_caption.setText(str(exc))
            self.include_password.hide()
            return
        self.qr.set_code(code.matrix())
        self.payload = code.payload
        self.warning.setVisible(self.password is not None)

    def _password_toggled(self, on: bool) -> None:
        if not on:
            self.password = None
            self._show_code()
            return
        credentials = self.credentials or Credentials()
        email = self.account.email
        self.include_password.setEnabled(False)
        self.runner.run(
            lambda _cancel, _progress: credentials.get(email),
            name="phone-password",
            on_finished=self._password_read,
            on_failed=self._password_failed,
        )

    def _password_read(self, password: object) -> None:
        self.include_password.setEnabled(True)
        if not isinstance(password, str) or not password:
            self._refuse_password(_("Your password is not saved on this computer, so it cannot go into the code."))
            return
        register_secret(password)
        if self.include_password.isChecked():
            self.password = password
            self._show_code()

    def _password_failed(self, error: object) -> None:
        self.include_password.setEnabled(True)
        message = (
            error.message if isinstance(error, KeyringUnavailable) else _("Your saved password could not be read.")
        )
        self._refuse_password(message)

    def _refuse_password(self, message: str) -> None:
        self.include_password.blockSignals(True)
        self.include_password.setChecked(False)
        self.include_password.blockSignals(False)
        self.password = None
        self._show_code()
        self.status.setText(message)

    # -- iPhone ------------------------------------------------------------------------------------

    def _profile_error(self) -> str:
        try:
            mobileconfig([self.account])
        except ExportError as exc:
            return str(exc)
        return ""

    def send_profile(self) -> None:
        compose = self.find_compose()
        if compose is None:
            self.status.setText(_("Open the mail window first, then send the file from there, or save it instead."))
            return
        address, ok = QInputDialog.getText(
            self,
            _("Send to your iPhone"),
            _("Send the settings file to an address you can already read on your iPhone or iPad:"),
            QLineEdit.EchoMode.Normal,
        )
        address = address.strip()
        if not ok or not address:
            return
        if "@" not in address or any(c.isspace() for c in address):
            self.status.setText(
                _("\u201c{address}\u201d is not an e-mail address. Nothing was sent.").format(address=address)
            )
            return
        attachment = AttachmentFile(file_name(self.account), mobileconfig([self.account]), CONTENT_TYPE)
        compose(
            OutgoingMessage(
                sender=Address(self.account.display_name, self.account.email),
                to=[Address("", address)],
                subject=_("E-mail settings for your iPhone"),
                body=_(MAIL_BODY),
                attachments=[attachment],
            )
        )
        self.status.setText(_("The message is ready in a new window: check it and press Send."))

    def save_profile(self) -> None:
        self._save(
            _("Save the iPhone settings file"),
            file_name(self.account),
            # Translators: a file type in the save dialog; keep "(*.mobileconfig)" as it is.
            _("iPhone settings (*.mobileconfig)"),
            self._profile,
        )

    def _profile(self) -> bytes:
        return mobileconfig([self.account])

    # -- the card ----------------------------------------------------------------------------------

    def print_card(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from deskmail.ui.phone.card import print_cards

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print your settings card"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                print_cards(printer, [self.account])
            except OSError as exc:
                self.status.setText(str(exc))
                return
            self.status.setText(_("The card was sent to the printer."))

    def save_card(self) -> None:
        # Translators: the suggested file name of the settings card; keep {email} and ".pdf".
        name = _("{email} settings.pdf").format(email=self.account.email)
        self._save(_("Save your settings card"), name, _("PDF (*.pdf)"), self._card)

    def _card(self) -> bytes:
        from deskmail.ui.phone.card import card_pdf_bytes

        return card_pdf_bytes([self.account])

    # -- files -------------------------------------------------------------------------------------

    def _save(self, title: str, name: str, filter_: str, content: Callable[[], bytes]) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _chosen = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), filter_)
        if path:
            self.save_to(Path(path), content())

    def save_to(self, path: Path, data: bytes) -> None:
        """Written on a worker (a slow or network folder never freezes the window)."""
        self.status.setText(_("Saving {name}\u2026").format(name=path.name))
        self.runner.run(
            lambda _cancel, _progress: path.write_bytes(data),
            name="phone-save",
            on_finished=lambda _r: self.status.setText(_("Saved {path}").format(path=path)),
            on_failed=lambda _e: self.status.setText(
                _("{path} could not be saved. Choose another folder.").format(path=path)
            ),
        )


def open_phone_window(account: Account, anchor: QWidget) -> PhoneWindow:
    """From the Done page or the mail window: the window belongs to the main window, so it outlives the wizard."""
    host = _main_window(anchor)
    context = getattr(host, "context", None)
    window = PhoneWindow(
        account,
        credentials=getattr(context, "credentials", None),
        runner=getattr(context, "runner", None),
        compose=lambda: _composer_of(host),
        parent=host or anchor.window(),
    )
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    window.raise_()
    return window


def _main_window(widget: QWidget | None) -> QMainWindow | None:
    while widget is not None:
        if isinstance(widget, QMainWindow) and hasattr(widget, "mail_view"):
            return widget
        widget = widget.parentWidget()
    return None


def _composer_of(host: QMainWindow | None) -> Compose | None:
    actions = getattr(getattr(host, "mail_view", None), "actions_", None)
    compose = getattr(actions, "compose", None)
    return compose if callable(compose) else None
