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

from deskmail.core.i18n import ngettext
from deskmail.engine.imap.folderops import FOLDER_OPS, pending_server_names, replay_folder_op
from deskmail.engine.imap.session import CopyUids, ImapSession
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store.models import Folder, PendingOp, SpecialUse
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)
SEEN, FLAGGED, DELETED = "\\Seen", "\\Flagged", "\\Deleted"
JUNK, NOT_JUNK = "$Junk", "$NotJunk"  # the keywords Thunderbird, Apple Mail and providers' filters share
MOVE_BY_ID = "move_by_id"  # an Undo's move: the messages are found by COPYUID record or Message-ID


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

    def copy(self, folder: Folder, uids: Iterable[int], destination: Folder) -> int:
        """Nothing changes here; the server copies on replay and the destination's next sync shows the copies."""
        return self.store.add_op("copy", folder.id, sorted(set(uids)), {"destination": destination.name}, {})

    def archive(self, folder: Folder, uids: Iterable[int]) -> int:
        archive = self.store.special_folder(SpecialUse.ARCHIVE)
        if archive is None:
            raise ValueError("this account has no Archive folder")
        return self.move(folder, uids, archive)

    def mark_junk(self, folder: Folder, uids: Iterable[int], junk: bool = True) -> int:
        """Junk: tag $Junk (the keyword spam filters learn from) and move to Junk; Not Junk: $NotJunk, to the Inbox."""
        wanted = sorted(set(uids))
        tag, untag = (JUNK, NOT_JUNK) if junk else (NOT_JUNK, JUNK)
        op_id = self.set_flags(folder, wanted, add=(tag,), remove=(untag,))
        target = self.store.special_folder(SpecialUse.JUNK if junk else SpecialUse.INBOX)
        if target is None or target.id == folder.id:  # no Junk folder, or already there: the tag is all
            return op_id
        return self.move(folder, wanted, target)

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
        if not store.claim_op(op.id):
            continue  # undone meanwhile (the window's actions run beside this replay): nothing to send
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
            _send(session, server_names.get(folder.id, folder.name), op, store)
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


def _send(session: ImapSession, folder_name: str, op: PendingOp, store: Store) -> None:
    if session.selected != folder_name or session.readonly:
        session.select(folder_name)
    uids = list(op.uids)
    if op.kind == "flags":
        session.store_flags(uids, add=tuple(op.args.get("add", ())), remove=tuple(op.args.get("remove", ())))
    elif op.kind == "move":
        landed = session.move(uids, str(op.args["destination"]))
        _note_landed(store, op, folder_name, landed, store.message_ids_of(op.folder_id, uids))
    elif op.kind == "copy":
        session.copy(uids, str(op.args["destination"]))
    elif op.kind == MOVE_BY_ID:
        found = find_moved(session, store, op)
        if found:
            _note_landed(store, op, folder_name, session.move(sorted(found), str(op.args["destination"])), found)
    elif op.kind == "expunge":
        session.expunge(uids)
    else:
        raise ValueError(f"unknown pending operation {op.kind!r}")


def landed_key(folder: str, uid: int) -> str:
    """How `moved_to` knows a message by where it came from (also for messages without a Message-ID)."""
    return f"\0{folder}\0{uid}"


def _note_landed(store: Store, op: PendingOp, source: str, landed: CopyUids, message_ids: dict[int, str]) -> None:
    """Remember where moved messages landed (COPYUID), so an Undo finds them without searching."""
    pairs = [(landed_key(source, old), new) for old, new in landed.uids.items()]
    pairs += [(message_ids[old], new) for old, new in landed.uids.items() if message_ids.get(old)]
    if pairs:
        store.note_moved(str(op.args["destination"]), landed.uidvalidity, pairs)


def find_moved(session: ImapSession, store: Store, op: PendingOp) -> dict[int, str]:
    """UID -> Message-ID of an Undo's messages in the selected folder: by COPYUID record, else by Message-ID."""
    folder = store.folder_by_id(op.folder_id)
    uidvalidity = folder.uidvalidity if folder is not None else 0
    name = folder.name if folder is not None else ""
    found: dict[int, str] = {}
    for hint, message_id in op.args.get("pairs", []):
        uid = int(hint) or (store.moved_uid(name, message_id, uidvalidity) if message_id and uidvalidity else 0)
        if uid:  # a hint is exact: the move it undoes never reached the server
            found[uid] = message_id
        elif message_id:
            found.update((u, message_id) for u in session.search_message_id(message_id))
    return found


def _confirm(store: Store, folder: Folder, op: PendingOp) -> None:
    with store.transaction():
        if op.kind == "expunge":
            store.remove_uids(folder.id, op.uids)
        # Moved messages stay hidden here until this folder's next sync forgets them: an Undo meanwhile
        # shows them again at once, even offline. The destination's sync brings the moved copies.
        store.finish_op(op.id)
        store.refresh_unread(folder.id)


def _roll_back(store: Store, folder: Folder, op: PendingOp, exc: ImapError) -> RolledBack:
    log.warning("server refused %s on %s: %s", op.kind, folder.name, exc)
    with store.transaction():
        if op.kind == "flags":
            previous = op.undo.get("flags", {})
            store.update_flags(folder.id, [(int(uid), tuple(flags), 0) for uid, flags in previous.items()])
        elif op.kind == MOVE_BY_ID:
            ids = [str(mid) for _uid, mid in op.args.get("pairs", [])]
            store.set_hidden_by_message_id(folder.id, ids, False)
            store.set_hidden(folder.id, op.uids, False)
            destination = store.folder(str(op.args["destination"]))
            if destination is not None:
                store.set_hidden_by_message_id(destination.id, ids, True)
        else:
            store.set_hidden(folder.id, op.uids, False)
        store.finish_op(op.id)
        store.refresh_unread(folder.id)
    return RolledBack(op, _explain(op, folder, len(op.uids)), exc.text)


def _explain(op: PendingOp, folder: Folder, count: int) -> str:
    words = {"n": count, "folder": folder.display_name, "destination": op.args.get("destination", "")}
    if op.kind in ("move", MOVE_BY_ID):
        text = ngettext(
            "The server refused to move 1 message from {folder} to {destination}. It is back where it was.",
            "The server refused to move {n} messages from {folder} to {destination}. They are back where they were.",
            count,
        )
    elif op.kind == "copy":
        text = ngettext(
            "The server refused to copy 1 message from {folder} to {destination}.",
            "The server refused to copy {n} messages from {folder} to {destination}.",
            count,
        )
    elif op.kind == "expunge":
        text = ngettext(
            "The server refused to delete 1 message in {folder}. It is back in the list.",
            "The server refused to delete {n} messages in {folder}. They are back in the list.",
            count,
        )
    else:
        text = ngettext(
            "The server refused to change 1 message in {folder}. The change was undone.",
            "The server refused to change {n} messages in {folder}. The change was undone.",
            count,
        )
    return text.format(**words)
