"""Errors a person can fix, each with a plain-language message, a fix and the field to change.

Bugs are ordinary exceptions; anything a user can act on is a `UserFacingError`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """Stable names, printed by `deskmail check --json` and mapped to wizard pages."""

    AUTH_FAILED = "auth_failed"
    CERT_UNTRUSTED = "cert_untrusted"
    CERT_EXPIRED = "cert_expired"
    CERT_HOSTNAME = "cert_hostname"
    CERT_CHANGED = "cert_changed"
    STARTTLS_MISSING = "starttls_missing"
    CONNECT_REFUSED = "connect_refused"
    TIMEOUT = "timeout"
    HOST_NOT_FOUND = "host_not_found"
    TLS_FAILED = "tls_failed"
    APP_PASSWORD_REQUIRED = "app_password_required"
    OAUTH_REQUIRED = "oauth_required"
    IMAP_DISABLED = "imap_disabled"
    PLAINTEXT_REFUSED = "plaintext_refused"
    SERVER_BUSY = "server_busy"
    ACCOUNT_LOCKED = "account_locked"
    OFFLINE = "offline"
    CONNECTION_LOST = "connection_lost"  # broke or stalled while connecting; nothing says the settings are wrong
    PROTOCOL_ERROR = "protocol_error"
    CANCELLED = "cancelled"


class Field(StrEnum):
    """The setting a person should change to fix an error."""

    EMAIL = "email"
    PASSWORD = "password"
    USERNAME = "username"
    INCOMING_HOST = "incoming.host"
    INCOMING_PORT = "incoming.port"
    INCOMING_SECURITY = "incoming.security"
    OUTGOING_HOST = "outgoing.host"
    OUTGOING_PORT = "outgoing.port"
    OUTGOING_SECURITY = "outgoing.security"
    NETWORK = "network"
    RECIPIENTS = "recipients"
    NONE = ""


class UserFacingError(Exception):
    """An error a non-technical person can understand and act on.

    `message` says what went wrong, `fix` what to do about it; `details` is for the
    "Details" expander and support staff. None of them may contain a password.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        fix: str = "",
        field: Field = Field.NONE,
        details: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fix = fix
        self.field = field
        self.details = details
        self.data: dict[str, Any] = data or {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": str(self.kind),
            "message": self.message,
            "fix": self.fix,
            "field": str(self.field),
            "details": self.details,
        }
        if self.data:
            out["data"] = self.data
        return out
