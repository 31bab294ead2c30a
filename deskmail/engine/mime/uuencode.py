"""Files uuencoded into plain text (old mailers, Usenet gateways), turned into attachments."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from deskmail.core.i18n import _

_BLOCK = re.compile(r"^begin [0-7]{3,4} ?([^\n]*)\n(.*?)^end[ \t]*$\n?", re.MULTILINE | re.DOTALL)
MAX_BLOCKS = 50


@dataclass(frozen=True)
class UuFile:
    """One uuencoded file found in a text body."""

    name: str
    data: bytes


def _decode_line(line: str) -> bytes:
    raw = line.encode("latin-1", errors="replace")
    if not raw or raw in (b"`", b" "):
        return b""
    try:
        return binascii.a2b_uu(raw)
    except binascii.Error:
        # Some encoders add padding or junk after the data: keep only what the length byte promises.
        wanted = (((raw[0] - 32) & 63) * 4 + 5) // 3
        try:
            return binascii.a2b_uu(raw[:wanted])
        except binascii.Error:
            return b""


def extract_uuencoded(text: str) -> tuple[str, list[UuFile]]:
    """The text with uuencoded blocks replaced by a note, and the decoded files."""
    found: list[UuFile] = []

    def replace(match: re.Match[str]) -> str:
        if len(found) >= MAX_BLOCKS:
            return match.group(0)
        data = b"".join(_decode_line(line) for line in match.group(2).splitlines())
        name = match.group(1).strip()
        found.append(UuFile(name, data))
        return _("[attachment: {name}]").format(name=name or _("unnamed file")) + "\n"

    cleaned = _BLOCK.sub(replace, text) if "begin " in text else text
    return cleaned, found
