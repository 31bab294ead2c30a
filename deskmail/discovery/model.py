"""What every source produces: a provider's servers (templates) and the candidates built from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from deskmail.core.i18n import _
from deskmail.core.serverconfig import (
    AUTH_OAUTH2,
    AUTH_PASSWORD_CLEARTEXT,
    AUTH_PASSWORD_ENCRYPTED,
    Candidate,
    Protocol,
    Provider,
    Security,
    ServerConfig,
)
from deskmail.discovery.address import Address

# Authentication methods that take the user's password (NTLM/GSSAPI do too, but we do not speak them).
PASSWORD_AUTH = frozenset({AUTH_PASSWORD_CLEARTEXT, AUTH_PASSWORD_ENCRYPTED, "plain", "secure"})
_SECURITY_RANK = {Security.SSL: 0, Security.STARTTLS: 1, Security.PLAIN: 2}
# Real files forget the closing "%" ("%EMAILADDRESS"): accept it, but never eat a following letter.
_PLACEHOLDER = re.compile(r"%(EMAILADDRESS|EMAILLOCALPART|EMAILDOMAIN)(?:%|(?![A-Z]))")


@dataclass(frozen=True)
class ServerEntry:
    """One server as a source describes it; host and username may hold %PLACEHOLDERS%."""

    protocol: str  # imap | pop3 | smtp
    host: str
    port: int
    security: Security
    username: str = "%EMAILADDRESS%"
    auth: tuple[str, ...] = (AUTH_PASSWORD_CLEARTEXT,)

    @property
    def takes_password(self) -> bool:
        return any(method in PASSWORD_AUTH for method in self.auth) or not self.auth

    def resolve(self, address: Address) -> ServerConfig:
        """The concrete server for one address."""
        return ServerConfig(
            protocol=Protocol(self.protocol),
            host=fill(self.host, address).lower(),
            port=self.port,
            security=self.security,
            username=fill(self.username or "%EMAILADDRESS%", address),
            auth=self.auth,
        )


@dataclass
class ProviderConfig:
    """A provider's settings: every incoming and outgoing server, links and login needs."""

    id: str
    name: str
    domains: list[str] = field(default_factory=list)
    incoming: list[ServerEntry] = field(default_factory=list)  # IMAP and POP3, in the source's order
    outgoing: list[ServerEntry] = field(default_factory=list)
    help_urls: list[str] = field(default_factory=list)
    enable_url: str = ""
    enable_instruction: str = ""
    oauth2: dict[str, str] | None = None
    login: str = ""  # bundled only: password | app_password | oauth2 | bridge | none
    app_password_url: str = ""
    note: str = ""
    mx: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries skipped while reading, and why

    @property
    def imap(self) -> list[ServerEntry]:
        return ranked([s for s in self.incoming if s.protocol == "imap"])

    @property
    def pop3(self) -> list[ServerEntry]:
        return ranked([s for s in self.incoming if s.protocol == "pop3"])

    @property
    def smtp(self) -> list[ServerEntry]:
        return ranked([s for s in self.outgoing if s.protocol == "smtp"])

    @property
    def pop3_only(self) -> bool:
        return bool(self.pop3) and not self.imap

    @property
    def oauth_only(self) -> bool:
        """True if the provider refuses passwords for IMAP (it wants an OAuth2 sign-in)."""
        if self.login == "oauth2":
            return True
        imap = self.imap
        return bool(imap) and not any(s.takes_password for s in imap) and any(AUTH_OAUTH2 in s.auth for s in imap)


def ranked(entries: list[ServerEntry]) -> list[ServerEntry]:
    """Implicit TLS first, then STARTTLS, plaintext last; the source's order otherwise."""
    return sorted(entries, key=lambda s: _SECURITY_RANK[s.security])


def fill(template: str, address: Address) -> str:
    """Substitute %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% (closing % optional)."""
    values = {"EMAILADDRESS": address.email, "EMAILLOCALPART": address.local, "EMAILDOMAIN": address.domain}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@dataclass(frozen=True)
class Origin:
    """Where a configuration came from and how far it can be trusted."""

    source: str  # bundled|autoconfig|wellknown|ispdb|mx|srv|guess
    url: str
    trusted: bool
    trust_reason: str


def build_candidates(config: ProviderConfig, address: Address, origin: Origin) -> list[Candidate]:
    """Complete incoming + SMTP candidates, best first: every IMAP and SMTP server appears in one;
    POP3 servers follow as alternatives (the only ones for a provider without IMAP)."""
    candidates = _paired(config, address, origin, config.imap) + _paired(config, address, origin, config.pop3)
    return sorted(candidates, key=lambda c: bool(c.extra.get("plaintext")))  # plaintext last, whatever protocol


def _paired(config: ProviderConfig, address: Address, origin: Origin, incoming: list[ServerEntry]) -> list[Candidate]:
    smtp = config.smtp
    if not incoming:
        return []
    count = max(len(incoming), len(smtp), 1)
    candidates = []
    for i in range(count):
        server = incoming[min(i, len(incoming) - 1)].resolve(address)
        outgoing = smtp[min(i, len(smtp) - 1)].resolve(address) if smtp else None
        candidates.append(_candidate(config, address, origin, server, outgoing))
    return candidates


def _candidate(
    config: ProviderConfig, address: Address, origin: Origin, incoming: ServerConfig, outgoing: ServerConfig | None
) -> Candidate:
    extra: dict[str, Any] = {}
    plaintext = not incoming.security.encrypted or (outgoing is not None and not outgoing.security.encrypted)
    if plaintext:
        extra["plaintext"] = True
    if config.login:
        extra["login"] = config.login
    if config.app_password_url:
        extra["app_password_url"] = config.app_password_url
    if config.note:
        extra["note"] = config.note
    if config.oauth2:
        extra["oauth2"] = dict(config.oauth2)
    reason = origin.trust_reason
    if plaintext:
        # Translators: {reason} is the sentence saying where the settings came from.
        reason = _("{reason} The password would travel unencrypted.").format(reason=reason)
    return Candidate(
        source=origin.source,
        url=origin.url,
        trusted=origin.trusted and not plaintext,
        trust_reason=reason,
        provider=Provider(config.id, fill(config.name, address)),
        incoming=incoming,
        outgoing=outgoing,
        help_urls=list(config.help_urls),
        enable_url=config.enable_url,
        extra=extra,
    )
