"""Settings' stored choices: new account fields, preferences.json, offline.json written back, signatures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import (
    DEFAULT_CHECK_MINUTES,
    MAX_SIGNATURE_CHARS,
    Account,
    AccountStore,
    check_minutes,
    signature_block,
)
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import REMOTE_ASK, AppChoices, AppPrefs, OfflinePrefs, OfflineReading, RemoteContentPrefs
from deskmail.ui.settings.signature import with_signature


def account() -> Account:
    return Account(
        email="anna@example.test",
        display_name="Anna",
        incoming=ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, "anna"),
        outgoing=ServerConfig(Protocol.SMTP, "smtp.example.test", 465, Security.SSL, "anna"),
    )


def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "data", tmp_path / "logs", tmp_path / "cache").ensure()


def test_signature_and_interval_round_trip_and_old_files_read_with_defaults(tmp_path: Path) -> None:
    store = AccountStore(paths(tmp_path))
    store.save(replace(account(), signature="Anna\n555 0100", check_minutes=15))
    assert store.get("anna@example.test") == replace(account(), signature="Anna\n555 0100", check_minutes=15)
    old = account().to_json()
    del old["signature"], old["check_minutes"]  # a file from before Settings
    assert Account.from_json(old) == account()
    assert account().check_minutes == DEFAULT_CHECK_MINUTES


def test_bad_saved_values_are_bounded() -> None:
    assert check_minutes(0) == 1 and check_minutes(10**9) == 24 * 60
    assert check_minutes("5") == DEFAULT_CHECK_MINUTES and check_minutes(True) == DEFAULT_CHECK_MINUTES
    data = {**account().to_json(), "signature": "x" * (MAX_SIGNATURE_CHARS + 50), "check_minutes": None}
    loaded = Account.from_json(data)
    assert len(loaded.signature) == MAX_SIGNATURE_CHARS and loaded.check_minutes == DEFAULT_CHECK_MINUTES


def test_signature_goes_below_the_cursor_and_above_a_quote() -> None:
    block = signature_block("Anna\n555 0100\n\n")
    assert block == "-- \nAnna\n555 0100"
    assert signature_block("  \n ") == ""
    assert with_signature("", block) == "\n\n-- \nAnna\n555 0100\n"
    reply = "\n\nOn Monday, Ben wrote:\n> Hi\n"
    assert with_signature(reply, block) == "\n\n-- \nAnna\n555 0100\n\nOn Monday, Ben wrote:\n> Hi\n"
    assert with_signature(reply, "") == reply


def test_app_choices_persist_and_bad_values_keep_the_default(tmp_path: Path) -> None:
    prefs = AppPrefs(paths(tmp_path))
    assert prefs.load() == AppChoices()
    prefs.save(AppChoices(remote_content=REMOTE_ASK, notifications=False))
    assert AppPrefs(paths(tmp_path)).load() == AppChoices(remote_content=REMOTE_ASK, notifications=False)
    prefs.path.write_text(json.dumps({"remote_content": "always", "notifications": "no", "layout": "wide"}))
    assert prefs.load() == AppChoices()
    prefs.save(AppChoices(notifications=False))
    assert json.loads(prefs.path.read_text())["layout"] == "wide"  # a newer version's choice is kept
    prefs.path.write_text("{broken")
    assert prefs.load() == AppChoices()


def test_offline_choices_written_back_are_what_the_engine_reads(tmp_path: Path) -> None:
    prefs = OfflinePrefs(paths(tmp_path))
    chosen = OfflineReading(download=False, days=7, messages_per_folder=300, skip_larger_than_mb=2)
    prefs.save(chosen)
    assert OfflinePrefs(paths(tmp_path)).load() == chosen


def test_forgetting_the_allowed_senders(tmp_path: Path) -> None:
    prefs = RemoteContentPrefs(paths(tmp_path))
    prefs.allow("Ben@Example.test")
    assert prefs.load() == {"ben@example.test"}
    prefs.forget_all()
    assert prefs.load() == set()
