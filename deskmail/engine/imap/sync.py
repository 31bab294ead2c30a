"""Bring one account's store to the server's state: folder list, then each folder, newest first.

Per folder the cheapest correct path is chosen from the cached state (Trojitá-style):
UIDVALIDITY changed -> forget and refetch; QRESYNC -> SELECT reports changes and expunges;
CONDSTORE -> CHANGEDSINCE flag changes; neither -> new messages plus all flags. Afterwards the
message count is checked against the server's EXISTS; if they differ the full path (UID SEARCH
diff) runs. uidnext/highestmodseq are written last, so an interrupted sync simply repeats work.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.i18n import ngettext
from deskmail.core.numbers import grouped
from deskmail.engine.imap.session import FlagChange, ImapSession, SelectInfo, StatusInfo
from deskmail.engine.pace import pause_if_due
from deskmail.engine.store.models import Folder, FolderInfo, MessageHeaders, SpecialUse
from deskmail.engine.store.writer import Store
from deskmail.engine.uidset import STEP

log = logging.getLogger(__name__)
# The folder a long-lived session keeps selected between syncs, to poll it there (sync_account's keep_inbox).
KEPT_SELECTED = "INBOX"
FIRST_BATCH = 50  # the first screen of a folder
BATCHES = (FIRST_BATCH, 500, 2000)  # then bigger batches: fewer round trips, bounded memory
# While a FETCH streams in, what arrived is committed at most this often: one transaction per
# 25 headers cost a quarter of a 25k first sync. A broken connection still keeps every header that
# arrived whole (stored before the error goes on); only a killed process loses up to this much.
COMMIT_SECONDS = 0.25


@dataclass(frozen=True)
class SyncProgress:
    """A progress report; str() is a plain-language line for people."""

    folder: str
    done: int
    total: int

    def __str__(self) -> str:
        return ngettext(
            "{folder}: {done} of {total} message", "{folder}: {done} of {total} messages", self.total
        ).format(folder=self.folder, done=grouped(self.done), total=grouped(self.total))


@dataclass
class FolderReport:
    name: str
    path: str = ""  # unchanged|qresync|condstore|flags|full (+ "reset" when UIDVALIDITY changed)
    added: int = 0
    removed: int = 0
    changed: int = 0
    exists: int = 0
    unread: int = 0
    seconds: float = 0.0
    error: str = ""  # a plain sentence for people ("" when the folder synced)
    skipped: int = 0  # messages whose server answer could not be read (logged; tried again next sync)


@dataclass
class SyncReport:
    folders: list[FolderReport] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)  # plain messages about refused actions

    @property
    def ok(self) -> bool:
        return not any(f.error for f in self.folders)

    @property
    def warnings(self) -> list[str]:
        """What a person reads about the folders this sync could not bring up to date."""
        return [f.error for f in self.folders if f.error]

    def to_json(self) -> dict[str, Any]:
        folders = [asdict(f) for f in self.folders]
        return {"ok": self.ok, "folders": folders, "rolled_back": self.rolled_back, "warnings": self.warnings}


ProgressFn = Callable[[object], None]


class FolderSync:
    """Synchronises folders of one account over one session into its store (one thread)."""

    def __init__(
        self, session: ImapSession, store: Store, *, cancel: CancelToken = NEVER, progress: ProgressFn | None = None
    ) -> None:
        self.session = session
        self.store = store
        self.cancel = cancel
        self.progress = progress or (lambda _p: None)
        # STATUS of folders as this sync's LIST-STATUS (or pipelined STATUS) saw them; each is used
        # once, by `sync`, so a later sync never trusts an old answer.
        self.listed: dict[str, StatusInfo] = {}
        # Called once right after a first screen was stored (sync_account lists the folders there).
        self.after_first_screen: Callable[[], None] | None = None
        # The folder left selected after its sync (a long-lived session's Inbox), so that the next
        # sync on this session polls it instead of asking its STATUS (see ImapSession.poll_selected).
        self.keep_selected: str | None = None
        self.polled: str | None = None  # the selected folder this sync's poll found as its SELECT left it

    def sync_folder_list(self, *, with_status: bool = True) -> list[Folder]:
        """LIST -> store: new folders added, gone ones removed, special uses refreshed.

        `with_status`: ask for every folder's STATUS in the same round trip, which only a folder
        synced before can use; a first sync leaves it out (Dovecot on Maildir rescans the Inbox
        for it: 0.4-0.9 s at 25k-100k messages, and again at the next SELECT). The folders known
        already are asked before the LIST (see `statuses_then_folders`), else LIST-STATUS.
        """
        selected = self.session.selected  # STATUS is not for the selected folder (RFC 3501 6.3.10): it is polled
        folders = self.store.folders() if with_status else []
        known = [f.name for f in folders if f.selectable and self.asks_status(f.name)]
        poll = any(f.name == selected and f.uidnext and f.highestmodseq for f in folders)
        both = self.session.statuses_then_folders(known, poll=poll) if known or poll else None
        if both is None:
            infos, self.listed = self.session.list_folders_and_status(with_status=with_status)
            quiet = poll and self.session.poll_selected()
        else:
            infos, self.listed, quiet = both
        self.polled = selected if quiet else None
        with self.store.transaction():
            self.store.upsert_folders(infos)
            names = {info.name for info in infos}
            for name in self.store.folder_names():
                if name not in names and name != self.session.selected:  # never the folder being synced
                    self.store.remove_folder(name)
        return self.store.folders()

    def new_inbox(self, wanted: list[str] | None) -> Folder | None:
        """The Inbox when it was never synced to its end (a new account, or a first sync cut short).

        Its newest messages are the first thing a person waits for, so a first sync opens it
        before the folder list: every server has an INBOX (RFC 3501), and the list (with the
        other folders) comes right after. None when the Inbox was synced before or not wanted.
        """
        if wanted is not None and "INBOX" not in wanted:
            return None
        inbox = self.store.folder("INBOX")
        if inbox is None:
            with self.store.transaction():
                inbox = self.store.upsert_folder(FolderInfo("INBOX", special_use=SpecialUse.INBOX, subscribed=True))
        return None if inbox.uidnext else inbox

    def asks_status(self, name: str) -> bool:
        """Whether a folder's STATUS may be asked: never the selected one's (it is polled), nor the
        Inbox of a long-lived session (selected instead, and polled from then on)."""
        return name != self.session.selected and name != self.keep_selected

    def ask_status(self, folders: list[Folder]) -> None:
        """Without LIST-STATUS: the STATUS of these folders in one pipelined round trip."""
        wanted = [f.name for f in folders if f.name not in self.listed and self.asks_status(f.name)]
        if wanted:
            self.listed.update(self.session.statuses(wanted))

    def sync(self, folder: Folder) -> FolderReport:
        """One folder, from whatever state the store is in, to the server's state."""
        started = time.monotonic()
        report = FolderReport(folder.name)
        self.cancel.raise_if_cancelled()
        if self._unchanged(folder):
            report.path, report.exists, report.unread = "unchanged", folder.exists, folder.unread
            report.seconds = round(time.monotonic() - started, 4)
            return report
        cached, selected = self._select(folder, report)
        known = cached.uidnext > 0 and cached.uidvalidity == selected.uidvalidity and not _regressed(cached, selected)
        if known:
            self._incremental(cached, selected, report)
        else:
            self._mark_started(cached, selected)
        if not known or self.store.stored_count(cached.id) != self.session.exists:
            report.path = (report.path + "+full").lstrip("+")
            self._full(cached, known, report)
        self._finish(cached, selected, report)
        if folder.name != self.keep_selected:
            self.session.unselect()  # so the next STATUS on this folder sees other clients' changes
        report.seconds = round(time.monotonic() - started, 4)
        return report

    def _unchanged(self, folder: Folder) -> bool:
        """STATUS says nothing moved since our last sync (needs CONDSTORE: flags change modseq).

        Much cheaper than SELECT on big folders: Dovecot answers STATUS from its index, while a
        CONDSTORE SELECT may rescan a Maildir.
        """
        if not (self.session.condstore and folder.uidvalidity and folder.uidnext and folder.highestmodseq):
            return False
        cached = (folder.uidvalidity, folder.uidnext, folder.highestmodseq, folder.exists)
        if self.session.selected == folder.name:  # never its STATUS (see poll_selected): the poll's answer
            quiet, self.polled = self.polled == folder.name, None
            info = self.session.selected_info
            now = (info.uidvalidity, info.uidnext, info.highestmodseq, info.exists) if info else None
            return quiet and cached == now
        if folder.name == self.keep_selected and folder.name not in self.listed:
            return False  # selected now instead, to be polled from the next sync on
        status = self.listed.pop(folder.name, None) or self.session.status(folder.name)
        return cached == (status.uidvalidity, status.uidnext, status.highestmodseq, status.messages)

    def _select(self, folder: Folder, report: FolderReport) -> tuple[Folder, SelectInfo]:
        qresync = None
        if folder.uidvalidity and folder.highestmodseq and folder.uidnext and self.session.enable_qresync():
            qresync = (folder.uidvalidity, folder.highestmodseq)
        selected = self.session.select(folder.name, qresync=qresync)
        if not selected.uidnext:
            # Some servers (Courier) say no UIDNEXT on SELECT; STATUS does. Without it every sync
            # would take the full path. A message arriving in between shows as a count mismatch
            # on the next sync, which then takes the full path once.
            selected.uidnext = self.session.status(folder.name).uidnext
        if folder.uidvalidity and selected.uidvalidity != folder.uidvalidity:
            log.info("%s: UIDVALIDITY changed, refetching", folder.name)
            self.store.reset_folder(folder.id, selected.uidvalidity)
            report.path = "reset"
            refreshed = self.store.folder_by_id(folder.id)
            assert refreshed is not None
            return refreshed, selected
        return folder, selected

    def _incremental(self, cached: Folder, selected: SelectInfo, report: FolderReport) -> None:
        if self.session.qresync and cached.highestmodseq and selected.highestmodseq:
            report.path = "qresync"
            self._remove(cached, selected.vanished, report)
            self._apply_flags(cached, selected.changed, report)
        elif self.session.condstore and cached.highestmodseq and selected.highestmodseq:
            report.path = "condstore"
            if selected.highestmodseq != cached.highestmodseq:
                changes, _ = self.session.fetch_flags(f"1:{cached.uidnext}", changedsince=cached.highestmodseq)
                self._apply_flags(cached, changes, report)
        else:
            report.path = "flags"
            if self.store.stored_count(cached.id):
                changes, _ = self.session.fetch_flags(f"1:{max(cached.uidnext, 1)}")
                self._apply_flags(cached, changes, report, only_different=True)
        if selected.uidnext == 0 or selected.uidnext > cached.uidnext:
            start = max(cached.uidnext, self.store.max_uid(cached.id) + 1)
            report.added += self._store_headers(cached, f"{start}:*", from_uid=start)

    def _full(self, cached: Folder, known: bool, report: FolderReport) -> None:
        """UID diff: drop what the server no longer has, fetch what we lack, newest first."""
        if not known and self.session.exists and not self.store.stored_count(cached.id):
            self._first_screen(cached, report)
        if not known:
            self._fill_sizes(cached)
        gone, kept, missing = uid_diff(self.session.search_uids(), self.store.uids(cached.id))
        self._remove(cached, gone, report)
        if kept and not known:  # an interrupted first sync: the flags we hold may be old
            # With CONDSTORE only those changed since that first sync began (its HIGHESTMODSEQ,
            # kept by _mark_started) come again; without, every flag is read once more.
            since = cached.highestmodseq if self.session.condstore and not cached.uidnext else 0
            changes, _ = self.session.fetch_flags(kept, changedsince=since)
            self._apply_flags(cached, changes, report, only_different=True)
        self._fetch_newest_first(cached, missing, report)

    def _first_screen(self, cached: Folder, report: FolderReport) -> None:
        """A folder seen for the first time: its newest messages by number, before the slower UID diff.

        Committed together with what `after_first_screen` stores (the folder list of a first
        sync), so the window never shows mail whose folders it does not know yet. Only then is
        the write transaction held over the network: a new account has nothing to act on yet,
        while in a known account the person's actions (another writer) must never wait on it.
        """
        first = max(1, self.session.exists - FIRST_BATCH + 1)
        then, self.after_first_screen = self.after_first_screen, None
        with self.store.transaction() if then is not None else contextlib.nullcontext():
            # Without sizes (not shown in the list; fetched just after): a Maildir server may have
            # to find every file for them, while the rest of a row comes from its cache.
            report.added += self._store_headers(cached, f"{first}:*", by_sequence=True, sizes=False)
            if then is not None:
                then()
        self.progress(SyncProgress(cached.name, report.added, self.session.exists))

    def _fill_sizes(self, cached: Folder) -> None:
        """Sizes of the rows stored without one (the first screen, also when a sync was cut right after it)."""
        missing = self.store.uids_without_size(cached.id)
        if missing:
            sizes = self.session.fetch_sizes(missing)
            with self.store.transaction():
                self.store.set_sizes(cached.id, sizes)

    def _fetch_newest_first(self, cached: Folder, missing: list[int], report: FolderReport) -> None:
        total, done, size_index = len(missing), 0, 0
        base = report.added  # the first screen, when there was one
        self.progress(SyncProgress(cached.name, base, base + total))
        while done < total:
            self.cancel.raise_if_cancelled()
            size = BATCHES[min(size_index, len(BATCHES) - 1)]
            batch = missing[done : done + size]
            report.added += self._store_headers(cached, batch)
            done += len(batch)
            size_index += 1
            self.progress(SyncProgress(cached.name, base + done, base + total))

    def _store_headers(
        self,
        cached: Folder,
        uids: list[int] | str,
        *,
        by_sequence: bool = False,
        from_uid: int = 0,
        sizes: bool = True,
    ) -> int:
        """Fetch headers and store them as they arrive, one transaction per COMMIT_SECONDS: a
        connection cut mid-answer keeps what came (the UID diff of the next sync fetches only the rest)."""
        pending: list[MessageHeaders] = []
        stored = 0
        flushed = time.monotonic()

        def flush() -> None:
            nonlocal stored, flushed
            stored += self.store.add_messages(cached.id, pending)
            pending.clear()
            flushed = time.monotonic()

        def arrived(headers: MessageHeaders) -> None:
            pause_if_due()  # a window in this process gets the GIL (a no-op in the command line)
            if headers.uid < from_uid:
                return  # "n:*" also returns the highest UID when nothing is new
            pending.append(headers)
            if time.monotonic() - flushed >= COMMIT_SECONDS:
                flush()

        try:
            self.session.fetch_headers(uids, by_sequence=by_sequence, each=arrived, sizes=sizes)
        except Exception as exc:
            if pending and not isinstance(exc, sqlite3.Error):  # the network broke, not the store
                flush()
            raise
        if pending:
            flush()
        return stored

    def _mark_started(self, cached: Folder, selected: SelectInfo) -> None:
        """Before a first (or restarted) full sync: note UIDVALIDITY and, once, the HIGHESTMODSEQ it
        began at. uidnext stays 0 (not complete); if this sync is cut, the next one checks the UIDs
        kept against that UIDVALIDITY and asks only for flags changed since that modseq."""
        if cached.uidnext or (cached.uidvalidity == selected.uidvalidity and cached.highestmodseq):
            return  # a folder synced before whose answers do not add up, or a resume: keep what is known
        with self.store.transaction():
            self.store.set_sync_state(
                cached.id,
                uidvalidity=selected.uidvalidity,
                uidnext=0,
                highestmodseq=selected.highestmodseq if not self.store.stored_count(cached.id) else 0,
                exists=cached.exists,
            )

    def _remove(self, cached: Folder, uids: list[int], report: FolderReport) -> None:
        if uids:
            self.store.remove_uids(cached.id, uids)
            report.removed += len(uids)

    def _apply_flags(
        self, cached: Folder, changes: list[FlagChange], report: FolderReport, *, only_different: bool = False
    ) -> None:
        if not changes:
            return
        # Read and written in one transaction: the window's actions write from another connection
        # (runtime.local_store) while this sync waits on the network, and a flag change queued for the
        # server is newer than what the server said; its replay changes the message's modseq, so the
        # next sync reads its flags again.
        with self.store.transaction():
            waiting = self.store.pending_uids(cached.id, "flags")
            if only_different:
                current = self.store.flags_by_uid(cached.id)
                changes = [c for c in changes if c[0] in current and set(current[c[0]]) != set(c[1])]
            changes = [c for c in changes if c[0] not in waiting]
            if changes:
                self.store.update_flags(cached.id, changes)
                report.changed += len(changes)

    def _finish(self, cached: Folder, selected: SelectInfo, report: FolderReport) -> None:
        """Counts, then the resume point: written last, in one transaction."""
        with self.store.transaction():
            report.unread = self.store.refresh_unread(cached.id)
            report.exists = self.session.exists
            uidnext = max(selected.uidnext, self.store.max_uid(cached.id) + 1)
            self.store.set_sync_state(
                cached.id,
                uidvalidity=selected.uidvalidity,
                uidnext=uidnext if selected.uidnext else 0,
                highestmodseq=selected.highestmodseq,
                exists=self.session.exists,
            )


def uid_diff(server: list[int], local: list[int]) -> tuple[list[int], list[int], list[int]]:
    """What the store holds that the server lost, what both hold, what the store lacks (newest first),
    from both sides' ascending UIDs (the first two ascending).

    Walked STEP UIDs at a time with a pace checkpoint between, never by one call into C over a whole
    folder: at 1,000,000 UIDs, set(server) alone held the GIL for 66 ms, and the differences and
    sorts after it as long again, while the window waited (its longest stall in a first sync).
    """
    held: set[int] = set()
    for start in range(0, len(local), STEP):
        held.update(local[start : start + STEP])
        pause_if_due()
    missing: list[int] = []
    for end in range(len(server), 0, -STEP):
        missing.extend([uid for uid in reversed(server[max(0, end - STEP) : end]) if uid not in held])
        pause_if_due()
    gone: list[int] = []
    kept: list[int] = []
    if not local:  # a first sync: nothing held, nothing to look up
        return gone, kept, missing
    listed: set[int] = set()
    for start in range(0, len(server), STEP):
        listed.update(server[start : start + STEP])
        pause_if_due()
    for start in range(0, len(local), STEP):
        part = local[start : start + STEP]
        kept.extend([uid for uid in part if uid in listed])
        gone.extend([uid for uid in part if uid not in listed])
        pause_if_due()
    return gone, kept, missing


def _regressed(cached: Folder, selected: SelectInfo) -> bool:
    """A server whose UIDNEXT or HIGHESTMODSEQ went backwards cannot be trusted for a delta."""
    if selected.uidnext and selected.uidnext < cached.uidnext:
        log.warning("%s: UIDNEXT went back from %d to %d", cached.name, cached.uidnext, selected.uidnext)
        return True
    if selected.highestmodseq and selected.highestmodseq < cached.highestmodseq:
        log.warning("%s: HIGHESTMODSEQ went back", cached.name)
        return True
    return False
