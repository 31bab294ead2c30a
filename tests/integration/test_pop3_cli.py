"""A POP3-only provider from the command line, on the real bed: discover -> check -> account add ->
sync -> folders / messages, then new mail over LMTP arrives once."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration import discovery_bed
from tests.integration.imaptools import message
from tests.integration.test_account_command import deskmail

PASSWORD = "pop3-cli-pw"


@pytest.fixture
def env(keyring_env: dict[str, str], testbed: Any, deskmail_home: Path) -> dict[str, str]:
    discovery_bed.install(testbed)
    return {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}


def test_pop3_only_provider_end_to_end(env: dict[str, str], testbed: Any, tmp_path: Path) -> None:
    address = f"pop-{uuid.uuid4().hex[:8]}@{discovery_bed.POP3_DOMAIN}"
    testbed.mail.add_user(address, PASSWORD)
    for n in range(3):
        testbed.mail.put_message(address, message(f"waiting {n}"), flags="")

    found = json.loads(deskmail(env, "discover", address, "--json", check=True).stdout)
    assert found["outcome"] == "found" and found["pop3"]
    assert found["candidates"][0]["incoming"]["protocol"] == "pop3"
    assert found["candidates"][0]["outgoing"]["protocol"] == "smtp"
    config = tmp_path / "found.json"
    config.write_text(json.dumps(found))

    checked = deskmail(env, "check", "--config", str(config), "--password-stdin", "--json", stdin=PASSWORD + "\n")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["incoming"]["ok"]
    deskmail(env, "account", "add", "--config", str(config), "--password-stdin", stdin=PASSWORD + "\n", check=True)
    listed = json.loads(deskmail(env, "account", "list", "--json", check=True).stdout)["accounts"][0]
    assert listed["incoming"]["protocol"] == "pop3" and listed["pop3"]["keep_on_server"] is True

    synced = json.loads(deskmail(env, "sync", address, "--json", check=True).stdout)["accounts"][0]
    assert synced["ok"] and synced["folders"][0]["added"] == 3
    folders = {
        f["name"]: f for f in json.loads(deskmail(env, "folders", address, "--json", check=True).stdout)["folders"]
    }
    assert {"INBOX", "Drafts", "Sent", "Trash", "Archive"} <= set(folders) and folders["INBOX"]["unread"] == 3

    testbed.mail.deliver(address, message("new over LMTP"))
    synced = json.loads(deskmail(env, "sync", address, "--json", check=True).stdout)["accounts"][0]
    assert synced["folders"][0]["added"] == 1
    listed_messages = json.loads(deskmail(env, "messages", address, "INBOX", "--json", check=True).stdout)["messages"]
    ids = [m["message_id"] for m in listed_messages]
    assert len(ids) == 4 == len(set(ids)) and all(ids)
    assert any(m["subject"] == "new over LMTP" for m in listed_messages)
    assert len(list(testbed.mail.maildir(address).glob("*/*"))) == 4  # "keep a copy": all still on the server
