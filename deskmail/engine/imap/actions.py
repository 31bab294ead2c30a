"""User actions on messages: applied to the store at once, queued, replayed to the server later.

`Actions` (worker thread) records each change in `pending_ops` together with how to undo it.
`replay()` sends the queue in order; a NO/BAD answer rolls that one change back in the store
and yields a plain message; a lost connection leaves the queue for the next attempt (the queue
survives restarts: it is in the store). Folder changes (folderops.py) share the queue, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from deskmail.engine.imap.folderops import FOLDER_OPS, pending_server_names, replay_folder_op
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store.models import Folder, PendingOp, SpecialUse
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)
SEEN, FLAGGED, DELETED = "\\Seen", "\\Flagged", "\\Deleted"


@dataclass(frozen=True)
class RolledBack:
    """A change the server refused; `message` is for people, `details` is the server's text."""

    op: PendingOp
    message: str
    details: str


class Actions:
    """Local-first message actions for one account's store (call from its worker thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def mark_read(self, folder: Folder, uids: Iterable[int], read: bool = True) -> int:
        return self.set_flags(folder, uids, add=(SEEN,) if read else (), remove=() if read else (SEEN,))

    def mark_flagged(self, folder: Folder, uids: Iterable[int], flagged: bool = True) -> int:
        return self.set_flags(folder, uids, add=(FLAGGED,) if flagged else (), remove=() if flagged else (FLAGGED,))

    def set_flags(
        self, folder: Folder, uids: Iterable[int], add: tuple[str, ...] = (), remove: tuple[str, ...] = ()
    ) -> int:
        """Change flags locally now; the server follows on the next replay."""
        wanted = sorted(set(uids))
        with self.store.transaction():
            before = self.store.flags_of(folder.id, wanted)
            previous = {str(uid): list(before[uid]) for uid in wanted if uid in before}
            changes = []
            for uid in wanted:
                if uid in before:
                    flags = [f for f in before[uid] if f not in remove] + [f for f in add if f not in before[uid]]
                    changes.append((uid, tuple(flags), 0))
            self.store.update_flags(folder.id, changes)
            op_id = self.store.add_op(
                "flags", folder.id, wanted, {"add": list(add), "remove": list(remove)}, {"flags": previous}
            )
            self.store.refresh_unread(folder.id)
        return op_id

    def move(self, folder: Folder, uids: Iterable[int], destination: Folder) -> int:
        """Hide the messages here now; the server moves them on replay; the next sync shows them there."""
        wanted = sorted(set(uids))
        with self.store.transaction():
            self.store.set_hidden(folder.id, wanted, True)
            op_id = self.store.add_op("move", folder.id, wanted, {"destination": destination.name}, {"hidden": True})
            self.store.refresh_unread(folder.id)
        return op_id

    def archive(self, folder: Folder, uids: Iterable[int]) -> int:
        archive = self.store.special_folder(SpecialUse.ARCHIVE)
        if archive is None:
            raise ValueError("this account has no Archive folder")
        return self.move(folder, uids, archive)

    def delete(self, folder: Folder, uids: Iterable[int]) -> int:
        """To Trash; in Trash itself (or without one) delete for good."""
        trash = self.store.special_folder(SpecialUse.TRASH)
        if trash is not None and trash.id != folder.id:
            return self.move(folder, uids, trash)
        return self.expunge(folder, uids)

    def expunge(self, folder: Folder, uids: Iterable[int]) -> int:
        """Delete for good: gone from the list now, from the server on replay (the UIDs need not be listed yet)."""
        wanted = sorted(set(uids))
        with self.store.transaction():
            self.store.set_hidden(folder.id, wanted, True)
            op_id = self.store.add_op("expunge", folder.id, wanted, {}, {"hidden": True})
            self.store.refresh_unread(folder.id)
        return op_id


def replay(session: ImapSession, store: Store) -> list[RolledBack]:
    """Send pending changes in order. Refused ones are rolled back; connection errors propagate."""
    rolled_back: list[RolledBack] = []
    ops = store.pending_ops()
    server_names = pending_server_names(ops)  # folders renamed offline keep their old name until replayed
    for op in ops:
        if op.kind in FOLDER_OPS:
            refused = replay_folder_op(session, store, op, server_names)
            if refused:
                rolled_back.append(RolledBack(op, refused, ""))
            continue
        folder = store.folder_by_id(op.folder_id)
        if folder is None:
            store.finish_op(op.id)
            continue
        try:
            _send(session, server_names.get(folder.id, folder.name), op)
        except ImapError as exc:
            if exc.status not in ("NO", "BAD"):
                raise  # the connection broke: keep the op for the next attempt
            rolled_back.append(_roll_back(store, folder, op, exc))
            continue
        except OSError as exc:
            store.note_op_attempt(op.id, str(exc))
            raise
        _confirm(store, folder, op)
    return rolled_back


def _send(session: ImapSession, folder_name: str, op: PendingOp) -> None:
    if session.selected != folder_name or session.readonly:
        session.select(folder_name)
    uids = list(op.uids)
    if op.kind == "flags":
        session.store_flags(uids, add=tuple(op.args.get("add", ())), remove=tuple(op.args.get("remove", ())))
    elif op.kind == "move":
        session.move(uids, str(op.args["destination"]))
    elif op.kind == "expunge":
        session.expunge(uids)
    else:
        raise ValueError(f"unknown pending operation {op.kind!r}")


def _confirm(store: Store, folder: Folder, op: PendingOp) -> None:
    with store.transaction():
        if op.kind in ("move", "expunge"):
            store.remove_uids(folder.id, op.uids)  # the destination's sync brings the moved copies
        store.finish_op(op.id)
        store.refresh_unread(folder.id)


def _roll_back(store: Store, folder: Folder, op: PendingOp, exc: ImapError) -> RolledBack:
    log.warning("server refused %s on %s: %s", op.kind, folder.name, exc)
    with store.transaction():
        if op.kind == "flags":
            previous = op.undo.get("flags", {})
            store.update_flags(folder.id, [(int(uid), tuple(flags), 0) for uid, flags in previous.items()])
        else:
            store.set_hidden(folder.id, op.uids, False)
        store.finish_op(op.id)
        store.refresh_unread(folder.id)
    return RolledBack(op, _explain(op, folder, len(op.uids)), exc.text)


def _explain(op: PendingOp, folder: Folder, count: int) -> str:
    what = "1 message" if count == 1 else f"{count} messages"
    if op.kind == "move":
        return (
            f"The server refused to move {what} from {folder.display_name} to "
            f"{op.args.get('destination', '')}. They are back where they were."
        )
    if op.kind == "expunge":
        return f"The server refused to delete {what} in {folder.display_name}. They are back in the list."
    return f"The server refused to change {what} in {folder.display_name}. The change was undone."
