"""`deskmail check` as a person runs it: a subprocess, real servers, and no password anywhere after."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.serverconfig import Candidate, Protocol, Provider, Security, ServerConfig

REPO = Path(__file__).resolve().parents[2]
CANARY_USER = "canary@example.test"
CANARY_PASSWORD = "Canary-Pa55word-7f3b9e"


def discover_json(testbed: Any, email: str, username: str = "%EMAILADDRESS%") -> dict[str, Any]:
    mail, sub = testbed.mail, testbed.smtp
    cand = Candidate(
        "autoconfig",
        "https://autoconfig.example.test/mail/config-v1.1.xml",
        True,
        "test",
        Provider("example.test", "Example"),
        ServerConfig(Protocol.IMAP, mail.host, mail.imap_port, Security.STARTTLS, username),
        ServerConfig(Protocol.SMTP, sub.host, sub.submissions_port, Security.SSL, username),
    )
    return {"email": email, "outcome": "found", "candidates": [cand.to_json()]}


def run_check(
    testbed: Any,
    home: Path,
    config: dict[str, Any],
    password: str | None,
    *extra: str,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`deskmail check`; the password on stdin, or (None) nothing on stdin so the keyring is asked."""
    path = home / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, **(env or {}), **testbed.env, "DESKMAIL_HOME": str(home), "DESKMAIL_DEBUG": "1"}
    stdin = ["--password-stdin"] if password is not None else []
    return subprocess.run(
        [sys.executable, "-m", "deskmail", "check", "--config", str(path), *stdin, *extra],
        input=password + "\n" if password is not None else "",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


def forms_of(secret: str, user: str) -> list[str]:
    """The password and the encodings a leak could take (SASL PLAIN and LOGIN are base64)."""
    return [
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f"\0{user}\0{secret}".encode()).decode(),
    ]


def assert_no_secret(home: Path, outputs: list[str], secret: str, user: str) -> None:
    files = [p for p in home.rglob("*") if p.is_file() and p.name != "config.json"]
    assert any(p.suffix == ".log" for p in files), "the check wrote no log file"
    assert sum(p.stat().st_size for p in files if p.suffix == ".log") > 0
    texts = outputs + [p.read_bytes().decode("utf-8", "replace") for p in files]
    for form in forms_of(secret, user):
        hits = [i for i, text in enumerate(texts) if form in text]
        assert hits == [], f"secret form {form[:4]}... found"


@pytest.fixture
def canary(testbed: Any) -> str:
    testbed.mail.add_user(CANARY_USER, CANARY_PASSWORD)
    return CANARY_USER


def test_check_json_succeeds_and_leaks_nothing(testbed: Any, canary: str, tmp_path: Path) -> None:
    proc = run_check(testbed, tmp_path, discover_json(testbed, canary), CANARY_PASSWORD, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    for side in ("incoming", "outgoing"):
        assert report[side]["ok"] is True
        assert report[side]["error"] is None
        assert isinstance(report[side]["capabilities"], list) and report[side]["capabilities"]
        assert report[side]["tls"]["version"].startswith("TLSv1.")
        assert report[side]["username"] == canary
    assert "IDLE" in report["incoming"]["capabilities"]
    assert "DEBUG" in proc.stderr  # the debug logging really ran
    assert_no_secret(tmp_path, [proc.stdout, proc.stderr], CANARY_PASSWORD, canary)


def test_check_wrong_password_exit_1_with_typed_error_and_no_leak(testbed: Any, canary: str, tmp_path: Path) -> None:
    wrong = "Wrong-Canary-Pa55-31c8"
    proc = run_check(testbed, tmp_path, discover_json(testbed, canary), wrong, "--json")
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    for side in ("incoming", "outgoing"):
        error = report[side]["error"]
        assert report[side]["ok"] is False
        assert error["kind"] == "auth_failed"
        assert error["field"] == "password"
        assert error["message"]
    assert_no_secret(tmp_path, [proc.stdout, proc.stderr], wrong, canary)


def test_check_single_candidate_object_human_output(testbed: Any, canary: str, tmp_path: Path) -> None:
    candidate = discover_json(testbed, canary)["candidates"][0]
    candidate["incoming"]["username"] = canary  # no "email" key: derived from the user name
    candidate["outgoing"]["username"] = canary
    proc = run_check(testbed, tmp_path, candidate, CANARY_PASSWORD)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Both servers work." in proc.stdout
    assert_no_secret(tmp_path, [proc.stdout, proc.stderr], CANARY_PASSWORD, canary)


def test_check_without_candidates_is_a_usage_error(testbed: Any, tmp_path: Path) -> None:
    proc = run_check(testbed, tmp_path, {"email": "x@example.test", "candidates": []}, "whatever-pass")
    assert proc.returncode == 2
    assert "no candidates" in proc.stderr


def test_check_takes_the_password_from_the_keyring(
    testbed: Any, canary: str, tmp_path: Path, keyring_env: dict[str, str]
) -> None:
    from deskmail.engine.credentials import Credentials

    credentials = Credentials()
    credentials.set(canary, CANARY_PASSWORD)
    try:
        proc = run_check(testbed, tmp_path, discover_json(testbed, canary), None, "--json", env=keyring_env)
    finally:
        credentials.delete(canary)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["ok"] is True
    assert_no_secret(tmp_path, [proc.stdout, proc.stderr], CANARY_PASSWORD, canary)


def test_check_without_any_password_source_is_a_usage_error(testbed: Any, canary: str, tmp_path: Path) -> None:
    proc = run_check(testbed, tmp_path, discover_json(testbed, "nobody-stored@example.test"), None)
    assert proc.returncode == 2
    assert "--password-stdin" in proc.stderr
