"""To/Cc/Bcc fields: split what people type or paste into addresses, and say plainly what is wrong."""

from __future__ import annotations

import email.utils
import re

from deskmail.core.i18n import _
from deskmail.discovery.address import AddressError, parse_address
from deskmail.engine.mime.decode import Address, clean_text


class RecipientError(AddressError):
    """Some entries of a recipient field are not usable addresses; `invalid` lists them as typed."""

    def __init__(self, invalid: list[str], reasons: list[str]) -> None:
        if len(invalid) == 1:
            not_valid = _("“{address}” is not a valid e-mail address.").format(address=invalid[0])
            message = f"{not_valid} {reasons[0]}"
        else:
            message = _("These are not valid e-mail addresses: {addresses}").format(
                addresses=", ".join(f"“{i}”" for i in invalid)
            )
        super().__init__(message)
        self.invalid = invalid


def _split_entries(text: str) -> list[str]:
    """Split on commas, semicolons and new lines that are outside quotes and angle brackets."""
    entries: list[str] = []
    current: list[str] = []
    quoted = angled = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angled = True
        elif ch == ">" and not quoted:
            angled = False
        if ch in ",;\n" and not quoted and not angled:
            entries.append("".join(current))
            current = []
        else:
            current.append(ch)
    entries.append("".join(current))
    return [e.strip() for e in entries if e.strip()]


def parse_recipients(text: str) -> list[Address]:
    """Addresses from a To/Cc/Bcc field; raises RecipientError naming every bad entry."""
    found: list[Address] = []
    invalid: list[str] = []
    reasons: list[str] = []
    seen: set[str] = set()
    for entry in _split_entries(text):
        name, addr = email.utils.parseaddr(entry)
        if not addr or ("<" in entry and not re.search(r"<[^<>]+>", entry)):
            name, addr = "", entry
        try:
            checked = parse_address(addr).email
        except AddressError as exc:
            invalid.append(entry)
            reasons.append(exc.message)
            continue
        if checked.lower() not in seen:
            seen.add(checked.lower())
            found.append(Address(clean_text(name).strip("\"' "), checked))
    if invalid:
        raise RecipientError(invalid, reasons)
    return found


def format_recipients(addresses: list[Address]) -> str:
    """The inverse of parse_recipients, for filling a field (e.g. in a reply)."""
    return ", ".join(a.formatted() for a in addresses)
