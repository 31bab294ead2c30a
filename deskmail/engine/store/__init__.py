"""The local mail store: one SQLite file per account (WAL, migrations in sql/, see schema.py).

Everything the mail window shows comes from here; the sync engine keeps it equal to the server.

Opening:
    store = Store.open_for(paths, "alice@example.test")   # the single writer (sync worker thread)
    reader = store.reader()                               # read-only connection for the GUI thread
    reader = StoreReader.open(store_path(paths, email))   # same, without a writer object

Read API (StoreReader; the writer `Store` has it too):
    reader.folders() -> list[Folder]             inbox first, then drafts/sent/archive/junk/trash, A-Z
    reader.folder(name) / folder_by_id(id) / special_folder(SpecialUse.SENT) -> Folder | None
    reader.messages(folder_id, limit=0, offset=0) -> list[MessageSummary]   newest first, hidden excluded
    reader.iter_messages(folder_id, limit=0, offset=0) -> Iterator[...]    the same, row by row (constant memory)
    reader.message_count(folder_id, unread_only=False) -> int
    reader.visible_count(folder_id) -> int       message_count(folder_id) as the store keeps it (one row)
    reader.message(id) / message_by_uid(folder_id, uid) -> MessageSummary | None
    reader.messages_by_message_id("<id@host>") -> list[MessageSummary]      every folder
    reader.body(message_id) -> Body | None       `.read()` gives the raw RFC 5322 bytes
    reader.search("words", folder_id=None, limit=200) -> list[MessageSummary]  FTS5, prefix match
    reader.search_backlog() -> int               messages not in the search index yet (search finds them too)
    with reader.cancellable(token): ...          queries inside stop with Cancelled soon after token.cancel()
                                                 (the window's search on a worker, superseded by typing)
    reader.suggest_addresses("ali", limit=10) -> list[AddressSuggestion]
    reader.pending_ops() -> list[PendingOp]
    reader.uids_needing_preview(folder_id, newest=1000, limit=100) -> list[int]   for the preview pass
    reader.data_version() -> int                 changes when another connection commits: poll it
                                                 (e.g. every 250 ms) to know when to refresh a view

Folder fields: id, name, display_name, delimiter, special_use (SpecialUse), subscribed, selectable,
exists, unread, uidvalidity, uidnext, highestmodseq. MessageSummary: id (stable row id), folder_id,
uid, flags (tuple, e.g. ("\\Seen",)), seen/flagged/answered properties, subject, from_name,
from_addr, to_addrs, cc_addrs (decoded text), date (Unix seconds), size, message_id, in_reply_to,
refs (space separated), has_attachments, preview, modseq.

Search index: a header sync only stores rows; `store.index_backlog()` adds them to the FTS5 index
later, one short transaction a batch (the window's worker in idle time), see fulltext.py.

Schema changes: add `sql/NNNN_name.sql` with the next number (never edit a landed file); it runs
once, in a transaction, when a store is opened. Writes happen only through `Store` on the account's
worker thread; other code asks that thread.
"""

from deskmail.engine.store.models import (
    AddressSuggestion,
    Folder,
    FolderInfo,
    MessageHeaders,
    MessageSummary,
    PendingOp,
    SpecialUse,
)
from deskmail.engine.store.reader import Body, StoreReader
from deskmail.engine.store.writer import Store, account_dir, store_path

__all__ = [
    "AddressSuggestion",
    "Body",
    "Folder",
    "FolderInfo",
    "MessageHeaders",
    "MessageSummary",
    "PendingOp",
    "SpecialUse",
    "Store",
    "StoreReader",
    "account_dir",
    "store_path",
]
