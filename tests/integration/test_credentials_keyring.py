"""Credentials against a real Secret Service (gnome-keyring on a private D-Bus)."""

from __future__ import annotations

import keyring
import keyring.backend
from keyring.backends import SecretService

from deskmail.engine.credentials import SERVICE, Credentials, find_safe_backend

PASSWORD = "real keyring secret 7f3a"


def test_round_trip_through_secret_service(keyring_env: dict[str, str]) -> None:
    creds = Credentials()
    assert isinstance(creds.backend(), SecretService.Keyring)
    creds.set("Kim@Example.test", PASSWORD)
    assert creds.get("kim@example.test") == PASSWORD
    # Stored under our service and the case-folded address, readable by any keyring client.
    assert SecretService.Keyring().get_password(SERVICE, "kim@example.test") == PASSWORD
    creds.delete("kim@example.test")
    assert creds.get("kim@example.test") is None
    creds.delete("kim@example.test")


def test_safe_backend_found_even_if_keyring_chose_another_earlier(keyring_env: dict[str, str]) -> None:
    """keyring detects its backend once per process; a bus that appears later must still be used."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert isinstance(find_safe_backend(), SecretService.Keyring)
    finally:
        keyring.set_keyring(before)


def test_session_password_is_not_written_to_keyring(keyring_env: dict[str, str]) -> None:
    creds = Credentials()
    creds.set_for_session("lee@example.test", PASSWORD)
    assert creds.get("lee@example.test") == PASSWORD
    assert Credentials().get("lee@example.test") is None
