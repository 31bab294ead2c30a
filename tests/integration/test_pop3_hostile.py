"""POP3 servers that misbehave, scripted (tests/servers/pop3script.py): the client fails closed, says
what happened in plain words, and never loses or duplicates a message, even when killed with -9."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import DownloadChoices
from deskmail.engine.pop3.client import Pop3Client, Pop3Lost, login_pop3, open_pop3
from deskmail.engine.pop3.sync import sync_pop3
from deskmail.engine.store.writer import Store
from deskmail.engine.validate.checks import check_server
from deskmail.engine.validate.report import ServerCheck
from tests.integration.imaptools import message
from tests.integration.pop3tools import message_ids
from tests.servers.pop3script import Pop3Env, Pop3Script, Pop3Server, pop3_env, pop3_server

REPO = Path(__file__).resolve().parents[2]
SECRET = "child-secret"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Pop3Env:
    return pop3_env(tmp_path_factory.mktemp("pop3ca"))


def config(server: Pop3Server, security: Security = Security.SSL) -> ServerConfig:
    return ServerConfig(Protocol.POP3, "127.0.0.1", server.port, security, "alice")


def connect(env: Pop3Env, server: Pop3Server, security: Security = Security.SSL) -> Pop3Client:
    client = open_pop3(config(server, security), Settings(extra_ca=env.ca_path), timeout=5)
    login_pop3(client, "alice", SECRET)
    return client


def check(env: Pop3Env, server: Pop3Server) -> ServerCheck:
    """What `deskmail check` and the wizard do with the incoming server."""
    settings = Settings(extra_ca=env.ca_path)
    return check_server(
        config(server), "alice@example.test", SECRET, settings, ConnectionPolicy(), CancelToken(), print, 5
    )


def filled(server: Pop3Server, count: int) -> list[bytes]:
    messages = [
        message(f"scripted {n}", body=f"line one\r\n.a line starting with a dot\r\n{'x' * n}\r\n") for n in range(count)
    ]
    for n, raw in enumerate(messages):
        server.add(f"uid-{n:04d}", raw)
    return messages


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "store.sqlite3")
    yield opened
    opened.close()


def server_message_ids(messages: list[bytes]) -> list[str]:
    import email

    return sorted(str(email.message_from_bytes(raw)["Message-ID"]) for raw in messages)


def test_stls_response_injection_is_refused_before_any_password(env: Pop3Env) -> None:
    script = Pop3Script(inject_after_stls=b"+OK injected\r\n")
    with pop3_server(env, script, implicit_tls=False) as server, pytest.raises(UserFacingError) as info:
        connect(env, server, Security.STARTTLS)
    assert info.value.kind is ErrorKind.TLS_FAILED and "tampered" in info.value.message
    assert server.record.plaintext_logins == 0 and b"USER" not in b" ".join(server.record.commands)


def test_stls_not_offered_fails_closed(env: Pop3Env) -> None:
    script = Pop3Script(capabilities=("USER", "UIDL"))
    with pop3_server(env, script, implicit_tls=False) as server, pytest.raises(UserFacingError) as info:
        connect(env, server, Security.STARTTLS)
    assert info.value.kind is ErrorKind.STARTTLS_MISSING
    assert server.record.plaintext_logins == 0


def test_stls_then_capa_again_and_a_clean_login(env: Pop3Env) -> None:
    with pop3_server(env, implicit_tls=False) as server:
        client = connect(env, server, Security.STARTTLS)
        assert client.tls and "STLS" not in client.capabilities
        client.quit()
    assert server.record.commands[:3] == [b"CAPA", b"STLS", b"CAPA"] and server.record.plaintext_logins == 0


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (b"-ERR [AUTH] Authentication failed", ErrorKind.AUTH_FAILED, "did not accept"),
        (b"-ERR [IN-USE] Mailbox is locked by another POP3 session", ErrorKind.SERVER_BUSY, "another program"),
        (b"-ERR [SYS/TEMP] Try again later", ErrorKind.SERVER_BUSY, "busy"),
    ],
)
def test_resp_codes_in_the_check(env: Pop3Env, reply: bytes, kind: ErrorKind, words: str) -> None:
    with pop3_server(env, Pop3Script(auth_reply=reply)) as server:
        checked = check(env, server)
    assert not checked.ok and checked.error is not None
    assert checked.error.kind is kind and words in checked.error.message
    assert SECRET not in str(checked.error.to_json())


def test_check_of_a_good_server_passes(env: Pop3Env) -> None:
    with pop3_server(env) as server:
        checked = check(env, server)
    assert checked.ok, checked.error
    assert checked.tls.get("version") and "UIDL" in checked.capabilities


def test_a_greeting_trickled_byte_by_byte_ends_in_time_with_a_plain_message(env: Pop3Env) -> None:
    script = Pop3Script(greeting=b"+OK " + b"slow " * 40, trickle=0.2)
    with pop3_server(env, script) as server:
        started = time.monotonic()
        with pytest.raises(UserFacingError) as info:
            open_pop3(config(server), Settings(extra_ca=env.ca_path), timeout=1.0)
        assert time.monotonic() - started < 4  # not 200 bytes x 0.2 s
    assert info.value.kind is ErrorKind.TIMEOUT


def test_server_without_uidl_uses_header_fingerprints(
    env: Pop3Env, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with pop3_server(env, Pop3Script(uidl=False)) as server:
        messages = filled(server, 4)
        server.add("copy", messages[0])  # an identical second copy is still a message of its own
        with caplog.at_level(logging.WARNING):
            assert sync_pop3(connect(env, server), store, DownloadChoices()).folders[0].added == 5
        assert "no UIDL" in caplog.text
        assert sync_pop3(connect(env, server), store, DownloadChoices()).folders[0].added == 0


def test_connection_cut_in_the_middle_of_retr_loses_and_duplicates_nothing(env: Pop3Env, store: Store) -> None:
    with pop3_server(env, Pop3Script(cut_in_retr=3)) as server:
        messages = filled(server, 6)
        with pytest.raises(Pop3Lost):
            sync_pop3(connect(env, server), store, DownloadChoices(keep_on_server=False))
        assert len(message_ids(store)) == 2  # the two before the cut, committed
        assert len(server.uidls()) == 6  # no QUIT: nothing was deleted there
        report = sync_pop3(connect(env, server), store, DownloadChoices(keep_on_server=False))
        assert report.folders[0].added == 4
        assert message_ids(store) == server_message_ids(messages) and server.uidls() == []
    inbox = store.folder("INBOX")
    assert inbox is not None
    body = store.body(store.messages(inbox.id)[0].id)
    assert body is not None and b"\r\n.a line starting with a dot\r\n" in body.read()  # dot-unstuffed


def test_overlong_uidl_line_ends_the_connection_plainly(env: Pop3Env, store: Store) -> None:
    with pop3_server(env, Pop3Script(overlong_uidl=True)) as server:
        filled(server, 2)
        with pytest.raises(UserFacingError) as info:
            sync_pop3(connect(env, server), store, DownloadChoices())
        assert info.value.kind is ErrorKind.PROTOCOL_ERROR and "POP3" in info.value.message
        server.script.overlong_uidl = False
        assert sync_pop3(connect(env, server), store, DownloadChoices()).folders[0].added == 2


@pytest.mark.parametrize("moment", ["retr", "dele"])
def test_kill_9_during_a_download_loses_and_duplicates_nothing(env: Pop3Env, tmp_path: Path, moment: str) -> None:
    """The download runs in its own process; it is killed -9 half-way through a message, or after
    storing everything but before the server confirmed the deletes. The next run makes it whole."""
    script = Pop3Script(pause_in_retr=5 if moment == "retr" else 0, pause_on_dele=moment == "dele")
    store_path = tmp_path / "store.sqlite3"
    with pop3_server(env, script) as server:
        messages = filled(server, 8)
        args = [
            sys.executable,
            "-m",
            "tests.integration.pop3_child",
            str(server.port),
            str(env.ca_path),
            str(store_path),
        ]
        log = tmp_path / "child.log"
        with log.open("wb") as errors, subprocess.Popen([*args, "0"], cwd=REPO, stderr=errors) as child:
            try:
                assert server.record.paused.wait(30), log.read_text()
                child.send_signal(signal.SIGKILL)
                child.wait(10)
            finally:
                child.kill()
        server.record.release.set()
        assert len(server.uidls()) == 8  # killed before QUIT: the server deleted nothing
        script.pause_in_retr, script.pause_on_dele = 0, False
        subprocess.run([*args, "0"], cwd=REPO, check=True, timeout=60)
        assert server.uidls() == []
    store = Store.open(store_path)
    try:
        assert message_ids(store) == server_message_ids(messages)
    finally:
        store.close()
