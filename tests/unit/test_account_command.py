"""Pure parts of `deskmail account`: the settings file and reading the password (servers: tests/integration)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from deskmail.commands import account
from deskmail.commands.configfile import ConfigFileError, parse_config_document, read_config_file

CANDIDATE = {
    "source": "autoconfig",
    "url": "https://autoconfig.example.test/mail/config-v1.1.xml",
    "trusted": True,
    "trust_reason": "https",
    "provider": {"id": "example.test", "name": "Example Mail"},
    "incoming": {"protocol": "imap", "host": "imap.example.test", "port": 993, "security": "ssl", "username": "alice"},
    "outgoing": {"protocol": "smtp", "host": "smtp.example.test", "port": 465, "security": "ssl", "username": "alice"},
}


def test_discover_document_uses_first_candidate() -> None:
    second = {**CANDIDATE, "source": "guess"}
    config = parse_config_document({"email": "alice@example.test", "candidates": [CANDIDATE, second]})
    assert (config.email, config.candidate.source, config.candidate.provider.name) == (
        "alice@example.test",
        "autoconfig",
        "Example Mail",
    )
    assert config.policy.pins == () and not config.policy.allow_plaintext


def test_single_candidate_with_email_and_policy() -> None:
    pin = {"host": "imap.example.test", "port": 993, "sha256": "AB:CD"}
    data = {**CANDIDATE, "email": "bob@example.test", "policy": {"pins": [pin], "allow_plaintext": True}}
    config = parse_config_document(data)
    assert config.email == "bob@example.test"
    assert config.policy.allow_plaintext and config.policy.pins[0].sha256 == "abcd"


def test_single_candidate_address_from_user_name() -> None:
    incoming = {**CANDIDATE["incoming"], "username": "carol@example.test"}  # type: ignore[dict-item]
    assert parse_config_document({**CANDIDATE, "incoming": incoming}).email == "carol@example.test"
    assert parse_config_document(CANDIDATE).email == ""


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([], "one JSON object"),
        ({"email": "a@example.test", "outcome": "not_found", "candidates": []}, "no settings"),
        ({"incoming": {"host": "x"}}, "incomplete"),
        ({**CANDIDATE, "incoming": {**CANDIDATE["incoming"], "port": "many"}}, "invalid"),  # type: ignore[dict-item]
    ],
)
def test_unusable_documents_are_plain_errors(document: object, words: str) -> None:
    with pytest.raises(ConfigFileError, match=words):
        parse_config_document(document)


def test_read_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="Cannot read"):
        read_config_file(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigFileError, match="not a JSON document"):
        read_config_file(str(broken))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(CANDIDATE), encoding="utf-8")
    assert read_config_file(str(good)).candidate.incoming.host == "imap.example.test"


@pytest.mark.parametrize(
    ("stdin", "password"),
    [
        ("secret\n", "secret"),
        ("secret\r\n", "secret"),
        ("secret\n\n", "secret\n"),  # only ONE trailing newline is not part of the password
        ("  spaced out  ", "  spaced out  "),
        ("no newline", "no newline"),
    ],
)
def test_password_from_stdin(monkeypatch: pytest.MonkeyPatch, stdin: str, password: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert account.read_password(True, "alice@example.test") == password


def test_empty_or_missing_password_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    with pytest.raises(account.UsageError, match="empty"):
        account.read_password(True, "alice@example.test")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(account.UsageError, match="--password-stdin"):
        account.read_password(False, "alice@example.test")
