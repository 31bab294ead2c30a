"""`deskmail account add/list/remove` in subprocesses, with the real keyring and the test bed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import SecretService

from deskmail.engine.credentials import SERVICE

REPO = Path(__file__).resolve().parents[2]


def deskmail(env: dict[str, str], *args: str, stdin: str = "", check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "deskmail", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env(keyring_env: dict[str, str], testbed: Any, deskmail_home: Path) -> dict[str, str]:
    return {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}


def settings_file(tmp_path: Path, testbed: Any, email: str) -> Path:
    """What `deskmail discover --json` prints for the test bed's example.test."""
    server = {"host": testbed.mail.host, "username": email, "auth": ["password-cleartext"]}
    document = {
        "email": email,
        "outcome": "found",
        "candidates": [
            {
                "source": "autoconfig",
                "url": "https://autoconfig.example.test/mail/config-v1.1.xml",
                "trusted": True,
                "trust_reason": "https from the provider's domain",
                "provider": {"id": "example.test", "name": "Example Test Mail"},
                "incoming": {**server, "protocol": "imap", "port": 993, "security": "ssl"},
                "outgoing": {**server, "host": testbed.smtp.host, "protocol": "smtp", "port": 465, "security": "ssl"},
                "help_urls": [],
                "enable_url": "",
            }
        ],
        "lookups": [],
    }
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def files_containing(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_add_list_remove_without_check(env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path) -> None:
    password = "cli secret with spaces 91c"
    config = settings_file(tmp_path, testbed, "dana@example.test")
    added = deskmail(
        env,
        "account",
        "add",
        "--config",
        str(config),
        "--password-stdin",
        "--no-check",
        "--json",
        "--name",
        "Dana",
        stdin=password + "\n",
        check=True,
    )
    data = json.loads(added.stdout)
    assert data["added"] is True and data["check"] is None
    assert data["account"]["email"] == "dana@example.test" and data["account"]["display_name"] == "Dana"
    assert password not in added.stdout + added.stderr
    # The trailing newline was not part of the password; the keyring holds exactly the password.
    assert SecretService.Keyring().get_password(SERVICE, "dana@example.test") == password
    assert files_containing(deskmail_home, password) == []
    assert (deskmail_home / "config" / "accounts.json").exists()

    listed = json.loads(deskmail(env, "account", "list", "--json", check=True).stdout)
    assert [(a["email"], a["password_saved"]) for a in listed["accounts"]] == [("dana@example.test", True)]
    human = deskmail(env, "account", "list", check=True).stdout
    assert "dana@example.test" in human and "password saved" in human

    local_copy = deskmail_home / "data" / "accounts" / "dana@example.test"
    local_copy.mkdir(parents=True)
    (local_copy / "store.sqlite3").write_bytes(b"cached mail")
    removed = deskmail(env, "account", "remove", "DANA@example.test", check=True)
    assert "Removed dana@example.test" in removed.stdout and not local_copy.exists()
    assert SecretService.Keyring().get_password(SERVICE, "dana@example.test") is None
    assert json.loads(deskmail(env, "account", "list", "--json", check=True).stdout) == {"accounts": []}
    assert deskmail(env, "account", "remove", "dana@example.test").returncode == 1


def test_usage_errors(env: dict[str, str], tmp_path: Path) -> None:
    missing = deskmail(env, "account", "add", "--config", str(tmp_path / "nope.json"), "--password-stdin")
    assert missing.returncode == 2 and "Cannot read" in missing.stderr
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"email": "x@example.test", "outcome": "not_found", "candidates": []}))
    result = deskmail(env, "account", "add", "--config", str(empty), "--password-stdin", stdin="pw\n")
    assert result.returncode == 2 and "no settings" in result.stderr


def test_no_keyring_refuses_and_writes_nothing(testbed: Any, tmp_path: Path, deskmail_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(testbed.env, DESKMAIL_HOME=str(deskmail_home), DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    config = settings_file(tmp_path, testbed, "eve@example.test")
    result = deskmail(
        env, "account", "add", "--config", str(config), "--password-stdin", "--no-check", stdin="pw-nokeyring\n"
    )
    assert result.returncode == 1 and "safe place" in result.stderr
    assert list(deskmail_home.rglob("*.json")) == []
