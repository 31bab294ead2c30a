"""`deskmail account add` proves the settings with the real connection check before saving anything."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import SecretService

from deskmail.engine.credentials import SERVICE

from .test_account_command import deskmail, files_containing, settings_file


@pytest.fixture
def env(keyring_env: dict[str, str], testbed: Any, deskmail_home: Path) -> dict[str, str]:
    # The keyring is shared by the session: another test may have left this user's password in it,
    # which would make "a refused add stores nothing" fail in some orders and pass in others.
    with contextlib.suppress(Exception):
        SecretService.Keyring().delete_password(SERVICE, testbed.user)
    return {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}


def test_checked_add_saves_proven_settings(
    env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path
) -> None:
    config = settings_file(tmp_path, testbed, testbed.user)
    result = deskmail(
        env, "account", "add", "--config", str(config), "--password-stdin", "--json", stdin=testbed.password + "\n"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["added"] is True and data["check"]["incoming"]["ok"] and data["check"]["outgoing"]["ok"]
    assert testbed.password not in result.stdout + result.stderr
    assert SecretService.Keyring().get_password(SERVICE, testbed.user) == testbed.password
    assert files_containing(deskmail_home, testbed.password) == []
    deskmail(env, "account", "remove", testbed.user, check=True)


def test_wrong_password_adds_nothing(env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path) -> None:
    config = settings_file(tmp_path, testbed, testbed.user)
    wrong = "definitely-wrong-4e1b"
    result = deskmail(env, "account", "add", "--config", str(config), "--password-stdin", stdin=wrong + "\n")
    assert result.returncode == 1
    assert "not added" in result.stderr and wrong not in result.stdout + result.stderr
    assert SecretService.Keyring().get_password(SERVICE, testbed.user) is None
    assert json.loads(deskmail(env, "account", "list", "--json", check=True).stdout) == {"accounts": []}
    assert files_containing(deskmail_home, wrong) == []
