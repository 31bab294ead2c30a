"""A small, fast IMAP response reader on imapclient's socket, for the commands imapclient gets wrong.

imapclient 4.x `fetch()` calls int() on the message set, so a range such as "1:*" fails after
the whole answer arrived, and its character-by-character parser costs ~10x the network time.
Here a command is sent with its own tag and the answers are read line by line: untagged
responses come back as `Untagged(number, keyword, text, literals)` and FETCH data items are
split by `parse_fetch_items` with a few regular expressions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from deskmail.engine import limits

_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\r?\n$")  # a bare LF ends a line too (GNU Mailutils)
_KEYWORD = re.compile(rb"[A-Za-z][A-Za-z0-9.\-]*")
_STALE_TAGGED = re.compile(rb"[A-Za-z0-9.]{1,32} (?:OK|NO|BAD)\b", re.IGNORECASE)
_MAX_BLANK_LINES = 100  # empty lines tolerated in one answer (some servers send a stray CRLF)
LITERAL_MARK = b"\x00"  # stands for the n-th literal in an untagged response's text


class ImapError(Exception):
    """The server answered NO or BAD (`.status`), or the connection said something impossible."""

    def __init__(self, status: str, text: str) -> None:
        super().__init__(f"{status} {text}".strip())
        self.status = status
        self.text = text
        # What came before a refusal in a pipeline (an EXISTS, an EXPUNGE...): still the selected folder's news.
        self.untagged: list[Untagged] = []


class ConnectionLost(ImapError):
    """The connection closed or broke in the middle of a command."""

    def __init__(self, text: str) -> None:
        super().__init__("BYE", text)


class FramingError(ConnectionLost):
    """The answer broke a limit or the protocol's framing (too long, too much, garbage).

    What follows on the wire cannot be trusted: the connection must be closed, never read on.
    """


class TooSlow(ConnectionLost):
    """The answer did not arrive within its deadline (a server trickling bytes); the connection was cut."""


class _Imaplib(Protocol):
    """The parts of imaplib.IMAP4 this module uses (what IMAPClient keeps in `._imap`)."""

    tagged_commands: dict[bytes, Any]

    def _new_tag(self) -> bytes: ...
    def send(self, data: bytes) -> None: ...

    file: Any  # the buffered socket reader

    def read(self, size: int) -> bytes: ...


@dataclass(slots=True)  # hundreds of thousands per sync: no per-object dict
class Untagged:
    """`* [number] KEYWORD text`: literals are cut out of `text` and replaced by LITERAL_MARK."""

    number: int | None
    keyword: str
    text: bytes
    literals: list[bytes] = field(default_factory=list)


@dataclass
class Answer:
    """Everything a command produced: untagged responses in order and the tagged status text."""

    untagged: list[Untagged]
    text: str

    def of(self, keyword: str) -> list[Untagged]:
        return [u for u in self.untagged if u.keyword == keyword]


def run(
    imap: _Imaplib,
    command: bytes,
    *,
    literal_sink: Any = None,
    then: Iterable[bytes] = (),
    each: Callable[[Untagged], bool] | None = None,
) -> Answer:
    """Send one command line (without tag) and read until its tagged answer; NO/BAD raise.

    `literal_sink(size, reader)` may consume a literal itself (e.g. to stream it to a file) and
    return what to keep in its place. `then`: what follows the line without waiting, in pieces
    (a non-synchronizing literal, RFC 7888: the line ends in "{size+}" and `then` ends in CRLF).
    `each(untagged)` sees every untagged response as it arrives; those it returns True for are
    not kept in the answer (a long FETCH can then be stored in pieces while it streams in).
    """
    tag = imap._new_tag()
    imap.tagged_commands.pop(tag, None)  # we read the answer ourselves; imaplib must not wait for it
    imap.send(tag + b" " + command + b"\r\n")
    for piece in then:
        imap.send(piece)
    untagged: list[Untagged] = []
    seen = held = blank = 0  # responses seen, bytes kept for this answer, stray empty lines seen
    while True:
        line = _readline(imap)
        if not line:
            raise ConnectionLost("connection closed by the server")
        if line.startswith(b"* "):
            response = _read_untagged(imap, line, literal_sink)
            seen += 1  # handed over or kept: an endless answer is refused either way
            if each is None or not each(response):
                untagged.append(response)
                held += len(response.text) + sum(map(len, response.literals)) + limits.IMAP_UNTAGGED_OVERHEAD
            if seen > limits.IMAP_MAX_UNTAGGED or held > limits.IMAP_MAX_UNTAGGED_BYTES:
                raise FramingError(f"more than {seen} responses ({held} bytes kept) to one command")
        elif line.startswith(tag + b" "):
            status, _, text = line[len(tag) + 1 :].rstrip(b"\r\n").partition(b" ")
            decoded = text.decode("utf-8", "replace")
            if status.upper() != b"OK":
                raise ImapError(status.decode("ascii", "replace").upper(), decoded)
            return Answer(untagged, decoded)
        elif line.startswith(b"+"):
            raise FramingError("server asked for a continuation we did not announce")
        elif line.strip() == b"" and blank < _MAX_BLANK_LINES:
            blank += 1
        elif not _STALE_TAGGED.match(line):  # an earlier command's late status is harmless; else garbage
            raise FramingError(f"unexpected line from the server: {line[:80]!r}")


def _read_untagged(imap: _Imaplib, line: bytes, literal_sink: Any) -> Untagged:
    if not line.endswith((b"}\r\n", b"}\n")):  # the common case: no literal (checked cheaply, 100k times a sync)
        return _untagged(line[:-2] if line.endswith(b"\r\n") else line.rstrip(b"\r\n"), [])
    parts: list[bytes] = []
    literals: list[bytes] = []
    while True:
        match = _LITERAL_AT_END.search(line)
        if match is None:
            parts.append(line.rstrip(b"\r\n"))
            break
        digits = match.group(1)
        size = int(digits) if len(digits) <= 12 else limits.BODY_MAX + 1
        if size > (limits.BODY_MAX if literal_sink else limits.IMAP_MAX_LITERAL):
            raise FramingError(f"server announced a {digits[:20].decode()}-byte literal")
        parts.append(line[: match.start()] + LITERAL_MARK)
        literals.append(literal_sink(size, imap) if literal_sink else read_exactly(imap, size))
        line = _readline(imap)
        if not line:
            raise ConnectionLost("connection closed inside a response")
    return _untagged(b"".join(parts), literals)


def _untagged(whole: bytes, literals: list[bytes]) -> Untagged:
    """`* [number] KEYWORD text` split without a regular expression."""
    head, _, rest = whole[2:].partition(b" ")
    number: int | None = None
    if head.isdigit():
        number = int(head) if len(head) < 10 else bounded_number(head, limits.IMAP_MAX_NUMBER)
        head, _, rest = rest.partition(b" ")
    if not _KEYWORD.fullmatch(head):
        return Untagged(None, "", whole, literals)
    return Untagged(number, head.decode("ascii").upper(), rest, literals)


def _readline(imap: _Imaplib) -> bytes:
    """One line, up to IMAP_MAX_LINE (imaplib's own 1 MB cap is too small for a plain UID SEARCH of 150k)."""
    line: bytes = imap.file.readline(limits.IMAP_MAX_LINE + 1)
    if len(line) > limits.IMAP_MAX_LINE:
        raise FramingError(f"server sent a line longer than {limits.IMAP_MAX_LINE} bytes")
    if line and not line.endswith(b"\n"):  # cut off (closed, or shut at the deadline): never half a status
        raise ConnectionLost("connection closed inside a response")
    return line


read_line = _readline  # for the few readers outside `run` (the end of IDLE)


def read_exactly(imap: _Imaplib, size: int) -> bytes:
    data = imap.read(size)
    if len(data) != size:
        raise ConnectionLost("connection closed inside a literal")
    return data


def bounded_number(digits: bytes | str | int | None, maximum: int) -> int:
    """A number the server sent, as an int no larger than `maximum` (0 when it is not a number).

    Python refuses to convert numbers of more than 4,300 digits, and SQLite cannot store
    integers past 2^63: a hostile "UID 18446744073709551616" must be neither a crash nor stored.
    An int (a local folder's own UID, POP3) is only checked against the same bounds.
    """
    if digits.__class__ is bytes and 0 < len(digits) < 19 and digits.isdigit():
        number = int(digits)  # the usual case, several times per message of a header sync
        return number if number <= maximum else maximum
    if isinstance(digits, int):
        return min(digits, maximum) if digits > 0 else 0
    if not digits:
        return 0
    text = digits.strip() if isinstance(digits, bytes) else digits.strip().encode("ascii", "replace")
    if not text.isdigit():
        return 0
    if len(text) > 19:
        return maximum
    return min(int(text), maximum)


def uid_number(digits: bytes | str | int | None) -> int:
    """A UID (or message number) the server sent; ValueError when it is not 1..2^32-1 (never clamped:
    two messages must not end up with one UID)."""
    number = bounded_number(digits, limits.IMAP_MAX_NUMBER + 1)
    if not 0 < number <= limits.IMAP_MAX_NUMBER:
        raise ValueError(f"not a UID: {str(digits)[:40]}")
    return number


# --- FETCH data items ---------------------------------------------------------------------

_ITEM = re.compile(
    rb"\s*([A-Za-z0-9.]+(?:\[[^\]]*\](?:<\d+>)?)?)\s+"  # name, e.g. UID, FLAGS, BODY[HEADER.FIELDS (A B)]
    rb"(\((?:[^()\"]|\"(?:[^\"\\]|\\.)*\"|\((?:[^()\"]|\"(?:[^\"\\]|\\.)*\")*\))*\)"  # (list), one nesting level
    rb"|\"(?:[^\"\\]|\\.)*\""  # "quoted"
    rb"|\x00"  # a literal
    rb"|[^\s()]+)",  # atom, number or NIL
    re.S,
)


# The usual shape of a header-sync answer, matched in one go (anything else takes the general path).
_HEADER_SYNC = re.compile(
    rb"\s*\((?=UID )UID (\d+) FLAGS (\([^()]*\))(?: RFC822\.SIZE (\d+))? INTERNALDATE \"([^\"]*)\""
    rb"(?: MODSEQ \((\d+)\))? BODY\[HEADER\.FIELDS \([^()\]]*\)\] \x00(?: MODSEQ \((\d+)\))?\)\s*$"
)
HeaderSyncItems = tuple[bytes, bytes, bytes | None, bytes, bytes | None, bytes]


def header_sync_items(response: Untagged) -> HeaderSyncItems | None:
    """(UID, FLAGS with parentheses, RFC822.SIZE, INTERNALDATE, MODSEQ digits, the header block) of a
    header-sync answer in its usual shape, without building a dict; None for any other shape."""
    fast = _HEADER_SYNC.match(response.text)
    if fast is None or len(response.literals) != 1:
        return None
    uid, flags, size, date, modseq1, modseq2 = fast.groups()
    return uid, flags, size, date, modseq1 or modseq2, response.literals[0]


def parse_fetch_items(response: Untagged) -> dict[str, Any]:
    """`(UID 5 FLAGS (\\Seen) BODY[...] {n})` -> {"UID": b"5", "FLAGS": b"(\\Seen)", "BODY[...]": bytes}.

    Values stay raw bytes (callers convert the few they need); literal values are the literal
    itself, quoted strings are unquoted, NIL becomes None.
    """
    fast = header_sync_items(response)
    if fast is not None:
        uid, flags, size, date, modseq, block = fast
        quick: dict[str, Any] = {"UID": uid, "FLAGS": flags, "INTERNALDATE": date, "BODY[HEADER.FIELDS]": block}
        if size is not None:
            quick["RFC822.SIZE"] = size
        if modseq:
            quick["MODSEQ"] = b"(" + modseq + b")"
        return quick
    text = response.text.strip()
    if not (text.startswith(b"(") and text.endswith(b")")):
        raise ImapError("BAD", "malformed FETCH response")
    body = text[1:-1]
    items: dict[str, Any] = {}
    literals = iter(response.literals)
    pos = 0
    while pos < len(body):
        match = _ITEM.match(body, pos)
        if match is None:
            if body[pos:].strip():
                raise ImapError("BAD", "malformed FETCH item")
            break
        name = match.group(1).decode("ascii").upper()
        value: Any = match.group(2)
        if value == LITERAL_MARK:
            value = next(literals)
        elif value.startswith(b'"'):
            value = value[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
        elif value.upper() == b"NIL":
            value = None
        items[_section_key(name)] = value
        pos = match.end()
    return items


def _section_key(name: str) -> str:
    """BODY[HEADER.FIELDS (FROM TO)] -> BODY[HEADER.FIELDS]: servers may echo the field list differently."""
    if name.startswith("BODY[HEADER.FIELDS"):
        return "BODY[HEADER.FIELDS]"
    return name


def paren_words(value: bytes | None) -> tuple[str, ...]:
    """`(\\Seen $Label)` -> ("\\Seen", "$Label")."""
    if not value:
        return ()
    return tuple(value.strip(b"()").decode("utf-8", "replace").split())


@functools.lru_cache(maxsize=1024)  # a mailbox has few distinct flag combinations
def flag_words(value: bytes | None) -> tuple[str, ...]:
    """FLAGS without \\Recent (it belongs to one session, not to the message)."""
    return tuple(f for f in paren_words(value) if f.upper() != "\\RECENT")


def quote(text: str) -> bytes:
    """An IMAP quoted string (for folder names and search terms without line breaks)."""
    if "\r" in text or "\n" in text:
        raise ValueError("line breaks cannot be quoted")
    return b'"' + text.encode("utf-8").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


# --- pipelining ---------------------------------------------------------------------------


def run_pipelined(imap: _Imaplib, commands: list[bytes]) -> list[Answer | ImapError]:
    """Send several commands at once and read all their answers: one round trip instead of many.

    Each command gets its Answer, or the ImapError of its NO/BAD, in order (a refusal of one
    does not stop the others). Untagged responses go to the command whose tag comes next, which
    is right for commands like STATUS that answer just before their tag, and harmless for those
    that name what they answer about. Keep the batch small (a few KB of commands) so neither
    side's socket buffer fills while the other is not reading.
    """
    tags = [imap._new_tag() for _ in commands]
    for tag in tags:
        imap.tagged_commands.pop(tag, None)
    imap.send(b"".join(tag + b" " + command + b"\r\n" for tag, command in zip(tags, commands, strict=True)))
    pending = {tag: index for index, tag in enumerate(tags)}
    results: list[Answer | ImapError] = [ImapError("BAD", "no answer")] * len(tags)
    untagged: list[Untagged] = []
    held = 0  # bytes kept for the answer being read: bounded like `run` (a poll may name many changed messages)
    while pending:
        line = _readline(imap)
        if not line:
            raise ConnectionLost("connection closed by the server")
        if line.startswith(b"* "):
            response = _read_untagged(imap, line, None)
            untagged.append(response)
            held += len(response.text) + sum(map(len, response.literals)) + limits.IMAP_UNTAGGED_OVERHEAD
            if len(untagged) > limits.IMAP_MAX_UNTAGGED or held > limits.IMAP_MAX_UNTAGGED_BYTES:
                raise FramingError(f"more than {len(untagged)} responses ({held} bytes kept) to one command")
            continue
        if line.startswith(b"+"):
            raise ImapError("BAD", "server asked for a continuation we did not announce")
        tag, _, rest = line.partition(b" ")
        if tag not in pending:
            continue  # not ours (cannot happen on a connection used by one thread)
        status, _, text = rest.rstrip(b"\r\n").partition(b" ")
        decoded = text.decode("utf-8", "replace")
        ok = status.upper() == b"OK"
        if ok:
            results[pending.pop(tag)] = Answer(untagged, decoded)
        else:
            refused = ImapError(status.decode("ascii", "replace"), decoded)
            refused.untagged = untagged
            results[pending.pop(tag)] = refused
        untagged, held = [], 0
    return results
