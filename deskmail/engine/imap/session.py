"""One typed facade around an IMAPClient connection: every IMAP command the engine sends goes here.

imapclient is not thread-safe: a session belongs to one thread. Commands whose answers imapclient
parses slowly or wrongly (FETCH over ranges, SELECT with QRESYNC, SEARCH, STORE, MOVE, EXPUNGE) run
through `wire`; LIST/LSUB/STATUS/IDLE/APPEND use imapclient's own methods.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.engine import limits
from deskmail.engine.cancelwatch import Deadline, closes_on_cancel
from deskmail.engine.imap import wire
from deskmail.engine.imap.bodystructure import TextPart, structure_items, text_part
from deskmail.engine.imap.folders import folder_infos
from deskmail.engine.imap.headers import HEADER_ITEMS, headers_from_response
from deskmail.engine.imap.mailboxes import decode_name, list_responses
from deskmail.engine.imap.mailboxes import mailbox as mailbox  # re-exported: folder commands use it
from deskmail.engine.imap.wire import (
    Answer,
    ConnectionLost,
    ImapError,
    TooSlow,
    bounded_number,
    flag_words,
    paren_words,
    uid_number,
)
from deskmail.engine.store.models import FolderInfo, MessageHeaders
from deskmail.engine.uidset import chunks, expand

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_CODE = re.compile(rb"\[([A-Z\-]+)(?: ([^\]]*))?\]")
_STATUS_ITEMS = re.compile(rb"\(([^()]*)\)\s*$")
_QUOTED = rb'"(?:[^"\\]|\\.)*"'
_ASTRING = rb"(" + _QUOTED + rb"|\x00|[^\s()\"]+)"
_LIST_ENTRY = re.compile(rb"\(([^()]*)\) (NIL|" + _QUOTED + rb") " + _ASTRING, re.S | re.I)
_STATUS_NAME = re.compile(_ASTRING + rb" \(", re.S)
_PIPELINE = 50  # STATUS commands sent at once (about 3 KB): far below any socket buffer
_FLAGS_ONLY = re.compile(rb"^\((?:UID (\d+) FLAGS \(([^()]*)\)|FLAGS \(([^()]*)\) UID (\d+))(?: MODSEQ \((\d+)\))?\)$")
_CHUNK = 8000  # characters of UID set per command line: far below Dovecot's 64 KB limit
MAX_HEADER_BYTES = limits.IMAP_MAX_HEADER_LITERAL
FlagChange = tuple[int, tuple[str, ...], int]  # (uid, flags, modseq)
# What a broken or refusing connection raises, whichever layer (socket, TLS, imaplib, imapclient, ours).
NETWORK_ERRORS = (OSError, ImapError, imaplib.IMAP4.error, IMAPClientError)


@dataclass
class SelectInfo:
    """What SELECT told us (vanished/changed only with QRESYNC)."""

    exists: int
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    vanished: list[int] = field(default_factory=list)
    changed: list[FlagChange] = field(default_factory=list)


@dataclass(frozen=True)
class StatusInfo:
    messages: int
    unseen: int
    uidnext: int
    uidvalidity: int
    highestmodseq: int


class ImapSession:
    """A logged-in connection with the commands sync and actions need.

    A connection that broke inside an answer (cut, too slow, or an answer breaking the limits in
    engine/limits.py) is closed at once: the rest of that answer is never read. With a `connector`
    the next command opens a new connection first (and re-enables QRESYNC); without, it raises.
    """

    def __init__(
        self,
        client: IMAPClient,
        connector: Callable[[CancelToken], IMAPClient] | None = None,
        cancel: CancelToken = NEVER,
    ) -> None:
        self.client = client
        self.connector = connector
        self.cancel = cancel  # the operation's token: cancelling it also ends the command waiting now
        self.broken = False  # the connection was closed after a failure; reopened before the next command
        self.reconnects = 0
        self.qresync = False  # ENABLE QRESYNC succeeded
        self.selected: str | None = None
        self.selected_once = False  # a mailbox was selected in this session: ENABLE is over
        self.readonly = False  # the selected folder was EXAMINEd: no changes possible there
        self.exists = 0  # the latest EXISTS count of the selected folder
        self.selected_info: SelectInfo | None = None  # what the SELECT of the selected folder said
        self.skipped: set[int] = set()  # numbers of messages whose FETCH answer could not be read (logged)
        self._personal_prefix: str | None = None  # asked once, on the first folder we create
        self._capabilities = frozenset(c.decode().upper() for c in client.capabilities())

    # -- basics
    def has(self, capability: str) -> bool:
        return capability.upper() in self._capabilities

    @property
    def condstore(self) -> bool:
        return self.has("CONDSTORE") or self.has("QRESYNC")

    def command(
        self,
        line: bytes,
        literal_sink: Callable[[int, Any], bytes] | None = None,
        each: Callable[[wire.Untagged], bool] | None = None,
        deadline: Deadline | None = None,
    ) -> Answer:
        """Send one command and read its whole answer, within `deadline` (default: COMMAND_DEADLINE)."""
        answer = self._guarded(
            lambda: wire.run(self.client._imap, line, literal_sink=literal_sink, each=each), deadline
        )
        self._track_counts(answer)
        return answer

    def pipelined(self, lines: list[bytes]) -> list[Answer | ImapError]:
        """Several commands sent at once and their answers (or refusals) in order, like `command`."""
        answers = self._guarded(lambda: wire.run_pipelined(self.client._imap, lines), None)
        for answer in answers:
            self._track_counts(answer if isinstance(answer, Answer) else Answer(answer.untagged, ""))
        return answers

    def _guarded(self, read: Callable[[], _T], deadline: Deadline | None) -> _T:
        """Run `read` on a working connection within `deadline`; a connection broken inside it is closed."""
        self.reconnect_if_broken()
        deadline = deadline or Deadline(limits.COMMAND_DEADLINE, self.cancel)
        try:
            # A server trickling bytes restarts the socket's idle timeout with each one: only
            # shutting the socket when the deadline passes ends the read.
            with closes_on_cancel(self.client.socket(), deadline):
                return read()
        except (ConnectionLost, OSError, EOFError) as exc:
            self._break()
            self.cancel.raise_if_cancelled()
            if deadline.expired:
                raise TooSlow("the server did not complete its answer in time") from None
            if isinstance(exc, TimeoutError):  # silent for the idle timeout, e.g. after a literal cut short
                raise TooSlow("the server stopped answering in the middle of a command") from None
            if isinstance(exc, EOFError):
                raise ConnectionLost(str(exc)) from None
            raise
        except ImapError:
            raise  # NO or BAD: the answer was read to its end, the connection is fine
        except BaseException:
            self._break()  # stopped inside the answer (e.g. by `each`): the rest of it is still on the wire
            raise

    def _break(self) -> None:
        """Close a connection whose answer was cut or broke the limits: the rest is never read."""
        self.broken = True
        self.selected, self.selected_info = None, None
        self.close()

    def reconnect_if_broken(self) -> None:
        """A fresh logged-in connection in place of a broken one (ConnectionLost without a connector)."""
        if not self.broken:
            return
        if self.connector is None:
            raise ConnectionLost("the connection was closed after an error")
        client = self.connector(self.cancel)
        try:
            capabilities = frozenset(c.decode().upper() for c in client.capabilities())
        except BaseException:  # the new connection broke at once: closed here, the session stays broken
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        self.client, self._capabilities = client, capabilities
        self.broken, self.qresync, self.selected, self.readonly, self.exists = False, False, None, False, 0
        self.selected_info = None
        self.selected_once = False  # a new connection: QRESYNC is enabled again before the SELECT that needs it
        self.reconnects += 1

    def _track_counts(self, answer: Answer) -> None:
        for response in answer.untagged:
            if response.keyword == "EXISTS" and response.number is not None:
                self.exists = response.number  # bounded by wire (IMAP_MAX_NUMBER)
            elif response.keyword == "EXPUNGE":
                self.exists = max(0, self.exists - 1)
            elif response.keyword == "VANISHED" and not response.text.upper().startswith(b"(EARLIER)"):
                self.exists = max(0, self.exists - len(_uids(response.text)))

    def enable_qresync(self) -> bool:
        """Turn on QRESYNC (which also turns on CONDSTORE) when the server has it.

        Only before the session's first SELECT (ENABLE is refused once a mailbox was selected,
        RFC 5161). Asked for just before the SELECT that needs it, not at login: Dovecot on
        Maildir rescans a folder on every STATUS and SELECT once QRESYNC is on (2 s at 200k
        messages), which a no-change resync (one LIST-STATUS) and a first sync never need.
        """
        if self.qresync or self.selected_once or not (self.has("QRESYNC") and self.has("ENABLE")):
            return self.qresync
        answer = self.command(b"ENABLE QRESYNC")
        self.qresync = any(b"QRESYNC" in r.text.upper() for r in answer.of("ENABLED"))
        return self.qresync

    def noop(self) -> Answer:
        return self.command(b"NOOP")

    def logout(self) -> None:
        """Say goodbye politely; if the connection is already broken, just close it."""
        try:
            self.client.logout()
        except Exception:  # the connection may already be gone; nothing to do about it
            log.debug("logout failed", exc_info=True)
            self.close()

    def close(self) -> None:
        """Close the socket without a word (after a failure)."""
        try:
            self.client.shutdown()
        except Exception:
            log.debug("shutdown failed", exc_info=True)

    # -- folders
    def list_folders(self) -> list[FolderInfo]:
        """LIST and LSUB through `wire` (bounded); a line that cannot be read is skipped and logged."""
        listed = [
            (attributes, delimiter, decode_name(raw))
            for attributes, delimiter, raw in list_responses(self.command(b'LIST "" "*"').of("LIST"))
        ]
        subscribed = {decode_name(raw) for _, _, raw in list_responses(self.command(b'LSUB "" "*"').of("LSUB"))}
        return folder_infos(listed, subscribed)

    def list_folders_and_status(self, *, with_status: bool = True) -> tuple[list[FolderInfo], dict[str, StatusInfo]]:
        """The folders and, where the server has LIST-STATUS (RFC 5819), every folder's STATUS in the same answer.

        One round trip instead of LIST, LSUB and a STATUS per folder; without LIST-STATUS (or
        `with_status`) the statuses are empty (`statuses()` asks for the ones needed).
        """
        if not (self.has("LIST-STATUS") and self.has("LIST-EXTENDED")):
            return self.list_folders(), {}
        status = b"STATUS (" + self._status_items() + b")" if with_status else b""
        try:
            answer = self.command(self._extended_list(status))
        except ImapError as exc:
            if isinstance(exc, ConnectionLost):
                raise
            log.info("extended LIST refused (%s); asking the plain way", exc)  # advertised, but not really there
            return self.list_folders(), {}
        return self._extended_folders(answer), _statuses(answer.of("STATUS"))

    def statuses_then_folders(
        self, names: list[str], *, poll: bool = False
    ) -> tuple[list[FolderInfo], dict[str, StatusInfo], bool] | None:
        """The STATUS of the folders known already, then the folder list: one write, one round trip.
        With `poll`, the selected folder's poll (see `poll_selected`) goes first in the same write;
        the third value is its answer (False without `poll`).

        The Inbox's STATUS goes first on purpose: Dovecot (2.3, Maildir) answers the STATUS of the
        first mailbox a session touches from its index in a millisecond, but after a LIST, a
        LIST-STATUS or a STATUS of another folder it rereads a folder's whole uidlist for it (0.4-0.6 s
        for an Inbox of 25,000 messages: the no-change sync's entire cost with LIST-STATUS). A folder
        the server refuses (deleted meanwhile) has no status; a new one is listed without. None
        without LIST-EXTENDED or for more folders than one pipelined batch (the caller then uses
        `list_folders_and_status`).
        """
        if not self.has("LIST-EXTENDED") or len(names) > _PIPELINE:
            return None
        names = sorted(names, key=lambda name: name.upper() != "INBOX")  # stable: the rest keep their order
        polls = self._poll_lines() if poll else []
        *answers, listed = self.pipelined([*polls, *self._status_lines(names), self._extended_list()])
        quiet = bool(polls) and self._quiet([*answers, listed])
        found = _status_answers(names, answers[len(polls) :])
        if isinstance(listed, ImapError):
            log.info("extended LIST refused (%s); asking the plain way", listed)  # advertised, but not really there
            return self.list_folders(), found, quiet
        return self._extended_folders(listed), found, quiet

    def poll_selected(self) -> bool:
        """Whether the selected folder is as its SELECT found it, asked of the selected state itself.

        Instead of a STATUS of it: RFC 3501 (6.3.10) says STATUS is not for the selected mailbox,
        and names NOOP the way to poll it (6.1.2); Dovecot also rereads a big Inbox's whole
        uidlist for every STATUS of it once a LIST or another folder's STATUS came in the same
        session (0.5-2 s at 100,000-1,000,000 messages), while a NOOP on the selected Inbox costs
        that once per SELECT. NOOP brings the news the server sends (EXISTS, EXPUNGE, flags: a
        SHOULD for changes by others), and with CONDSTORE `UID FETCH 1:* (UID) (CHANGEDSINCE m)`
        names every message added or changed since the SELECT (RFC 7162: a MUST), with QRESYNC
        also the ones expunged (VANISHED). False (ask the slow way) without CONDSTORE or a SELECT
        answer to compare with.
        """
        lines = self._poll_lines()
        return bool(lines) and self._quiet(self.pipelined(lines))

    def _poll_lines(self) -> list[bytes]:
        info = self.selected_info
        if self.selected is None or info is None or not (self.condstore and info.highestmodseq):
            return []
        lines = [b"NOOP"]
        if self.exists:  # "1:*" in an empty folder is refused by some servers; a new message comes as EXISTS
            vanished = b" VANISHED" if self.qresync else b""
            lines.append(b"UID FETCH 1:* (UID) (CHANGEDSINCE %d%s)" % (info.highestmodseq, vanished))
        return lines

    def _quiet(self, answers: list[Answer | ImapError]) -> bool:
        """No news of the selected folder in these answers: nothing refused, expunged, added or changed."""
        info = self.selected_info
        if info is None or self.exists != info.exists or any(isinstance(a, ImapError) for a in answers):
            return False
        for answer in answers:
            assert isinstance(answer, Answer)
            if any(response.keyword in ("FETCH", "EXPUNGE", "VANISHED") for response in answer.untagged):
                return False
            # A new HIGHESTMODSEQ (Dovecot puts it in NOOP's tagged OK with QRESYNC), UIDNEXT or UIDVALIDITY.
            texts = [r.text for r in answer.untagged if r.keyword == "OK"] + [answer.text.encode("utf-8", "replace")]
            for code in filter(None, map(_CODE.search, texts)):
                if code.group(1) in (b"HIGHESTMODSEQ", b"UIDVALIDITY", b"UIDNEXT"):
                    expected = getattr(info, code.group(1).decode().lower())
                    if (code.group(2) or b"").strip() != str(expected).encode():
                        return False
        return True

    def _extended_list(self, status: bytes = b"") -> bytes:
        options = b"SUBSCRIBED CHILDREN " + (b"SPECIAL-USE " if self.has("SPECIAL-USE") else b"")
        return b'LIST "" "*" RETURN (' + (options + status).rstrip() + b")"

    def _extended_folders(self, answer: Answer) -> list[FolderInfo]:
        listed: list[tuple[tuple[str, ...], str, str]] = []
        subscribed: set[str] = set()
        for response in answer.of("LIST"):
            entry = _list_entry(response)
            if entry is None:
                continue
            attributes, delimiter, name = entry
            upper = {a.upper() for a in attributes}
            if "\\NONEXISTENT" in upper and "\\HASCHILDREN" not in upper:
                continue  # a subscription to a folder that is gone (a parent of folders stays, unselectable)
            if "\\SUBSCRIBED" in upper:
                subscribed.add(name)
            listed.append((tuple(a for a in attributes if a.upper() != "\\SUBSCRIBED"), delimiter, name))
        return folder_infos(listed, subscribed)

    def statuses(self, names: list[str]) -> dict[str, StatusInfo]:
        """STATUS of several folders, pipelined: one round trip per batch instead of one per folder.

        A folder the server refuses (e.g. deleted meanwhile) is left out.
        """
        found: dict[str, StatusInfo] = {}
        for start in range(0, len(names), _PIPELINE):
            batch = names[start : start + _PIPELINE]
            found.update(_status_answers(batch, self.pipelined(self._status_lines(batch))))
        return found

    def _status_lines(self, names: list[str]) -> list[bytes]:
        items = b" (" + self._status_items() + b")"
        return [b"STATUS " + mailbox(n) + items for n in names]

    def status(self, name: str) -> StatusInfo:
        """Counts and sync markers of a folder without selecting it."""
        answer = self.command(b"STATUS " + mailbox(name) + b" (" + self._status_items() + b")")
        return _status_info(answer.of("STATUS"))

    def _status_items(self) -> bytes:
        return b"MESSAGES UNSEEN UIDNEXT UIDVALIDITY" + (b" HIGHESTMODSEQ" if self.condstore else b"")

    def in_personal_namespace(self, name: str) -> str:
        """`name` placed inside the personal namespace (RFC 2342) if it is not already.

        Courier keeps every folder under "INBOX." and refuses "CREATE Projects"; most servers
        have an empty prefix, and then the name stays as it is."""
        if self._personal_prefix is None:
            self._personal_prefix = personal_prefix(self.client)
        prefix = self._personal_prefix
        if not prefix or name.upper() == "INBOX" or name.upper().startswith(prefix.upper()):
            return name
        return prefix + name

    def create_folder(self, name: str) -> None:
        self.command(b"CREATE " + mailbox(name))

    def delete_folder(self, name: str) -> None:
        self.command(b"DELETE " + mailbox(name))

    def rename_folder(self, old: str, new: str) -> None:
        self.command(b"RENAME " + mailbox(old) + b" " + mailbox(new))

    def subscribe(self, name: str, on: bool = True) -> None:
        self.command((b"SUBSCRIBE " if on else b"UNSUBSCRIBE ") + mailbox(name))

    # -- selecting
    def select(self, name: str, *, qresync: tuple[int, int] | None = None, readonly: bool = False) -> SelectInfo:
        """SELECT (or EXAMINE); with `qresync=(uidvalidity, modseq)` the server reports changes since."""
        line = (b"EXAMINE " if readonly else b"SELECT ") + mailbox(name)
        if qresync and self.qresync:
            line += b" (QRESYNC (%d %d))" % qresync
        elif self.condstore:
            line += b" (CONDSTORE)"
        self.selected, self.selected_info = None, None
        self.selected_once = True
        answer = self.command(line)
        self.selected, self.readonly = name, readonly
        info = SelectInfo(exists=self.exists, uidvalidity=0, uidnext=0, highestmodseq=0)
        for response in answer.untagged:
            self._read_select_response(info, response)
        self.selected_info = SelectInfo(info.exists, info.uidvalidity, info.uidnext, info.highestmodseq)
        return info

    def _read_select_response(self, info: SelectInfo, response: wire.Untagged) -> None:
        if response.keyword == "EXISTS":
            info.exists = response.number or 0
        elif response.keyword == "OK":
            code = _CODE.search(response.text)
            if code and code.group(1) in (b"UIDVALIDITY", b"UIDNEXT", b"HIGHESTMODSEQ"):
                maximum = limits.IMAP_MAX_MODSEQ if code.group(1) == b"HIGHESTMODSEQ" else limits.IMAP_MAX_NUMBER
                setattr(info, code.group(1).decode().lower(), bounded_number(code.group(2), maximum))
            elif code and code.group(1) == b"NOMODSEQ":
                info.highestmodseq = 0
        elif response.keyword == "VANISHED":
            info.vanished.extend(_uids(response.text))
        elif response.keyword == "FETCH":
            info.changed.extend(_flag_changes([response]))

    def unselect(self) -> None:
        """Leave the selected folder without expunging: UNSELECT, or CLOSE for one opened read-only
        (which expunges nothing); a read-write folder stays selected on servers without UNSELECT."""
        if self.selected is None:
            return
        if self.has("UNSELECT"):
            self.command(b"UNSELECT")
        elif self.readonly:
            self.command(b"CLOSE")
        else:
            return
        self.selected, self.selected_info = None, None

    # -- reading messages
    def search_uids(self) -> list[int]:
        """Every UID in the selected folder (ESEARCH keeps the answer short as ranges)."""
        if self.has("ESEARCH"):
            answer = self.command(b"UID SEARCH RETURN (ALL) ALL")
            for response in answer.of("ESEARCH"):
                match = re.search(rb"\bALL (\S+)", response.text)
                if match:
                    return _uids(match.group(1))
            return []
        answer = self.command(b"UID SEARCH ALL")
        found = {bounded_number(n, limits.IMAP_MAX_NUMBER) for r in answer.of("SEARCH") for n in r.text.split()}
        return sorted(found - {0})

    def fetch_headers(
        self,
        uids: list[int] | str,
        *,
        by_sequence: bool = False,
        each: Callable[[MessageHeaders], None] | None = None,
        sizes: bool = True,
    ) -> list[MessageHeaders]:
        """Header sync items for a UID set (or, `by_sequence`, message numbers such as "951:*").

        Only the UIDs asked for come back (not "n:*" extras or unsolicited FETCHes). With `each`,
        every message is handed over as it arrives instead (and the list returned is empty).
        Without `sizes` RFC822.SIZE is not asked for (size 0): a Maildir server may have to open
        every message file for it, while the rest comes from its cache (see `fetch_sizes`).
        """
        items = (HEADER_ITEMS if sizes else HEADER_ITEMS.replace(" RFC822.SIZE", "")) + (
            " MODSEQ" if self.condstore else ""
        )
        wanted = set(expand(uids)) if isinstance(uids, str) and "*" not in uids and not by_sequence else None
        command = b"FETCH " if by_sequence else b"UID FETCH "
        out: list[MessageHeaders] = []
        take = each or out.append

        def arrived(response: wire.Untagged) -> bool:
            if response.keyword != "FETCH":
                return False
            try:
                headers = headers_from_response(response)
            except (ImapError, ValueError) as exc:  # one unreadable message must not stop the folder
                self.skipped.add(response.number or 0)
                log.warning("skipped an unreadable message (number %s): %s", response.number, exc)
                return True
            if headers is not None and (wanted is None or headers.uid in wanted):
                take(headers)
            return True

        for uidset in _sets(uids):
            line = command + uidset.encode() + b" (" + items.encode() + b")"
            self.command(line, _capped(MAX_HEADER_BYTES), each=arrived)
        return out

    def fetch_sizes(self, uids: list[int]) -> list[tuple[int, int]]:
        """(uid, RFC822.SIZE) of these messages; an unreadable answer is left out (its size stays unknown)."""
        sizes: list[tuple[int, int]] = []
        for uidset in _sets(uids):
            for response in self.command(b"UID FETCH " + uidset.encode() + b" (UID RFC822.SIZE)").of("FETCH"):
                try:
                    parsed = wire.parse_fetch_items(response)
                    if "UID" in parsed and "RFC822.SIZE" in parsed:
                        sizes.append(
                            (uid_number(parsed["UID"]), bounded_number(parsed["RFC822.SIZE"], limits.IMAP_MAX_MODSEQ))
                        )
                except (ImapError, ValueError) as exc:
                    log.warning("skipped an unreadable size (number %s): %s", response.number, exc)
        return sizes

    def fetch_flags(self, uids: list[int] | str, *, changedsince: int = 0) -> tuple[list[FlagChange], list[int]]:
        """Flags (and modseq) for a UID set, optionally only those changed since a modseq.

        With QRESYNC enabled and `changedsince`, expunged UIDs come back too (VANISHED).
        """
        modifier = b""
        if changedsince:
            modifier = b" (CHANGEDSINCE %d%s)" % (changedsince, b" VANISHED" if self.qresync else b"")
        items = b"(UID FLAGS MODSEQ)" if self.condstore else b"(UID FLAGS)"
        changes: list[FlagChange] = []
        vanished: list[int] = []
        for uidset in _sets(uids):
            answer = self.command(b"UID FETCH " + uidset.encode() + b" " + items + modifier)
            changes.extend(_flag_changes(answer.of("FETCH")))
            for response in answer.of("VANISHED"):
                vanished.extend(_uids(response.text))
        return changes, vanished

    def fetch_body(
        self, uid: int, sink: BinaryIO | None = None, chunk: int = 65536, cancel: CancelToken = NEVER
    ) -> bytes | int:
        """The raw message: returned as bytes, or streamed into `sink` (returns the size).

        `cancel` is checked between chunks of a streamed message; cancelling there closes the
        connection (the rest of the literal is still on the wire), so drop this session after it.
        """
        written = 0
        # Slow links get time in proportion to the size, a server trickling bytes does not.
        deadline = Deadline(limits.COMMAND_DEADLINE, self.cancel)

        def in_memory(size: int, imap: Any) -> bytes:
            if size > limits.BODY_IN_MEMORY:  # what it is, not what RFC822.SIZE said: never held whole
                raise wire.FramingError(f"a {size}-byte message where at most {limits.BODY_IN_MEMORY} were expected")
            deadline.extend(size / limits.BODY_MIN_RATE)
            return wire.read_exactly(imap, size)

        def stream(size: int, imap: Any) -> bytes:
            nonlocal written
            deadline.extend(size / limits.BODY_MIN_RATE)
            left = size
            while left:
                data = imap.read(min(chunk, left))
                if not data:
                    raise ConnectionLost("connection closed inside a message")
                assert sink is not None
                if cancel.cancelled:
                    self.close()
                    raise Cancelled()
                sink.write(data)
                left -= len(data)
            written = size
            return b""

        line = b"UID FETCH %d (UID BODY.PEEK[])" % uid
        # A server that stalls mid-message blocks the read itself: the watchdog shuts the socket then.
        with closes_on_cancel(self.client.socket(), cancel):
            try:
                answer = self.command(line, literal_sink=stream if sink else in_memory, deadline=deadline)
            except (ImapError, OSError):
                if not cancel.cancelled:
                    raise
                self.close()
                raise Cancelled() from None
        for response in answer.of("FETCH"):
            parsed = wire.parse_fetch_items(response)
            if bounded_number(parsed.get("UID"), limits.IMAP_MAX_NUMBER) == uid and "BODY[]" in parsed:
                return written if sink is not None else bytes(parsed["BODY[]"] or b"")
        raise ImapError("NO", f"message {uid} is no longer on the server")

    def fetch_structures(self, uids: list[int]) -> dict[int, TextPart | None]:
        """For each UID: the text part a list preview is made from (None: no text, or a structure we refuse)."""
        found: dict[int, TextPart | None] = {}
        wanted = set(uids)
        for uidset in _sets(uids):
            answer = self.command(b"UID FETCH " + uidset.encode() + b" (UID BODYSTRUCTURE)", _capped(MAX_HEADER_BYTES))
            for response in answer.of("FETCH"):
                try:
                    items = structure_items(response)
                    uid = int(items.get("UID") or 0)
                except (ImapError, ValueError):
                    log.info("unreadable BODYSTRUCTURE answer skipped")
                    continue
                if uid in wanted and "BODYSTRUCTURE" in items:
                    found[uid] = text_part(items["BODYSTRUCTURE"])
        return found

    def fetch_prefixes(self, uids: list[int], section: str, size: int, offset: int = 0) -> dict[int, bytes]:
        """`size` bytes from `offset` of a body part ("1.2") of each message, as sent (BODY.PEEK: stays unread)."""
        if not re.fullmatch(r"\d{1,4}(?:\.\d{1,4}){0,15}", section):
            raise ValueError(f"not a part number: {section!r}")
        item = b"BODY.PEEK[%s]<%d.%d>" % (section.encode(), offset, size)
        found: dict[int, bytes] = {}
        for uidset in _sets(uids):
            answer = self.command(b"UID FETCH " + uidset.encode() + b" (UID " + item + b")", _capped(size))
            for response in answer.of("FETCH"):
                try:
                    parsed = wire.parse_fetch_items(response)
                except ImapError:
                    continue  # that message keeps no preview; the others are fine
                value = next((v for k, v in parsed.items() if k.startswith("BODY[")), None)
                if "UID" in parsed and isinstance(value, bytes):
                    found[bounded_number(parsed["UID"], limits.IMAP_MAX_NUMBER)] = value[:size]
        return found

    # -- changing messages
    def store_flags(self, uids: list[int], add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
        for uidset in _sets(uids):
            if add:
                self.command(b"UID STORE %s +FLAGS.SILENT (%s)" % (uidset.encode(), " ".join(add).encode()))
            if remove:
                self.command(b"UID STORE %s -FLAGS.SILENT (%s)" % (uidset.encode(), " ".join(remove).encode()))

    def move(self, uids: list[int], destination: str) -> CopyUids:
        """MOVE, else COPY + \\Deleted + UID EXPUNGE (plain EXPUNGE only without UIDPLUS).

        Returns where the messages landed (COPYUID, RFC 4315) when the server says so: {} otherwise.
        """
        landed = CopyUids(0, {})
        for uidset in _sets(uids):
            if self.has("MOVE"):
                answer = self.command(b"UID MOVE " + uidset.encode() + b" " + mailbox(destination))
            else:
                answer = self.command(b"UID COPY " + uidset.encode() + b" " + mailbox(destination))
                self.expunge(expand(uidset))
            landed = landed.merged(copy_uids(answer))
        return landed

    def copy(self, uids: list[int], destination: str) -> CopyUids:
        """UID COPY: the messages stay here and a copy lands in `destination` (COPYUID when the server says)."""
        landed = CopyUids(0, {})
        for uidset in _sets(uids):
            landed = landed.merged(
                copy_uids(self.command(b"UID COPY " + uidset.encode() + b" " + mailbox(destination)))
            )
        return landed

    def search_message_id(self, message_id: str) -> list[int]:
        """UIDs in the selected folder whose Message-ID header is `message_id`."""
        cleaned = "".join(c for c in message_id if c.isprintable() and c not in '"\\')[:998]
        if not cleaned:
            return []
        answer = self.command(b'UID SEARCH HEADER Message-ID "' + cleaned.encode("utf-8", "replace") + b'"')
        return sorted(int(n) for r in answer.of("SEARCH") for n in r.text.split() if n.isdigit())

    def expunge(self, uids: list[int]) -> None:
        """Remove messages for good (only these UIDs when the server has UIDPLUS)."""
        for uidset in _sets(uids):
            self.command(b"UID STORE " + uidset.encode() + b" +FLAGS.SILENT (\\Deleted)")
            self.command(b"UID EXPUNGE " + uidset.encode() if self.has("UIDPLUS") else b"EXPUNGE")

    def append(self, folder: str, message: bytes, flags: tuple[str, ...] = ()) -> None:
        if self.selected == folder and self.readonly:
            self.unselect()  # Courier refuses an APPEND to the mailbox selected read-only
        self.client.append(folder, message, flags=flags)


def _uids(text: bytes) -> list[int]:
    """A UID set the server sent ("(EARLIER) 1:5,9"), expanded within IMAP_MAX_MESSAGES (else FramingError)."""
    try:
        return expand(text.replace(b"(EARLIER)", b"").decode("ascii"), limit=limits.IMAP_MAX_MESSAGES)
    except (ValueError, UnicodeDecodeError) as exc:
        raise wire.FramingError(f"unreadable UID set: {exc}") from None


@dataclass(frozen=True)
class CopyUids:
    """COPYUID: the destination's UIDVALIDITY and, per source UID, the UID the message has there."""

    uidvalidity: int
    uids: dict[int, int]

    def merged(self, other: CopyUids) -> CopyUids:
        return CopyUids(other.uidvalidity or self.uidvalidity, {**self.uids, **other.uids})


_COPYUID = re.compile(rb"\[COPYUID (\d+) ([\d:,]+) ([\d:,]+)\]", re.IGNORECASE)


def copy_uids(answer: Answer) -> CopyUids:
    """The COPYUID code of a MOVE (untagged OK) or COPY (tagged OK) answer; empty if the server sent none."""
    texts = [u.text for u in answer.of("OK")] + [answer.text.encode("utf-8", "replace")]
    for text in texts:
        match = _COPYUID.search(text)
        if match is None:
            continue
        source, target = _in_order(match.group(2).decode()), _in_order(match.group(3).decode())
        if source and len(source) == len(target):
            return CopyUids(int(match.group(1)), dict(zip(source, target, strict=True)))
    return CopyUids(0, {})


MAX_COPYUIDS = 100_000  # UIDs read from one COPYUID; a hostile "1:4000000000" is ignored, not expanded


def _in_order(text: str) -> list[int]:
    """A COPYUID set in the server's order (both sets correspond position by position); [] if too big."""
    found: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        if not low.isdigit() or (high and not high.isdigit()):
            return []
        start, end = int(low), int(high or low)
        step = 1 if end >= start else -1
        if len(found) + abs(end - start) + 1 > MAX_COPYUIDS:
            return []
        found.extend(range(start, end + step, step))
    return found


def personal_prefix(client: IMAPClient) -> str:
    """The personal namespace's prefix (RFC 2342): "INBOX." on Courier, "" on most servers."""
    if b"NAMESPACE" not in {c.upper() for c in client.capabilities()}:
        return ""
    try:
        personal = client.namespace().personal
    except imaplib.IMAP4.abort:
        raise  # the connection broke: not a server without namespaces
    except (imaplib.IMAP4.error, ValueError, IndexError, TypeError) as exc:  # refused or unreadable
        log.info("NAMESPACE not usable, folders are created at the top: %s", exc)
        return ""
    if not personal or not personal[0]:
        return ""
    prefix = personal[0][0]
    return prefix.decode("utf-8", "replace") if isinstance(prefix, bytes) else str(prefix or "")


def _status_info(responses: list[wire.Untagged]) -> StatusInfo:
    values: dict[str, int] = {}
    for response in responses:
        match = _STATUS_ITEMS.search(response.text)
        if match:
            words = match.group(1).decode("ascii", "replace").split()
            pairs = zip(words[::2], words[1::2], strict=False)
            values.update((k.upper(), bounded_number(v, limits.IMAP_MAX_MODSEQ)) for k, v in pairs if v.isdigit())
    keys = ("MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ")
    return StatusInfo(*(values.get(key, 0) for key in keys))


def _status_answers(names: list[str], answers: list[Answer | ImapError]) -> dict[str, StatusInfo]:
    """Pipelined STATUS answers by folder; a folder the server refused (e.g. deleted meanwhile) is left out."""
    found: dict[str, StatusInfo] = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, ImapError):
            log.info("STATUS %s refused: %s", name, answer)
        else:
            found[name] = _status_info(answer.of("STATUS"))
    return found


def _statuses(responses: list[wire.Untagged]) -> dict[str, StatusInfo]:
    """`* STATUS name (...)` responses of many folders, by folder name."""
    found: dict[str, StatusInfo] = {}
    for response in responses:
        match = _STATUS_NAME.match(response.text)
        if match is not None:
            found[_astring(match.group(1), response)] = _status_info([response])
    return found


def _list_entry(response: wire.Untagged) -> tuple[tuple[str, ...], str, str] | None:
    """`(\\HasNoChildren) "/" "Name" [extended data]` -> (attributes, delimiter, name); None if unreadable."""
    match = _LIST_ENTRY.match(response.text)
    if match is None:
        log.info("unreadable LIST response skipped")
        return None
    attributes = tuple(match.group(1).decode("utf-8", "replace").split())
    delimiter = "" if match.group(2).upper() == b"NIL" else _unquote(match.group(2)).decode("utf-8", "replace")
    return attributes, delimiter, _astring(match.group(3), response)


def _astring(raw: bytes, response: wire.Untagged) -> str:
    """A folder name as sent (atom, "quoted" or literal), decoded from modified UTF-7 (kept escaped if invalid)."""
    if raw == wire.LITERAL_MARK:
        raw = response.literals[0] if response.literals else b""
    elif raw.startswith(b'"'):
        raw = _unquote(raw)
    name = decode_name(raw)
    return "INBOX" if name.upper() == "INBOX" else name


def _unquote(quoted: bytes) -> bytes:
    return re.sub(rb"\\(.)", rb"\1", quoted[1:-1])


def _capped(limit: int) -> Callable[[int, Any], bytes]:
    """A literal reader keeping at most `limit` bytes (the rest is read and dropped, never held)."""

    def read(size: int, imap: Any) -> bytes:
        kept = wire.read_exactly(imap, min(size, limit))
        left = size - len(kept)
        while left:
            left -= len(wire.read_exactly(imap, min(left, 65536)))
        return kept

    return read


def _sets(uids: list[int] | str) -> list[str]:
    if isinstance(uids, str):
        return [uids] if len(uids) < _CHUNK else chunks(expand(uids), _CHUNK)
    return chunks(uids, _CHUNK)


def _flag_changes(responses: list[wire.Untagged]) -> list[FlagChange]:
    changes: list[FlagChange] = []
    for response in responses:
        try:
            change = _flag_change(response)
        except (ImapError, ValueError) as exc:  # one unreadable answer: that message keeps its flags
            log.warning("skipped an unreadable flags answer (number %s): %s", response.number, exc)
            continue
        if change is not None:
            changes.append(change)
    return changes


def _flag_change(response: wire.Untagged) -> FlagChange | None:
    fast = _FLAGS_ONLY.match(response.text)
    if fast is not None:  # the usual answer shape, one regex instead of the general parser
        uid, flags = (fast.group(1), fast.group(2)) if fast.group(1) else (fast.group(4), fast.group(3))
        return uid_number(uid), flag_words(flags), bounded_number(fast.group(5), limits.IMAP_MAX_MODSEQ)
    parsed = wire.parse_fetch_items(response)
    if "UID" not in parsed or "FLAGS" not in parsed:
        return None  # e.g. an unsolicited FETCH without UID: the next sync will see it
    modseq = paren_words(parsed.get("MODSEQ"))
    return (
        uid_number(parsed["UID"]),
        flag_words(parsed["FLAGS"]),
        bounded_number(modseq[0], limits.IMAP_MAX_MODSEQ) if modseq else 0,
    )
