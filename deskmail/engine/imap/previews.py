"""The preview pass: after a folder's header sync, the start of each new message's text for the list.

Per batch of the newest messages without a preview: one `UID FETCH (BODYSTRUCTURE)` finds the
text part of each (plain preferred, else HTML; attachments skipped), then one
`UID FETCH (BODY.PEEK[part]<0.n>)` per distinct part number fetches only its first bytes, which
`mime.preview` decodes. BODY.PEEK and EXAMINE leave \\Seen alone. A batch is one small task on the
account's worker, so a sync or a click queued meanwhile waits for at most one batch (and the
controller cancels a running batch for them: the token is checked between commands).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine.imap.bodystructure import TextPart
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import KEPT_SELECTED
from deskmail.engine.mime.preview import part_preview
from deskmail.engine.store.models import Folder
from deskmail.engine.store.writer import Store

log = logging.getLogger(__name__)

NEWEST = 1000  # messages per folder that get a preview before they are opened; older ones on opening
BATCH = 100  # messages per task: ~3 commands, small enough that a click waits at most one of them
TEXT_PREFIX = 2048  # bytes of a text/plain part: a few lines even in base64
HTML_PREFIX = 8192  # HTML spends its first kilobytes on <head> and styles before any text
HTML_MORE = 24576  # a second window when the first held no text at all (newsletters' long <style>)


@dataclass
class PreviewReport:
    """What one pass over a folder did (for bench/sync.py and logs)."""

    folder: str
    looked: int = 0  # messages examined
    filled: int = 0  # of those, how many got a preview (the rest have no text part, or it was empty)
    batches: int = 0


def prefix_size(part: TextPart) -> int:
    return HTML_PREFIX if part.subtype == "html" else TEXT_PREFIX


def preview_batch(
    session: ImapSession,
    store: Store,
    folder: Folder,
    *,
    cancel: CancelToken = NEVER,
    batch: int = BATCH,
    newest: int = NEWEST,
) -> tuple[int, int]:
    """Previews for the next `batch` messages of `folder` that need one: (looked at, filled); (0, 0) when done."""
    uids = store.uids_needing_preview(folder.id, newest=newest, limit=batch)
    if not uids:
        if session.selected == folder.name != KEPT_SELECTED:  # the Inbox stays, to be polled by the next sync
            session.unselect()  # so the next sync may check this folder with a cheap STATUS again
        return 0, 0
    cancel.raise_if_cancelled()
    if session.selected != folder.name:
        session.select(folder.name, readonly=True)  # EXAMINE: nothing this pass does can set \Seen
    parts = session.fetch_structures(uids)
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    plain: list[tuple[int, str]] = [(uid, "") for uid in uids if parts.get(uid) is None]  # no text: never again
    for uid, part in parts.items():
        if part is not None:
            groups[(part.section, prefix_size(part))].append(uid)
    store.set_previews(folder.id, plain)
    filled = 0
    for (section, size), members in groups.items():
        cancel.raise_if_cancelled()
        filled += _fill_group(session, store, folder, members, parts, section, size)
    return len(uids), filled


def _fill_group(
    session: ImapSession,
    store: Store,
    folder: Folder,
    uids: list[int],
    parts: dict[int, TextPart | None],
    section: str,
    size: int,
) -> int:
    """Fetch one part number's prefix for these messages and store their previews; returns how many got text."""
    prefixes = session.fetch_prefixes(uids, section, size)
    texts = {uid: _preview(folder, uid, parts.get(uid), prefixes.get(uid, b""), size) for uid in uids}
    # Newsletters can spend more than the first window on <head> and styles: one more window for those.
    again = [uid for uid in uids if not texts[uid] and _cut(parts.get(uid), prefixes.get(uid, b""), size)]
    if again and size == HTML_PREFIX:
        more = session.fetch_prefixes(again, section, HTML_MORE, offset=size)
        for uid in again:
            data = prefixes.get(uid, b"") + more.get(uid, b"")
            texts[uid] = _preview(folder, uid, parts.get(uid), data, size + HTML_MORE)
    store.set_previews(folder.id, list(texts.items()))
    return sum(1 for text in texts.values() if text)


def _cut(part: TextPart | None, data: bytes, size: int) -> bool:
    """The prefix stops before the part ends (the server filled the window it was asked for)."""
    return part is not None and len(data) >= size and (part.size == 0 or part.size > size)


def _preview(folder: Folder, uid: int, part: TextPart | None, data: bytes, size: int) -> str:
    if part is None or not data:
        return ""
    try:
        return part_preview(
            data, subtype=part.subtype, charset=part.charset, encoding=part.encoding, truncated=_cut(part, data, size)
        )
    except Exception:  # one hostile message must not stop the pass (it is logged, it keeps no preview)
        log.exception("no preview for UID %d in %s", uid, folder.name)
        return ""


def fill_previews(
    session: ImapSession, store: Store, folder: Folder, *, cancel: CancelToken = NEVER, newest: int = NEWEST
) -> PreviewReport:
    """Run batches until the folder's newest messages all have a preview or were tried (headless callers)."""
    report = PreviewReport(folder.name)
    while True:
        looked, filled = preview_batch(session, store, folder, cancel=cancel, newest=newest)
        if not looked:
            return report
        report.looked += looked
        report.filled += filled
        report.batches += 1
