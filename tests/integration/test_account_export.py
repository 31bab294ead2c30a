"""`deskmail account export` in subprocesses: the real keyring, zbar, plistlib and pdftotext read the results."""

from __future__ import annotations

import os
import plistlib
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.serverconfig import Protocol, Provider, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountStore
from deskmail.engine.paths import Paths
from tests.integration.test_account_command import REPO, deskmail, env, settings_file  # noqa: F401  (env: fixture)
from tests.unit.test_phone_export import check_payload, decode_png

PASSWORD = "export-secret 7f3 ünï"
QT_FREE_CLI = (
    "import sys; from deskmail.cli import main; rc = main(sys.argv[1:]); "
    "assert 'PySide6' not in sys.modules, 'CLI loaded Qt'; sys.exit(rc)"
)


def qt_free(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command, asserting that it never loaded Qt."""
    return subprocess.run(
        [sys.executable, "-c", QT_FREE_CLI, *args], capture_output=True, env=environ, cwd=REPO, timeout=60
    )


@pytest.fixture
def saved(env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path) -> dict[str, str]:  # noqa: F811
    """An IMAP account added with its password in the real keyring, and a POP3 account beside it."""
    config = settings_file(tmp_path, testbed, "erin@example.test")
    deskmail(env, "account", "add", "--config", str(config), "--password-stdin", "--no-check", "--name", "Erin",
             stdin=PASSWORD + "\n", check=True)  # fmt: skip
    pop = Account(
        email="pat@pop.example.test",
        display_name="Pat",
        incoming=ServerConfig(Protocol.POP3, "pop.pop.example.test", 995, Security.SSL, "pat"),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.pop.example.test", 587, Security.STARTTLS, "pat"),
        provider=Provider("pop.example.test", "Pop Mail"),
    )
    AccountStore(Paths.from_settings(Settings.from_env())).save(pop)
    return env


def test_thunderbird_json_without_password_and_without_qt(saved: dict[str, str], testbed: Any) -> None:
    result = qt_free(saved, "account", "export", "erin@example.test", "pat@pop.example.test", "--format",
                     "thunderbird-json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1, "two small accounts share one code"
    erin, pat = check_payload(lines[0])
    assert erin["incoming"] == [0, testbed.mail.host, 993, 3, 1, "erin@example.test"]
    assert erin["identity"] == ["erin@example.test", "Erin"] and erin["password"] is None
    assert pat["incoming"] == [1, "pop.pop.example.test", 995, 3, 1, "pat"]
    assert pat["outgoing"] == [0, "smtp.pop.example.test", 587, 2, 1, "pat"]
    assert PASSWORD.encode() not in result.stdout + result.stderr


def test_include_password_comes_from_the_keyring(saved: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "code.png"
    result = qt_free(saved, "account", "export", "erin@example.test", "--format", "thunderbird-qr", "--output",
                     str(out), "--include-password")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"Anyone who sees" in result.stderr and PASSWORD.encode() not in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    [erin] = check_payload(decode_png(out))
    assert erin["password"] == PASSWORD and erin["outgoing_password"] == PASSWORD


def test_include_password_refuses_without_a_keyring(saved: dict[str, str], tmp_path: Path) -> None:
    no_keyring = {**saved, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}
    out = tmp_path / "code.json"
    result = deskmail(no_keyring, "account", "export", "erin@example.test", "--format", "thunderbird-json",
                      "--output", str(out), "--include-password")  # fmt: skip
    assert result.returncode == 1 and "safe place" in result.stderr
    assert not out.exists()
    refused = deskmail(saved, "account", "export", "pat@pop.example.test", "--format", "thunderbird-json",
                       "--include-password")  # fmt: skip
    assert refused.returncode == 2 and "no password is saved" in refused.stderr
    card = deskmail(saved, "account", "export", "erin@example.test", "--format", "card", "--include-password")
    assert card.returncode == 2 and "never contain the password" in card.stderr


def test_mobileconfig_file(saved: dict[str, str], tmp_path: Path, testbed: Any) -> None:
    out = tmp_path / "erin.mobileconfig"
    result = qt_free(saved, "account", "export", "erin@example.test", "--format", "mobileconfig", "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    [mail] = plistlib.loads(data)["PayloadContent"]
    assert mail["EmailAccountType"] == "EmailTypeIMAP" and mail["IncomingMailServerHostName"] == testbed.mail.host
    assert mail["OutgoingMailServerHostName"] == testbed.smtp.host and mail["OutgoingMailServerPortNumber"] == 465
    assert PASSWORD.encode() not in data
    pop = qt_free(saved, "account", "export", "pat@pop.example.test", "--format", "mobileconfig", "--output", "-")
    assert plistlib.loads(pop.stdout)["PayloadContent"][0]["EmailAccountType"] == "EmailTypePOP"


def test_card_pdf_shows_both_servers(saved: dict[str, str], tmp_path: Path, testbed: Any) -> None:
    out = tmp_path / "card.pdf"
    result = deskmail({**saved, "QT_QPA_PLATFORM": ""}, "account", "export", "erin@example.test", "--format",
                      "card", "--output", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF") and PASSWORD.encode() not in out.read_bytes()
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for words in (
        testbed.mail.host,
        testbed.smtp.host,
        "993",
        "465",
        "SSL/TLS",
        "erin@example.test",
        "Any other phone",
    ):
        assert words in text, words
    assert PASSWORD not in text
    # The printed code scans too: the page as a picture, read by zbar.
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(out), str(tmp_path / "page")], check=True)
    [printed] = check_payload(decode_png(tmp_path / "page.png"))
    assert printed["incoming"][1] == testbed.mail.host and printed["password"] is None
    pop = tmp_path / "pop.pdf"
    assert deskmail(saved, "account", "export", "pat@pop.example.test", "--format", "card", "--output", str(pop),
                    check=True)  # fmt: skip
    pop_text = subprocess.run(["pdftotext", str(pop), "-"], capture_output=True, text=True, check=True).stdout
    assert "pop.pop.example.test" in pop_text and "995" in pop_text and "POP3" in pop_text


def test_unknown_account_is_a_plain_error(saved: dict[str, str]) -> None:
    result = deskmail(saved, "account", "export", "nobody@example.test", "--format", "mobileconfig")
    assert result.returncode == 1 and "there is no account nobody@example.test" in result.stderr
    assert not os.path.exists(REPO / "nobody@example.test.mobileconfig")
