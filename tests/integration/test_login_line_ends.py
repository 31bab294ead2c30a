"""Logging in to servers with odd but unambiguous habits: a bare LF after the AUTHENTICATE reply
(GNU Mailutils imap4d) is a line end, and a connection that breaks during login is never reported
as a wrong password (people would change a password that is right)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.connect import login_imap, open_imap
from tests.integration.fake_servers import FakeEnv, Script, fake_server, new_fake_env

PASSWORD = "fake-secret-Pa55"
MAILUTILS_CAPABILITIES = "IMAP4rev1 NAMESPACE ID IDLE LITERAL+ UNSELECT AUTH=PLAIN"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEnv]:
    yield new_fake_env(tmp_path_factory.mktemp("fakeca"))


def log_in(env: FakeEnv, script: Script) -> list[tuple[tuple[bytes, ...], bytes, str]]:
    with fake_server(env, "imap", script, implicit_tls=True) as server:
        config = ServerConfig(Protocol.IMAP, "127.0.0.1", server.port, Security.SSL, "alice")
        client = open_imap(config, Settings(extra_ca=env.ca_path), timeout=5)
        try:
            login_imap(client, "alice", PASSWORD)
            return list(client.list_folders())  # the connection is still in step after the login
        finally:
            client.shutdown()


def test_bare_lf_after_authenticate_reply_is_a_line_end(env: FakeEnv) -> None:
    script = Script(
        greeting=b"* OK IMAP4rev1 Debian GNU Mailutils 3.15\r\n",
        tls_capabilities=MAILUTILS_CAPABILITIES,
        login_reply=b"OK AUTHENTICATE Completed",
        auth_line_end=b"\n",
    )
    folders = log_in(env, script)
    assert [name for _flags, _delim, name in folders] == ["INBOX", "Sent"]


def test_connection_lost_during_authenticate_is_not_a_wrong_password(env: FakeEnv) -> None:
    script = Script(tls_capabilities=MAILUTILS_CAPABILITIES, auth_hangs_up=True)
    with pytest.raises(UserFacingError) as failed:
        log_in(env, script)
    assert failed.value.kind is not ErrorKind.AUTH_FAILED
    assert "password" not in failed.value.message.lower()
