"""The mail actions: one QAction each, shared by the toolbar, the menus and the list's context menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QToolBar, QToolButton

from deskmail.engine.smtp.outbox import subject_of
from deskmail.engine.store.models import Folder, MessageSummary, SpecialUse
from deskmail.qtbridge.reach import queued_text, waits_for_connection
from deskmail.ui.icons import ui_icon
from deskmail.ui.mail.folders import folder_label
from deskmail.ui.mail.outbox import refusal_of

# The composer and the MIME stack load when first used (a first reply or Write), not at start.
if TYPE_CHECKING:
    from deskmail.engine.mime.compose import OutgoingMessage
    from deskmail.engine.mime.decode import Address
    from deskmail.engine.smtp.outbox import OutboxItem
    from deskmail.ui.mail.composer import ComposerWindow
    from deskmail.ui.mail.view import MailView

Key = QKeySequence | QKeySequence.StandardKey | str | None


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
        self.get_mail = a("Get Mail", "inbox", self.get_mail_now, QKeySequence.StandardKey.Refresh, "F5")
        self.write = a("Write", "drafts", lambda: self.compose(), QKeySequence.StandardKey.New)
        self.reply = a("Reply", "sent", lambda: self.reply_to(False), "Ctrl+R")
        self.reply_all = a("Reply All", "sent", lambda: self.reply_to(True), "Ctrl+Shift+R")
        self.forward = a("Forward", "sent", self.forward_message, "Ctrl+L")
        self.forward_attached = a("Forward as Attachment", None, lambda: self.forward_message(inline=False))
        self.archive = a("Archive", "archive", lambda: self.act("archive"), "A")
        self.delete = a("Delete", "trash", lambda: self.act("delete"), QKeySequence.StandardKey.Delete)
        self.mark_read = a("Mark as Read", None, lambda: self.act("read", True), "R")
        self.mark_unread = a("Mark as Unread", None, lambda: self.act("read", False), "U")
        self.flag = a("Flag", "star", self.toggle_flag, "S")
        self.find = a("Search", None, self.focus_search, QKeySequence.StandardKey.Find)
        self.move_menu = QMenu("Move To")
        self.move_menu.aboutToShow.connect(self._fill_move_menu)
        self.move = QAction("Move To…", view)
        self.move.setMenu(self.move_menu)
        answer = [self.reply, self.reply_all, self.forward, self.forward_attached]
        mark = [self.mark_read, self.mark_unread, self.flag, self.move]
        self.message_actions = [*answer, *mark, self.archive, self.delete]  # need a chosen message
        self.context_menu = [*answer, None, *mark, None, self.archive, self.delete]
        self.message_menu = [self.write, None, *answer, None, *mark, None, self.archive, self.delete]
        self.toolbar_items = [self.get_mail, self.write, None, *answer[:3], None, self.archive, self.delete, self.flag]
        for action in self.context_menu:
            view.list.addAction(action if action is not None else self._separator())
        for action in (self.get_mail, self.write, self.find):
            view.addAction(action)
        self.update_enabled()

    def _action(self, text: str, icon: str | None, slot: Callable[[], object], *keys: Key) -> QAction:
        action = QAction(ui_icon(icon), text, self.view) if icon else QAction(text, self.view)
        shortcuts = [QKeySequence(k) for k in keys if k is not None]
        shortcuts = [k for k in shortcuts if not k.isEmpty()]
        if shortcuts:
            action.setShortcuts(shortcuts)
        action.setToolTip(
            f"{text} ({shortcuts[0].toString(QKeySequence.SequenceFormat.NativeText)})" if shortcuts else text
        )
        action.triggered.connect(lambda _checked=False: slot())
        self.view.addAction(action)
        return action

    def _separator(self) -> QAction:
        separator = QAction(self.view)
        separator.setSeparator(True)
        return separator

    def install(self, window: QMainWindow) -> None:
        toolbar = QToolBar("Mail")
        toolbar.setObjectName("mail-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.toolbar_items:
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        window.addToolBar(toolbar)
        menus = window.menuBar()
        help_action = menus.actions()[-1] if menus.actions() else None
        message = QMenu("&Message", window)
        for action in self.message_menu:
            message.addAction(action) if action is not None else message.addSeparator()
        go = QMenu("&Go", window)
        go.addAction(self.get_mail)
        go.addAction(self.find)
        for menu in (message, go):
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
        if chosen:
            self.flag.setText("Remove Flag" if all(m.flagged for m in chosen) else "Flag")

    # -- doing -----------------------------------------------------------------------------

    def get_mail_now(self) -> None:
        self.view.controller.sync_all()

    def focus_search(self) -> None:
        self.view.search.setFocus()
        self.view.search.selectAll()

    def act(self, kind: str, value: object = None) -> None:
        chosen = self.selection()
        if not chosen:
            return
        email = self.view.email_of(chosen[0])
        for_good = kind == "delete" and self._deletes_for_good(email, chosen)
        if for_good and not self._confirm_delete(len(chosen)):
            return
        by_folder: dict[int, list[int]] = {}
        for summary in chosen:
            by_folder.setdefault(summary.folder_id, []).append(summary.uid)
        if kind in ("delete", "archive", "move") and not self.view.search.text():
            # The messages leave this list: the one after them moves up into the same row.
            current = self.view.list.currentIndex().row()
            rows = [self.view.model.row_of(m.id) for m in chosen]
            self.view.next_row = current - sum(1 for row in rows if row is not None and row < current)
        for folder_id, uids in by_folder.items():
            self.view.controller.act(email, kind, folder_id, uids, value)
        self._say_where(kind, len(chosen), for_good, value)

    def _say_where(self, kind: str, count: int, for_good: bool, value: object) -> None:
        """Mail that leaves the list says where it went, so nobody wonders whether it is lost."""
        what = "1 message" if count == 1 else f"{count} messages"
        if for_good:
            self.view.show_notice(f"{what.capitalize()} deleted for good")
        elif kind in ("delete", "archive"):
            self.view.show_notice(f"{what.capitalize()} moved to {'Trash' if kind == 'delete' else 'Archive'}")
        elif kind == "move" and isinstance(value, Folder):
            self.view.show_notice(f"{what.capitalize()} moved to {menu_label(value)}")

    def _deletes_for_good(self, email: str, chosen: list[MessageSummary]) -> bool:
        """Delete in the Trash (or in an account without one) cannot be undone: nothing to fish out later."""
        trash = self.view.folder(email, SpecialUse.TRASH)
        return trash is None or any(m.folder_id == trash.id for m in chosen)

    def _confirm_delete(self, count: int) -> bool:
        what = "this message" if count == 1 else f"these {count} messages"
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete for good?", f"Delete {what} for good?", parent=self.view)
        box.setInformativeText(
            ("It is" if count == 1 else "They are") + " not kept anywhere else and cannot be brought back."
        )
        delete = box.addButton("Delete for Good", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter by habit keeps the mail
        box.exec()
        return box.clickedButton() is delete

    def toggle_flag(self) -> None:
        chosen = self.selection()
        self.act("flag", not all(m.flagged for m in chosen))

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

        composer = ComposerWindow(self.view.accounts, self._suggest)
        if prefill is not None:
            composer.fill(prefill)
        elif self.view.current is not None:
            composer.from_box.setCurrentIndex(max(0, composer.from_box.findData(self.view.current.email)))
        composer.send_requested.connect(self._send)
        composer.save_draft = self._save_draft
        composer.destroyed.connect(lambda _o=None, c=composer: self._forget(c))
        self.composers.append(composer)
        composer.show()
        return composer

    def _forget(self, composer: ComposerWindow) -> None:
        if composer in self.composers:
            self.composers.remove(composer)

    def compose_mailto(self, url: str) -> ComposerWindow:
        return self.compose(mailto_message(url, self.me()))

    def reply_to(self, everyone: bool) -> None:
        rendered = self.view.reading_pane.rendered
        summary = self.view.reading_pane.summary
        if rendered is None or summary is None:
            return
        from deskmail.engine.mime.reply import reply

        me = self.me(self.view.email_of(summary))
        mine = {a.email for a in self.view.accounts}
        self.compose(reply(rendered.message, me=me, my_addresses=mine, reply_all=everyone))

    def forward_message(self, inline: bool = True) -> None:
        rendered, body = self.view.reading_pane.rendered, self.view.reading.body
        summary = self.view.reading_pane.summary
        if rendered is None or body is None or summary is None:
            return
        from deskmail.engine.mime.reply import forward

        # A big message stays its stored file: it is copied into the outgoing message in chunks at send time.
        source = body.path if body.raw is None and body.path is not None else body.read()
        self.compose(forward(rendered.message, source, me=self.me(self.view.email_of(summary)), inline=inline))

    def open_in_composer_if_draft(self, summary: object) -> None:
        folder = self.view.current.folder if self.view.current else None
        if folder is not None and folder.special_use is SpecialUse.DRAFTS and self.view.reading_pane.rendered:
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
            self.view.show_notice("This message is no longer in the Outbox.")
            return None
        composer = self.compose(edit_draft(parse_message(raw), me=self.me(email)))
        composer.bar.show_message(f"Not sent: {refusal_of(item)} Correct the message, then send it again.")
        return composer

    def settle_outbox_item(self, email: str, item: OutboxItem) -> QMessageBox:
        """Ask about a message that may already have been sent: send it again, or take it out of the Outbox."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Send again?",
            f"\u201c{subject_of(item.raw)}\u201d may already have been sent.",
            parent=self.view,
        )
        box.setInformativeText(
            "The connection broke just after the message went out, and it is not in your Sent folder, so "
            "Deskmail cannot tell whether it arrived. If you send it again, the recipients may get it twice."
        )
        again = box.addButton("Send Again", QMessageBox.ButtonRole.AcceptRole)
        remove = box.addButton("Remove from Outbox", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep in Outbox", QMessageBox.ButtonRole.RejectRole)
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
            self.view.show_notice(str(getattr(error, "message", "") or "The message could not be sent."))
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
        self.view.controller.send(
            composer.account_email(),
            build,
            on_done=lambda _r: self._sent(composer),
            on_failed=lambda error: self._not_sent(composer, error),
        )

    def _not_sent(self, composer: ComposerWindow, error: object) -> None:
        """The server cannot be reached: the message is safe in the Outbox, so the composer closes and says so."""
        if not waits_for_connection(error) or getattr(error, "data", {}).get("queued") is False:
            composer.send_failed(error)  # refused, or wrong: the person has something to fix here
            return
        composer.send_done()
        self.view.show_notice(queued_text(self.view.controller.provider(composer.account_email())))

    def _sent(self, composer: ComposerWindow) -> None:
        composer.send_done()
        self.view.show_notice("Message sent")

    def _save_draft(self, composer: ComposerWindow) -> None:
        parsed = composer.recipients() or ([], [], [])
        self._ensure_id(composer)
        build = composer.outgoing(*parsed)
        upload = self.view.controller.online

        def save(runtime: object) -> object:
            from deskmail.engine.smtp.drafts import DraftManager
            from deskmail.engine.smtp.outbox import LocalDrafts

            store = runtime.store()  # type: ignore[attr-defined]
            manager = DraftManager(LocalDrafts(store), runtime.imap_client)  # type: ignore[attr-defined]
            return manager.save(build(), upload=upload)

        self.view.controller.run_for(composer.account_email(), save, lambda _r: None)
