"""The Secret Service read directly (engine/secretservice.py) against the real gnome-keyring.

It must answer exactly what keyring's SecretService backend answers, apply only where keyring
would use that backend, and leave everything it cannot answer plainly (a locked keyring, no bus)
to keyring.
"""

from __future__ import annotations

import gc
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection
from keyring.backends import SecretService, fail

from deskmail.engine import secretservice
from deskmail.engine.credentials import SERVICE, Credentials, KeyringUnavailable
from deskmail.engine.secretservice import NotAnswered, keyring_would_read_it, saved_password
from tests.servers import procs
from tests.servers.keyrings import KeyringService

PASSWORDS = [
    "correct horse battery staple",
    "sixteen bytes!!!",  # a whole AES block: the padding is a block of its own
    "fifteen bytes!!",
    "é€ 密码 🔑 with spaces",
    "x" * 500,
]


def test_the_direct_read_answers_what_keyring_answers(keyring_env: dict[str, str]) -> None:
    backend = SecretService.Keyring()  # type: ignore[no-untyped-call]
    user = f"direct-{uuid.uuid4().hex[:8]}@example.test"
    try:
        for password in PASSWORDS:
            backend.set_password(SERVICE, user, password)
            assert saved_password(SERVICE, user) == password == backend.get_password(SERVICE, user)
    finally:
        backend.delete_password(SERVICE, user)
    assert saved_password(SERVICE, user) is None is backend.get_password(SERVICE, user)
    # Another service's item with the same user name is not ours.
    backend.set_password("other.service", user, "not deskmail's")
    try:
        assert saved_password(SERVICE, user) is None
    finally:
        backend.delete_password("other.service", user)


def test_credentials_read_directly_what_they_saved_through_keyring(keyring_env: dict[str, str]) -> None:
    credentials = Credentials()
    email = f"Direct-{uuid.uuid4().hex[:8]}@Example.test"
    credentials.set(email, PASSWORDS[3])
    try:
        assert keyring_would_read_it()
        assert Credentials().get(email.lower()) == PASSWORDS[3]
    finally:
        credentials.delete(email)
    assert Credentials().get(email) is None


@pytest.mark.parametrize(
    "setting",
    ["PYTHON_KEYRING_BACKEND", "KEYRING_PROPERTY_PREFERRED_COLLECTION", "keyringrc.cfg", "KDE", "win32", "darwin"],
)
def test_only_where_keyring_itself_would_read_the_secret_service(
    keyring_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str
) -> None:
    """A backend or collection the person configured for keyring, KWallet on KDE, another OS: keyring answers."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert keyring_would_read_it()
    if setting == "keyringrc.cfg":
        (tmp_path / "python_keyring").mkdir()
        (tmp_path / "python_keyring" / setting).write_text("[backend]\ndefault-keyring=keyring.backends.fail.Keyring\n")
    elif setting == "KDE":
        monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    elif setting in ("win32", "darwin"):
        monkeypatch.setattr(sys, "platform", setting)
    else:
        monkeypatch.setenv(setting, "keyring.backends.SecretService.Keyring")
    assert not keyring_would_read_it()


def test_not_where_this_process_chose_another_keyring(keyring_env: dict[str, str]) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert not keyring_would_read_it()
    finally:
        keyring.set_keyring(before)
    assert keyring_would_read_it()


def test_no_session_bus_is_left_to_keyring(keyring_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    with pytest.raises(NotAnswered):
        saved_password(SERVICE, "anyone@example.test")


@pytest.fixture
def locked_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A gnome-keyring of its own holding one password, its default collection then locked."""
    service = KeyringService(procs.public_tempdir("keyring-locked")).start()
    for name, value in service.env.items():
        monkeypatch.setenv(name, value)
    user = "locked@example.test"
    SecretService.Keyring().set_password(SERVICE, user, "behind the lock")  # type: ignore[no-untyped-call]
    with open_dbus_connection("SESSION") as bus:
        secrets = DBusAddress(secretservice.SERVICE_PATH, secretservice.SECRETS, secretservice.SERVICE)
        bus.send_and_get_reply(new_method_call(secrets, "Lock", "ao", ([secretservice.DEFAULT_COLLECTION],)))
    try:
        yield user
    finally:
        service.stop()


def test_a_locked_keyring_is_left_to_keyring_which_asks_to_unlock_it(locked_keyring: str) -> None:
    with pytest.raises(NotAnswered):
        saved_password(SERVICE, locked_keyring)  # the item, locked
    with pytest.raises(NotAnswered):
        saved_password(SERVICE, "nobody@example.test")  # none found, but a locked collection may hide it
    # keyring's backend asks for the unlock; nobody can answer here, so the person hears it is locked.
    with warnings.catch_warnings():  # that backend leaves its D-Bus connection open when the unlock fails
        warnings.simplefilter("ignore", ResourceWarning)
        with pytest.raises(KeyringUnavailable) as raised:
            Credentials().get(locked_keyring)
        assert raised.value.locked
        del raised
        gc.collect()


@pytest.mark.parametrize(
    ("iv", "encrypted"),
    [(b"\0" * 15, b"\0" * 16), (b"\0" * 16, b""), (b"\0" * 16, b"\0" * 15), (b"\0" * 16, b"\0" * (64 * 1024 + 16))],
)
def test_a_secret_of_the_wrong_shape_is_left_to_keyring(iv: bytes, encrypted: bytes) -> None:
    with pytest.raises(NotAnswered):
        secretservice._decrypt(b"k" * 16, iv, encrypted)


@pytest.mark.parametrize(
    "padded",
    [b"A" * 16, b"A" * 15 + b"\0", b"A" * 14 + b"\5\5", b"\xff\xfe" + b"\x0e" * 14],
    ids=["no padding", "zero", "padding bytes differ", "not UTF-8"],
)
def test_a_secret_that_does_not_decrypt_cleanly_is_left_to_keyring(padded: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key, iv = b"k" * 16, b"i" * 16
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    with pytest.raises(NotAnswered):
        secretservice._decrypt(key, iv, encryptor.update(padded) + encryptor.finalize())
