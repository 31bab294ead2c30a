"""Typed server settings: what discovery finds, checks prove and accounts keep.

The JSON names here are a public interface (`deskmail discover --json`): keep them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Protocol(StrEnum):
    IMAP = "imap"
    POP3 = "pop3"
    SMTP = "smtp"


class Security(StrEnum):
    """How the connection is encrypted: implicit TLS, upgraded with STARTTLS, or not at all."""

    SSL = "ssl"
    STARTTLS = "starttls"
    PLAIN = "plain"

    @property
    def encrypted(self) -> bool:
        return self is not Security.PLAIN


STANDARD_PORTS: dict[tuple[Protocol, Security], int] = {
    (Protocol.IMAP, Security.SSL): 993,
    (Protocol.IMAP, Security.STARTTLS): 143,
    (Protocol.IMAP, Security.PLAIN): 143,
    (Protocol.POP3, Security.SSL): 995,
    (Protocol.POP3, Security.STARTTLS): 110,
    (Protocol.POP3, Security.PLAIN): 110,
    (Protocol.SMTP, Security.SSL): 465,
    (Protocol.SMTP, Security.STARTTLS): 587,
    (Protocol.SMTP, Security.PLAIN): 587,
}

# Authentication method names as config-v1.1.xml spells them (lower-cased).
AUTH_PASSWORD_CLEARTEXT = "password-cleartext"
AUTH_PASSWORD_ENCRYPTED = "password-encrypted"
AUTH_OAUTH2 = "oauth2"


@dataclass(frozen=True)
class ServerConfig:
    """One server: where it is, how it is encrypted, and how to log in."""

    protocol: Protocol
    host: str
    port: int
    security: Security
    username: str = ""
    auth: tuple[str, ...] = (AUTH_PASSWORD_CLEARTEXT,)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["protocol"] = str(self.protocol)
        data["security"] = str(self.security)
        data["auth"] = list(self.auth)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerConfig:
        return cls(
            protocol=Protocol(str(data["protocol"]).lower()),
            host=str(data["host"]),
            port=int(data["port"]),
            security=Security(str(data["security"]).lower()),
            username=str(data.get("username", "")),
            auth=tuple(str(a).lower() for a in data.get("auth", [AUTH_PASSWORD_CLEARTEXT])),
        )


@dataclass(frozen=True)
class CertificatePin:
    """A certificate the user explicitly chose to trust for one host and port."""

    host: str
    port: int
    sha256: str  # lower-case hex, no colons

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificatePin:
        return cls(str(data["host"]), int(data["port"]), normalise_fingerprint(str(data["sha256"])))


def normalise_fingerprint(text: str) -> str:
    return text.replace(":", "").replace(" ", "").lower()


@dataclass(frozen=True)
class ConnectionPolicy:
    """What the user has explicitly accepted beyond the safe defaults."""

    pins: tuple[CertificatePin, ...] = ()
    allow_plaintext: bool = False  # the user ticked "send my password unencrypted"

    def pin_for(self, host: str, port: int) -> CertificatePin | None:
        for pin in self.pins:
            if pin.host.lower() == host.lower() and pin.port == port:
                return pin
        return None


@dataclass(frozen=True)
class Provider:
    id: str
    name: str


@dataclass
class Candidate:
    """A complete set of settings (IMAP + SMTP) found by one discovery source."""

    source: str  # bundled|autoconfig|wellknown|ispdb|mx|srv|guess
    url: str
    trusted: bool
    trust_reason: str
    provider: Provider
    incoming: ServerConfig
    outgoing: ServerConfig | None
    help_urls: list[str] = field(default_factory=list)
    enable_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "url": self.url,
            "trusted": self.trusted,
            "trust_reason": self.trust_reason,
            "provider": {"id": self.provider.id, "name": self.provider.name},
            "incoming": self.incoming.to_json(),
            "outgoing": self.outgoing.to_json() if self.outgoing else None,
            "help_urls": list(self.help_urls),
            "enable_url": self.enable_url,
        }
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Candidate:
        known = {
            "source",
            "url",
            "trusted",
            "trust_reason",
            "provider",
            "incoming",
            "outgoing",
            "help_urls",
            "enable_url",
        }
        provider = data.get("provider") or {}
        return cls(
            source=str(data.get("source", "manual")),
            url=str(data.get("url", "")),
            trusted=bool(data.get("trusted", False)),
            trust_reason=str(data.get("trust_reason", "")),
            provider=Provider(str(provider.get("id", "")), str(provider.get("name", ""))),
            incoming=ServerConfig.from_json(data["incoming"]),
            outgoing=ServerConfig.from_json(data["outgoing"]) if data.get("outgoing") else None,
            help_urls=[str(u) for u in data.get("help_urls", [])],
            enable_url=str(data.get("enable_url", "")),
            extra={k: v for k, v in data.items() if k not in known},
        )
