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
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.store.reader import Body
from deskmail.engine.store.writer import Store

INLINE_LIMIT = 1024 * 1024  # bigger messages go to a file next to the store


class MessageGone(Exception):
    """The message is no longer in the store or on the server."""


def bodies_dir(store: Store) -> Path:
    return store.bodies_dir


def ensure_body(session: ImapSession, store: Store, message_id: int) -> Body:
    """The raw message, from the store if fetched before, else from the server (then kept)."""
    cached = store.body(message_id)
    if cached is not None:
        return cached
    message = store.message(message_id)
    folder = store.folder_by_id(message.folder_id) if message else None
    if message is None or folder is None:
        raise MessageGone(f"message {message_id} is not in the store")
    if session.selected != folder.name:
        session.select(folder.name, readonly=True)
    if message.size and message.size <= INLINE_LIMIT:
        raw = session.fetch_body(message.uid)
        assert isinstance(raw, bytes)
        store.save_body(message_id, raw=raw)
    else:
        path = _stream_to_file(session, message.uid, bodies_dir(store), message_id)
        store.save_body(message_id, path=path, size=path.stat().st_size)
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


def _stream_to_file(session: ImapSession, uid: int, directory: Path, message_id: int) -> Path:
    path = directory / f"{message_id}.eml"
    fetch_to_file(session, uid, path)
    return path
