"""Folder changes (create, rename, delete, subscribe): online only, then reflected in the store.

Unlike message actions these are not queued: a person creating a folder expects to see the
server accept the name (or hear why not) there and then.
"""

from __future__ import annotations

from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import FolderSync
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store


def create_folder(session: ImapSession, store: Store, name: str) -> Folder:
    session.create_folder(name)
    session.subscribe(name)
    FolderSync(session, store).sync_folder_list()
    folder = store.folder(name)
    assert folder is not None, f"the server did not list {name!r} after creating it"
    return folder


def rename_folder(session: ImapSession, store: Store, old: str, new: str) -> Folder:
    """Rename on the server; the store keeps the messages (a new UIDVALIDITY would refetch them)."""
    if session.selected == old:
        session.unselect()
    session.rename_folder(old, new)
    session.subscribe(new)
    store.rename_folder(old, new)
    FolderSync(session, store).sync_folder_list()
    folder = store.folder(new)
    assert folder is not None
    return folder


def delete_folder(session: ImapSession, store: Store, name: str) -> None:
    if session.selected == name:
        session.unselect()
    session.delete_folder(name)
    store.remove_folder(name)


def set_subscribed(session: ImapSession, store: Store, name: str, subscribed: bool) -> None:
    session.subscribe(name, subscribed)
    FolderSync(session, store).sync_folder_list()
