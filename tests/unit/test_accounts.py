"""AccountStore keeps settings as JSON, atomically, and never a password."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from deskmail.core.serverconfig import (
    Candidate,
    CertificatePin,
    ConnectionPolicy,
    Protocol,
    Provider,
    Security,
    ServerConfig,
)
from deskmail.engine import accounts as accounts_module
from deskmail.engine.accounts import Account, AccountError, AccountStore, atomic_write_text
from deskmail.engine.paths import Paths


def make_account(email: str = "alice@example.test", **changes: object) -> Account:
    base = Account(
        email=email,
        display_name="Alice Example",
        incoming=ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, email),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.example.test", 587, Security.STARTTLS, email),
        policy=ConnectionPolicy(pins=(CertificatePin("imap.example.test", 993, "ab" * 32),), allow_plaintext=False),
        provider=Provider("example", "Example Mail"),
        source="autoconfig",
        help_urls=("https://example.test/help",),
    )
    return Account(**{**base.__dict__, **changes})  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(Paths(tmp_path / "config", tmp_path / "data", tmp_path / "logs", tmp_path / "cache"))


def test_empty_store_lists_nothing(store: AccountStore) -> None:
    assert store.list() == []
    assert store.get("alice@example.test") is None
    assert store.remove("alice@example.test") is False


def test_save_and_read_back_everything(store: AccountStore) -> None:
    account = make_account()
    store.save(account)
    assert store.list() == [account]
    # A fresh store reads the same file: nothing lives only in memory.
    again = AccountStore(Paths(store.path.parent, Path(), Path(), Path()))
    assert again.get("ALICE@example.test") == account


def test_save_replaces_same_address_in_place(store: AccountStore) -> None:
    store.save(make_account("alice@example.test"))
    store.save(make_account("bob@example.test"))
    store.save(make_account("Alice@Example.test", display_name="Alice Renamed"))
    names = [(a.email, a.display_name) for a in store.list()]
    assert names == [("Alice@Example.test", "Alice Renamed"), ("bob@example.test", "Alice Example")]


def test_remove(store: AccountStore) -> None:
    store.save(make_account("alice@example.test"))
    store.save(make_account("bob@example.test"))
    assert store.remove("BOB@example.test") is True
    assert [a.email for a in store.list()] == ["alice@example.test"]


def test_file_is_private_and_has_no_password_field(store: AccountStore) -> None:
    store.save(make_account())
    assert store.path.stat().st_mode & 0o077 == 0
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert '"password"' not in store.path.read_text(encoding="utf-8").lower()
    assert data["accounts"][0]["policy"]["pins"][0]["sha256"] == "ab" * 32


def test_refuses_to_write_secret_fields() -> None:
    with pytest.raises(ValueError, match="password"):
        accounts_module._assert_no_secrets({"accounts": [{"incoming": {"password": "x"}}]})


def test_damaged_file_is_a_plain_error(store: AccountStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AccountError, match="damaged"):
        store.list()


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "accounts.json"
    atomic_write_text(target, "old\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["accounts.json"]


def test_from_candidate_keeps_provider_source_and_help() -> None:
    candidate = Candidate(
        source="ispdb",
        url="https://ispdb.test/example.test",
        trusted=True,
        trust_reason="provider database",
        provider=Provider("example", "Example Mail"),
        incoming=ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, "alice"),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "alice"),
        help_urls=["https://example.test/help"],
    )
    account = Account.from_candidate(candidate, "alice@example.test", "Alice")
    assert (account.source, account.provider.name, account.help_urls) == (
        "ispdb",
        "Example Mail",
        ("https://example.test/help",),
    )
    candidate.outgoing = None
    with pytest.raises(AccountError, match="outgoing"):
        Account.from_candidate(candidate, "alice@example.test")
