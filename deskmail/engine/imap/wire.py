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

_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\r?\n$")  # a bare LF ends a line too (GNU Mailutils)
_KEYWORD = re.compile(rb"[A-Za-z][A-Za-z0-9.\-]*")
_MAX_LITERAL = 200 * 1024 * 1024  # a message bigger than this is not mail we can show anyway
MAX_LINE = 16 * 1024 * 1024  # bytes in one response line (outside literals)
LITERAL_MARK = b"\x00"  # stands for the n-th literal in an untagged response's text


class ImapError(Exception):
    """The server answered NO or BAD (`.status`), or the connection said something impossible."""

    def __init__(self, status: str, text: str) -> None:
        super().__init__(f"{status} {text}".strip())
        self.status = status
        self.text = text


class ConnectionLost(ImapError):
    """The connection closed or broke in the middle of a command."""

    def __init__(self, text: str) -> None:
        super().__init__("BYE", text)


class _Imaplib(Protocol):
    """The parts of imaplib.IMAP4 this module uses (what IMAPClient keeps in `._imap`)."""

    tagged_commands: dict[bytes, Any]

    def _new_tag(self) -> bytes: ...
    def send(self, data: bytes) -> None: ...

    file: Any  # the buffered socket reader

    def read(self, size: int) -> bytes: ...


@dataclass
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
    while True:
        line = _readline(imap)
        if not line:
            raise ConnectionLost("connection closed by the server")
        if line.startswith(b"* "):
            response = _read_untagged(imap, line, literal_sink)
            if each is None or not each(response):
                untagged.append(response)
        elif line.startswith(tag + b" "):
            status, _, text = line[len(tag) + 1 :].rstrip(b"\r\n").partition(b" ")
            decoded = text.decode("utf-8", "replace")
            if status.upper() != b"OK":
                raise ImapError(status.decode("ascii", "replace").upper(), decoded)
            return Answer(untagged, decoded)
        elif line.startswith(b"+"):
            raise ImapError("BAD", "server asked for a continuation we did not announce")
        # other tags' lines cannot happen: one command at a time per connection


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
        size = int(match.group(1))
        if size > _MAX_LITERAL:
            raise ImapError("BAD", f"server sent a {size}-byte literal")
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
        number = int(head)
        head, _, rest = rest.partition(b" ")
    if not _KEYWORD.fullmatch(head):
        return Untagged(None, "", whole, literals)
    return Untagged(number, head.decode("ascii").upper(), rest, literals)


def _readline(imap: _Imaplib) -> bytes:
    """One line, up to MAX_LINE (imaplib's own 1 MB cap is too small for a plain UID SEARCH of 150k)."""
    line: bytes = imap.file.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise ImapError("BAD", f"server sent a line longer than {MAX_LINE} bytes")
    if line and not line.endswith(b"\n"):  # cut off mid-line: not a malformed answer to skip
        raise ConnectionLost("connection closed inside a response")
    return line


def read_exactly(imap: _Imaplib, size: int) -> bytes:
    data = imap.read(size)
    if len(data) != size:
        raise ConnectionLost("connection closed inside a literal")
    return data


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
    rb"\((?=UID )UID (\d+) FLAGS \(([^()]*)\) RFC822\.SIZE (\d+) INTERNALDATE \"([^\"]*)\""
    rb"(?: MODSEQ \((\d+)\))? BODY\[HEADER\.FIELDS \([^()\]]*\)\] \x00(?: MODSEQ \((\d+)\))?\)$"
)


def parse_fetch_items(response: Untagged) -> dict[str, Any]:
    """`(UID 5 FLAGS (\\Seen) BODY[...] {n})` -> {"UID": b"5", "FLAGS": b"(\\Seen)", "BODY[...]": bytes}.

    Values stay raw bytes (callers convert the few they need); literal values are the literal
    itself, quoted strings are unquoted, NIL becomes None.
    """
    text = response.text.strip()
    fast = _HEADER_SYNC.match(text)
    if fast is not None and len(response.literals) == 1:
        uid, flags, size, date, modseq1, modseq2 = fast.groups()
        quick: dict[str, Any] = {
            "UID": uid,
            "FLAGS": b"(" + flags + b")",
            "RFC822.SIZE": size,
            "INTERNALDATE": date,
            "BODY[HEADER.FIELDS]": response.literals[0],
        }
        modseq = modseq1 or modseq2
        if modseq:
            quick["MODSEQ"] = b"(" + modseq + b")"
        return quick
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
