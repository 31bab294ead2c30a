"""Which messages a sync brought into an Inbox: compare the Inbox before and after it."""

from __future__ import annotations

from dataclasses import dataclass

from deskmail.engine.store.models import MessageSummary, SpecialUse
from deskmail.engine.store.reader import StoreReader


@dataclass(frozen=True)
class InboxMark:
    """How far the Inbox went before a sync: everything above `max_uid` afterwards is new."""

    folder_id: int
    uidvalidity: int
    max_uid: int


def inbox_mark(reader: StoreReader | None) -> InboxMark | None:
    """The Inbox before a sync; None when it was never synced (the first sync brings old mail, not new)."""
    if reader is None:
        return None
    inbox = reader.special_folder(SpecialUse.INBOX)
    if inbox is None or inbox.uidnext == 0:
        return None
    return InboxMark(inbox.id, inbox.uidvalidity, reader.max_uid(inbox.id))


def new_unread(reader: StoreReader | None, mark: InboxMark | None) -> list[MessageSummary]:
    """Unread Inbox messages that arrived since `mark`, newest first ([] after a first or reset sync)."""
    if reader is None or mark is None:
        return []
    inbox = reader.folder_by_id(mark.folder_id)
    if inbox is None or inbox.uidvalidity != mark.uidvalidity:  # UIDs renumbered: nothing is provably new
        return []
    return reader.messages_after_uid(mark.folder_id, mark.max_uid, unread_only=True)
