"""Saved accounts: server settings and user choices as JSON in the config directory, never a password."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deskmail.core.i18n import _
from deskmail.core.serverconfig import (
    Candidate,
    CertificatePin,
    ConnectionPolicy,
    Protocol,
    Provider,
    ServerConfig,
)
from deskmail.engine.paths import Paths

ACCOUNTS_FILE = "accounts.json"
AUTH_PASSWORD = "password"
AUTH_OAUTH2 = "oauth2"  # a browser sign-in; the keyring holds the refresh token instead of a password
FORMAT_VERSION = 1
DEFAULT_CHECK_MINUTES = 5  # how often the app checks for new mail (IDLE tells it sooner where it can)
POP3_CHECK_MINUTES = 10  # a new POP3 account's default: each check is a whole login and listing
CHECK_MINUTES_RANGE = (1, 24 * 60)
MAX_SIGNATURE_CHARS = 10_000
SIGNATURE_SEPARATOR = "-- "  # RFC 3676 4.3: mail programs recognise (and can trim) what follows it
# Keys that must never reach the accounts file, whatever a caller puts into `extra`.
SECRET_KEYS = frozenset({"password", "secret", "token", "access_token", "refresh_token"})


@dataclass(frozen=True)
class DownloadChoices:
    """What a POP3 account does with mail on the server once it is safely stored on this computer."""

    keep_on_server: bool = True  # "Keep a copy on the server"
    delete_after_days: int = 0  # "Remove it from the server after N days" (0: never); counted from first seen

    def to_json(self) -> dict[str, Any]:
        return {
            "keep_on_server": self.keep_on_server,
            "delete_after_days": self.delete_after_days,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DownloadChoices:
        return cls(
            keep_on_server=bool(data.get("keep_on_server", True)),
            delete_after_days=max(0, int(data.get("delete_after_days", 0))),
        )


class AccountError(Exception):
    """The accounts file cannot be read or an account is not there; the message is plain words."""


@dataclass(frozen=True)
class Account:
    """One e-mail account: where its servers are and what the user accepted. No secrets."""

    email: str
    display_name: str
    incoming: ServerConfig
    outgoing: ServerConfig
    policy: ConnectionPolicy = field(default_factory=ConnectionPolicy)
    provider: Provider = field(default_factory=lambda: Provider("", ""))
    source: str = "manual"  # the discovery source the settings came from (bundled, autoconfig, ..., manual)
    remember_password: bool = True  # False: the password is asked for at every start
    help_urls: tuple[str, ...] = ()
    auth: str = AUTH_PASSWORD  # how Deskmail logs in: AUTH_PASSWORD or AUTH_OAUTH2
    oauth2: tuple[tuple[str, str], ...] = ()  # for AUTH_OAUTH2: endpoints, scope, client id (no token)
    download: DownloadChoices = field(default_factory=DownloadChoices)  # POP3 accounts only
    signature: str = ""  # added below new text and above a quote, after a "-- " line
    check_minutes: int = DEFAULT_CHECK_MINUTES

    @property
    def uses_pop3(self) -> bool:
        return self.incoming.protocol is Protocol.POP3

    @property
    def key(self) -> str:
        return account_key(self.email)

    @property
    def uses_oauth(self) -> bool:
        return self.auth == AUTH_OAUTH2

    def to_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "display_name": self.display_name,
            "incoming": self.incoming.to_json(),
            "outgoing": self.outgoing.to_json(),
            "policy": {
                "pins": [pin.to_json() for pin in self.policy.pins],
                "allow_plaintext": self.policy.allow_plaintext,
            },
            "provider": {"id": self.provider.id, "name": self.provider.name},
            "source": self.source,
            "remember_password": self.remember_password,
            "help_urls": list(self.help_urls),
            "signature": self.signature,
            "check_minutes": self.check_minutes,
            # Written only for browser sign-in accounts: files from older versions stay identical.
            **({"auth": self.auth, "oauth2": dict(self.oauth2)} if self.auth != AUTH_PASSWORD else {}),
            # "poll_minutes" stays for the CLI's JSON (only ever add fields): it is now check_minutes.
            **({"pop3": {**self.download.to_json(), "poll_minutes": self.check_minutes}} if self.uses_pop3 else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Account:
        policy = data.get("policy") or {}
        provider = data.get("provider") or {}
        return cls(
            email=str(data["email"]),
            display_name=str(data.get("display_name", "")),
            incoming=ServerConfig.from_json(data["incoming"]),
            outgoing=ServerConfig.from_json(data["outgoing"]),
            policy=ConnectionPolicy(
                pins=tuple(CertificatePin.from_json(p) for p in policy.get("pins", [])),
                allow_plaintext=bool(policy.get("allow_plaintext", False)),
            ),
            provider=Provider(str(provider.get("id", "")), str(provider.get("name", ""))),
            source=str(data.get("source", "manual")),
            remember_password=bool(data.get("remember_password", True)),
            help_urls=tuple(str(u) for u in data.get("help_urls", [])),
            auth=str(data.get("auth", AUTH_PASSWORD)),
            oauth2=tuple((str(k), str(v)) for k, v in (data.get("oauth2") or {}).items()),
            download=DownloadChoices.from_json(data.get("pop3") or {}),
            signature=str(data.get("signature") or "")[:MAX_SIGNATURE_CHARS],
            check_minutes=check_minutes(data.get("check_minutes", _old_poll_minutes(data))),
        )

    @classmethod
    def from_candidate(
        cls,
        candidate: Candidate,
        email: str,
        display_name: str = "",
        policy: ConnectionPolicy | None = None,
    ) -> Account:
        """Build an account from proven discovery settings (the outgoing server is required)."""
        if candidate.outgoing is None:
            raise AccountError(_("These settings have no outgoing (SMTP) server, so mail could not be sent."))
        # A POP3 candidate may carry the person's choices ("pop3": {"keep_on_server": ...}).
        choices = candidate.extra.get("pop3")
        choices = choices if isinstance(choices, dict) else {}
        pop3 = candidate.incoming.protocol is Protocol.POP3
        return cls(
            email=email,
            display_name=display_name,
            incoming=candidate.incoming,
            outgoing=candidate.outgoing,
            policy=policy or ConnectionPolicy(),
            provider=candidate.provider,
            source=candidate.source,
            help_urls=tuple(candidate.help_urls),
            download=DownloadChoices.from_json(choices),
            check_minutes=check_minutes(choices.get("poll_minutes", POP3_CHECK_MINUTES))
            if pop3
            else DEFAULT_CHECK_MINUTES,
        )

    def with_policy(self, policy: ConnectionPolicy) -> Account:
        return replace(self, policy=policy)


def check_minutes(value: object) -> int:
    """A saved interval within bounds; anything unreadable is the default."""
    if not isinstance(value, int) or isinstance(value, bool):
        return DEFAULT_CHECK_MINUTES
    low, high = CHECK_MINUTES_RANGE
    return min(max(value, low), high)


def _old_poll_minutes(data: dict[str, Any]) -> object:
    """A POP3 account saved before "check_minutes" existed polled every "pop3": {"poll_minutes"}: keep it.
    (Files written now carry both, the same number; "check_minutes", which Settings changes, wins.)"""
    pop3 = data.get("pop3")
    return pop3.get("poll_minutes") if isinstance(pop3, dict) else None


def signature_block(signature: str) -> str:
    """The signature as it goes into a message: the "-- " line, then the text ("" for no signature)."""
    text = signature.strip("\n").rstrip()
    return f"{SIGNATURE_SEPARATOR}\n{text}" if text.strip() else ""


def account_key(email: str) -> str:
    """Accounts are the same when their addresses differ only in letter case."""
    return email.strip().casefold()


AccountList = list[Account]  # named at module level: AccountStore.list shadows the builtin there


class AccountStore:
    """All saved accounts in one JSON file, rewritten atomically on each change."""

    def __init__(self, paths: Paths) -> None:
        self._path = paths.config / ACCOUNTS_FILE
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path

    def list(self) -> AccountList:
        with self._lock:
            return self._read()

    def get(self, email: str) -> Account | None:
        key = account_key(email)
        return next((a for a in self.list() if a.key == key), None)

    def save(self, account: Account) -> None:
        """Add the account, or replace the saved one with the same address (keeping its place)."""
        with self._lock:
            accounts = self._read()
            for index, existing in enumerate(accounts):
                if existing.key == account.key:
                    accounts[index] = account
                    break
            else:
                accounts.append(account)
            self._write(accounts)

    def remove(self, email: str) -> bool:
        """Forget the account; True if it was there."""
        key = account_key(email)
        with self._lock:
            accounts = self._read()
            kept = [a for a in accounts if a.key != key]
            if len(kept) == len(accounts):
                return False
            self._write(kept)
            return True

    def _read(self) -> AccountList:
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(text)
            return [Account.from_json(item) for item in data.get("accounts", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AccountError(
                _("The list of accounts in {path} is damaged and cannot be read.").format(path=self._path)
            ) from exc

    def _write(self, accounts: AccountList) -> None:
        document = {"version": FORMAT_VERSION, "accounts": [a.to_json() for a in accounts]}
        _assert_no_secrets(document)
        atomic_write_text(self._path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _assert_no_secrets(value: Any) -> None:
    """A last line of defence: refuse to write anything that looks like a secret field."""
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in SECRET_KEYS:
                raise ValueError(f"refusing to write a {key!r} field to the accounts file")
            _assert_no_secrets(item)
    elif isinstance(value, list):
        for item in value:
            _assert_no_secrets(item)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a private temp file in the same directory and os.replace: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
