"""The result of a connection check: per server, what worked, what failed and what we learned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deskmail.core.errors import UserFacingError


@dataclass
class ServerCheck:
    """One server (incoming IMAP or outgoing SMTP): `ok`, or the `error` a person can act on."""

    ok: bool
    error: UserFacingError | None = None
    capabilities: list[str] = field(default_factory=list)
    tls: dict[str, Any] = field(default_factory=dict)
    username: str = ""  # the user name that worked
    folders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    host: str = ""
    port: int = 0
    security: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error.to_json() if self.error else None,
            "capabilities": list(self.capabilities),
            "tls": dict(self.tls),
            "username": self.username,
            "folders": list(self.folders),
            "warnings": list(self.warnings),
            "server": {"host": self.host, "port": self.port, "security": self.security},
        }


@dataclass
class CheckReport:
    """Both servers of an account, checked at the same time."""

    incoming: ServerCheck
    outgoing: ServerCheck

    @property
    def ok(self) -> bool:
        return self.incoming.ok and self.outgoing.ok

    @property
    def errors(self) -> list[UserFacingError]:
        return [check.error for check in (self.incoming, self.outgoing) if check.error is not None]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "incoming": self.incoming.to_json(), "outgoing": self.outgoing.to_json()}
