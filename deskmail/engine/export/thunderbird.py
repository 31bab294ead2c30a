"""Thunderbird's "Export for Mobile" QR code payload, format version 1, for Thunderbird for Android / K-9.

The payload is compact JSON made of nested arrays (see Thunderbird's "qr-code-format" specification):
    [1, [SequenceNumber, SequenceEnd], IncomingServer, OutgoingServerGroups, IncomingServer, ...]
Several accounts are packed into as few codes as possible, each no larger than MAX_QR_VERSION, so
every code stays easy to scan from a laptop screen; one account never spans two codes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import idna
import segno

from deskmail.core.i18n import _
from deskmail.core.serverconfig import (
    AUTH_OAUTH2,
    AUTH_PASSWORD_CLEARTEXT,
    AUTH_PASSWORD_ENCRYPTED,
    Protocol,
    Security,
    ServerConfig,
)
from deskmail.engine.accounts import Account
from deskmail.engine.export import ExportError

FORMAT_VERSION = 1
INCOMING_PROTOCOLS = {Protocol.IMAP: 0, Protocol.POP3: 1}
OUTGOING_SMTP = 0
# 1 is reserved ("legacy, do not use") by the specification.
CONNECTION_SECURITY = {Security.PLAIN: 0, Security.STARTTLS: 2, Security.SSL: 3}
AUTH_NONE, AUTH_CLEARTEXT, AUTH_ENCRYPTED, AUTH_GSSAPI, AUTH_NTLM, AUTH_TLS_CERTIFICATE, AUTH_OAUTH = range(7)
# config-v1.1.xml's method names -> AuthenticationType, in the order Deskmail prefers them.
AUTH_TYPES = (
    (AUTH_PASSWORD_CLEARTEXT, AUTH_CLEARTEXT),
    (AUTH_PASSWORD_ENCRYPTED, AUTH_ENCRYPTED),
    ("none", AUTH_NONE),
    ("gssapi", AUTH_GSSAPI),
    ("ntlm", AUTH_NTLM),
    ("tls-client-cert", AUTH_TLS_CERTIFICATE),
    (AUTH_OAUTH2, AUTH_OAUTH),
)
# Low error correction: a screen shows the code undamaged, and the smallest version has the largest squares.
ERROR_LEVEL = "l"
# Up to 61 x 61 modules: one or two accounts per code, each square still several screen pixels wide.
MAX_QR_VERSION = 11


@dataclass(frozen=True)
class QrCode:
    """One code of an export: its payload and where it is in the sequence."""

    payload: str
    number: int
    total: int

    def matrix(self) -> segno.QRCode:
        return make_qr(self.payload)

    def png(self, scale: int = 8) -> bytes:
        import io

        buffer = io.BytesIO()
        self.matrix().save(buffer, kind="png", scale=scale, border=4)
        return buffer.getvalue()


def make_qr(payload: str) -> segno.QRCode:
    """The smallest QR code that holds the payload (byte mode; the payload is plain ASCII)."""
    try:
        return segno.make_qr(payload.encode("ascii"), error=ERROR_LEVEL, mode="byte", boost_error=True)
    except segno.DataOverflowError as exc:
        raise ExportError(_("These settings are too long to fit in a QR code.")) from exc


def qr_version(text: str) -> int:
    """1-40 (never a Micro QR: phone scanners do not read those)."""
    return int(make_qr(text).version)


def ascii_host(host: str) -> str:
    """The hostname as the format requires it: ASCII, internationalised names in their xn-- form."""
    host = host.strip().rstrip(".")
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ExportError(_("The server name {host!r} cannot be written in a QR code.").format(host=host)) from exc


def ascii_address(email: str) -> str:
    """The address with its domain in ASCII; the format has no way to carry a non-ASCII local part."""
    local, _at, domain = email.strip().rpartition("@")
    if not local or not local.isascii():
        raise ExportError(
            _(
                "Thunderbird cannot take the address {email} from a QR code: it only accepts addresses written "
                "in plain Latin letters. Type the settings into the phone instead."
            ).format(email=email)
        )
    return f"{local}@{ascii_host(domain)}"


def auth_type(account: Account, server: ServerConfig) -> int:
    if account.uses_oauth:
        return AUTH_OAUTH
    offered = set(server.auth)
    return next((value for name, value in AUTH_TYPES if name in offered), AUTH_CLEARTEXT)


def _server(kind: int, account: Account, server: ServerConfig) -> list[Any]:
    return [
        kind,
        ascii_host(server.host),
        server.port,
        CONNECTION_SECURITY[server.security],
        auth_type(account, server),
        server.username or account.email,
    ]


def account_elements(account: Account, password: str | None = None) -> list[Any]:
    """[IncomingServer, OutgoingServerGroups] for one account; the password only when given."""
    protocol = INCOMING_PROTOCOLS.get(account.incoming.protocol)
    if protocol is None:
        raise ExportError(
            _("Thunderbird cannot receive mail over {protocol}.").format(protocol=account.incoming.protocol.upper())
        )
    address = ascii_address(account.email)
    incoming = _server(protocol, account, account.incoming)
    outgoing = _server(OUTGOING_SMTP, account, account.outgoing)
    if password:
        # AccountName precedes Password, so it cannot be left out; the address is what Thunderbird would show.
        incoming += [address, password]
        outgoing.append(password)
    # AccountName is left out when it would be the address anyway (the reader then uses the address).
    return [incoming, [[outgoing, [address, account.display_name]]]]


def _encode(document: list[Any]) -> str:
    # ensure_ascii: names and passwords travel as \u escapes, so no reader can guess the wrong charset.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def payload(elements: Sequence[list[Any]], number: int, total: int) -> str:
    document: list[Any] = [FORMAT_VERSION, [number, total]]
    for pair in elements:
        document += pair
    return _encode(document)


def export_codes(accounts: Sequence[tuple[Account, str | None]], max_version: int = MAX_QR_VERSION) -> list[QrCode]:
    """Every account in as few codes as fit; an account too big for max_version gets a larger code of its own."""
    if not accounts:
        raise ExportError(_("There is no account to export."))
    elements = [account_elements(account, password) for account, password in accounts]
    # Pack with the widest sequence numbers the export could have, so the real numbers always fit too.
    widest = len(elements)
    groups: list[list[list[Any]]] = []
    for pair in elements:
        if groups and qr_version(payload([*groups[-1], pair], widest, widest)) <= max_version:
            groups[-1].append(pair)
        else:
            make_qr(payload([pair], widest, widest))  # one account that fits no code at all: say so now
            groups.append([pair])
    total = len(groups)
    return [QrCode(payload(group, number, total), number, total) for number, group in enumerate(groups, 1)]
