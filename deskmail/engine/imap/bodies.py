"""Message bodies on demand: BODY.PEEK[] (never marks read), small ones in the store, big ones on disk.

A big message is streamed from the socket into a file in chunks, so a 50 MB message never sits
whole in memory. MIME parsing is not done here (see deskmail.engine.mime): callers get raw bytes
or a path to the raw file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine import limits
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.store.reader import Body
from deskmail.engine.store.writer import Store

INLINE_LIMIT = limits.BODY_IN_MEMORY  # bigger messages stay in a file next to the store


class MessageGone(Exception):
    """The message is no longer in the store or on the server."""


def bodies_dir(store: Store) -> Path:
    return store.bodies_dir


def ensure_body(
    session: ImapSession, store: Store, message_id: int, cancel: CancelToken = NEVER, *, readonly: bool = True
) -> Body:
    """The raw message, from the store if fetched before, else from the server (then kept).

    `cancel` stops the download between chunks (or a stalled read): Cancelled is raised, no partial
    file is left and `session` is closed (the rest of the message is still on the wire), so drop it.
    `readonly=False` selects the folder read-write, for callers that replay flag changes on it next.
    """
    cached = store.body(message_id)
    if cached is not None and (cached.path is None or cached.path.exists()):
        return cached
    message = store.message(message_id)
    folder = store.folder_by_id(message.folder_id) if message else None
    if message is None or folder is None:
        raise MessageGone(f"message {message_id} is not in the store")
    cancel.raise_if_cancelled()
    if session.selected != folder.name or (session.readonly and not readonly):
        session.select(folder.name, readonly=readonly)
    # Always streamed to a file in chunks: what decides "small" is the size that arrived, not the
    # RFC822.SIZE the server declared (a hostile one declares 1 KB and sends 190 MB).
    path = bodies_dir(store) / f"{message_id}.eml"
    size = fetch_to_file(session, message.uid, path, cancel)
    if not size:
        path.unlink(missing_ok=True)
        raise MessageGone(f"message {message_id} is no longer on the server")
    if size <= INLINE_LIMIT:  # small ones live in the store
        raw = path.read_bytes()
        store.save_body(message_id, raw=raw, size=len(raw))
        path.unlink(missing_ok=True)
    else:
        store.save_body(message_id, path=path, size=size)
    body = store.body(message_id)
    assert body is not None
    return body


def fetch_to_file(session: ImapSession, uid: int, destination: Path, cancel: CancelToken = NEVER) -> int:
    """Stream one message of the selected folder into `destination` (written atomically, nothing left if cancelled)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as sink:
            size = session.fetch_body(uid, sink=sink, cancel=cancel)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    assert isinstance(size, int)
    return size
