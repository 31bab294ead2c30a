"""`deskmail discover` and `deskmail check` in German, as a person runs them: real processes, the real
test bed, DESKMAIL_LANG=de. The words are German; the JSON keys, outcomes and error kinds stay English.

check's failure sentences come from engine/failures.py; here only the command's own framing is pinned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deskmail.core import i18n
from tests.integration.imaptools import PASSWORD, new_mailbox
from tests.integration.test_account_command import settings_file
from tests.integration.test_check_cli import CANARY_PASSWORD, CANARY_USER, discover_json
from tests.servers.bed import Testbed

REPO = Path(__file__).resolve().parents[2]
# Runs the real command line, reading the catalogs from DESKMAIL_TEST_LOCALE_DIR.


@pytest.fixture(scope="module")
def german() -> tuple[list[str], dict[str, str]]:
    """The command and environment that run `deskmail` in German: the shipped catalog, as people get it."""
    assert (i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "deskmail.mo").exists()
    return [sys.executable, "-m", "deskmail"], {"DESKMAIL_LANG": "de"}


def run_german(
    german: tuple[list[str], dict[str, str]],
    testbed: Testbed | None,
    home: Path,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    command, extra = german
    env = {**os.environ, **(env or {}), **(testbed.env if testbed else {}), **extra, "DESKMAIL_HOME": str(home)}
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=False
    )


def test_help_is_german(german: tuple[list[str], dict[str, str]], tmp_path: Path) -> None:
    done = run_german(german, None, tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "Aufruf:" in done.stdout and "Optionen" in done.stdout  # argparse's own words too
    assert "IMAP- und SMTP-Einstellungen für eine E-Mail-Adresse finden" in done.stdout
    wrong = run_german(german, None, tmp_path, "check")
    assert wrong.returncode == 2
    assert "Fehler: Diese Argumente fehlen: --config" in wrong.stderr


def test_discover_speaks_german_and_its_json_keys_stay_english(
    german: tuple[list[str], dict[str, str]], bed: Testbed, tmp_path: Path
) -> None:
    found = run_german(german, bed, tmp_path, "discover", "a@dm-ispdb.test", "--timeout", "6")
    assert found.returncode == 0, found.stderr
    out = found.stdout
    assert "a@dm-ispdb.test: found" in out  # the outcome is an identifier: English
    assert "(aus ispdb, vertrauenswürdig: Die Anbieterdatenbank nennt diese Einstellungen" in out
    assert "  Eingang: IMAP " in out and "Benutzername a@dm-ispdb.test" in out
    assert "Abfragen:" in out
    assert "Die Anbieterdatenbank wird geprüft…" in found.stderr  # progress

    missing = run_german(german, bed, tmp_path, "discover", "a@dm-nxdomain.test", "--json", "--timeout", "6")
    assert missing.returncode == 1, missing.stderr
    data = json.loads(missing.stdout)
    assert {"email", "outcome", "message", "reason", "hint", "ms", "candidates", "pop3", "lookups"} <= set(data)
    assert data["outcome"] == "no_such_domain"
    assert data["message"] == (
        "Die Domain dm-nxdomain.test existiert nicht. Bitte prüfen Sie den Teil nach dem @-Zeichen."
    )

    typo = run_german(german, bed, tmp_path, "discover", "name-without-at-sign", "--json")
    assert typo.returncode == 2
    assert json.loads(typo.stdout)["error"] == "Eine E-Mail-Adresse braucht ein @-Zeichen, etwa name@example.com."


@pytest.fixture
def canary(testbed: Testbed) -> str:
    testbed.mail.add_user(CANARY_USER, CANARY_PASSWORD)
    return CANARY_USER


def write_config(home: Path, config: dict[str, Any]) -> str:
    path = home / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


def test_check_speaks_german(
    german: tuple[list[str], dict[str, str]], testbed: Testbed, canary: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, discover_json(testbed, canary))
    works = run_german(
        german, testbed, tmp_path, "check", "--config", config, "--password-stdin", stdin=CANARY_PASSWORD + "\n"
    )
    assert works.returncode == 0, works.stderr[-2000:]
    lines = works.stdout.splitlines()
    assert lines[0].startswith(f"Posteingangsserver (IMAP) {testbed.mail.host}:{testbed.mail.imap_port} (starttls): ")
    assert f"funktioniert, Benutzername {canary}, TLSv1." in lines[0]
    assert lines[1].startswith(f"Postausgangsserver (SMTP) {testbed.smtp.host}:{testbed.smtp.submissions_port} (ssl): ")
    assert lines[-1] == "Beide Server funktionieren."

    wrong = "Falsches-Passwort-31c8"
    fails = run_german(german, testbed, tmp_path, "check", "--config", config, "--password-stdin", stdin=wrong + "\n")
    assert fails.returncode == 1
    assert fails.stdout.startswith("Posteingangsserver (IMAP) ")
    assert "  Was Sie tun können: " in fails.stdout  # the fix itself is engine/failures.py's text
    assert fails.stdout.splitlines()[-1] == "Die Einstellungen funktionieren noch nicht."


def test_check_json_keeps_english_keys_and_kinds_in_german(
    german: tuple[list[str], dict[str, str]], testbed: Testbed, canary: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, discover_json(testbed, canary))
    done = run_german(
        german, testbed, tmp_path, "check", "--config", config, "--password-stdin", "--json", stdin="Falsch-55\n"
    )
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert {"ok", "incoming", "outgoing"} <= set(report)
    error = report["incoming"]["error"]
    assert {"kind", "message", "fix", "field"} <= set(error)
    assert (error["kind"], error["field"]) == ("auth_failed", "password")
    assert error["message"]

    unusable = run_german(german, testbed, tmp_path, "check", "--config", str(tmp_path / "missing.json"))
    assert unusable.returncode == 2
    assert f"{tmp_path / 'missing.json'} kann nicht gelesen werden" in unusable.stderr


def test_account_sync_and_folders_speak_german(
    german: tuple[list[str], dict[str, str]], testbed: Testbed, keyring_env: dict[str, str], tmp_path: Path
) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(7)
    config = str(settings_file(tmp_path, testbed, mailbox.email))
    home = tmp_path / "home"
    added = run_german(
        german,
        testbed,
        home,
        "account",
        "add",
        "--config",
        config,
        "--password-stdin",
        "--no-check",
        stdin=PASSWORD + "\n",
        env=keyring_env,
    )
    assert added.returncode == 0, added.stderr
    assert f"{mailbox.email} (Example Test Mail) hinzugefügt." in added.stdout
    assert "  Eingang: imap.example.test Port 993, verschlüsselt (SSL/TLS), Benutzername " in added.stdout
    assert "Passwort: im Schlüsselbund des Systems gespeichert. Die Einstellungen wurden NICHT geprüft." in added.stdout

    synced = run_german(german, testbed, home, "sync", mailbox.email, env=keyring_env)
    assert synced.returncode == 0, synced.stderr
    assert f"{mailbox.email}: auf dem neuesten Stand (" in synced.stderr

    folders = run_german(german, testbed, home, "folders", mailbox.email, env=keyring_env)
    assert folders.returncode == 0, folders.stderr
    inbox = next(line for line in folders.stdout.splitlines() if line.startswith("INBOX"))
    assert inbox.split()[2:] == ["7", "Nachrichten", "4", "ungelesen"], inbox

    missing = run_german(german, testbed, home, "messages", mailbox.email, "Nirgends", env=keyring_env)
    assert missing.returncode == 1
    assert "Es gibt keinen Ordner 'Nirgends'. Ordner: " in missing.stderr
