"""`deskmail discover` on bundled domains (no network) and on usage errors."""

from __future__ import annotations

import json

import pytest

from deskmail.cli import main


def test_json_names_are_the_documented_interface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discover", "Someone@GMail.com", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["email"] == "Someone@gmail.com" and data["outcome"] == "found"
    best = data["candidates"][0]
    assert set(best) >= {"source", "url", "trusted", "trust_reason", "provider", "incoming", "outgoing"}
    assert set(best) >= {"help_urls", "enable_url"}
    assert best["source"] == "bundled" and best["trusted"] is True
    assert best["provider"] == {"id": "gmail", "name": "Gmail"}
    assert best["incoming"] == {
        "protocol": "imap",
        "host": "imap.gmail.com",
        "port": 993,
        "security": "ssl",
        "username": "Someone@gmail.com",
        "auth": ["password-cleartext"],
    }
    assert best["outgoing"]["protocol"] == "smtp"
    assert data["lookups"] == [
        {"source": "bundled", "target": "gmail.com", "ms": data["lookups"][0]["ms"], "result": "ok"}
    ]


def test_oauth_only_provider_exits_1_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discover", "a@hotmail.com", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "oauth_only" and "OAuth2" in data["message"]


def test_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discover", "a@posteo.de"]) == 0
    out = capsys.readouterr().out
    assert "IMAP posteo.de:993 (ssl)" in out and "Look-ups:" in out


@pytest.mark.parametrize("argv", [["discover", "not-an-address"], ["discover", "a@example.com", "--timeout", "0"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err
