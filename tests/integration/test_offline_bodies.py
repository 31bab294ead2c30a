"""Offline reading: after a sync, recent bodies are downloaded in the background (real Dovecot, then stopped)."""

from __future__ import annotations

import json
import uuid
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from deskmail.core.errors import UserFacingError
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import OfflinePrefs, OfflineReading
from deskmail.engine.runtime import AccountRuntime
from deskmail.qtbridge.reach import waits_for_connection
from tests.integration.test_big_message import _Password

DAY = 86400


def _message(subject: str, age_days: float, body: str = "hello") -> bytes:
    import time

    return (
        f"From: Bob <bob@example.test>\r\nTo: me@example.test\r\nSubject: {subject}\r\n"
        f"Date: {formatdate(time.time() - age_days * DAY)}\r\nMessage-ID: <{uuid.uuid4().hex}@example.test>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def setup(testbed: Any, dovecot_factory: Any, tmp_path: Path) -> tuple[Any, AccountRuntime]:
    email, password = f"away{uuid.uuid4().hex[:8]}@example.test", "away-pw"
    server = dovecot_factory(users={email: password})
    account = Account(
        email=email,
        display_name="Me",
        incoming=ServerConfig(Protocol.IMAP, server.host, 993, Security.SSL, username=email),
        outgoing=ServerConfig(Protocol.SMTP, testbed.smtp.host, 465, Security.SSL, username=email),
    )
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    runtime = AccountRuntime(account, paths, testbed.settings, _Password(password))  # type: ignore[arg-type]
    return server, runtime


def _download_all(runtime: AccountRuntime, folder: str = "INBOX") -> int:
    batches = 0
    while runtime.fill_bodies(folder):
        batches += 1
        assert batches < 100
    return batches


def test_recent_bodies_are_kept_and_open_with_the_server_stopped(setup: tuple[Any, AccountRuntime]) -> None:
    server, runtime = setup
    email = runtime.account.email
    server.put_message(email, _message("Yesterday", 1, "the zanzibar plan"), flags="")
    server.put_message(email, _message("Last week", 7), flags="")
    server.put_message(email, _message("Two months ago", 60), flags="")
    server.put_message(email, _message("Huge scan", 2, "x" * (2 * 1024 * 1024)), flags="")
    (runtime.paths.config / "offline.json").write_text(json.dumps({"skip_larger_than_mb": 1}))
    runtime.sync()
    assert _download_all(runtime) == 1  # one batch, then nothing left
    store = runtime.store()
    inbox = store.folder("INBOX")
    assert inbox is not None
    by_subject = {m.subject: m for m in store.messages(inbox.id)}
    kept = {subject for subject, m in by_subject.items() if store.body(m.id) is not None}
    assert kept == {"Yesterday", "Last week"}  # not older than 30 days, not over the size limit
    assert [m.subject for m in store.search("zanzibar")] == ["Yesterday"]  # searchable offline too
    flags = {subject: m.flags for subject, m in by_subject.items()}

    server.stop()
    rendered = runtime.open_message(by_subject["Yesterday"])
    assert "zanzibar" in rendered.message.text
    with pytest.raises(UserFacingError) as raised:
        runtime.open_message(by_subject["Two months ago"])
    assert waits_for_connection(raised.value)  # the reader says: not downloaded yet
    assert runtime.fill_bodies("INBOX") == 0  # nothing left to try: no connection needed
    refreshed = {m.subject: m.flags for m in store.messages(inbox.id)}
    assert refreshed == flags  # downloading never marks anything read
    runtime.close()


def test_switched_off_or_on_a_metered_network_nothing_is_downloaded(setup: tuple[Any, AccountRuntime]) -> None:
    server, runtime = setup
    server.put_message(runtime.account.email, _message("Today", 0), flags="")
    runtime.sync()
    assert runtime.fill_bodies("INBOX", metered=True) == 0
    (runtime.paths.config / "offline.json").write_text(json.dumps({"download": False}))
    assert runtime.fill_bodies("INBOX") == 0
    (runtime.paths.config / "offline.json").write_text(json.dumps({"download": True, "on_metered_networks": True}))
    assert runtime.fill_bodies("INBOX", metered=True) == 1
    runtime.close()


def test_the_settings_file_is_written_with_its_defaults_and_bad_values_are_ignored(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k").ensure()
    prefs = OfflinePrefs(paths)
    assert prefs.load() == OfflineReading()
    written = json.loads((paths.config / "offline.json").read_text())
    assert written["days"] == 30 and written["messages_per_folder"] == 2000 and written["skip_larger_than_mb"] == 5
    (paths.config / "offline.json").write_text(json.dumps({"days": "many", "messages_per_folder": -5, "download": 1}))
    assert prefs.load() == OfflineReading(messages_per_folder=0)
