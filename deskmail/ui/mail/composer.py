"""The composer: From, To/Cc/Bcc with address completion, Subject, plain text, attachments, Send."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import _
from deskmail.engine.accounts import Account
from deskmail.engine.mime.addresses import RecipientError, format_recipients, parse_recipients
from deskmail.engine.mime.compose import AttachmentFile, OutgoingMessage
from deskmail.engine.mime.decode import Address
from deskmail.ui.accessible import name_overflow_button
from deskmail.ui.direction import align_text_to_window
from deskmail.ui.icons import app_icon, ui_icon
from deskmail.ui.mail.attachments import human_size
from deskmail.ui.mail.bars import MessageBar
from deskmail.ui.window_size import resize_to_fit

log = logging.getLogger(__name__)
AUTOSAVE_MS = 5000

Suggest = Callable[[str, str], list[str]]  # (account email, typed prefix) -> "Name <address>" strings


@dataclass
class PendingAttachment:
    """A file to attach (copied from disk in chunks on the worker at send time), or one already prepared."""

    filename: str
    size: int
    path: Path | None = None
    prepared: AttachmentFile | None = None  # from a forward or a draft (a big one streams from its file)

    def load(self) -> AttachmentFile:
        if self.prepared is not None:
            return self.prepared
        assert self.path is not None
        return AttachmentFile.streamed_from(self.path, self.filename)


class AddressField(QLineEdit):
    """A To/Cc/Bcc field that completes the word being typed from addresses seen before."""

    def __init__(self, suggest: Callable[[str], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggest = suggest
        self.setPlaceholderText("name@example.com, …")
        self.completions = QStringListModel(self)
        self.completer_ = QCompleter(self.completions, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self._insert)
        self.textEdited.connect(self._typed)

    def _current_word(self) -> str:
        return self.text()[: self.cursorPosition()].rsplit(",", 1)[-1].strip()

    def _typed(self, _text: str) -> None:
        word = self._current_word()
        if len(word) < 2:
            popup = self.completer_.popup()
            if popup is not None:
                popup.hide()
            return
        self.completions.setStringList(self.suggest(word))
        self.completer_.setCompletionPrefix(word)
        if self.completions.rowCount():
            self.completer_.complete()

    def _insert(self, choice: str) -> None:
        head = self.text()[: self.cursorPosition()]
        tail = self.text()[self.cursorPosition() :]
        before = head.rsplit(",", 1)[0] + ", " if "," in head else ""
        self.setText(f"{before}{choice}, {tail.lstrip(', ')}".rstrip())
        self.setCursorPosition(len(before) + len(choice) + 2)


class BodyEdit(QPlainTextEdit):
    """The message text: Tab indents like in any editor; Ctrl+Tab and Shift+Tab leave it.

    A Tab that left the text used to land on Send, and the next Space sent a half-written message.
    """

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Backtab or (key == Qt.Key.Key_Tab and mods & Qt.KeyboardModifier.ShiftModifier):
            self.leave(forward=False)
            return
        if key == Qt.Key.Key_Tab and ctrl:
            self.leave(forward=True)
            return
        super().keyPressEvent(event)

    def leave(self, *, forward: bool) -> None:
        # QPlainTextEdit refuses to move focus while it takes Tabs; QWidget's own focus walk does not.
        QWidget.focusNextPrevChild(self, forward)


class ComposerWindow(QMainWindow):
    """One message being written. `send_requested(email, build)` asks the window to send it."""

    send_requested = Signal(object)  # self

    def __init__(self, accounts: list[Account], suggest: Suggest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowIcon(app_icon())
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.accounts = accounts
        self.suggest = suggest
        self.attachments: list[PendingAttachment] = []
        self.message_id = ""
        self.in_reply_to = ""
        self.references: list[str] = []
        self.forwarded = ""  # Message-ID of the forwarded message: marked $Forwarded once this leaves
        self.dirty = False
        self.close_question: QMessageBox | None = None  # "Save this message?" while it is asked
        self.sending = False
        self.sent = False
        self.save_draft: Callable[[ComposerWindow], None] | None = None  # set by the window: autosave
        self._shown_once = False
        self._build()
        resize_to_fit(self, 720, 620)
        self.setAcceptDrops(True)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._autosave_now)
        self._autosave.start()
        self._update_title()

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        self.from_box = QComboBox()
        for account in self.accounts:
            label = f"{account.display_name} <{account.email}>" if account.display_name else account.email
            if self.isRightToLeft():  # an isolate keeps "Name <address>" whole in a right-to-left window
                label = f"\u2068{label}\u2069"
            self.from_box.addItem(label, account.email)
        self.to = AddressField(lambda w: self.suggest(self.account_email(), w))
        self.cc = AddressField(lambda w: self.suggest(self.account_email(), w))
        self.bcc = AddressField(lambda w: self.suggest(self.account_email(), w))
        self.subject = QLineEdit()
        self.subject.setPlaceholderText(_("What is it about?"))
        self.body = BodyEdit()
        align_text_to_window(self.body)
        self.body.setTabChangesFocus(False)
        self.body.setTabStopDistance(self.body.fontMetrics().horizontalAdvance(" ") * 4)  # an indent, not a gulf
        self.body.setAccessibleName(_("Message text"))
        self.bar = MessageBar("error", closable=True)
        self.field_error = QLabel()
        self.field_error.setStyleSheet("color: #b3261e;")
        self.field_error.hide()
        self.attachment_list = QListWidget()
        self.attachment_list.setMaximumHeight(70)
        self.attachment_list.setAccessibleName(_("Attachments"))
        self.attachment_list.hide()
        remove = QAction(_("Remove Attachment"), self.attachment_list)
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected_attachments)
        self.attachment_list.addAction(remove)
        self.attachment_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        # Translators: the button that reveals the Cc ("carbon copy") field; as short as the usual word.
        self.cc_toggle = self._reveal_button(_("Cc"), _("Send a copy to more people (Cc)"))
        # Translators: the button that reveals the Bcc ("blind carbon copy") field; as short as the usual word.
        self.bcc_toggle = self._reveal_button(_("Bcc"), _("Send a copy that the other people cannot see (Bcc)"))
        self.cc_toggle.clicked.connect(lambda: self.show_copy_field(self.cc, focus=True))
        self.bcc_toggle.clicked.connect(lambda: self.show_copy_field(self.bcc, focus=True))
        to_row = QHBoxLayout()
        to_row.setContentsMargins(0, 0, 0, 0)
        to_row.addWidget(self.to, 1)
        to_row.addWidget(self.cc_toggle)
        to_row.addWidget(self.bcc_toggle)
        self.form = QFormLayout()
        self.form.addRow(_("From:"), self.from_box)
        self.form.addRow(_("To:"), to_row)
        self.form.addRow(_("Cc:"), self.cc)
        self.form.addRow(_("Bcc:"), self.bcc)
        self.form.addRow(_("Subject:"), self.subject)
        # Most messages have no copies: Cc and Bcc wait behind their buttons until asked for (or filled).
        # The To field sits in a row with its Cc/Bcc buttons, so the form cannot make "To:" its label;
        # every field is named here, the same words a screen reader says for each.
        for name, field in ((_("To"), self.to), (_("Cc"), self.cc), (_("Bcc"), self.bcc), (_("Subject"), self.subject)):
            field.setAccessibleName(name)
        self.form.setRowVisible(self.cc, False)
        self.form.setRowVisible(self.bcc, False)
        self.status = QLabel()
        self.status.setStyleSheet("color: palette(placeholder-text);")
        # One Send, at the bottom right where the writing ends; attaching and saving live in the toolbar.
        self.send_button = QPushButton(ui_icon("sent"), _("Send"))
        # Send is a click target, never a keyboard stop: no Tab lands on it, so no Space or Enter meant
        # for the text can send (as toolbar buttons in Apple Mail and Thunderbird). The keyboard sends
        # with Ctrl+Enter or Message > Send, both said in the tooltip and the menu.
        self.send_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.send_button.setAutoDefault(False)
        keys = QKeySequence("Ctrl+Enter").toString(QKeySequence.SequenceFormat.NativeText)
        self.send_button.setToolTip(_("Send ({keys})").format(keys=keys))
        self.send_button.clicked.connect(self.request_send)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.send_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.bar)
        layout.addLayout(self.form)
        layout.addWidget(self.field_error)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.attachment_list)
        layout.addLayout(buttons)
        self.setCentralWidget(central)
        self._build_actions()
        self._set_tab_order()
        for field in (self.to, self.cc, self.bcc, self.subject):
            field.textChanged.connect(self._changed)
            # Enter in a one-line field moves to the next field instead of doing nothing or sending half a message.
            field.returnPressed.connect(lambda f=field: self._next_field(f).setFocus())
        self.body.textChanged.connect(self._changed)
        self.subject.textChanged.connect(self._update_title)

    def _reveal_button(self, text: str, description: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAutoRaise(True)  # a quiet word beside the field, not a second big button
        # A click target, not a Tab stop: Tab from To goes on to the Subject, where the next typing belongs
        # (it used to land here, and the typed subject went nowhere). The keyboard adds Cc and Bcc with
        # the Message menu's Add Cc / Add Bcc and their shortcuts.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(description)
        button.setAccessibleName(description)
        return button

    def _set_tab_order(self) -> None:
        """Top to bottom as the fields read (hidden widgets are skipped); Send and Cc/Bcc buttons are not in it."""
        chain = [self.from_box, self.to, self.cc, self.bcc, self.subject]
        chain += [self.body, self.attachment_list]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

    def _next_field(self, field: QLineEdit) -> QWidget:
        """Where Enter in a one-line field goes: the next visible field, skipping the Cc/Bcc buttons."""
        order: list[QWidget] = [self.to, self.cc, self.bcc, self.subject, self.body]
        later = order[order.index(field) + 1 :]
        return next(w for w in later if not w.isHidden())

    def show_copy_field(self, field: AddressField, *, focus: bool = False) -> None:
        """Reveal the Cc or Bcc row (and retire its button)."""
        self.form.setRowVisible(field, True)
        (self.cc_toggle if field is self.cc else self.bcc_toggle).hide()
        if focus:
            field.setFocus()

    def _build_actions(self) -> None:
        toolbar = QToolBar(_("Compose"))
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        name_overflow_button(toolbar)
        self.addToolBar(toolbar)
        # Not on the toolbar (the Send button is): this action carries the shortcut, from any field.
        self.send_action = QAction(ui_icon("sent"), _("Send"), self)
        self.send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.send_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.send_action.triggered.connect(self.request_send)
        self.attach_action = QAction(ui_icon("attachment"), _("Attach Files…"), self)
        self.attach_action.triggered.connect(self.choose_files)
        self.save_action = QAction(ui_icon("drafts"), _("Save Draft"), self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self._autosave_now)
        # Thunderbird's keys for the same; the fields then take the focus, ready for addresses.
        self.add_cc_action = QAction(_("Add Cc"), self)
        self.add_cc_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.add_cc_action.triggered.connect(lambda: self.show_copy_field(self.cc, focus=True))
        self.add_bcc_action = QAction(_("Add Bcc"), self)
        self.add_bcc_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.add_bcc_action.triggered.connect(lambda: self.show_copy_field(self.bcc, focus=True))
        self.close_action = QAction(_("Close"), self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close)
        for action in (self.attach_action, self.save_action):
            toolbar.addAction(action)
        for action in (self.send_action, self.add_cc_action, self.add_bcc_action, self.close_action):
            self.addAction(action)
        menu = self.menuBar().addMenu(_("&Message"))  # the keyboard's way to Send, besides Ctrl+Enter
        entries = (self.send_action, None, self.add_cc_action, self.add_bcc_action, None, self.attach_action)
        for entry in (*entries, self.save_action, None, self.close_action):
            menu.addAction(entry) if entry is not None else menu.addSeparator()

    # -- filling ----------------------------------------------------------------------------

    def fill(self, message: OutgoingMessage) -> None:
        """Start from a prepared message (reply, forward, mailto:, a draft)."""
        index = self.from_box.findData(message.sender.email)
        if index >= 0:
            self.from_box.setCurrentIndex(index)
        self.to.setText(format_recipients(message.to))
        self.cc.setText(format_recipients(message.cc))
        self.bcc.setText(format_recipients(message.bcc))
        for field in (self.cc, self.bcc):
            if field.text():  # a reply to all, or a draft that had copies
                self.show_copy_field(field)
        self.subject.setText(message.subject)
        self.body.setPlainText(message.body)
        self.message_id = message.message_id
        self.in_reply_to = message.in_reply_to
        self.references = list(message.references)
        self.forwarded = message.forwarded
        for attachment in message.attachments:
            self.add_attachment(PendingAttachment(attachment.filename, attachment.length, prepared=attachment))
        self.dirty = False
        self.focus_first_empty()

    def first_empty_field(self) -> QWidget:
        """Where typing should start: To when nobody is addressed, else the subject if empty, else the text."""
        if not (self.to.text().strip() or self.cc.text().strip() or self.bcc.text().strip()):
            return self.to
        if not self.subject.text().strip():
            return self.subject
        return self.body

    def focus_first_empty(self) -> None:
        field = self.first_empty_field()
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        if field is self.body:
            self.body.moveCursor(self.body.textCursor().MoveOperation.Start)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # a new message starts in To, not in From where typed addresses go nowhere
            self._shown_once = True
            self.focus_first_empty()

    def account_email(self) -> str:
        return str(self.from_box.currentData() or "")

    def account(self) -> Account | None:
        return next((a for a in self.accounts if a.email == self.account_email()), None)

    # -- attachments ----------------------------------------------------------------------------

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, _("Attach files"))
        for name in names:
            self.add_path(Path(name))

    def add_path(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except OSError:
            self.bar.show_message(_("Cannot attach {name}: the file cannot be read.").format(name=path.name))
            return
        self.add_attachment(PendingAttachment(path.name, size, path=path))

    def add_attachment(self, attachment: PendingAttachment) -> None:
        self.attachments.append(attachment)
        item = QListWidgetItem(ui_icon("attachment"), f"{attachment.filename}  ({human_size(attachment.size)})")
        self.attachment_list.addItem(item)
        self.attachment_list.show()
        self._changed()

    def remove_selected_attachments(self) -> None:
        for row in sorted((i.row() for i in self.attachment_list.selectedIndexes()), reverse=True):
            self.attachment_list.takeItem(row)
            del self.attachments[row]
        self.attachment_list.setVisible(bool(self.attachments))
        self._changed()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.add_path(Path(url.toLocalFile()))
        event.acceptProposedAction()

    # -- the message --------------------------------------------------------------------------

    def recipients(self) -> tuple[list[Address], list[Address], list[Address]] | None:
        """Parsed To, Cc, Bcc; None (with the field marked) if an address is wrong."""
        parsed = []
        for label, field in ((_("To"), self.to), (_("Cc"), self.cc), (_("Bcc"), self.bcc)):
            try:
                parsed.append(parse_recipients(field.text()))
            except RecipientError as exc:
                # Translators: a wrong address, e.g. "To: 'bob@' is not a complete address."
                self.field_error.setText(_("{field}: {problem}").format(field=label, problem=exc))
                self.field_error.show()
                if field is not self.to:
                    self.show_copy_field(field)
                field.setFocus()
                return None
        self.field_error.hide()
        return parsed[0], parsed[1], parsed[2]

    def outgoing(self, to: list[Address], cc: list[Address], bcc: list[Address]) -> Callable[[], OutgoingMessage]:
        """A builder run on the worker (attachments are read from disk there)."""
        account = self.account()
        sender = Address(account.display_name if account else "", self.account_email())
        subject, body = self.subject.text(), self.body.toPlainText()
        attachments = list(self.attachments)
        message_id, in_reply_to, references = self.message_id, self.in_reply_to, list(self.references)
        forwarded = self.forwarded

        def build() -> OutgoingMessage:
            return OutgoingMessage(
                sender=sender, to=to, cc=cc, bcc=bcc, subject=subject, body=body,
                attachments=[a.load() for a in attachments], in_reply_to=in_reply_to,
                references=references, message_id=message_id, forwarded=forwarded,
            )  # fmt: skip

        return build

    def request_send(self) -> None:
        if self.sending:
            return
        parsed = self.recipients()
        if parsed is None:
            return
        if not any(parsed):
            self.field_error.setText(_("Add at least one recipient in To, Cc or Bcc."))
            self.field_error.show()
            self.to.setFocus()
            return
        self.set_sending(True)
        self.send_requested.emit(self)

    def set_sending(self, sending: bool) -> None:
        self.sending = sending
        self.send_button.setEnabled(not sending)
        self.send_action.setEnabled(not sending)
        self.status.setText(_("Sending…") if sending else "")

    def send_failed(self, error: object) -> None:
        self.set_sending(False)
        message = getattr(error, "message", "") or _("The message could not be sent.")
        fix = getattr(error, "fix", "")
        queued = getattr(error, "data", {}).get("queued", True)  # refused before the outbox: it is only here
        if getattr(error, "data", {}).get("reason") == "maybe_sent":  # pressing Send again is the answer
            self.bar.show_message(f"{message} {fix}", [(_("Send again"), self.request_send)])
            return
        where = _("It waits in the Outbox.") if queued else _("It is still here, nothing was sent.")
        self.bar.show_message(
            _("Not sent: {message} {fix} {where}").format(message=message, fix=fix, where=where).replace("  ", " "),
            [(_("Try again"), self.request_send)],
        )

    def send_done(self) -> None:
        self.sent = True
        self.dirty = False
        self.close()

    # -- drafts and closing ------------------------------------------------------------------------

    def _changed(self) -> None:
        self.dirty = True

    def _update_title(self) -> None:
        self.setWindowTitle(self.subject.text() or _("New message"))

    def _autosave_now(self) -> None:
        if self.dirty and not self.sending and self.save_draft is not None:
            self.dirty = False
            self.save_draft(self)
            self.status.setText(_("Draft saved"))

    def has_content(self) -> bool:
        return any(f.text().strip() for f in (self.to, self.cc, self.bcc, self.subject)) or bool(
            self.body.toPlainText().strip() or self.attachments
        )

    def _ask_to_keep(self) -> bool | None:
        """Closing unsent changes: True to save them as a draft, False not to, None to keep writing.

        The buttons say what they do in our own words: Qt's standard "Discard" reads "Reject" in
        Arabic and "Disregard" in French. Enter saves, Escape keeps the window open: neither slip
        loses a word.
        """
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Save this message?"),
            _("Do you want to keep this message as a draft?"),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        self.close_question = box  # tests answer it with keys
        save = box.addButton(_("Save Draft"), QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton(_("Don't Save"), QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton(_("Keep Writing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(stay)
        try:
            box.exec()
        finally:
            self.close_question = None
        clicked = box.clickedButton()
        box.deleteLater()
        return True if clicked is save else False if clicked is drop else None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.sent or self.sending or not self.dirty or not self.has_content():
            self._autosave.stop()
            event.accept()
            return
        answer = self._ask_to_keep()
        if answer is None:
            event.ignore()
            return
        if answer and self.save_draft is not None:
            self.save_draft(self)
        self._autosave.stop()
        event.accept()
