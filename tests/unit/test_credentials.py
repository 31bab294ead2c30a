"""Credentials use only safe OS keyrings; the logic is tested here with in-memory stand-ins."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail, null

from deskmail.core.redact import redact
from deskmail.engine import credentials
from deskmail.engine.credentials import Credentials, KeyringUnavailable, SessionCredentials, is_safe_backend

PASSWORD = "correct horse battery staple"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Stands in for a safe OS keyring: the module name below is what the allow-list looks at."""

    # 0, not 1: defining the class registers it with keyring for the whole pytest process, and a
    # positive priority made find_safe_backend() pick this fake over the real Secret Service.
    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("No such password!")


MemoryKeyring.__module__ = "keyring.backends.SecretService"


class PlaintextKeyring(MemoryKeyring):
    """What keyrings.alt.file.PlaintextKeyring looks like to the allow-list."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class BrokenKeyring(MemoryKeyring):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


BrokenKeyring.__module__ = "keyring.backends.SecretService"


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_allow_list() -> None:
    assert is_safe_backend(MemoryKeyring())
    assert not is_safe_backend(PlaintextKeyring())
    assert not is_safe_backend(fail.Keyring())
    assert not is_safe_backend(null.Keyring())


@pytest.mark.parametrize("backend", [PlaintextKeyring(), fail.Keyring(), null.Keyring()])
def test_unsafe_backend_given_explicitly_is_refused(backend: keyring.backend.KeyringBackend) -> None:
    with pytest.raises(KeyringUnavailable) as info:
        Credentials(backend=backend)
    assert "safe place" in info.value.message


def test_unsafe_default_backend_is_refused(monkeypatch: pytest.MonkeyPatch, restore_keyring: None) -> None:
    keyring.set_keyring(PlaintextKeyring())
    monkeypatch.setattr(credentials, "_viable_now", lambda cls: False)  # no OS keyring reachable either
    creds = Credentials()
    assert creds.available() is False
    with pytest.raises(KeyringUnavailable):
        creds.set("alice@example.test", PASSWORD)


def test_safe_default_backend_is_used(restore_keyring: None) -> None:
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    creds = Credentials()
    assert creds.available() and creds.backend() is memory


def test_set_get_delete_round_trip() -> None:
    backend = MemoryKeyring()
    creds = Credentials(backend=backend)
    creds.set("Alice@Example.test", PASSWORD)
    assert creds.get("alice@example.test") == PASSWORD
    assert list(backend.items) == [(credentials.SERVICE, "alice@example.test")]
    creds.delete("alice@example.test")
    assert creds.get("alice@example.test") is None
    creds.delete("alice@example.test")  # forgetting twice is fine


def test_passwords_are_registered_for_redaction() -> None:
    secret = "registered-on-set-9f2c"
    Credentials(backend=MemoryKeyring()).set("a@example.test", secret)
    assert secret not in redact(f"login {secret} failed")
    backend = MemoryKeyring()
    backend.items[(credentials.SERVICE, "b@example.test")] = "registered-on-get-77ab"
    Credentials(backend=backend).get("b@example.test")
    assert "registered-on-get-77ab" not in redact("x registered-on-get-77ab y")


def test_session_overlay_wins_and_never_reaches_keyring() -> None:
    backend = MemoryKeyring()
    creds = Credentials(backend=backend)
    creds.set_for_session("alice@example.test", PASSWORD)
    assert creds.get("ALICE@example.test") == PASSWORD
    assert backend.items == {}
    creds.delete("alice@example.test")
    assert creds.get("alice@example.test") is None


def test_session_credentials_alone() -> None:
    session = SessionCredentials()
    assert session.get("a@example.test") is None
    session.set("a@example.test", PASSWORD)
    assert session.get("A@example.test") == PASSWORD
    session.delete("a@example.test")
    assert session.get("a@example.test") is None


def test_locked_keyring_is_a_plain_message() -> None:
    creds = Credentials(backend=BrokenKeyring(keyring.errors.KeyringLocked("Failed to unlock")))
    with pytest.raises(KeyringUnavailable, match="locked"):
        creds.get("alice@example.test")


def test_backend_errors_never_carry_the_password(caplog: pytest.LogCaptureFixture) -> None:
    secret = "leaky-secret-5d1e"
    creds = Credentials(backend=BrokenKeyring(RuntimeError(f"D-Bus said no to {secret}")))
    with caplog.at_level(logging.WARNING), pytest.raises(KeyringUnavailable) as info:
        creds.set("alice@example.test", secret)
    assert secret not in str(info.value) + info.value.details + caplog.text
    assert info.value.__cause__ is None and info.value.__suppress_context__
