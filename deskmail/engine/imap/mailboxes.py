"""Folder names between the wire and people: modified UTF-7 (RFC 3501 5.1.3), and LIST lines read safely.

A server may send a name that is not valid modified UTF-7 (`&Jjo!`) or raw 8-bit bytes. Such a name
is kept as it came, shown as its escaped text, and sent back byte for byte, never "corrected" into
another folder's name and never a reason to stop the account's sync.
"""

from __future__ import annotations

import logging
import re
import threading

from imapclient.imap_utf7 import decode as utf7_decode
from imapclient.imap_utf7 import encode as utf7_encode

from deskmail.engine.imap.wire import LITERAL_MARK, Untagged

log = logging.getLogger(__name__)
_LIST_LINE = re.compile(rb'\(([^()]*)\)\s+(NIL|"(?:[^"\\]|\\.)*"|\S+)\s+(.*)$', re.S | re.IGNORECASE)
_QUOTED = re.compile(rb'"((?:[^"\\]|\\.)*)"')
_raw_names: dict[str, bytes] = {}  # shown name -> wire bytes, for names that do not decode
_lock = threading.Lock()

Listed = tuple[tuple[str, ...], str, bytes]  # attributes, delimiter, the name as sent


def decode_name(raw: bytes) -> str:
    """The name a person sees: decoded when `raw` is valid modified UTF-7, else its escaped text."""
    try:
        text = utf7_decode(raw)
        if utf7_encode(text) == raw:
            return str(text)
    except (UnicodeError, ValueError):
        pass
    shown = raw.decode("ascii", "backslashreplace")
    log.warning("folder name is not valid modified UTF-7, kept as sent: %s", shown)
    with _lock:
        _raw_names[shown] = raw
    return shown


def mailbox(name: str) -> bytes:
    """A folder name on the wire: modified UTF-7 (or the bytes the server sent for it), quoted."""
    with _lock:
        raw = _raw_names.get(name)
    encoded: bytes = raw if raw is not None else utf7_encode(name)
    return b'"' + encoded.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def list_responses(responses: list[Untagged]) -> list[Listed]:
    """`* LIST (\\HasNoChildren) "/" INBOX` lines -> (attributes, delimiter, raw name); bad lines skipped."""
    out: list[Listed] = []
    for response in responses:
        match = _LIST_LINE.match(response.text.strip())
        name = _astring(match.group(3).strip(), response.literals) if match else None
        if match is None or name is None:
            log.warning("unreadable LIST line skipped: %r", response.text[:200])
            continue
        attributes = tuple(match.group(1).decode("ascii", "replace").split())
        delimiter = _unquote(match.group(2)) if match.group(2).upper() != b"NIL" else b""
        out.append((attributes, delimiter.decode("ascii", "replace")[:1], name))
    return out


def _astring(text: bytes, literals: list[bytes]) -> bytes | None:
    if text == LITERAL_MARK and literals:
        return literals[0]
    if text.startswith(b'"'):
        match = _QUOTED.fullmatch(text)
        return _unquote(text) if match else None
    return text if text and b" " not in text and b"(" not in text else None


def _unquote(text: bytes) -> bytes:
    if text.startswith(b'"') and text.endswith(b'"') and len(text) >= 2:
        return re.sub(rb"\\(.)", rb"\1", text[1:-1])
    return text
