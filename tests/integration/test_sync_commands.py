"""`deskmail sync`, `folders` and `messages` in subprocesses: real keyring, real Dovecot over TLS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.engine.store import StoreReader, store_path
from tests.integration.imaptools import PASSWORD, Mailbox, new_mailbox
from tests.integration.test_account_command import REPO, deskmail, settings_file


@pytest.fixture
def env(keyring_env: dict[str, str], testbed: Any, deskmail_home: Path) -> dict[str, str]:
    return {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}


def synced_account(env: dict[str, str], testbed: Any, tmp_path: Path, messages: int) -> Mailbox:
    """A new mailbox with `messages` in its Inbox, added with `deskmail account add` and synced once."""
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(messages)
    config = settings_file(tmp_path, testbed, mailbox.email)
    add = ("account", "add", "--config", str(config), "--password-stdin", "--no-check")
    deskmail(env, *add, stdin=PASSWORD + "\n", check=True)
    deskmail(env, "sync", mailbox.email, check=True)
    return mailbox


def test_sync_then_folders_and_messages_from_the_store(env: dict[str, str], testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(7)
    mailbox.fill(2, folder="Archive")
    config = settings_file(tmp_path, testbed, mailbox.email)
    deskmail(
        env,
        "account",
        "add",
        "--config",
        str(config),
        "--password-stdin",
        "--no-check",
        stdin=PASSWORD + "\n",
        check=True,
    )

    synced = deskmail(env, "sync", mailbox.email, "--json", check=True)
    report = json.loads(synced.stdout)
    (account,) = report["accounts"]
    assert account["ok"] and account["account"] == mailbox.email
    assert {f["name"]: f["exists"] for f in account["folders"]}["INBOX"] == 7
    assert PASSWORD not in synced.stdout + synced.stderr

    again = deskmail(env, "sync", check=True)  # all accounts, human output: progress on stderr
    assert "up to date" in again.stderr and again.stdout == ""

    folders = json.loads(deskmail(env, "folders", mailbox.email, "--json", check=True).stdout)
    by_name = {f["name"]: f for f in folders["folders"]}
    assert by_name["INBOX"]["exists"] == 7 and by_name["INBOX"]["unread"] == 4
    assert by_name["Archive"]["exists"] == 2 and by_name["Sent"]["special_use"] == "sent"
    assert "INBOX" in deskmail(env, "folders", mailbox.email, check=True).stdout

    listed = json.loads(deskmail(env, "messages", mailbox.email, "INBOX", "--json", "--limit", "3", check=True).stdout)
    assert len(listed["messages"]) == 3
    first = listed["messages"][0]
    assert first["from"]["address"] == "bob@example.test" and first["subject"].startswith("INBOX message")
    text = deskmail(env, "messages", mailbox.email, "Archive", check=True).stdout
    assert text.count("Archive message") == 2


def test_store_commands_without_a_store_or_folder(env: dict[str, str]) -> None:
    missing = deskmail(env, "folders", "nobody@example.test")
    assert missing.returncode == 1 and "deskmail sync nobody@example.test" in missing.stderr
    unknown = deskmail(env, "sync", "nobody@example.test")
    assert unknown.returncode == 1 and "no account" in unknown.stderr


def test_sync_reports_a_wrong_password_plainly(env: dict[str, str], testbed: Any, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    config = settings_file(tmp_path, testbed, mailbox.email)
    deskmail(
        env,
        "account",
        "add",
        "--config",
        str(config),
        "--password-stdin",
        "--no-check",
        stdin="not the password\n",
        check=True,
    )
    result = deskmail(env, "sync", mailbox.email, "--json")
    assert result.returncode == 1
    (account,) = json.loads(result.stdout)["accounts"]
    assert account["error"]["kind"] == "auth_failed"
    assert "not the password" not in result.stdout + result.stderr


def test_messages_json_streams_the_same_document_with_limit_and_offset(
    env: dict[str, str], testbed: Any, tmp_path: Path
) -> None:
    """The streamed listing is byte for byte what one json.dumps of the whole list printed."""
    mailbox = synced_account(env, testbed, tmp_path, 12)

    reader = StoreReader.open(store_path(Paths.from_settings(Settings(home=Path(env["DESKMAIL_HOME"]))), mailbox.email))
    try:
        inbox = reader.folder("INBOX")
        assert inbox is not None
        rows = reader.messages(inbox.id)
        folders = [f.to_json() for f in reader.folders()]
    finally:
        reader.close()
    items = [{**row.to_json(), "date_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.date))} for row in rows]
    assert len(items) == 12

    def expected(chosen: list[dict[str, Any]], folder: str = "INBOX") -> str:
        return json.dumps({"account": mailbox.email, "folder": folder, "messages": chosen}, indent=2) + "\n"

    listed = deskmail(env, "messages", mailbox.email, "INBOX", "--json", check=True).stdout
    assert listed == expected(items)
    assert [m["uid"] for m in json.loads(listed)["messages"]] == sorted((m["uid"] for m in items), reverse=True)
    page = deskmail(env, "messages", mailbox.email, "INBOX", "--json", "--limit", "5", "--offset", "4", check=True)
    assert page.stdout == expected(items[4:9])
    tail = deskmail(env, "messages", mailbox.email, "INBOX", "--json", "--offset", "10", check=True)
    assert tail.stdout == expected(items[10:])
    past = deskmail(env, "messages", mailbox.email, "INBOX", "--json", "--offset", "50", check=True)
    assert past.stdout == expected([]) and json.loads(past.stdout)["messages"] == []
    text = deskmail(env, "messages", mailbox.email, "INBOX", "--limit", "2", "--offset", "1", check=True).stdout
    assert text.splitlines()[0].startswith(f"{items[1]['uid']:>7}") and len(text.splitlines()) == 2
    assert deskmail(env, "messages", mailbox.email, "Drafts", "--json", check=True).stdout == expected([], "Drafts")

    shown = deskmail(env, "folders", mailbox.email, "--json", check=True).stdout
    assert shown == json.dumps({"account": mailbox.email, "folders": folders}, indent=2) + "\n"
    accounts = json.loads(deskmail(env, "account", "list", "--json", check=True).stdout)
    assert [a["email"] for a in accounts["accounts"]] == [mailbox.email]


def test_sync_says_plainly_when_a_message_may_already_have_been_sent(
    env: dict[str, str], testbed: Any, tmp_path: Path, deskmail_home: Path
) -> None:
    from deskmail.engine.smtp.outbox import Outbox, OutboxState
    from deskmail.engine.store import Store

    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    config = settings_file(tmp_path, testbed, mailbox.email)
    add = ("account", "add", "--config", str(config), "--password-stdin", "--no-check")
    deskmail(env, *add, stdin=PASSWORD + "\n", check=True)
    deskmail(env, "sync", mailbox.email, check=True)
    (store_file,) = deskmail_home.glob("data/accounts/*/store.sqlite3")
    store = Store.open(store_file)
    outbox = Outbox(store)
    item = outbox.add(
        b"Subject: Lost reply\r\n\r\nhi\r\n", message_id="<x@t>", sender=mailbox.email, recipients=["a@t"]
    )
    outbox.set_state(item.id, OutboxState.UNSURE)  # as left by a send whose reply was lost
    store.close()
    synced = deskmail(env, "sync", mailbox.email, "--json", check=True)
    (account,) = json.loads(synced.stdout)["accounts"]
    assert account["may_already_have_been_sent"] == [{"message_id": "<x@t>", "subject": "Lost reply"}]
    assert "\u201cLost reply\u201d may already have been sent" in synced.stderr


@pytest.mark.parametrize("fault", ["handshake", "mid-fetch"])
def test_sync_cut_by_the_network_says_so_plainly(
    env: dict[str, str], testbed: Any, tmp_path: Path, fault_proxy: Any, fault: str
) -> None:
    from tests.servers.faultproxy import Fault

    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(300)
    proxy = fault_proxy(testbed.mail.ip, 993)
    config = settings_file(tmp_path, testbed, mailbox.email)
    document = json.loads(config.read_text(encoding="utf-8"))
    document["candidates"][0]["incoming"]["host"] = proxy.host
    config.write_text(json.dumps(document), encoding="utf-8")
    add = ["account", "add", "--config", str(config), "--password-stdin", "--no-check"]
    deskmail(env, *add, stdin=PASSWORD + "\n", check=True)
    proxy.fault = Fault("down", 60, "cut") if fault == "handshake" else Fault("down", 40_000, "cut")
    result = deskmail(env, "sync", mailbox.email, "--json")
    assert result.returncode == 1
    (account,) = json.loads(result.stdout)["accounts"]
    error = account["error"]
    assert error["kind"] == "connection_lost", error
    assert "broke" in error["message"] and error["details"]
    for raw in ("socket error", "EOF", "BYE", "literal", "SSL", "Errno"):
        assert raw not in error["message"] and raw not in error["fix"]
    human = deskmail(env, "sync", mailbox.email)
    assert "broke" in human.stderr and "Try again" in human.stderr
    assert "socket error" not in human.stderr and "Traceback" not in human.stderr
    proxy.fault = None
    assert json.loads(deskmail(env, "sync", mailbox.email, "--json", check=True).stdout)["accounts"][0]["ok"]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_no_change_sync_loads_only_what_it_uses(env: dict[str, str], testbed: Any, tmp_path: Path, lang: str) -> None:
    """Every `deskmail sync` pays for what it imports: no Babel for the duration it prints (in any
    language), no keyring backend of another operating system (the macOS one alone cost 40 ms on Linux),
    and where keyring would read the Secret Service, neither keyring nor SecretStorage: the password is
    read from the Secret Service directly (their imports and calls cost ~100 ms of every sync); nor
    importlib.metadata, which imapclient imported to learn its own version (~15 ms)."""
    mailbox = synced_account(env, testbed, tmp_path, 3)
    probe = (
        "import sys; from deskmail.cli import main; rc = main(['sync', sys.argv[1]]); "
        "print(' '.join(sorted(sys.modules))); print(type(sys.modules['imapclient.version'].__loader__).__module__); "
        "sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, mailbox.email],
        capture_output=True,
        text=True,
        env={**env, "DESKMAIL_LANG": lang},
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0 and mailbox.email in done.stderr, done.stderr
    assert ("up to date" in done.stderr) == (lang == "en")
    modules, version_loader = done.stdout.splitlines()[-2:]
    loaded = set(modules.split())
    assert "deskmail.engine.secretservice" in loaded  # the password came from the keyring (no other has it)
    assert not {m for m in loaded if m.split(".")[0] in ("keyring", "secretstorage", "importlib_metadata")}
    assert "cryptography.hazmat.backends.openssl" not in loaded  # only AES, not all of OpenSSL's bindings
    assert version_loader == "deskmail.engine.imapclient_version"  # imapclient's version, read without it
    if "dns.resolver" not in loaded:  # dnspython (only for the bed's own DNS server) imports it too
        assert "importlib.metadata" not in loaded
    assert not {m for m in loaded if m.split(".")[0] == "babel"}
    assert not {"keyring.backends.macOS", "keyring.backends.Windows"} & loaded
    # Nor what only sending, a waiting outbox, offline changes or an out-of-date store need.
    sending = {"smtplib", "deskmail.engine.smtp_session", "deskmail.engine.smtp.outbox"}
    changes = {"deskmail.engine.imap.actions", "deskmail.engine.imap.folderops", "deskmail.engine.imap.push"}
    unneeded = (sending | changes | {"importlib.resources.readers"}) & loaded
    assert not unneeded
