"""The mail actions: one QAction each, shared by the toolbar, the menus and the list's context menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QToolBar, QToolButton

from deskmail.core.i18n import N_, _, ngettext
from deskmail.engine.prefs import UNDO_SEND_DEFAULT, AppSettings
from deskmail.engine.smtp.outbox import subject_of
from deskmail.engine.store.models import Folder, MessageSummary, SpecialUse
from deskmail.qtbridge.reach import queued_text, waits_for_connection
from deskmail.ui.accessible import name_overflow_button
from deskmail.ui.icons import ui_icon
from deskmail.ui.mail.confirm import confirm_for_good
from deskmail.ui.mail.folders import FolderRef, folder_label
from deskmail.ui.mail.outbox import refusal_of
from deskmail.ui.mail.typing_guard import TypingGuard
from deskmail.ui.mail.undo import Entry, UndoHistory, Wording

# The composer and the MIME stack load when first used (a first reply or Write), not at start.
if TYPE_CHECKING:
    from deskmail.engine.mime.compose import OutgoingMessage
    from deskmail.engine.mime.decode import Address
    from deskmail.engine.smtp.outbox import OutboxItem
    from deskmail.engine.store.reader import Body
    from deskmail.ui.mail.composer import ComposerWindow
    from deskmail.ui.mail.reader import ReadingPane
    from deskmail.ui.mail.view import MailView

Key = QKeySequence | QKeySequence.StandardKey | str | None


@dataclass(eq=False)
class WaitingSend:
    """A sent message in its Undo Send wait: queued in the Outbox, its composer hidden."""

    composer: ComposerWindow
    email: str
    item_id: int
    timer: QTimer


# What Undo and Redo say about each action the engine can do (`ACTION_KINDS`), as whole texts; the
# key is (kind, value) for read and flag, (kind, None) for the others. Translated where they are shown.
WORDINGS: dict[tuple[str, object], Wording] = {
    ("archive", None): Wording(N_("Undo Archive"), N_("Redo Archive"), N_("Undone: Archive")),
    ("delete", None): Wording(N_("Undo Delete"), N_("Redo Delete"), N_("Undone: Delete")),
    ("move", None): Wording(N_("Undo Move"), N_("Redo Move"), N_("Undone: Move")),
    ("read", True): Wording(N_("Undo Mark as Read"), N_("Redo Mark as Read"), N_("Undone: Mark as Read")),
    ("read", False): Wording(N_("Undo Mark as Unread"), N_("Redo Mark as Unread"), N_("Undone: Mark as Unread")),
    ("flag", True): Wording(N_("Undo Flag"), N_("Redo Flag"), N_("Undone: Flag")),
    ("flag", False): Wording(N_("Undo Remove Flag"), N_("Redo Remove Flag"), N_("Undone: Remove Flag")),
    ("copy", None): Wording(N_("Undo Copy"), N_("Redo Copy"), N_("Undone: Copy")),
    ("junk", None): Wording(N_("Undo Junk"), N_("Redo Junk"), N_("Undone: Junk")),
    ("not_junk", None): Wording(N_("Undo Not Junk"), N_("Redo Not Junk"), N_("Undone: Not Junk")),
}


def wording(kind: str, value: object = None) -> Wording:
    """What Undo and Redo say about the action `kind` (every kind of `ACTION_KINDS` has its own)."""
    return WORDINGS[(kind, bool(value) if kind in ("read", "flag") else None)]


def mailto_message(url: str, sender: Address) -> OutgoingMessage:
    """A new message from a mailto: URL (RFC 6068): to, cc, bcc, subject, body."""
    from deskmail.engine.mime.addresses import parse_recipients
    from deskmail.engine.mime.compose import OutgoingMessage

    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}

    def people(text: str) -> list[Address]:
        try:
            return parse_recipients(text)
        except ValueError:
            return []

    to_text = ", ".join(filter(None, [unquote(parts.path), *query.get("to", [])]))
    return OutgoingMessage(
        sender=sender,
        to=people(to_text),
        cc=people(", ".join(query.get("cc", []))),
        bcc=people(", ".join(query.get("bcc", []))),
        subject=(query.get("subject") or [""])[0],
        body=(query.get("body") or [""])[0],
    )


def menu_label(folder: Folder) -> str:
    """'Inbox', 'Projects › Garden': as the folder list names them, never the server's 'INBOX', 'Projects/Garden'."""
    if folder.special_use is not SpecialUse.NONE or not folder.delimiter:
        return folder_label(folder)
    return " › ".join(folder.name.split(folder.delimiter))


class MailActions:
    """Builds the actions, enables them for the current selection, and carries them out."""

    def __init__(self, view: MailView) -> None:
        self.view = view
        self.composers: list[ComposerWindow] = []
        self.settle_box: QMessageBox | None = None  # the open "Send again?" question, if any
        a = self._action
        self.get_mail = a(_("Get Mail"), "inbox", self.get_mail_now, QKeySequence.StandardKey.Refresh, "F5")
        self.write = a(_("Write"), "drafts", lambda: self.compose(), QKeySequence.StandardKey.New)
        self.reply = a(_("Reply"), "sent", lambda: self.reply_to(False), "Ctrl+R")
        self.reply_all = a(_("Reply All"), "sent", lambda: self.reply_to(True), "Ctrl+Shift+R")
        self.forward = a(_("Forward"), "sent", self.forward_message, "Ctrl+L")
        self.forward_attached = a(_("Forward as Attachment"), None, lambda: self.forward_message(inline=False))
        # Translators: the command (archive these messages); the folder's name has the context "folder".
        self.archive = a(_("Archive"), "archive", lambda: self.act("archive"), "A")
        self.delete = a(_("Delete"), "trash", lambda: self.act("delete"), QKeySequence.StandardKey.Delete)
        self.mark_read = a(_("Mark as Read"), None, lambda: self.act("read", True), "R")
        self.mark_unread = a(_("Mark as Unread"), None, lambda: self.act("read", False), "U")
        self.flag = a(_("Flag"), "star", self.toggle_flag, "S")
        # Translators: the command (mark as junk, move to the Junk folder); the folder has the context "folder".
        self.junk = a(_("Junk"), "junk", lambda: self.act("junk"), "J")
        self.not_junk = a(_("Not Junk"), "inbox", lambda: self.act("not_junk"), "Shift+J")
        self.empty_trash = a(_("Empty Trash…"), "trash", self.empty_trash_now)
        self.find = a(_("Search"), None, self.focus_search, QKeySequence.StandardKey.Find)
        self.print_message = a(_("Print…"), None, self.print_now, QKeySequence.StandardKey.Print)
        self.save_pdf = a(_("Save as PDF…"), None, self.save_as_pdf)
        self.move_menu = QMenu(_("Move To"))
        self.move_menu.aboutToShow.connect(self._fill_move_menu)
        self.move = QAction(_("Move To…"), view)
        self.move.setMenu(self.move_menu)
        answer = [self.reply, self.reply_all, self.forward, self.forward_attached]
        mark = [self.mark_read, self.mark_unread, self.flag, self.move]
        junk = [self.junk, self.not_junk]
        self.message_actions = [*answer, *mark, self.archive, self.delete, *junk]  # need a chosen message
        self.context_menu = [*answer, None, *mark, None, self.archive, *junk, self.delete]
        self.message_menu = [self.write, None, *answer, None, *mark, None, self.archive, *junk, self.delete]
        self.toolbar_items = [
            self.get_mail, self.write, None, *answer[:3], None, self.archive, *junk, self.delete, self.flag,
        ]  # fmt: skip
        for action in self.context_menu:
            view.list.addAction(action if action is not None else self._separator())
        # One-key commands act only while the message list has the focus: typed text that lands in the
        # window by a slip (a reading pane, a folder, a composer that just closed) never archives mail.
        for action in (
            self.archive,
            self.delete,
            self.mark_read,
            self.mark_unread,
            self.flag,
            self.junk,
            self.not_junk,
        ):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.history = UndoHistory(view)
        self.waiting_sends: list[WaitingSend] = []  # messages in their Undo Send wait
        self.undo_send_seconds = UNDO_SEND_DEFAULT
        settings = AppSettings(view.context.paths)
        view.context.runner.run(
            lambda c, p: settings.undo_send_seconds(), name="load-settings", on_finished=self._settings_loaded
        )
        self.typing_guard = TypingGuard(view)  # keys typed for a composer that just left do nothing here
        for action in (self.get_mail, self.write, self.find):
            view.addAction(action)
        self.update_enabled()

    def _settings_loaded(self, seconds: object) -> None:
        if isinstance(seconds, int):
            self.undo_send_seconds = seconds

    def _action(self, text: str, icon: str | None, slot: Callable[[], object], *keys: Key) -> QAction:
        action = QAction(ui_icon(icon), text, self.view) if icon else QAction(text, self.view)
        shortcuts = [QKeySequence(k) for k in keys if k is not None]
        shortcuts = [k for k in shortcuts if not k.isEmpty()]
        if shortcuts:
            action.setShortcuts(shortcuts)
        key = shortcuts[0].toString(QKeySequence.SequenceFormat.NativeText) if shortcuts else ""
        # Translators: a toolbar button's tooltip: what it does and its key, e.g. "Reply (Ctrl+R)".
        action.setToolTip(_("{action} ({key})").format(action=text, key=key) if shortcuts else text)
        action.triggered.connect(lambda _checked=False: slot())
        self.view.addAction(action)
        return action

    def _separator(self) -> QAction:
        separator = QAction(self.view)
        separator.setSeparator(True)
        return separator

    def install(self, window: QMainWindow) -> None:
        toolbar = QToolBar(_("Mail"))
        toolbar.setObjectName("mail-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.toolbar_items:
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        name_overflow_button(toolbar)
        window.addToolBar(toolbar)
        menus = window.menuBar()
        help_action = menus.actions()[-1] if menus.actions() else None
        edit = getattr(window, "edit_menu", None)  # the main window's Edit menu (Settings…) if it has one
        if isinstance(edit, QMenu):
            if edit.actions():
                first = edit.actions()[0]
                edit.insertActions(first, [self.history.undo_action, self.history.redo_action])
                edit.insertSeparator(first)
            else:
                edit.addActions([self.history.undo_action, self.history.redo_action])
        else:
            edit = QMenu(_("&Edit"), window)
            edit.addAction(self.history.undo_action)
            edit.addAction(self.history.redo_action)
        message = QMenu(_("&Message"), window)
        for action in self.message_menu:
            message.addAction(action) if action is not None else message.addSeparator()
        go = QMenu(_("&Go"), window)
        go.addAction(self.get_mail)
        go.addAction(self.find)
        for menu in (edit, message, go):
            menus.insertMenu(help_action, menu) if help_action is not None else menus.addMenu(menu)
        for button in toolbar.findChildren(QToolButton):
            button.setAutoRaise(True)

    # -- state ------------------------------------------------------------------------------

    def selection(self) -> list[MessageSummary]:
        return self.view.list.selected_summaries()

    def update_enabled(self) -> None:
        chosen = self.selection()
        has_message = bool(chosen)
        for action in self.message_actions:
            action.setEnabled(has_message)
        loaded = self.view.reading_pane.rendered is not None
        for action in (self.reply, self.reply_all, self.forward, self.forward_attached):
            action.setEnabled(loaded)
        self.print_message.setEnabled(loaded)
        self.save_pdf.setEnabled(loaded)
        if chosen:
            self.flag.setText(_("Remove Flag") if all(m.flagged for m in chosen) else _("Flag"))
        # In Junk the button says Not Junk; elsewhere Junk (one of the two is shown at a time)
        use = self.view.current.folder.special_use if self.view.current is not None else None
        in_junk = use is SpecialUse.JUNK and not self.view.search.text()
        self.junk.setVisible(not in_junk)
        self.not_junk.setVisible(in_junk)
        self.empty_trash.setEnabled(self._trash() is not None)

    # -- doing -----------------------------------------------------------------------------

    def get_mail_now(self) -> None:
        self.view.controller.sync_all()

    def focus_search(self) -> None:
        self.view.search.setFocus()
        self.view.search.selectAll()

    def act(self, kind: str, value: object = None) -> None:
        chosen = self.selection()
        if kind == "move" and isinstance(value, Folder):  # (search results: those already there stay)
            chosen = [m for m in chosen if m.folder_id != value.id]
        if not chosen:
            return
        email = self.view.email_of(chosen[0])
        # Search results can come from several accounts: each message goes to its own account's store
        # (a folder id or UID means nothing in another's: sending them all to the first one's acted on
        # other mail there). A chosen folder belongs to the first one's account: only its messages go.
        owners = {id(m): self.view.email_of(m) for m in chosen}
        chosen = [m for m in chosen if owners[id(m)] == email or kind not in ("move", "copy")]
        by_folder: dict[tuple[str, int], list[int]] = {}
        for summary in chosen:
            by_folder.setdefault((owners[id(summary)], summary.folder_id), []).append(summary.uid)
        for_good = kind == "delete" and any(
            self._deletes_for_good(owner, [m for m in chosen if owners[id(m)] == owner])
            for owner in {owner for owner, _folder in by_folder}
        )
        if for_good and not self._confirm_delete(len(chosen)):
            return
        if kind in ("delete", "archive", "move", "junk", "not_junk"):
            # The messages leave this list (a folder or search results): the one after them moves up into the row.
            current = self.view.list.currentIndex().row()
            rows = [self.view.model.row_of(m.id) for m in chosen]
            self.view.next_row = current - sum(1 for row in rows if row is not None and row < current)
            self.view.reading.stop_loading(chosen)
        entry = Entry(wording(kind, value), "")
        entry.told = self._say_where(kind, len(chosen), for_good, value)
        entry.expected = len(by_folder)

        def done(owner: str, result: object) -> None:
            if result is not None:
                entry.dones.append((owner, result))
            else:
                entry.expected -= 1
            if entry.ready:
                self.history.record(entry)  # no record (delete for good): the plain notice stays

        for (owner, folder_id), uids in by_folder.items():
            self.view.controller.act(owner, kind, folder_id, uids, value, on_done=partial(done, owner))
        if for_good or kind == "copy":  # nothing to undo: the originals are where they were
            self.view.show_notice(entry.told)

    def _say_where(self, kind: str, count: int, for_good: bool, value: object) -> str:
        """What was done, in the notice: mail that leaves the list says where it went."""
        n = count
        if for_good:
            return ngettext("1 message deleted for good", "{n} messages deleted for good", n).format(n=n)
        if kind == "delete":
            return ngettext("1 message moved to Trash", "{n} messages moved to Trash", n).format(n=n)
        if kind == "archive":
            return ngettext("1 message moved to Archive", "{n} messages moved to Archive", n).format(n=n)
        if kind == "move" and isinstance(value, Folder):
            folder = menu_label(value)
            return ngettext("1 message moved to {folder}", "{n} messages moved to {folder}", n).format(
                n=n, folder=folder
            )
        if kind == "copy" and isinstance(value, Folder):
            folder = menu_label(value)
            return ngettext("1 message copied to {folder}", "{n} messages copied to {folder}", n).format(
                n=n, folder=folder
            )
        if kind == "junk":
            return ngettext("1 message moved to Junk", "{n} messages moved to Junk", n).format(n=n)
        if kind == "not_junk":
            return ngettext("1 message moved to Inbox", "{n} messages moved to Inbox", n).format(n=n)
        if kind == "read" and value:
            return ngettext("1 message marked as read", "{n} messages marked as read", n).format(n=n)
        if kind == "read":
            return ngettext("1 message marked as unread", "{n} messages marked as unread", n).format(n=n)
        if value:
            return ngettext("1 message flagged", "{n} messages flagged", n).format(n=n)
        return ngettext("1 message unflagged", "{n} messages unflagged", n).format(n=n)

    def _deletes_for_good(self, email: str, chosen: list[MessageSummary]) -> bool:
        """Delete in the Trash (or in an account without one) cannot be undone: nothing to fish out later."""
        trash = self.view.folder(email, SpecialUse.TRASH)
        return trash is None or any(m.folder_id == trash.id for m in chosen)

    def _confirm_delete(self, count: int) -> bool:
        question = ngettext("Delete this message for good?", "Delete these {n} messages for good?", count)
        detail = ngettext(
            "It is not kept anywhere else and cannot be brought back.",
            "They are not kept anywhere else and cannot be brought back.",
            count,
        )
        return confirm_for_good(
            self.view, _("Delete for good?"), question.format(n=count), detail, _("Delete for Good")
        )

    def _trash(self, email: str = "") -> tuple[str, Folder] | None:
        """The Trash of `email`, else of the account whose folder is open (or the first account's)."""
        if not email:
            email = self.view.current.email if self.view.current else ""
        if not email and self.view.accounts:
            email = self.view.accounts[0].email
        trash = self.view.folder(email, SpecialUse.TRASH) if email else None
        return (email, trash) if trash is not None else None

    def empty_trash_now(self, email: str = "") -> None:
        """Everything in the Trash deleted for good, after asking (it cannot be undone)."""
        found = self._trash(email)
        reader = self.view.controller.reader(found[0]) if found else None
        if found is None or reader is None:
            return
        email, trash = found
        uids = [m.uid for m in reader.messages(trash.id)]
        if not uids:
            self.view.show_notice(_("The Trash is already empty"))
            return
        n = len(uids)
        question = ngettext(
            "Delete the message in the Trash for good?", "Delete all {n} messages in the Trash for good?", n
        )
        detail = _("They are deleted on the server too, for every device, and cannot be brought back.")
        if not confirm_for_good(self.view, _("Empty Trash?"), question.format(n=n), detail, _("Empty Trash")):
            return
        self.view.controller.act(email, "delete", trash.id, uids)  # in the Trash itself: for good
        self.view.show_notice(
            ngettext(
                "The message in the Trash deleted for good", "All {n} messages in the Trash deleted for good", n
            ).format(n=n)
        )

    def print_now(self) -> None:
        from deskmail.ui.mail.printing import print_message

        if self.view.reading_pane.rendered is not None:
            print_message(self.view, self.view.reading_pane)

    def save_as_pdf(self, path: Path | None = None) -> Path | None:
        """The message in the reader as a PDF; `path` given skips the file dialog (tests, scripts)."""
        from deskmail.ui.mail.printing import ask_pdf_path, printable, write_pdf

        pane = self.view.reading_pane
        if pane.rendered is None or pane.summary is None:
            return None
        path = path or ask_pdf_path(self.view, pane)
        if path is None:
            return None
        try:
            write_pdf(printable(pane), path, pane.summary.subject)
        except OSError as error:  # QPdfWriter itself only warns; a folder that vanished lands here
            self.view.show_notice(_("The PDF could not be saved: {reason}").format(reason=error.strerror or error))
            return None
        if not path.is_file():
            self.view.show_notice(
                _("The PDF could not be saved in {folder}. Choose another folder.").format(folder=path.parent)
            )
            return None
        self.view.show_notice(_("Saved as {name}").format(name=path.name))
        return path

    def toggle_flag(self) -> None:
        chosen = self.selection()
        if chosen:
            self.act("flag", not all(m.flagged for m in chosen))

    def drop_on(self, target: FolderRef, copy: bool) -> None:
        """Messages dragged onto a folder: moved as Move To moves them (so Undo works), or copied."""
        chosen = self.selection()
        if not chosen or self.view.email_of(chosen[0]) != target.email:
            return
        if copy and self.can_copy(target.email):
            self.act("copy", target.folder)
        elif not all(m.folder_id == target.folder.id for m in chosen):
            self.act("move", target.folder)

    def can_copy(self, email: str) -> bool:
        """IMAP copies on the server; a POP3 account's local folders hold each message once."""
        from deskmail.core.serverconfig import Protocol

        account = self.view.controller.account(email)
        return account is not None and account.incoming.protocol is Protocol.IMAP

    def _fill_move_menu(self) -> None:
        self.move_menu.clear()
        chosen = self.selection()
        if not chosen:
            return
        email = self.view.email_of(chosen[0])
        for folder in self.view.folders.folders_of(email):
            if folder.selectable and folder.id != chosen[0].folder_id:
                action = self.move_menu.addAction(menu_label(folder))
                action.triggered.connect(lambda _c=False, f=folder: self.act("move", f))

    # -- composing --------------------------------------------------------------------------

    def me(self, email: str = "") -> Address:
        from deskmail.engine.mime.decode import Address

        account = next((a for a in self.view.accounts if a.email == email), None)
        if account is None and self.view.current is not None:
            account = self.view.controller.account(self.view.current.email)
        if account is None and self.view.accounts:
            account = self.view.accounts[0]
        return Address(account.display_name, account.email) if account else Address("", "")

    def compose(self, prefill: OutgoingMessage | None = None) -> ComposerWindow:
        from deskmail.ui.mail.composer import ComposerWindow
        from deskmail.ui.settings.signature import sign

        composer = ComposerWindow(self.view.accounts, self._suggest)
        if prefill is not None:
            composer.fill(prefill)
        elif self.view.current is not None:
            composer.from_box.setCurrentIndex(max(0, composer.from_box.findData(self.view.current.email)))
        if prefill is None or not prefill.message_id:  # a draft or refused message already has its text
            sign(composer)
        composer.send_requested.connect(self._send)
        composer.save_draft = self._save_draft
        composer.destroyed.connect(lambda _o=None, c=composer: self._forget(c))
        self.composers.append(composer)
        composer.show()
        return composer

    def _forget(self, composer: ComposerWindow) -> None:
        if composer in self.composers:
            self.composers.remove(composer)
        self.typing_guard.hold()

    def compose_mailto(self, url: str) -> ComposerWindow:
        return self.compose(mailto_message(url, self.me()))

    def reply_to(self, everyone: bool, pane: ReadingPane | None = None) -> None:
        """Reply to the message in `pane` (a message window's), else in the main window's reader."""
        pane = pane or self.view.reading_pane
        rendered, summary = pane.rendered, pane.summary
        if rendered is None or summary is None:
            return
        from deskmail.engine.mime.reply import reply

        me = self.me(self.view.email_of(summary))
        mine = {a.email for a in self.view.accounts}
        self.compose(reply(rendered.message, me=me, my_addresses=mine, reply_all=everyone))

    def forward_message(self, inline: bool = True, pane: ReadingPane | None = None, body: Body | None = None) -> None:
        if pane is None:
            pane, body = self.view.reading_pane, self.view.reading.body
        rendered, summary = pane.rendered, pane.summary
        if rendered is None or body is None or summary is None:
            return
        from deskmail.engine.mime.reply import forward

        # A big message stays its stored file: it is copied into the outgoing message in chunks at send time.
        source = body.path if body.raw is None and body.path is not None else body.read()
        self.compose(forward(rendered.message, source, me=self.me(self.view.email_of(summary)), inline=inline))

    def open_in_composer_if_draft(self, summary: object) -> None:
        """Enter or double-click: a draft goes back into the composer, any other message opens in its own window."""
        folder = self.view.current.folder if self.view.current else None
        if folder is None or folder.special_use is not SpecialUse.DRAFTS or self.view.search.text():
            self.view.reading.open_window(summary)
            return
        if self.view.reading_pane.rendered:
            from deskmail.engine.mime.reply import edit_draft

            message = self.view.reading_pane.rendered.message
            # edit_draft keeps Bcc, attachments, threading headers and the Message-ID (saving replaces it)
            self.compose(edit_draft(message, me=self.me(self.view.current.email if self.view.current else "")))

    def open_outbox_item(self, email: str, item: OutboxItem) -> ComposerWindow | None:
        """A refused message back in the composer; sending it replaces the refused copy (same Message-ID)."""
        from deskmail.engine.mime.parse import parse_message
        from deskmail.engine.mime.reply import edit_draft
        from deskmail.engine.smtp.outbox import outbox_raw

        reader = self.view.controller.reader(email)  # the list holds only each message's headers
        raw = outbox_raw(reader, item.id) if reader is not None else item.raw
        if raw is None:
            self.view.show_notice(_("This message is no longer in the Outbox."))
            return None
        composer = self.compose(edit_draft(parse_message(raw), me=self.me(email)))
        composer.bar.show_message(
            _("Not sent: {reason} Correct the message, then send it again.").format(reason=refusal_of(item))
        )
        return composer

    def settle_outbox_item(self, email: str, item: OutboxItem) -> QMessageBox:
        """Ask about a message that may already have been sent: send it again, or take it out of the Outbox."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Send again?"),
            _("\u201c{subject}\u201d may already have been sent.").format(subject=subject_of(item.raw)),
            parent=self.view,
        )
        box.setInformativeText(
            _(
                "The connection broke just after the message went out, and it is not in your Sent folder, so "
                "Deskmail cannot tell whether it arrived. If you send it again, the recipients may get it twice."
            )
        )
        again = box.addButton(_("Send Again"), QMessageBox.ButtonRole.AcceptRole)
        remove = box.addButton(_("Remove from Outbox"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(_("Keep in Outbox"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # Enter by habit sends nothing twice

        def answered(_code: int) -> None:
            clicked = box.clickedButton()
            if clicked not in (again, remove):
                return
            send_again = clicked is again
            self.view.controller.run_for(
                email,
                lambda runtime: runtime.settle_unsure(item.id, send_again),
                self._settled,
                on_failed=self._settled,
            )

        box.finished.connect(answered)
        box.open()
        self.settle_box = box
        return box

    def _settled(self, result: object) -> None:
        error = getattr(result, "error", None) or (result if isinstance(result, Exception) else None)
        if error is not None:
            self.view.show_notice(str(getattr(error, "message", "") or _("The message could not be sent.")))
        self.view.controller.poll()

    def _suggest(self, email: str, prefix: str) -> list[str]:
        reader = self.view.controller.reader(email)
        if reader is None:
            return []
        return [f"{s.name} <{s.address}>" if s.name else s.address for s in reader.suggest_addresses(prefix, limit=10)]

    def _ensure_id(self, composer: ComposerWindow) -> None:
        if not composer.message_id:
            from deskmail.engine.mime.compose import make_message_id

            composer.message_id = make_message_id(composer.account_email() or "deskmail.invalid")

    def _send(self, composer: ComposerWindow) -> None:
        parsed = composer.recipients()
        if parsed is None:
            composer.set_sending(False)
            return
        self._ensure_id(composer)
        build = composer.outgoing(*parsed)
        email, delay = composer.account_email(), self.undo_send_seconds
        if delay <= 0:
            self.view.controller.send(
                email, build, lambda _r: self._sent(composer), lambda error: self._not_sent(composer, error)
            )
            return
        # Undo Send: the message waits in the Outbox (durably: a crash sends it at the next start) while
        # its composer hides, ready to come back exactly as it was.
        self.view.controller.queue_send(
            email, build, delay, lambda item: self._wait_to_send(composer, email, int(str(item)), delay),
            composer.send_failed,
        )  # fmt: skip

    def _wait_to_send(self, composer: ComposerWindow, email: str, item_id: int, delay: int) -> None:
        timer = QTimer(self.view, singleShot=True, interval=delay * 1000)
        waiting = WaitingSend(composer, email, item_id, timer)
        self.waiting_sends.append(waiting)
        self.view.update_outbox()  # it shows in the notice, not as waiting in the Outbox
        timer.timeout.connect(lambda: self._send_now(waiting))
        timer.start()
        composer.hide()
        self.typing_guard.hold()
        self.history.notice.tell(_("Sending…"), [(_("Undo"), lambda: self.undo_send(waiting))], ms=delay * 1000 + 500)

    def _send_now(self, waiting: WaitingSend) -> None:
        if waiting not in self.waiting_sends:
            return
        self.waiting_sends.remove(waiting)
        waiting.timer.stop()
        composer = waiting.composer

        def failed(error: object) -> None:
            if composer in self.composers:  # (gone when the window closed meanwhile: it waits in the Outbox)
                if not waits_for_connection(error):
                    composer.show()  # refused or wrong: the person has something to fix there
                self._not_sent(composer, error)

        def sent(_result: object) -> None:
            if composer in self.composers:
                self._sent(composer)

        if self.history.notice.text.text() == _("Sending…"):
            self.history.notice.hide()
        self.view.controller.send_queued(waiting.email, waiting.item_id, sent, failed)

    def undo_send(self, waiting: WaitingSend) -> None:
        """Take the message back before it leaves: nothing is sent, its composer comes back as it was."""
        if waiting not in self.waiting_sends:
            self.history.notice.tell(_("Too late: the message has already left."))
            return
        self.waiting_sends.remove(waiting)
        waiting.timer.stop()
        composer = waiting.composer

        def taken(raw: object) -> None:
            if raw is None:  # it had started to go out (e.g. a check for mail sent it)
                self.history.notice.tell(_("Too late: the message has already left."))
                composer.send_done()
                return
            composer.set_sending(False)
            composer.dirty = True  # closing it now asks whether to keep it as a draft
            composer.status.setText(_("Not sent"))
            composer.show()
            composer.raise_()
            composer.activateWindow()
            self.history.notice.tell(_("Not sent. The message is open again."))

        self.view.controller.take_back(waiting.email, waiting.item_id, taken)

    def sending_soon(self, email: str) -> set[int]:
        """An account's outbox items in their Undo Send wait (the notice shows them, not the Outbox)."""
        return {w.item_id for w in self.waiting_sends if w.email == email}

    def send_waiting_now(self) -> None:
        """The window closes: what waits for its Undo Send goes now (else it would go at the next start)."""
        for waiting in list(self.waiting_sends):
            self._send_now(waiting)
            waiting.composer.send_done()  # in the Outbox, durably: its hidden composer has nothing left to do

    def _not_sent(self, composer: ComposerWindow, error: object) -> None:
        """The server cannot be reached: the message is safe in the Outbox, so the composer closes and says so."""
        if not waits_for_connection(error) or getattr(error, "data", {}).get("queued") is False:
            composer.send_failed(error)  # refused, or wrong: the person has something to fix here
            return
        composer.send_done()
        self.view.show_notice(queued_text(self.view.controller.provider(composer.account_email())))

    def _sent(self, composer: ComposerWindow) -> None:
        composer.send_done()
        self.view.show_notice(_("Message sent"))

    def _save_draft(self, composer: ComposerWindow) -> None:
        if composer.account_email() not in self.view.controller.runtimes:
            return  # the window closed (or the account went): the closing question already asked about it
        parsed = composer.recipients() or ([], [], [])
        self._ensure_id(composer)
        build = composer.outgoing(*parsed)
        upload = self.view.controller.online

        def save(runtime: object) -> object:
            manager = runtime.draft_manager()  # type: ignore[attr-defined]  # IMAP Drafts, or POP3's local one
            return manager.save(build(), upload=upload)

        self.view.controller.run_for(composer.account_email(), save, lambda _r: None)
