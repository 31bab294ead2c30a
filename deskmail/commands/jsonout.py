"""One JSON document written piece by piece, so a listing of a million rows never sits in memory.

The text is exactly what `json.dumps(document, indent=2)` would print: scripts that read the old
output see the same document, and memory stays that of one row.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO


class ChunkedWriter:
    """Collects small writes and passes them on in chunks of about 64 KB.

    With PYTHONUNBUFFERED set (or a line-buffered terminal) every write to stdout is a system
    call: 80 microseconds a row for a listing, more than everything else together.
    """

    CHUNK = 64 * 1024

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.parts))
        self.out.flush()
        self.parts.clear()
        self.size = 0


def write_listing(
    head: dict[str, Any], key: str, items: Iterable[dict[str, Any]], stream: TextIO | None = None
) -> None:
    """`{**head, key: [items...]}` as indented JSON, each item written as soon as it is made."""
    out = ChunkedWriter(stream or sys.stdout)
    out.write("{\n")
    for name, value in head.items():
        out.write(f"  {json.dumps(name)}: {_nested(value, '  ')},\n")
    out.write(f"  {json.dumps(key)}: [")
    first = True
    for item in items:
        out.write("\n    " if first else ",\n    ")
        out.write(_nested(item, "    "))
        first = False
    out.write("]\n}\n" if first else "\n  ]\n}\n")
    out.flush()


def _nested(value: Any, indent: str) -> str:
    """`json.dumps(value, indent=2)` as if nested at `indent`, without json's slow pure-Python
    indenting encoder (about 2x faster for message rows); other types go to json itself."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    inner = indent + "  "
    if kind is dict:
        if not value:
            return "{}"
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                return _dumps(value, indent)
            of = type(item)
            text = _string(item) if of is str else int.__repr__(item) if of is int else _nested(item, inner)
            parts.append(_string(key) + ": " + text)
        return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        return "[\n" + inner + (",\n" + inner).join([_nested(item, inner) for item in value]) + "\n" + indent + "]"
    return _dumps(value, indent)


def _dumps(value: Any, indent: str) -> str:
    # JSON strings never hold a raw newline, so every newline here starts a new line of the dump.
    return json.dumps(value, indent=2).replace("\n", "\n" + indent)


_string = json.encoder.encode_basestring_ascii  # what json.dumps uses for str (ensure_ascii)
