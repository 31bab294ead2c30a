"""Undo and Redo of message actions, as more queued changes (so they work offline and survive restarts).

`perform` applies an action (flags, move, archive, delete to Trash) like `Actions` and returns a
`Done`: what changed, where, and which messages (UID and Message-ID). `undo(store, done)` puts things
back and returns the `Done` of that undo, so undoing it again is Redo.

- Flags: the inverse flag change, per message (only what the action really changed).
- A move the server has not seen yet: the queued move is dropped and the messages show again.
- A move the server already made: a queued `move_by_id` moves them back; at replay the messages are
  found by the UIDs COPYUID reported (RFC 4315) or, failing that, by a Message-ID search.
Deleting for good (expunge) cannot be undone; the window asks before doing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deskmail.engine.imap.actions import JUNK, MOVE_BY_ID, NOT_JUNK, Actions, landed_key
from deskmail.engine.store.models import Folder, SpecialUse
from deskmail.engine.store.writer import Store

# Every message action `perform` knows; the window has words for each (ui/mail/actions.py WORDINGS).
ACTION_KINDS = ("read", "flag", "delete", "archive", "move", "copy", "junk", "not_junk")

FlagGroup = tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]  # (uids, added, removed)


@dataclass(frozen=True)
class Done:
    """One undoable action of an account. `kind` is "flags" or "move"."""

    kind: str
    folder_id: int  # flags: the folder; move: where the messages came from
    uids: tuple[int, ...]  # in `folder_id`, in the order of `message_ids` (0: not known)
    message_ids: tuple[str, ...]
    destination: str = ""  # move: the folder's name they went to
    destination_uids: tuple[int, ...] = ()  # move: their UIDs there when known (0: not known)
    groups: tuple[FlagGroup, ...] = ()  # flags: what each message got added and removed
    previous: dict[int, tuple[str, ...]] = field(default_factory=dict)  # flags before the change
    op_id: int = 0  # the queued change that did it (0: none)

    @property
    def count(self) -> int:
        return len(self.message_ids)


def perform(store: Store, kind: str, folder: Folder, uids: list[int], value: object = None) -> Done | None:
    """Apply a message action locally and queue it (see `Actions`); None for what cannot be undone."""
    if kind not in ACTION_KINDS:
        raise ValueError(f"unknown action {kind!r}")
    actions = Actions(store)
    wanted = sorted(set(uids))
    if kind in ("read", "flag"):
        flag = "\\Seen" if kind == "read" else "\\Flagged"
        on = bool(value)
        previous = store.flags_of(folder.id, wanted)
        op_id = actions.set_flags(folder, wanted, add=(flag,) if on else (), remove=() if on else (flag,))
        return _flags_done(
            store, folder, wanted, ((tuple(wanted), (flag,) if on else (), () if on else (flag,)),), previous, op_id
        )
    if kind == "delete":
        trash = store.special_folder(SpecialUse.TRASH)
        if trash is None or trash.id == folder.id:
            actions.delete(folder, wanted)  # for good: asked first, no Undo
            return None
        destination = trash
    elif kind == "archive":
        archive = store.special_folder(SpecialUse.ARCHIVE)
        if archive is None:
            raise ValueError("this account has no Archive folder")
        destination = archive
    elif kind == "move" and isinstance(value, Folder):
        destination = value
    elif kind == "copy" and isinstance(value, Folder):
        actions.copy(folder, wanted, value)
        return None  # the originals stay where they were: a copy has nothing to put back
    elif kind in ("junk", "not_junk"):
        # The $Junk/$NotJunk tag stays after an Undo (a hint to spam filters, not a place); the move is undone.
        junk = kind == "junk"
        actions.set_flags(folder, wanted, add=(JUNK if junk else NOT_JUNK,), remove=(NOT_JUNK if junk else JUNK,))
        target = store.special_folder(SpecialUse.JUNK if junk else SpecialUse.INBOX)
        if target is None or target.id == folder.id:
            return None  # only tagged: nothing moved to put back
        destination = target
    else:
        raise ValueError(f"unknown action {kind!r}")
    ids = store.message_ids_of(folder.id, wanted)
    op_id = actions.move(folder, wanted, destination)
    return Done(
        "move", folder.id, tuple(wanted), tuple(ids.get(u, "") for u in wanted), destination.name,
        tuple(0 for _ in wanted), op_id=op_id,
    )  # fmt: skip


def undo(store: Store, done: Done) -> Done:
    """Put back what `done` changed (locally now, on the server with the next replay); returns the Redo."""
    with store.transaction():
        if done.kind == "flags":
            return _undo_flags(store, done)
        return _undo_move(store, done)


def _flags_done(
    store: Store,
    folder: Folder,
    uids: list[int],
    groups: tuple[FlagGroup, ...],
    previous: dict[int, tuple[str, ...]],
    op_id: int,
) -> Done:
    ids = store.message_ids_of(folder.id, uids)
    return Done(
        "flags", folder.id, tuple(uids), tuple(ids.get(u, "") for u in uids), groups=groups,
        previous=previous, op_id=op_id,
    )  # fmt: skip


def _undo_flags(store: Store, done: Done) -> Done:
    """Take back exactly what the change did to each message (a flag it already had stays)."""
    folder = store.folder_by_id(done.folder_id)
    if folder is None:
        return done
    back: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for group, added, removed in done.groups:
        for uid in group:
            before = done.previous.get(uid)
            if before is None:
                continue
            add = tuple(f for f in removed if f in before)
            remove = tuple(f for f in added if f not in before)
            if add or remove:
                back.setdefault((add, remove), []).append(uid)
    every = sorted({u for uids in back.values() for u in uids})
    current = store.flags_of(folder.id, every)
    groups: list[FlagGroup] = []
    op_id = 0
    actions = Actions(store)
    for (add, remove), changed in back.items():
        op_id = actions.set_flags(folder, changed, add=add, remove=remove)
        groups.append((tuple(changed), add, remove))
    return _flags_done(store, folder, every, tuple(groups), current, op_id)


def _undo_move(store: Store, done: Done) -> Done:
    source = store.folder_by_id(done.folder_id)
    destination = store.folder(done.destination)
    if source is None or destination is None:
        return done
    ids = [m for m in done.message_ids if m]
    known = [u for u in done.uids if u]
    store.set_hidden(source.id, known, False)  # still here (or until this folder's next sync): shown at once
    store.set_hidden_by_message_id(source.id, ids, False)
    store.set_hidden_by_message_id(destination.id, ids, True)
    if any(op.id == done.op_id and not op.attempts for op in store.pending_ops()):
        # The server never saw the move: forget it; the messages are where they were, UIDs and all. A move
        # a replay has begun to send (attempts, store.claim_op) may have happened: it is moved back instead.
        store.finish_op(done.op_id)
        there, op_id, back = done.destination_uids, 0, done.uids
    else:
        # Moved on the server: move them back, found there by their COPYUID record or Message-ID.
        there = tuple(
            d or (store.moved_uid(destination.name, landed_key(source.name, u), destination.uidvalidity) if u else 0)
            for u, d in zip(done.uids, done.destination_uids, strict=True)
        )
        store.set_hidden(destination.id, [u for u in there if u], True)
        pairs: list[list[Any]] = [[u, m] for u, m in zip(there, done.message_ids, strict=True)]
        op_id = store.add_op(
            MOVE_BY_ID, destination.id, [u for u in there if u], {"destination": source.name, "pairs": pairs}, {}
        )
        back = tuple(0 for _ in done.uids)  # their UIDs back home are new, known after the replay
    store.refresh_unread(source.id)
    store.refresh_unread(destination.id)
    return Done("move", destination.id, there, done.message_ids, source.name, back, op_id=op_id)
