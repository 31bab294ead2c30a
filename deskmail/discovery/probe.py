"""Greeting-only probes of IMAP, POP3 and SMTP servers: TLS, greeting, CAPABILITY / CAPA / EHLO. Never a login."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Security
from deskmail.net.resolver import Resolver
from deskmail.net.stream import NetError, Stream, open_stream

EHLO_NAME = "deskmail.localhost"  # we do not know (and do not reveal) our own host name


class ProbeError(Exception):
    """The server answered, but not like a usable mail server (no STARTTLS, wrong greeting...)."""


@dataclass
class ProbeResult:
    protocol: Protocol
    host: str
    port: int
    security: Security
    greeting: str
    capabilities: list[str] = field(default_factory=list)


def probe(
    protocol: Protocol,
    host: str,
    port: int,
    security: Security,
    *,
    resolver: Resolver,
    context: ssl.SSLContext,
    cancel: CancelToken,
    timeout: float,
    addresses: list[str] | None = None,
) -> ProbeResult:
    """Connect, verify TLS (implicit or STARTTLS) and read the capabilities; raise on any doubt."""
    if security is Security.PLAIN:
        raise ProbeError("plaintext is never probed")
    implicit = context if security is Security.SSL else None
    with open_stream(
        host, port, resolver=resolver, cancel=cancel, timeout=timeout, tls=implicit, addresses=addresses
    ) as stream:
        if protocol is Protocol.IMAP:
            greeting, caps = _imap(stream, context, security)
        elif protocol is Protocol.SMTP:
            greeting, caps = _smtp(stream, context, security)
        elif protocol is Protocol.POP3:
            greeting, caps = _pop3(stream, context, security)
        else:
            raise ProbeError(f"cannot probe {protocol}")
    return ProbeResult(protocol, host, port, security, greeting, caps)


def _imap(stream: Stream, context: ssl.SSLContext, security: Security) -> tuple[str, list[str]]:
    greeting = _text(stream.read_line())
    if not greeting.upper().startswith(("* OK", "* PREAUTH")):
        raise ProbeError(f"not an IMAP greeting: {greeting[:60]!r}")
    caps = _imap_capabilities(stream, "a1")
    if security is Security.STARTTLS:
        if "STARTTLS" not in caps:
            raise ProbeError("the server does not offer STARTTLS")
        stream.send(b"a2 STARTTLS\r\n")
        reply = _text(stream.read_line())
        if not reply.upper().startswith("A2 OK"):
            raise ProbeError(f"STARTTLS refused: {reply[:60]!r}")
        stream.start_tls(context, stream.host)
        caps = _imap_capabilities(stream, "a3")
    stream.send(b"a9 LOGOUT\r\n")
    return greeting, caps


def _imap_capabilities(stream: Stream, tag: str) -> list[str]:
    stream.send(f"{tag} CAPABILITY\r\n".encode("ascii"))
    caps: list[str] = []
    for _ in range(100):
        line = _text(stream.read_line())
        if line.upper().startswith("* CAPABILITY"):
            caps = [c.upper() for c in line.split()[2:]]
        elif line.upper().startswith(tag.upper() + " "):
            if " OK" not in line.upper():
                raise ProbeError(f"CAPABILITY failed: {line[:60]!r}")
            return caps
    raise ProbeError("CAPABILITY never finished")


def _pop3(stream: Stream, context: ssl.SSLContext, security: Security) -> tuple[str, list[str]]:
    greeting = _text(stream.read_line())
    if not greeting.startswith("+OK"):
        raise ProbeError(f"not a POP3 greeting: {greeting[:60]!r}")
    caps = _pop3_capa(stream)
    if security is Security.STARTTLS:
        if "STLS" not in caps:
            raise ProbeError("the server does not offer STLS")
        stream.send(b"STLS\r\n")
        reply = _text(stream.read_line())
        if not reply.startswith("+OK"):
            raise ProbeError(f"STLS refused: {reply[:60]!r}")
        stream.start_tls(context, stream.host)
        caps = _pop3_capa(stream)
    stream.send(b"QUIT\r\n")
    return greeting, caps


def _pop3_capa(stream: Stream) -> list[str]:
    stream.send(b"CAPA\r\n")
    if not _text(stream.read_line()).startswith("+OK"):
        return []  # RFC 1939 servers without CAPA
    caps: list[str] = []
    for _ in range(100):
        line = _text(stream.read_line())
        if line == ".":
            return caps
        caps.append(line.upper().split(" ", 1)[0])
    raise ProbeError("CAPA never finished")


def _smtp(stream: Stream, context: ssl.SSLContext, security: Security) -> tuple[str, list[str]]:
    code, lines = _smtp_reply(stream)
    if code != 220:
        raise ProbeError(f"not an SMTP greeting: {code} {' '.join(lines)[:60]!r}")
    greeting = " ".join(lines)
    caps = _ehlo(stream)
    if security is Security.STARTTLS:
        if "STARTTLS" not in caps:
            raise ProbeError("the server does not offer STARTTLS")
        stream.send(b"STARTTLS\r\n")
        code, lines = _smtp_reply(stream)
        if code != 220:
            raise ProbeError(f"STARTTLS refused: {code}")
        stream.start_tls(context, stream.host)
        caps = _ehlo(stream)
    stream.send(b"QUIT\r\n")
    return greeting, caps


def _ehlo(stream: Stream) -> list[str]:
    stream.send(f"EHLO {EHLO_NAME}\r\n".encode("ascii"))
    code, lines = _smtp_reply(stream)
    if code != 250:
        raise ProbeError(f"EHLO refused: {code}")
    return [line.upper() for line in lines[1:]]


def _smtp_reply(stream: Stream) -> tuple[int, list[str]]:
    lines: list[str] = []
    for _ in range(100):
        line = _text(stream.read_line())
        if len(line) < 3 or not line[:3].isdigit():
            raise ProbeError(f"not an SMTP reply: {line[:60]!r}")
        lines.append(line[4:])
        if line[3:4] != "-":
            return int(line[:3]), lines
    raise ProbeError("SMTP reply too long")


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\r\n")


__all__ = ["NetError", "ProbeError", "ProbeResult", "probe"]
