"""Folder changes (create, rename, delete): applied to the store at once, queued, replayed like message actions.

They work offline: the folder list changes now, the change waits in `pending_ops` (which survives
restarts) and `actions.replay` sends it with the next connection. A refused change is undone in
the store and explained in plain words, like a refused move.
"""

from __future__ import annotations

import logging

from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.i18n import _, ngettext
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store.models import Folder, FolderInfo, PendingOp, SpecialUse
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

CREATE, RENAME, DELETE = "create_folder", "rename_folder", "delete_folder"
FOLDER_OPS = frozenset({CREATE, RENAME, DELETE})
MAX_NAME = 200  # characters: servers refuse far longer names, and nobody types them


class FolderActions:
    """Local-first folder changes for one account's store (call from its worker thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, name: str, parent: Folder | None = None) -> Folder:
        """A new folder (inside `parent` if given), shown at once; the server creates it on replay."""
        delimiter = parent.delimiter if parent else self._delimiter()
        leaf = _clean(name, delimiter)
        full = self._free(f"{parent.name}{delimiter}{leaf}" if parent else leaf)
        with self.store.transaction():
            folder = self.store.upsert_folder(FolderInfo(full, delimiter, subscribed=True))
            self.store.add_op(CREATE, folder.id, [], {"name": full}, {})
        return folder

    def rename(self, folder: Folder, new_name: str) -> Folder:
        """A new name for a folder of the person's own, at once; the server follows on replay."""
        _refuse_special(folder, _("The {folder} folder cannot be renamed: Deskmail and your provider need it."))
        parent, delimiter, _leaf = folder.name.rpartition(folder.delimiter)
        new = f"{parent}{delimiter}{_clean(new_name, folder.delimiter)}"
        if new == folder.name:
            return folder
        if new.lower() != folder.name.lower():
            self._free(new)
        with self.store.transaction():
            self.store.rename_folder(folder.name, new)
            self.store.add_op(RENAME, folder.id, [], {"old": folder.name, "new": new}, {})
        renamed = self.store.folder_by_id(folder.id)
        assert renamed is not None
        return renamed

    def delete(self, folder: Folder) -> None:
        """Hide the folder now; its messages stay in the store until the server confirms the delete."""
        _refuse_special(folder, _("The {folder} folder cannot be deleted: Deskmail and your provider need it."))
        with self.store.transaction():
            self.store.set_deleting(folder.id, True)
            self.store.add_op(DELETE, folder.id, [], {"name": folder.name}, {})

    def _delimiter(self) -> str:
        inbox = self.store.folder("INBOX")
        return inbox.delimiter if inbox is not None else "/"

    def _free(self, full: str) -> str:
        """`full` if no folder has that name yet (ignoring case, as several servers do)."""
        taken = (
            full.upper() == "INBOX"
            or self.store.conn.execute("SELECT 1 FROM folders WHERE lower(name) = lower(?)", (full,)).fetchone()
        )
        if taken:
            raise _name_problem(_("There is already a folder called \u201c{name}\u201d.").format(name=full))
        return full


def _clean(name: str, delimiter: str) -> str:
    """The name as typed, spaces tidied; raises a plain-words error for names a server would refuse."""
    name = " ".join(name.split())
    if not name:
        raise _name_problem(_("Please type a name for the folder."))
    if delimiter and delimiter in name:
        raise _name_problem(_("A folder name cannot contain \u201c{character}\u201d.").format(character=delimiter))
    if len(name) > MAX_NAME:
        raise _name_problem(
            ngettext(
                "Please choose a shorter name (at most {n} character).",
                "Please choose a shorter name (at most {n} characters).",
                MAX_NAME,
            ).format(n=MAX_NAME)
        )
    return name


def _name_problem(message: str) -> UserFacingError:
    return UserFacingError(ErrorKind.PROTOCOL_ERROR, message, fix=_("Choose another name."))


def _refuse_special(folder: Folder, message: str) -> None:
    """Refuse to change Inbox, Sent, Drafts, ...; `message` is the translated sentence with {folder}."""
    if folder.name.upper() == "INBOX" or folder.special_use is not SpecialUse.NONE:
        raise UserFacingError(ErrorKind.PROTOCOL_ERROR, message.format(folder=folder.display_name))


def replay_folder_op(session: ImapSession, store: Store, op: PendingOp, server_names: dict[int, str]) -> str:
    """Send one queued folder change; returns a plain message if the server refused it ("" if done).

    `server_names` maps folder ids to the names the server knows them by while renames wait.
    """
    try:
        created = _send(session, op)
    except ImapError as exc:
        if exc.status not in ("NO", "BAD"):
            raise  # the connection broke: the change waits for the next attempt
        log.warning("server refused %s: %s", op.kind, exc)
        return _roll_back(store, op, exc)
    except OSError as exc:
        store.note_op_attempt(op.id, str(exc))
        raise
    with store.transaction():
        store.finish_op(op.id)
        if op.kind == DELETE:
            store.remove_folder(str(op.args["name"]))
        if created and created != op.args["name"]:  # placed inside the server's namespace
            store.rename_folder(str(op.args["name"]), created)
    if op.kind == RENAME:
        server_names[op.folder_id] = str(op.args["new"])
    return ""


def _send(session: ImapSession, op: PendingOp) -> str:
    """Send the change; for a CREATE, returns the name the folder got on the server."""
    if op.kind == CREATE:
        name = session.in_personal_namespace(str(op.args["name"]))
        session.create_folder(name)
        session.subscribe(name)
        return name
    old = str(op.args.get("old") or op.args.get("name"))
    if session.selected == old:
        session.unselect()
        session.selected = None  # also without UNSELECT: select again before using it
    if op.kind == RENAME:
        session.rename_folder(old, str(op.args["new"]))
        session.subscribe(str(op.args["new"]))
    elif op.kind == DELETE:
        session.delete_folder(old)
    else:
        raise ValueError(f"unknown folder operation {op.kind!r}")
    return ""


def _roll_back(store: Store, op: PendingOp, exc: ImapError) -> str:
    with store.transaction():
        store.finish_op(op.id)
        if op.kind == CREATE:
            name = str(op.args["name"])
            store.remove_folder(name)
            text = _("The server refused to create the folder \u201c{name}\u201d, so it was removed again.").format(
                name=name
            )
        elif op.kind == RENAME:
            old, new = str(op.args["old"]), str(op.args["new"])
            store.rename_folder(new, old)
            text = _(
                "The server refused to rename the folder \u201c{old}\u201d to \u201c{new}\u201d. "
                "It has its old name again."
            ).format(old=old, new=new)
        else:
            name = str(op.args["name"])
            store.set_deleting(op.folder_id, False)
            text = _(
                "The server refused to delete the folder \u201c{name}\u201d. It is back in the list with its messages."
            ).format(name=name)
    # The server's own words stay as they came (often English): they help support, not translation.
    if not exc.text:
        return text
    said = _("The server said: {reason}").format(reason=exc.text)
    return f"{text} {said}"


def pending_server_names(ops: list[PendingOp]) -> dict[int, str]:
    """Folder id -> the name the server still uses, for folders renamed while offline."""
    names: dict[int, str] = {}
    for op in ops:
        if op.kind == RENAME and op.folder_id not in names:
            names[op.folder_id] = str(op.args["old"])
    return names
