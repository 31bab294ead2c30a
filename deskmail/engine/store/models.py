"""Plain records the store reads and writes: folders, message headers, pending operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SpecialUse(StrEnum):
    """What a folder is for, from SPECIAL-USE attributes or well-known names."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TRASH = "trash"
    JUNK = "junk"
    ARCHIVE = "archive"
    ALL = "all"
    FLAGGED = "flagged"
    NONE = ""


@dataclass(frozen=True)
class Folder:
    """One folder as the store knows it; `exists`/`unread` are the last known counts."""

    id: int
    name: str
    delimiter: str = "/"
    special_use: SpecialUse = SpecialUse.NONE
    attributes: tuple[str, ...] = ()
    subscribed: bool = False
    selectable: bool = True
    uidvalidity: int = 0
    uidnext: int = 0
    highestmodseq: int = 0
    exists: int = 0
    unread: int = 0
    synced_at: float = 0.0

    @property
    def display_name(self) -> str:
        """The last path component, for the folder tree."""
        return self.name.rsplit(self.delimiter, 1)[-1] if self.delimiter else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "special_use": str(self.special_use),
            "delimiter": self.delimiter,
            "subscribed": self.subscribed,
            "selectable": self.selectable,
            "exists": self.exists,
            "unread": self.unread,
            "uidvalidity": self.uidvalidity,
            "uidnext": self.uidnext,
            "highestmodseq": self.highestmodseq,
        }


@dataclass(frozen=True)
class FolderInfo:
    """A folder as LIST reports it, before the store gives it an id."""

    name: str
    delimiter: str = "/"
    special_use: SpecialUse = SpecialUse.NONE
    attributes: tuple[str, ...] = ()
    subscribed: bool = False
    selectable: bool = True


@dataclass(slots=True)  # tens of thousands per first sync
class MessageHeaders:
    """What a header sync learns about one message (input to `Store.add_messages`)."""

    uid: int
    flags: tuple[str, ...] = ()
    modseq: int = 0
    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    to_addrs: str = ""
    cc_addrs: str = ""
    date: int = 0
    internaldate: int = 0
    size: int = 0
    message_id: str = ""
    in_reply_to: str = ""
    refs: str = ""
    has_attachments: bool = False
    people: list[tuple[str, str]] = field(default_factory=list)  # (name, address) for autocomplete


@dataclass(frozen=True)
class MessageSummary:
    """One row of a message list (no body)."""

    id: int
    folder_id: int
    uid: int
    flags: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    to_addrs: str
    cc_addrs: str
    date: int
    size: int
    message_id: str
    in_reply_to: str
    refs: str
    has_attachments: bool
    preview: str
    modseq: int = 0

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def flagged(self) -> bool:
        return "\\Flagged" in self.flags

    @property
    def answered(self) -> bool:
        return "\\Answered" in self.flags

    @property
    def forwarded(self) -> bool:
        return any(f.lower() == "$forwarded" for f in self.flags)  # keywords are case-insensitive

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "flags": list(self.flags),
            "date": self.date,
            "from": {"name": self.from_name, "address": self.from_addr},
            "to": self.to_addrs,
            "cc": self.cc_addrs,
            "subject": self.subject,
            "size": self.size,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.refs.split(),
            "has_attachments": self.has_attachments,
            "preview": self.preview,
        }


@dataclass(frozen=True)
class PendingOp:
    """A local change waiting for the server: replayed in `id` order, rolled back if refused."""

    id: int
    kind: str  # flags|move|delete|expunge
    folder_id: int
    uids: tuple[int, ...]
    args: dict[str, Any]
    undo: dict[str, Any]
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class AddressSuggestion:
    name: str
    address: str
    times_seen: int
    times_sent_to: int
