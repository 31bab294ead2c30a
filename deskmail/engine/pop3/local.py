"""The folders of a POP3 account: local only, in the same store as IMAP folders.

POP3 knows one mailbox on the server and nothing about folders, read marks or flags. Deskmail keeps
Inbox, Drafts, Sent, Trash, Archive and the person's own folders in the store itself: UIDVALIDITY is
1 and each folder hands out UIDs from its `uidnext` (never reused), so every reader of the store
(mail window, search, CLI) sees them like IMAP folders.

Actions reuse the IMAP local-first code (engine/imap/actions.py, folderops.py), which changes the
store at once and queues an operation for the server; for local folders `settle` then completes each
queued operation in the store right away (the store is the "server"): a move gives the message a
new UID in its new folder (same row, so its body and search entry follow), a delete for good
removes it. Nothing here ever talks to the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from deskmail.engine.imap.actions import MOVE_BY_ID, landed_key
from deskmail.engine.imap.folderops import CREATE, DELETE, RENAME
from deskmail.engine.store.models import Folder, FolderInfo, SpecialUse
from deskmail.engine.store.writer import Store

LOCAL_UIDVALIDITY = 1
LOCAL_FOLDERS = (
    ("INBOX", SpecialUse.INBOX),
    ("Drafts", SpecialUse.DRAFTS),
    ("Sent", SpecialUse.SENT),
    ("Trash", SpecialUse.TRASH),
    ("Archive", SpecialUse.ARCHIVE),
)


def ensure_local_folders(store: Store) -> Folder:
    """Create the standard folders once (a renamed or existing one is left alone); returns the Inbox."""
    with store.transaction():
        for name, use in LOCAL_FOLDERS:
            if store.special_folder(use) is None and store.folder(name) is None:
                folder = store.upsert_folder(FolderInfo(name, "/", use, subscribed=True))
                store.conn.execute(
                    # uidnext 0 = "never synced": the first download brings old mail, not news to announce.
                    "UPDATE folders SET uidvalidity = ?, uidnext = 0, synced_at = 1 WHERE id = ?",
                    (LOCAL_UIDVALIDITY, folder.id),
                )
    inbox = store.special_folder(SpecialUse.INBOX) or store.folder("INBOX")
    assert inbox is not None
    return inbox


def next_uids(store: Store, folder_id: int, count: int) -> list[int]:
    """`count` fresh UIDs of a local folder (call inside the transaction that uses them)."""
    row = store.conn.execute(
        "SELECT max(uidnext, coalesce((SELECT max(uid) + 1 FROM messages WHERE folder_id = ?), 1)) "
        "FROM folders WHERE id = ?",
        (folder_id, folder_id),
    ).fetchone()
    first = int(row[0]) if row and row[0] else 1
    store.conn.execute(
        "UPDATE folders SET uidnext = ?, uidvalidity = ? WHERE id = ?", (first + count, LOCAL_UIDVALIDITY, folder_id)
    )
    return list(range(first, first + count))


def move_local(store: Store, source: Folder, uids: list[int], destination_id: int) -> int:
    """Give the messages new UIDs in the destination folder (same rows: body, search entry, UIDL follow)."""
    with store.transaction():
        fresh = next_uids(store, destination_id, len(uids))
        message_ids = store.message_ids_of(source.id, uids)
        store.conn.executemany(
            "UPDATE messages SET folder_id = ?, uid = ?, hidden = 0 WHERE folder_id = ? AND uid = ?",
            [(destination_id, new, source.id, old) for old, new in zip(uids, fresh, strict=True)],
        )
        destination = store.folder_by_id(destination_id)
        if destination is not None:  # where they landed, as COPYUID tells on IMAP: an Undo finds them by it
            landed = [(landed_key(source.name, old), new) for old, new in zip(uids, fresh, strict=True)]
            landed += [(message_ids[old], new) for old, new in zip(uids, fresh, strict=True) if message_ids.get(old)]
            store.note_moved(destination.name, destination.uidvalidity, landed)
        store.refresh_unread(source.id)
        store.refresh_unread(destination_id)
    return len(uids)


def settle(store: Store) -> None:
    """Complete every queued action in the store itself: for local folders there is no server to wait for."""
    for op in store.pending_ops():
        with store.transaction():
            folder = store.folder_by_id(op.folder_id)
            if folder is None:
                store.finish_op(op.id)
                continue
            if op.kind == "move":
                destination = store.folder(str(op.args.get("destination", "")))
                if destination is None:
                    store.set_hidden(folder.id, op.uids, False)  # the folder went meanwhile: keep them here
                else:
                    move_local(store, folder, list(op.uids), destination.id)
            elif op.kind == MOVE_BY_ID:  # an Undo's move back
                _move_back(store, folder, op.uids, op.args)
            elif op.kind == "expunge":
                store.remove_uids(folder.id, op.uids)
            elif op.kind == DELETE:
                store.remove_folder(folder.name)
            elif op.kind not in ("flags", CREATE, RENAME):
                raise ValueError(f"unknown pending operation {op.kind!r}: {json.dumps(op.args)}")
            store.finish_op(op.id)
            if op.kind in ("move", "expunge", "flags"):
                store.refresh_unread(folder.id)


def _move_back(store: Store, folder: Folder, uids: Iterable[int], args: dict[str, Any]) -> None:
    """Undo of a local move: the messages by their recorded UIDs, else by Message-ID, back where they were."""
    wanted = set(uids)
    by_id = [str(mid) for uid, mid in args.get("pairs", []) if not int(uid) and mid]
    if by_id:
        rows = store.conn.execute(
            "SELECT uid FROM messages WHERE folder_id = ? AND message_id IN (SELECT value FROM json_each(?))",
            (folder.id, json.dumps(by_id)),
        )
        wanted |= {int(uid) for (uid,) in rows}
    destination = store.folder(str(args.get("destination", "")))
    if destination is None:
        store.set_hidden(folder.id, sorted(wanted), False)  # the folder went meanwhile: keep them here
    elif wanted:
        move_local(store, folder, sorted(wanted), destination.id)
