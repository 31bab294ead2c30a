"""One account at run time: its store, its IMAP session and its outbox, for the mail window.

Every method blocks and must run on the account's own worker queue (TaskRunner key =
account key): that thread owns the store writer and the command connection. The person's
actions (`act`, `undo`) are the exception: they run on the account's local queue with a
writer of their own (`local_store`), so a server gone silent never holds them back. A lost
connection is dropped and reopened on the next call; actions are applied to the store at once
and queued, so they work offline and reach the server with the next successful sync.
"""

from __future__ import annotations

import errno
import importlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import _
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account
from deskmail.engine.credentials import Credentials
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.actions import replay
from deskmail.engine.imap.bodies import MessageGone, ensure_body
from deskmail.engine.imap.push import NETWORK_ERRORS
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.sync import ProgressFn, SyncReport
from deskmail.engine.imap.undo import Done, perform, undo
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.passwordlookup import PasswordLookup, open_and_log_in
from deskmail.engine.paths import Paths
from deskmail.engine.store.models import Folder, MessageSummary, SpecialUse
from deskmail.engine.store.reader import Body
from deskmail.engine.store.writer import Store, store_path

if TYPE_CHECKING:  # the MIME stack loads with the first message shown, not at the app's start
    from deskmail.engine.mime.compose import OutgoingMessage
    from deskmail.engine.mime.parse import ParsedMessage
    from deskmail.engine.mime.render import RenderedMessage
    from deskmail.engine.smtp.outbox import OutboxItem
    from deskmail.engine.smtp.sender import Sender

log = logging.getLogger(__name__)
_NO_NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})

MAX_SEARCH_TEXT = 200_000  # characters of a body kept for local full-text search
BODY_BATCH = 25  # messages per task of the offline download: user work waits for at most a few of them


def offline_error(exc: BaseException) -> UserFacingError:
    """A lost or impossible connection, in the words of the offline bar."""
    return UserFacingError(
        ErrorKind.OFFLINE,
        _("You're offline. You can still read your mail; what you send or change goes out when you're back online."),
        fix=_("Check your internet connection; Deskmail tries again by itself."),
        field=Field.NETWORK,
        details=f"{type(exc).__name__}: {exc}",
        data={"reach": "network" if _no_network(exc) else "server"},
    )


def _no_network(exc: BaseException | None) -> bool:
    """The lost connection says this computer has no network (no route, no name lookups), not a server problem."""
    for _level in range(5):  # the exception and what caused it
        if exc is None:
            return False
        if isinstance(exc, socket.gaierror) or (isinstance(exc, OSError) and exc.errno in _NO_NETWORK_ERRNOS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _gone() -> UserFacingError:
    return UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        _("This message is no longer on the server."),
        fix=_("It was probably deleted from another device."),
    )


def parse_body(body: Body) -> ParsedMessage:
    """A stored body parsed for display: a file-backed one keeps its big parts in the file."""
    from deskmail.engine.mime.parse import parse_message, parse_message_file

    if body.raw is None and body.path is not None:
        return parse_message_file(body.path)
    return parse_message(body.read())


def render_body(body: Body, *, allow_remote: bool = False) -> RenderedMessage:
    """A stored body rendered for the reading pane (see `parse_body`)."""
    from deskmail.engine.mime.render import render_message

    return render_message(parse_body(body), allow_remote=allow_remote)


class AccountClosed(Cancelled):
    """Work for a runtime that was closed already (its account removed, its servers changed in Settings,
    its window closed): it opens nothing again, since nobody would close it."""


class AccountRuntime:
    """Store + IMAP session + outbox of one account (use from its worker thread only)."""

    def __init__(self, account: Account, paths: Paths, settings: Settings, credentials: Credentials) -> None:
        self.account = account
        self.paths = paths
        self.settings = settings
        self.credentials = credentials
        self._store: Store | None = None
        self._local: Store | None = None  # the writer of the person's actions (see `local_store`)
        self._local_lock = threading.Lock()  # held by an action and by close(): never over network work
        self._session: ImapSession | None = None
        self._open_lock = threading.Lock()
        self._open_watch: tuple[str, CancelToken] | None = None  # folder the user has open, its watcher's token
        self._body_tried: set[int] = set()  # messages the offline download found gone (not asked again)
        self._replay_wanted = False  # a message left and queued changes (draft, \Answered) for the server
        self._closed = False  # close() ran: nothing opens again (work queued behind it raises AccountClosed)
        self._send_again: set[int] = set()  # outbox items the person sent again after "may already have been sent"

    @property
    def store_path(self) -> Path:
        return store_path(self.paths, self.account.email)

    def store(self) -> Store:
        """The account's store writer (created with its schema on first use)."""
        if self._store is None:
            self._raise_if_closed()
            self._store = Store.open_for(self.paths, self.account.email)
        return self._store

    # The person's actions (act, undo) run on a queue of their own (the window's "<email>/local") with a second
    # writer on the same file, so they change the list at once even while a sync or push waits on a
    # silent network on the account's queue. The sync leaves alone what they queued (sync._apply_flags,
    # store.claim_op). False: actions run on the account's queue with `store()` (POP3's local folders).
    local_first = True

    def local_store(self) -> Store:
        """The store writer of the person's actions; use from the local queue only."""
        if not self.local_first:
            return self.store()
        if self._local is None:
            self._raise_if_closed()
            self._local = Store.open(self.store_path)  # the window opened `store()` first (its reader needs the file)
        return self._local

    # -- connections -----------------------------------------------------------------

    def _password(self) -> Any:
        """The password, or for a browser sign-in account an OAuthLogin around its refresh token."""
        # Imported here like connect: the token code (HTTP client, DNS) is not needed to paint the window.
        oauth = importlib.import_module("deskmail.engine.oauth.accounts")
        password = self.credentials.get(self.account.email)
        if password is None and self.account.uses_oauth:
            raise oauth.sign_in_again(oauth.account_provider(self.account, self.settings), self.account.email, "")
        if password is None:
            raise UserFacingError(
                ErrorKind.AUTH_FAILED,
                _("Deskmail needs the password for {email}.").format(email=self.account.email),
                fix=_("Type your password to connect."),
                field=Field.PASSWORD,
            )
        return oauth.login_secret(self.account, password, self.credentials, self.settings)

    def password_lookup(self) -> PasswordLookup[Any]:
        """`_password` asked in a thread of its own while the connection opens (TCP and TLS meanwhile)."""
        return PasswordLookup(self._password)

    def imap_client(self, cancel: CancelToken) -> Any:
        """A new logged-in IMAP connection (TLS verified or pinned), within CONNECT_DEADLINE."""
        connector = importlib.import_module("deskmail.engine.imap.connector")
        return connector.account_connector(self.account, self.password_lookup(), self.settings)(cancel)

    def smtp_client(self, cancel: CancelToken) -> Any:
        """A new logged-in SMTP submission connection."""
        connect = importlib.import_module("deskmail.engine.connect")
        server = self.account.outgoing
        password = self.password_lookup()
        return open_and_log_in(
            lambda: connect.open_smtp(server, self.settings, self.account.policy, password.watching(cancel)),
            lambda smtp, secret: connect.login_smtp(smtp, server.username or self.account.email, secret, cancel),
            connect.close_quietly,
            password,
            cancel,
        )

    def _watch_connector(self, token: CancelToken) -> Any:
        try:
            return self.imap_client(token)
        except UserFacingError as exc:  # wrong password, server gone: back off and retry like a network error
            raise OSError(exc.message) from exc

    def watch(self, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        """Keep an IDLE connection on the Inbox (its own thread); `on_change(folder)` when mail arrives."""
        from deskmail.engine.imap.push import FolderWatcher

        if not self._closed:
            FolderWatcher(self._watch_connector, "INBOX", on_change, cancel=cancel).start()

    def watch_open_folder(self, folder: str | None, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        """Also IDLE on the folder the user opened (one more connection); another folder replaces it, None stops it.

        Callable from any thread (it only starts and stops watcher threads); cancelling `cancel`
        (the account's watch token) stops it too, like the Inbox watcher.
        """
        from deskmail.engine.imap.push import FolderWatcher

        with self._open_lock:
            if self._open_watch is not None:
                if self._open_watch[0] == folder and not self._open_watch[1].cancelled:
                    return
                self._open_watch[1].cancel()
                self._open_watch = None
            if folder is None or folder.upper() == "INBOX" or cancel.cancelled or self._closed:
                return  # the Inbox has its own watcher
            token = cancel.child()
            FolderWatcher(self._watch_connector, folder, on_change, cancel=token).start()
            self._open_watch = (folder, token)

    @property
    def watched_open_folder(self) -> str | None:
        """The folder the open-folder watcher is on, if any."""
        with self._open_lock:
            return self._open_watch[0] if self._open_watch is not None else None

    def _raise_if_closed(self) -> None:
        if self._closed:
            raise AccountClosed(f"{self.account.email}: closed")

    def session(self, cancel: CancelToken) -> ImapSession:
        if self._session is None:
            self._raise_if_closed()
            self._session = open_session(self.imap_client, cancel)
        return self._session

    def drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _online(self, work: Any, cancel: CancelToken) -> Any:
        """Run `work(session)`; network failures drop the session and become the offline error.

        A kept session that turns out dead (the server restarted, the network came back) is
        replaced once at once: the first check after a reconnect must not report "offline".
        """
        retry = self._session is not None
        while True:
            try:
                return work(self.session(cancel))
            except NETWORK_ERRORS as exc:
                if isinstance(exc, UserFacingError):
                    raise
                self.drop_session()
                if not retry or isinstance(exc, TimeoutError):  # a silent network: trying again only waits longer
                    raise offline_error(exc) from exc
                log.info("kept connection was lost (%s); opening a new one", exc)
                retry = False

    # -- mail --------------------------------------------------------------------------

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: ProgressFn | None = None
    ) -> SyncReport:
        """Send queued changes, then bring `folders` (default: all) up to date."""
        store = self.store()
        report: SyncReport = self._online(
            lambda s: sync_account(s, store, folders=folders, cancel=cancel, progress=progress, keep_inbox=True),
            cancel,
        )
        self.flush_outbox(cancel)  # back online (or restarted after a crash): send what waits
        self.upload_drafts(cancel)
        self._replay_after_sending(cancel)
        return report

    def index_search(self, cancel: CancelToken = NEVER) -> int:
        """One batch of the full-text index a sync left behind (store/fulltext.py); returns how many rows (0: done).

        Local and short (one transaction of a few thousand rows): a search finds these messages
        meanwhile too, only slower.
        """
        cancel.raise_if_cancelled()
        return self.store().index_backlog()

    def fill_previews(self, folder: str, cancel: CancelToken = NEVER) -> int:
        """One batch of the preview pass for `folder`; returns how many messages it looked at (0: done)."""
        from deskmail.engine.imap.previews import NEWEST, preview_batch

        store = self.store()
        cached = store.folder(folder)
        if cached is None or not cached.selectable:
            return 0
        idle = self._session is None or self._session.selected != folder
        if idle and not store.uids_needing_preview(cached.id, newest=NEWEST, limit=1):
            return 0  # nothing to do: no need to (re)connect just to find that out
        looked: int = self._online(lambda s: preview_batch(s, store, cached, cancel=cancel)[0], cancel)
        return looked

    def fill_bodies(self, folder: str, cancel: CancelToken = NEVER, *, metered: bool = False) -> int:
        """One batch of the download for offline reading in `folder`; returns how many it tried (0: done or off).

        Recent mail (offline.json: the last 30 days, at most 2,000 messages a folder, none over
        5 MB; nothing on a `metered` network unless allowed) is kept in the store like an opened
        message, and becomes searchable by its text.
        """
        from deskmail.engine.prefs import OfflinePrefs

        prefs = OfflinePrefs(self.paths).load()
        store = self.store()
        cached = store.folder(folder)
        if not prefs.download or (metered and not prefs.on_metered_networks) or cached is None or not cached.selectable:
            return 0
        if cached.special_use in (SpecialUse.JUNK, SpecialUse.TRASH):
            return 0  # nobody reads these offline: not worth the data
        since = int(time.time()) - prefs.days * 86400
        wanted = store.ids_needing_body(
            cached.id,
            newest=prefs.messages_per_folder,
            since=since,
            max_size=prefs.max_bytes,
            limit=BODY_BATCH,
            exclude=self._body_tried,
        )
        if not wanted:
            return 0

        def download(session: ImapSession) -> None:
            for message_id in wanted:
                cancel.raise_if_cancelled()
                try:
                    ensure_body(session, store, message_id, cancel)
                except Cancelled:
                    self.drop_session()  # cut off inside a message: the connection cannot be reused
                    raise
                except MessageGone:
                    self._body_tried.add(message_id)  # no longer on the server: not asked again in this run
                    continue
                except ImapError as exc:
                    if exc.status not in ("NO", "BAD"):
                        raise  # the connection broke
                    log.info("message %d not downloaded for offline reading: %s", message_id, exc.text)
                    self._body_tried.add(message_id)  # refused by the server: the next ones still come
                    continue
                self._index_body(message_id)

        self._online(download, cancel)
        return len(wanted)

    def _index_body(self, message_id: int) -> None:
        """A downloaded body's text for local search and a better preview (a hostile one is only logged)."""
        store = self.store()
        body = store.body(message_id)
        if body is None:
            return
        try:
            parsed = parse_body(body)
        except Exception:
            log.exception("cannot index the text of message %d", message_id)
            return
        store.set_body_text(message_id, parsed.text[:MAX_SEARCH_TEXT], parsed.preview)

    def upload_drafts(self, cancel: CancelToken = NEVER) -> None:
        """Put drafts saved while offline into the server's Drafts folder."""
        from deskmail.engine.smtp.outbox import outbox_items

        # A draft whose message waits in the Outbox is not uploaded: it is cleaned once the message leaves.
        leaving = {item.message_id for item in outbox_items(self.store(), heads_only=True)}
        for saved in self.draft_manager().upload_pending(cancel, skip=leaving):
            if saved.server_error is not None:
                log.info("draft %s still local: %s", saved.record.message_id, saved.server_error.message)

    def flush_outbox(self, cancel: CancelToken = NEVER) -> list[Any]:
        """Send or file what waits in the outbox; messages the server refused wait for the user."""
        results = self._sender().send_pending(cancel)
        for result in results:
            if result.error is not None:
                log.info("outbox %s still waiting: %s", result.item_id, result.error.message)
        return results

    def draft_manager(self) -> Any:
        """Drafts: saved in the store at once, then copied to the server's Drafts (POP3: the local one)."""
        from deskmail.engine.smtp.drafts import DraftManager
        from deskmail.engine.smtp.outbox import LocalDrafts

        return DraftManager(LocalDrafts(self.store()), self.imap_client)

    def body(self, summary: MessageSummary, cancel: CancelToken = NEVER) -> bytes:
        """The raw message as bytes (whole in memory: prefer `open_message` / `stored_body`)."""
        return self.stored_body(summary, cancel).read()

    def open_message(
        self, summary: MessageSummary, cancel: CancelToken = NEVER, *, allow_remote: bool = False
    ) -> RenderedMessage:
        """The message rendered for the reading pane; a big one is parsed from its file, parts left on disk."""
        from deskmail.engine.mime.render import render_message

        body, parsed = self._ensure_body(summary, cancel)
        cancel.raise_if_cancelled()
        return render_message(parsed or parse_body(body), allow_remote=allow_remote)

    def stored_body(self, summary: MessageSummary, cancel: CancelToken = NEVER) -> Body:
        """The message as the store keeps it (big ones as a file), fetched once from the server if needed."""
        return self._ensure_body(summary, cancel)[0]

    def _ensure_body(self, summary: MessageSummary, cancel: CancelToken) -> tuple[Body, ParsedMessage | None]:
        """The stored body, plus its parse when it was just fetched (parsed then for the search text)."""
        store = self.store()
        cached = store.body(summary.id)
        if cached is not None and (cached.path is None or cached.path.exists()):
            return cached, None
        folder = store.folder_by_id(summary.folder_id)
        if folder is None:
            raise UserFacingError(ErrorKind.PROTOCOL_ERROR, _("This folder no longer exists."))

        def fetch(session: ImapSession) -> None:
            try:
                # Read-write (BODY.PEEK leaves \Seen alone): queued flag changes replay on this selection.
                ensure_body(session, store, summary.id, cancel, readonly=False)
            except Cancelled:
                self.drop_session()  # cut off inside the message: the connection cannot be reused
                raise
            except MessageGone:
                raise _gone() from None

        self._online(fetch, cancel)
        body = store.body(summary.id)
        assert body is not None
        parsed = parse_body(body)  # its text makes the body searchable; the preview replaces the header one
        store.set_body_text(summary.id, parsed.text[:MAX_SEARCH_TEXT], parsed.preview)
        return body, parsed

    def search_server(self, text: str, cancel: CancelToken = NEVER, limit: int = 500) -> list[MessageSummary]:
        """Messages whose text on the server matches (bodies not downloaded yet are searched there)."""
        store = self.store()
        words = _search_string(text)
        if not words:
            return []

        def work(session: ImapSession) -> list[MessageSummary]:
            found: list[MessageSummary] = []
            for folder in store.folders():
                cancel.raise_if_cancelled()
                if not folder.selectable or len(found) >= limit:
                    continue
                if session.selected != folder.name:
                    session.select(folder.name)
                answer = session.command(b"UID SEARCH CHARSET UTF-8 TEXT " + words)
                uids = sorted((int(n) for r in answer.of("SEARCH") for n in r.text.split()), reverse=True)
                for uid in uids[: limit - len(found)]:
                    summary = store.message_by_uid(folder.id, uid)
                    if summary is not None:
                        found.append(summary)
            return found

        result: list[MessageSummary] = self._online(work, cancel)
        return result

    def change_folder(self, kind: str, folder_id: int | None, name: str = "") -> Folder | None:
        """Create ("create": `name`), rename or delete a folder: in the store now, on the server at the next replay.

        Works offline (queued like message actions); a name the person typed that cannot work raises
        UserFacingError in plain words.
        """
        from deskmail.engine.imap.folderops import FolderActions

        store = self.store()
        actions = FolderActions(store)
        folder = store.folder_by_id(folder_id) if folder_id else None
        if kind == "create":
            return actions.create(name)
        if folder is None:
            raise UserFacingError(ErrorKind.PROTOCOL_ERROR, _("This folder no longer exists."))
        if kind == "rename":
            return actions.rename(folder, name)
        if kind == "delete":
            actions.delete(folder)
            return None
        raise ValueError(f"unknown folder change {kind!r}")

    def act(self, kind: str, folder_id: int, uids: list[int], value: object = None) -> Done | None:
        """A local-first action (read, flag, delete, archive, move); returns how to undo it (None: cannot)."""
        with self._local_lock:
            store = self.local_store()
            folder = store.folder_by_id(folder_id)
            if folder is None:
                return None
            return perform(store, kind, folder, uids, value)

    def undo(self, done: Done) -> Done:
        """Put back what an action changed (locally now, on the server with the next replay); returns the Redo."""
        with self._local_lock:
            return undo(self.local_store(), done)

    def push_changes(self, cancel: CancelToken = NEVER) -> list[str]:
        """Replay queued actions now; returns plain messages about refused ones."""
        store = self.store()
        rolled_back = self._online(lambda s: replay(s, store), cancel)
        return [r.message for r in rolled_back]

    def send(self, message: OutgoingMessage, cancel: CancelToken = NEVER) -> Any:
        """Queue the message in the outbox (durable), then send it; failures leave it waiting there."""
        return self.send_queued(self.queue(message), cancel)

    def queue(self, message: OutgoingMessage, delay: float = 0.0) -> int:
        """Put the message in the outbox (durable) to leave in `delay` seconds (Undo Send); returns its item id.

        A message still waiting when the app is killed is sent by the next start's sync, never lost.
        """
        from deskmail.engine.smtp.outbox import OutboxState

        message.ensure_message_id()
        sender = self._sender()
        outbox = sender.outbox
        waiting = next((i for i in outbox.items(heads_only=True) if i.message_id == message.message_id), None)
        if waiting is not None and waiting.state is OutboxState.FAILED:
            outbox.remove(waiting.id)  # "Try again" after a refusal: the composer's version replaces it
            waiting = None
        # A queued or half-sent copy (Try again after a lost connection) is resumed, never sent twice.
        item_id = waiting.id if waiting is not None else sender.queue_only(message, time.time() + delay if delay else 0)
        if waiting is not None and waiting.state is OutboxState.UNSURE and _asked(waiting.last_error):
            self._send_again.add(item_id)  # Send pressed after "may already have been sent": that is the answer
        self.store().note_addresses([(a.name, a.email) for a in [*message.to, *message.cc, *message.bcc]], sent=True)
        return int(item_id)

    def send_queued(self, item_id: int, cancel: CancelToken = NEVER) -> Any:
        """Send one outbox item the person sent (now, or after its Undo Send wait)."""
        from deskmail.engine.smtp.outbox import OutboxState

        sender = self._sender()
        item = sender.outbox.get(item_id, heads_only=True)
        # Only Send pressed again after "this message may already have been sent" sends it again. A check for
        # mail can send it as its Undo Send wait ends and lose the reply: then it is unsure without anybody
        # having been asked, and this first send must only look for it in Sent (else it went out twice).
        answered = item_id in self._send_again
        self._send_again.discard(item_id)
        resend = answered and item is not None and item.state is OutboxState.UNSURE
        result = sender.send(item_id, cancel, resend=resend)
        if result.error is None and result.message_id and self.store().special_folder(SpecialUse.DRAFTS) is None:
            # Drafts never listed here (no sync yet): its copies can only be found on the server.
            self.draft_manager().discard(result.message_id, cancel)
        self._replay_after_sending(cancel)
        return result

    def _sender(self) -> Sender:
        """The account's Sender; what follows a message's leaving is queued by `_after_sent`."""
        from deskmail.engine.smtp.outbox import Outbox
        from deskmail.engine.smtp.sender import Sender

        return Sender(
            Outbox(self.store()),
            self.smtp_client,
            self.imap_client,
            smtp_host=self.account.outgoing.host,
            on_sent=self._after_sent,
        )

    def _after_sent(self, item: OutboxItem) -> None:
        """The message left: its draft is cleaned and its originals marked, locally now, on the server by replay."""
        from deskmail.engine.smtp.aftersend import after_sent

        if after_sent(self.store(), item):
            self._replay_wanted = True

    def _replay_after_sending(self, cancel: CancelToken) -> None:
        """Tell the server what sending queued (draft expunged, \\Answered); offline it waits for the next sync."""
        if not self._replay_wanted:
            return
        try:
            self.push_changes(cancel)
            self._replay_wanted = False
        except UserFacingError as exc:
            log.info("changes after sending wait for the next sync: %s", exc.message)

    def settle_unsure(self, item_id: int, send_again: bool, cancel: CancelToken = NEVER) -> Any:
        """The person's answer about a message that may already have been sent: send it again, or
        take it out of the Outbox (it did arrive)."""
        from deskmail.engine.smtp.outbox import Outbox

        if not send_again:
            Outbox(self.store()).remove(item_id)
            return None
        result = self._sender().send(item_id, cancel, resend=True)
        self._replay_after_sending(cancel)
        return result

    def take_back(self, item_id: int) -> bytes | None:
        """Undo Send: the message out of the outbox before it left (its bytes), or None when too late."""
        from deskmail.engine.smtp.outbox import Outbox

        return Outbox(self.store()).take_back(item_id)

    def close(self) -> None:
        self._closed = True
        self.watch_open_folder(None, lambda _f: None, NEVER)
        self.drop_session()
        with self._local_lock:  # after an action running on the local queue; the next one finds it closed
            if self._local is not None:
                self._local.close()
                self._local = None
        if self._store is not None:
            self._store.close()
            self._store = None


def _asked(last_error: dict[str, Any] | None) -> bool:
    """The person was already told this message may have been sent (and pressed Send anyway)."""
    from deskmail.engine.smtp.errors import SendFailure

    return bool((last_error or {}).get("data", {}).get("reason") == SendFailure.MAYBE_SENT)


def runtime_for(account: Account, paths: Paths, settings: Settings, credentials: Credentials) -> AccountRuntime:
    """The runtime for the account's incoming protocol: the one place that tells IMAP and POP3 apart."""
    if account.uses_pop3:
        from deskmail.engine.pop3.runtime import Pop3Runtime

        return Pop3Runtime(account, paths, settings, credentials)
    return AccountRuntime(account, paths, settings, credentials)


def _search_string(text: str) -> bytes:
    """The search words as one IMAP quoted string (CR, LF and NUL removed; quotes escaped)."""
    cleaned = " ".join(text.replace("\0", " ").split())[:200]
    if not cleaned:
        return b""
    return b'"' + cleaned.encode("utf-8").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
