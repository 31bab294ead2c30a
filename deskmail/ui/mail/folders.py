"""Accounts and their folders on the left: special folders first with icons, nesting, unread counts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from deskmail.core.i18n import _, ngettext, pgettext
from deskmail.engine.accounts import Account
from deskmail.engine.store.models import Folder, SpecialUse
from deskmail.ui.icons import ui_icon
from deskmail.ui.mail.dragging import dragged


def special_names() -> dict[SpecialUse, str]:
    """Special-use folders by their role in the person's language, whatever the server calls them."""
    return {
        SpecialUse.INBOX: pgettext("folder", "Inbox"),
        SpecialUse.DRAFTS: pgettext("folder", "Drafts"),
        SpecialUse.SENT: pgettext("folder", "Sent"),
        SpecialUse.ARCHIVE: pgettext("folder", "Archive"),
        SpecialUse.JUNK: pgettext("folder", "Junk"),
        SpecialUse.TRASH: pgettext("folder", "Trash"),
        SpecialUse.ALL: pgettext("folder", "All Mail"),
        SpecialUse.FLAGGED: pgettext("folder", "Flagged"),
    }


SPECIAL_ICONS = {
    SpecialUse.INBOX: "inbox",
    SpecialUse.DRAFTS: "drafts",
    SpecialUse.SENT: "sent",
    SpecialUse.ARCHIVE: "archive",
    SpecialUse.JUNK: "junk",
    SpecialUse.TRASH: "trash",
}
# Counting unread mail in these is noise (nobody "reads" their Sent or Trash).
NO_COUNT = {SpecialUse.SENT, SpecialUse.DRAFTS, SpecialUse.TRASH, SpecialUse.JUNK}
OUTBOX = "\x00outbox"  # the Outbox row's key: no IMAP folder can have this name
BEFORE_OUTBOX = {SpecialUse.INBOX, SpecialUse.DRAFTS, SpecialUse.SENT}
COPY_KEY = Qt.KeyboardModifier.AltModifier if sys.platform == "darwin" else Qt.KeyboardModifier.ControlModifier
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # (email, folder name) or (email, "") for the account row
FOLDER_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class FolderRef:
    """What the rest of the window needs to know about the chosen folder."""

    email: str
    folder: Folder


def folder_label(folder: Folder) -> str:
    """What the folder list calls a folder: its role for special ones ("Posteingang"), else its own name.

    Only for showing: the server is always addressed by `folder.name`.
    """
    return special_names().get(folder.special_use, folder.display_name)


class AccountNameDelegate(QStyledItemDelegate):
    """Account rows lose the middle of a long name, not its end: "Anna Sch…(work)" still tells them apart."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if not index.parent().isValid():
            option.textElideMode = Qt.TextElideMode.ElideMiddle


class UnseenHeader(QHeaderView):
    """The folder list's hidden header: its titles are for screen readers, so they size no column.

    Qt sizes a ResizeToContents column by its header title even when the header is hidden: a long
    translated title ("Ungelesen") took the width the folder names need ("Postei…").
    """

    def sectionSizeFromContents(self, logicalIndex: int) -> QSize:
        return QSize(0, 0) if self.isHidden() else super().sectionSizeFromContents(logicalIndex)


class FolderTree(QTreeView):
    """The folder list; emits `folder_selected(FolderRef)` when the person picks a folder."""

    folder_selected = Signal(object)
    outbox_clicked = Signal(str, object)  # account email, the row's QRect (a menu opens there)
    messages_dropped = Signal(object, bool)  # FolderRef, True: copy (else move)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree_model = QStandardItemModel(0, 2, self)
        self.setHeader(UnseenHeader(Qt.Orientation.Horizontal, self))
        self.setModel(self.tree_model)
        self.tree_model.setHorizontalHeaderLabels([_("Folder"), _("Unread")])  # unseen, but screen readers say them
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName(_("Folders"))
        self.setIndentation(14)
        self.setItemDelegateForColumn(0, AccountNameDelegate(self))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._shape: list[tuple[str, str]] = []
        self._items: dict[tuple[str, str], QStandardItem] = {}
        self._outbox: dict[str, tuple[int, int]] = {}  # email -> (waiting, refused)
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        self.clicked.connect(self._clicked)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)  # the folder under the pointer is highlighted instead (drawRow)
        self.can_copy: Callable[[str], bool] = lambda _email: True  # the window says which accounts can copy
        self._drop_key: tuple[str, str] | None = None  # the folder row under a drag, highlighted

    # -- filling ---------------------------------------------------------------------------

    def set_folders(self, accounts: list[tuple[Account, list[Folder]]]) -> None:
        """Show these accounts' folders; only counts change in place when the folders are the same."""
        shape: list[tuple[str, str]] = []
        for account, folders in accounts:
            shape.append((account.email, ""))
            shape += [(account.email, f.name) for f in folders]
        if shape == self._shape:
            for account, folders in accounts:
                for folder in folders:
                    self._update_item(account.email, folder)
            return
        selected = self.selected_key()
        with QSignalBlocker(self.selectionModel()):
            self._rebuild(accounts)
        self._shape = shape
        for email, (waiting, refused) in self._outbox.items():
            self._show_outbox_row(email, waiting, refused)
        if selected in self._items:
            self.setCurrentIndex(self._items[selected].index())

    def _rebuild(self, accounts: list[tuple[Account, list[Folder]]]) -> None:
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        self._items.clear()
        names = [account.display_name for account, _folders in accounts]
        for account, folders in accounts:
            # People give every account their own name ("Anna Schmidt"): then only the address tells them apart.
            unique = bool(account.display_name) and names.count(account.display_name) == 1
            top = QStandardItem(ui_icon("account"), account.display_name if unique else account.email)
            top.setToolTip(f"{account.display_name}\n{account.email}" if unique else account.email)
            top.setData((account.email, ""), KEY_ROLE)
            top.setData(False, FOLDER_ROLE)  # not a Folder: an account row
            top.setSelectable(False)
            font = top.font()
            font.setBold(True)
            top.setFont(font)
            blank = QStandardItem()
            blank.setAccessibleText(top.text())  # the count cell of an account row says the account
            self.tree_model.appendRow([top, blank])
            # An account row has no count: its name may use the count column's width too.
            self.setFirstColumnSpanned(top.row(), QModelIndex(), True)
            self._items[(account.email, "")] = top
            for folder in folders:
                self._add_folder(account.email, folder, top)
            self.expand(top.index())

    def _add_folder(self, email: str, folder: Folder, top: QStandardItem) -> None:
        parent = top
        if folder.delimiter and folder.delimiter in folder.name and folder.special_use is SpecialUse.NONE:
            parent = self._items.get((email, folder.name.rsplit(folder.delimiter, 1)[0]), top)
        icon = ui_icon(SPECIAL_ICONS.get(folder.special_use, "folder"))
        item = QStandardItem(icon, folder_label(folder))
        item.setData((email, folder.name), KEY_ROLE)
        item.setToolTip(folder.name)
        item.setSelectable(folder.selectable)
        count = QStandardItem()
        count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        count.setSelectable(folder.selectable)
        parent.appendRow([item, count])
        self._items[(email, folder.name)] = item
        self._update_item(email, folder)
        if parent is not top:
            self.expand(parent.index())

    def _update_item(self, email: str, folder: Folder) -> None:
        item = self._items.get((email, folder.name))
        if item is None:
            return
        item.setData(folder, FOLDER_ROLE)
        unread = folder.unread if folder.special_use not in NO_COUNT else 0
        parent = item.parent() or self.tree_model.invisibleRootItem()
        count = parent.child(item.row(), 1)
        font = QFont(item.font())
        font.setBold(unread > 0)
        item.setFont(font)
        if count is not None:
            count.setText(QLocale().toString(unread) if unread else "")
            count.setFont(font)
        label = folder_label(folder)
        spoken = ngettext("{folder}, {n} unread", "{folder}, {n} unread", unread).format(folder=label, n=unread)
        spoken = spoken if unread else label
        item.setAccessibleText(spoken)
        if count is not None:  # a screen reader on the count cell says the folder too, not a bare "3" or nothing
            count.setAccessibleText(spoken)

    # -- the Outbox (not an IMAP folder: messages waiting in the store to go out) ---------------

    def set_outbox(self, email: str, waiting: int, refused: int) -> None:
        """Show an Outbox row under the account while messages wait; none when the outbox is empty."""
        self._outbox = {e: n for e, n in self._outbox.items() if e != email}
        if waiting:
            self._outbox[email] = (waiting, refused)
        self._show_outbox_row(email, waiting, refused)

    def _show_outbox_row(self, email: str, waiting: int, refused: int) -> None:
        top = self._items.get((email, ""))
        item = self._items.get((email, OUTBOX))
        if top is None:
            return
        if not waiting:
            if item is not None:
                top.removeRow(item.row())
                del self._items[(email, OUTBOX)]
            return
        if item is None:
            item = QStandardItem(ui_icon("sent"), pgettext("folder", "Outbox"))
            item.setData((email, OUTBOX), KEY_ROLE)
            item.setData(False, FOLDER_ROLE)
            item.setSelectable(False)  # a click opens its menu; the open folder stays as it is
            count = QStandardItem()
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            count.setSelectable(False)
            top.insertRow(self._outbox_position(top), [item, count])
            self._items[(email, OUTBOX)] = item
        count = top.child(item.row(), 1)
        font = QFont(item.font())
        font.setBold(refused > 0)
        item.setFont(font)
        if count is not None:
            count.setText(QLocale().toString(waiting))
            count.setFont(font)
        if refused:
            tip = ngettext("{n} not sent: click to fix it", "{n} not sent: click to fix them", refused).format(
                n=refused
            )
        else:
            tip = _("Waiting to be sent with the next check")
        item.setToolTip(tip)
        item.setAccessibleText(
            ngettext(
                "Outbox, {n} waiting, {refused} not sent", "Outbox, {n} waiting, {refused} not sent", waiting
            ).format(n=waiting, refused=refused)
        )
        if count is not None:
            count.setAccessibleText(item.accessibleText())

    def _outbox_position(self, top: QStandardItem) -> int:
        """Right after Drafts and Sent, where people look for what they wrote."""
        row = 0
        for i in range(top.rowCount()):
            child = top.child(i)
            folder = child.data(FOLDER_ROLE) if child is not None else None
            if isinstance(folder, Folder) and folder.special_use in BEFORE_OUTBOX:
                row = i + 1
        return row

    def _clicked(self, index: QModelIndex) -> None:
        key = index.siblingAtColumn(0).data(KEY_ROLE)
        if key and key[1] == OUTBOX:
            self.outbox_clicked.emit(str(key[0]), self.visualRect(index.siblingAtColumn(0)))

    # -- dropping messages ----------------------------------------------------------------------

    def drop_target(self, event: QDropEvent | QDragMoveEvent) -> FolderRef | None:
        """The folder under the pointer when the drag carries messages of its account from another folder."""
        carried = dragged(event.mimeData())
        index = self.indexAt(event.position().toPoint()).siblingAtColumn(0)
        folder = index.data(FOLDER_ROLE) if index.isValid() else None
        key = index.data(KEY_ROLE) if index.isValid() else None
        if carried is None or not isinstance(folder, Folder) or not key or key[0] != carried.email:
            return None
        if not folder.selectable or carried.folder_ids == {folder.id}:
            return None
        return FolderRef(str(key[0]), folder)

    def _drop_action(self, event: QDropEvent | QDragMoveEvent, email: str) -> Qt.DropAction:
        """Move, or copy while the platform's copy key is held (Ctrl; Option on macOS) and the account can."""
        if event.modifiers() & COPY_KEY and self.can_copy(email):
            return Qt.DropAction.CopyAction
        return Qt.DropAction.MoveAction

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dragged(event.mimeData()) is None:
            event.ignore()
            return
        event.acceptProposedAction()  # each folder then says yes or no as the pointer moves over it

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        target = self.drop_target(event)
        index = self.indexAt(event.position().toPoint()).siblingAtColumn(0)
        self._set_drop_target(index if target is not None else QModelIndex())
        if target is None:
            event.ignore()
            return
        event.setDropAction(self._drop_action(event, target.email))
        event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(QModelIndex())
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(QModelIndex())
        target = self.drop_target(event)
        if target is None:
            event.ignore()
            return
        action = self._drop_action(event, target.email)
        event.setDropAction(action)
        event.accept()
        self.messages_dropped.emit(target, action == Qt.DropAction.CopyAction)

    def _set_drop_target(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE) if index.isValid() else None
        key = (str(key[0]), str(key[1])) if key else None
        if key != self._drop_key:
            self._drop_key = key
            self.viewport().update()

    def drawRow(
        self, painter: QPainter, options: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        key = index.sibling(index.row(), 0).data(KEY_ROLE) if self._drop_key is not None else None
        if key and (str(key[0]), str(key[1])) == self._drop_key:
            colour = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            colour.setAlpha(110)
            painter.fillRect(options.rect, colour)
        super().drawRow(painter, options, index)

    # -- selection -----------------------------------------------------------------------------

    def selected_key(self) -> tuple[str, str] | None:
        index = self.currentIndex().siblingAtColumn(0)
        key = index.data(KEY_ROLE) if index.isValid() else None
        return (str(key[0]), str(key[1])) if key else None

    def selected(self) -> FolderRef | None:
        index = self.currentIndex().siblingAtColumn(0)
        folder = index.data(FOLDER_ROLE) if index.isValid() else None
        key = index.data(KEY_ROLE) if index.isValid() else None
        return FolderRef(key[0], folder) if isinstance(folder, Folder) and key else None

    def select(self, email: str, folder_name: str) -> bool:
        item = self._items.get((email, folder_name))
        if item is None:
            return False
        self.setCurrentIndex(item.index())
        return True

    def select_first_inbox(self) -> None:
        for (email, name), item in self._items.items():
            folder = item.data(FOLDER_ROLE)
            if name and isinstance(folder, Folder) and folder.special_use is SpecialUse.INBOX:
                self.select(email, name)
                return

    def folders_of(self, email: str) -> list[Folder]:
        return [
            item.data(FOLDER_ROLE)
            for (owner, name), item in self._items.items()
            if owner == email and name and isinstance(item.data(FOLDER_ROLE), Folder)
        ]

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ref = self.selected()
        if ref is not None:
            self.folder_selected.emit(ref)
