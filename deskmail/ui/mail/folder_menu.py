"""New, rename and delete folder: the folder list's context menu (they work offline; the server follows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from deskmail.core.i18n import _, ngettext
from deskmail.engine.store.models import Folder, SpecialUse
from deskmail.ui.mail.confirm import confirm_for_good

if TYPE_CHECKING:
    from deskmail.ui.mail.view import MailView


def own_folder(folder: Folder | None) -> bool:
    """A folder the person made (not the Inbox, Sent, Trash...): only those can be renamed or deleted."""
    return folder is not None and folder.name.upper() != "INBOX" and folder.special_use is SpecialUse.NONE


class FolderMenu:
    """The three folder actions on the folder list's right-click menu."""

    def __init__(self, view: MailView) -> None:
        self.view = view
        self.new = QAction(_("New Folder…"), view)
        self.rename = QAction(_("Rename Folder…"), view)
        self.delete = QAction(_("Delete Folder…"), view)
        self.new.triggered.connect(lambda _checked=False: self.new_folder())
        self.rename.triggered.connect(lambda _checked=False: self.rename_folder())
        self.delete.triggered.connect(lambda _checked=False: self.delete_folder())
        self.phone = QAction(_("Set Up Your Phone\u2026"), view)  # this account on a phone (issue #18)
        self.phone.triggered.connect(lambda _checked=False: view.set_up_phone(self._chosen()[0]))
        self.menu = QMenu(view.folders)
        for action in (self.new, self.rename, self.delete):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.empty_trash = self.menu.addAction(_("Empty Trash…"))  # shown on the Trash only
        self.empty_trash.triggered.connect(lambda _checked=False: view.actions_.empty_trash_now(self._chosen()[0]))
        self.menu.addAction(self.phone)
        view.folders.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.folders.customContextMenuRequested.connect(self._menu_requested)
        view.folders.folder_selected.connect(lambda _ref: self.update_enabled())
        self.update_enabled()

    def _menu_requested(self, where: QPoint) -> None:
        """Right-click picks the folder under the pointer first, as people expect, then opens the menu."""
        index = self.view.folders.indexAt(where)
        if index.isValid():
            self.view.folders.setCurrentIndex(index)
        self.update_enabled()
        self.menu.popup(self.view.folders.viewport().mapToGlobal(where))

    def _chosen(self) -> tuple[str, Folder | None]:
        ref = self.view.folders.selected()
        if ref is not None:
            return ref.email, ref.folder
        key = self.view.folders.selected_key()  # an account's own row (or its Outbox)
        if key is not None:
            return key[0], None
        return (self.view.accounts[0].email if self.view.accounts else ""), None

    def update_enabled(self) -> None:
        email, folder = self._chosen()
        self.new.setEnabled(bool(email))
        self.phone.setEnabled(bool(email))
        for action in (self.rename, self.delete):
            action.setEnabled(own_folder(folder))
        self.empty_trash.setVisible(folder is not None and folder.special_use is SpecialUse.TRASH)

    def new_folder(self) -> None:
        email, _folder = self._chosen()
        if not email:
            return
        name, ok = QInputDialog.getText(self.view, _("New folder"), _("Name of the new folder:"))
        if ok and name.strip():
            self.view.controller.change_folder(email, "create", None, name)

    def rename_folder(self) -> None:
        email, folder = self._chosen()
        if folder is None or not own_folder(folder):
            return
        name, ok = QInputDialog.getText(
            self.view, _("Rename folder"), _("New name for \u201c{name}\u201d:").format(name=folder.display_name),
            QLineEdit.EchoMode.Normal,
            folder.display_name,
        )  # fmt: skip
        if ok and name.strip() and name.strip() != folder.display_name:
            self.view.controller.change_folder(email, "rename", folder.id, name)

    def delete_folder(self) -> None:
        email, folder = self._chosen()
        if folder is None or not own_folder(folder):
            return
        if folder.exists:
            question = ngettext(
                "Delete the folder \u201c{name}\u201d and the message in it?",
                "Delete the folder \u201c{name}\u201d and the {n} messages in it?",
                folder.exists,
            ).format(name=folder.display_name, n=folder.exists)
        else:
            question = _("Delete the folder \u201c{name}\u201d?").format(name=folder.display_name)
        if self._confirm_delete(question):
            self.view.controller.change_folder(email, "delete", folder.id)

    def _confirm_delete(self, question: str) -> bool:
        return confirm_for_good(
            self.view,
            _("Delete folder"),
            question,
            _("They are deleted on the server too, for every device, and cannot be brought back."),
            _("Delete Folder"),
        )
