"""BODYSTRUCTURE, read without trusting it: which part holds the text a list preview shows.

The answer is a nested list (RFC 3501 7.4.2) that `wire.parse_fetch_items` (one nesting level)
cannot take, so it is read here with a small tokenizer, with limits on depth, size and parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deskmail.engine import limits
from deskmail.engine.imap.wire import LITERAL_MARK, ImapError, Untagged

MAX_DEPTH = limits.IMAP_MAX_DEPTH
MAX_TOKENS = 20_000  # per FETCH response; a hostile server could send a million tiny parts
MAX_PARTS = 200  # leaves looked at per message
_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|(\x00)|([^\s()"\x00]+))', re.S)

Node = list[Any]  # items are bytes, None (NIL) or nested lists


@dataclass(frozen=True)
class TextPart:
    """The part a preview is made from: its IMAP section ("1", "2.1") and how to decode it."""

    section: str
    subtype: str  # "plain" or "html"
    charset: str
    encoding: str
    size: int


class _Budget:
    def __init__(self) -> None:
        self.parts = 0


def parse_list(text: bytes, literals: list[bytes]) -> Node:
    """`(A "b" (C NIL) {literal})` -> [b"A", b"b", [b"C", None], b"..."]; malformed input raises ImapError."""
    stack: list[Node] = [[]]
    pieces = iter(literals)
    pos, tokens = 0, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip():
                raise ImapError("BAD", "malformed list in a FETCH response")
            break
        pos = match.end()
        tokens += 1
        if tokens > MAX_TOKENS:
            raise ImapError("BAD", "FETCH response too complex")
        _add_token(stack, match, pieces)
    if len(stack) != 1:
        raise ImapError("BAD", "unbalanced parentheses in a FETCH response")
    return stack[0]


def _add_token(stack: list[Node], match: re.Match[bytes], pieces: Any) -> None:
    opening, closing, quoted, literal, atom = match.groups()
    if opening:
        if len(stack) > MAX_DEPTH:
            raise ImapError("BAD", "FETCH response nested too deeply")
        child: Node = []
        stack[-1].append(child)
        stack.append(child)
    elif closing:
        if len(stack) == 1:
            raise ImapError("BAD", "unbalanced parentheses in a FETCH response")
        stack.pop()
    elif quoted is not None:
        stack[-1].append(quoted.replace(b'\\"', b'"').replace(b"\\\\", b"\\"))
    elif literal == LITERAL_MARK:
        stack[-1].append(next(pieces, b""))
    else:
        stack[-1].append(None if atom.upper() == b"NIL" else atom)


def structure_items(response: Untagged) -> dict[str, Any]:
    """The data items of a `(UID n BODYSTRUCTURE (...))` FETCH response, names upper-cased."""
    (outer, *_rest) = parse_list(response.text, response.literals) or [None]
    if not isinstance(outer, list):
        raise ImapError("BAD", "malformed FETCH response")
    items: dict[str, Any] = {}
    for name, value in zip(outer[::2], outer[1::2], strict=False):
        if isinstance(name, bytes):
            items[name.decode("ascii", "replace").upper()] = value
    return items


def text_part(structure: object) -> TextPart | None:
    """The text/plain (preferred in alternatives) or text/html part to preview, None if there is none."""
    if not isinstance(structure, list):
        return None
    return _choose(structure, "", _Budget())


def _choose(node: Node, section: str, budget: _Budget) -> TextPart | None:
    budget.parts += 1
    if budget.parts > MAX_PARTS:
        return None
    if node and isinstance(node[0], list):
        return _multipart(node, section, budget)
    return _leaf(node, section or "1")


def _multipart(node: Node, section: str, budget: _Budget) -> TextPart | None:
    children = []
    for item in node:
        if not isinstance(item, list):
            break
        children.append(item)
    subtype = _word(node[len(children)]) if len(node) > len(children) else "mixed"
    prefix = section + "." if section else ""
    found = (_choose(child, f"{prefix}{n}", budget) for n, child in enumerate(children, 1))
    if subtype == "alternative":  # several renderings of one text: plain wins, else the first HTML
        options = [part for part in found if part is not None]
        return next((p for p in options if p.subtype == "plain"), options[0] if options else None)
    # mixed, related, signed, report...: the first part with text is the body, the rest attachments
    return next((part for part in found if part is not None), None)


def _leaf(node: Node, section: str) -> TextPart | None:
    """A text/plain or text/html part shown inline (not one attached as a file)."""
    if len(node) < 7 or _word(node[0]) != "text" or _word(node[1]) not in ("plain", "html"):
        return None
    params = _pairs(node[2])
    disposition = node[9] if len(node) > 9 else None  # text: ... size lines md5 disposition
    kind = _word(disposition[0]) if isinstance(disposition, list) and disposition else ""
    named = "name" in params or (isinstance(disposition, list) and "filename" in _pairs(_at(disposition, 1)))
    if kind == "attachment" or (named and kind != "inline"):
        return None
    size = node[6]
    return TextPart(
        section=section,
        subtype=_word(node[1]),
        charset=params.get("charset", "")[:64],
        encoding=_word(node[5])[:32],
        size=int(size) if isinstance(size, bytes) and size.isdigit() and len(size) < 12 else 0,
    )


def _word(value: object) -> str:
    return value.decode("ascii", "replace").strip().lower() if isinstance(value, bytes) else ""


def _at(node: Node, index: int) -> object:
    return node[index] if len(node) > index else None


def _pairs(value: object) -> dict[str, str]:
    """A body parameter list ("CHARSET" "utf-8" "NAME" "x.txt") as a dict with lower-case keys."""
    if not isinstance(value, list):
        return {}
    out: dict[str, str] = {}
    for key, item in zip(value[::2], value[1::2], strict=False):
        if isinstance(key, bytes) and isinstance(item, bytes):
            out.setdefault(_word(key), item.decode("utf-8", "replace"))
    return out
