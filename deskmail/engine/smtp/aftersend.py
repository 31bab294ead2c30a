"""What follows once a message has left (now, or later from the Outbox): its draft goes, its original is marked.

Both are local-first, through the store and the pending-actions queue, so they also work when
the message left while the incoming server could not be reached, and survive a restart:

- the draft (same Message-ID as the message) leaves the local drafts and the Drafts folder's list
  at once; the server's copies are expunged by UID on the next replay;
- the message it replies to gets \\Answered (In-Reply-To), the one it forwards $Forwarded
  (X-Forwarded-Message-Id), on every copy the store knows (Inbox, All Mail, ...).
"""

from __future__ import annotations

import logging
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from deskmail.engine.imap.actions import Actions
from deskmail.engine.mime.compose import FORWARDED_HEADER
from deskmail.engine.smtp.outbox import LocalDrafts, OutboxItem
from deskmail.engine.store.models import SpecialUse
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

ANSWERED, FORWARDED = "\\Answered", "$Forwarded"
_MSGID = re.compile(r"<[^<>\s]{1,500}>")


def originals(head: bytes) -> list[tuple[str, str]]:
    """(Message-ID, flag) pairs a sent message earns its originals, read from its header block."""
    end = re.search(rb"\r?\n\r?\n", head)
    fields = BytesHeaderParser(policy=compat32).parsebytes(head[: end.end()] if end else head)
    found = []
    for header, flag in (("In-Reply-To", ANSWERED), (FORWARDED_HEADER, FORWARDED)):
        match = _MSGID.search(str(fields.get(header, "")))
        if match:
            found.append((match.group(0), flag))
    return found


def drafts_to_expunge(store: Store, message_id: str, server_uid: int, uidvalidity: int) -> tuple[int, list[int]]:
    """The Drafts folder's id and the UIDs there holding this draft (listed by a sync, or known from its upload)."""
    drafts = store.special_folder(SpecialUse.DRAFTS)
    if drafts is None:
        return 0, []
    uids = {m.uid for m in store.messages_by_message_id(message_id) if m.folder_id == drafts.id}
    if server_uid and uidvalidity and uidvalidity == drafts.uidvalidity:  # an older UIDVALIDITY: another message
        uids.add(server_uid)
    return drafts.id, sorted(uids)


def after_sent(store: Store, item: OutboxItem) -> bool:
    """Clean the draft and mark the originals; True when there is something for the server (a replay)."""
    queued = False
    local = LocalDrafts(store)
    record = local.get(item.message_id, heads_only=True)
    local.remove(item.message_id)  # never uploaded again by the next sync
    folder_id, uids = drafts_to_expunge(
        store, item.message_id, record.server_uid if record else 0, record.uidvalidity if record else 0
    )
    drafts = store.folder_by_id(folder_id) if folder_id else None
    if drafts is not None and uids:
        Actions(store).expunge(drafts, uids)
        queued = True
    for original, flag in originals(item.raw):
        for copy in store.messages_by_message_id(original):
            folder = store.folder_by_id(copy.folder_id)
            if folder is None or flag in copy.flags or folder.special_use in (SpecialUse.DRAFTS, SpecialUse.SENT):
                continue
            Actions(store).set_flags(folder, [copy.uid], add=(flag,))
            queued = True
    log.info("outbox %s left: draft cleaned, %d original(s) marked", item.id, len(originals(item.raw)))
    return queued
