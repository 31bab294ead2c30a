"""The Secret Service read directly (engine/secretservice.py) against the real gnome-keyring.

It must answer exactly what keyring's SecretService backend answers, apply only where keyring
would use that backend, and leave everything it cannot answer plainly (a locked keyring, no bus)
to keyring.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from jeepney import DBusAddress, HeaderFields, Message, MessageType, new_error, new_method_call, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from keyring.backends import SecretService, fail

from deskmail.engine import secretservice
from deskmail.engine.credentials import SERVICE, Credentials, KeyringUnavailable
from deskmail.engine.secretservice import NotAnswered, Refused, keyring_would_read_it, saved_password
from tests.servers import procs
from tests.servers.keyrings import BUS_CONFIG, KeyringService

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


# --- a scripted Secret Service: the answers gnome-keyring never gives --------------------------


class ScriptedSecretService:
    """org.freedesktop.secrets on a private bus of its own, holding one item; `get_secret` scripts the
    reply to GetSecret (None: the secret, encrypted as the algorithm says), `their_key` the
    service's public key in OpenSession. `asked` lists the methods called, in order."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.secret = secret
        self.get_secret: tuple[str, str] | None = None  # (D-Bus error name, message)
        self.their_key: int | None = None
        self.asked: list[str] = []
        self.silent: set[str] = set()  # methods never answered
        bus_path = directory / "bus"
        config = directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(address=f"unix:path={bus_path}"))
        dbus = procs.require_binary("dbus-daemon", "dbus")
        self._bus = procs.start("scripted-bus", [dbus, "--nofork", f"--config-file={config}"], directory / "dbus.log")
        procs.wait_until(bus_path.exists, "dbus-daemon", proc=self._bus, log=directory / "dbus.log")
        self.address = f"unix:path={bus_path}"
        self._connection = open_dbus_connection(self.address)
        self._connection.send_and_get_reply(message_bus.RequestName(secretservice.SECRETS))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        procs.stop(self._bus)
        self._thread.join(5)
        self._connection.close()

    def _serve(self) -> None:
        with contextlib.suppress(Exception):  # the bus went away: the test is over
            while True:
                message = self._connection.receive()
                call = message.header.fields.get(HeaderFields.member)
                if message.header.message_type == MessageType.method_call and call not in self.silent:
                    self._connection.send(self._answer(message))

    def _answer(self, call: Message) -> Message:
        method = call.header.fields[HeaderFields.member]
        self.asked.append(method)
        if method == "SearchItems":
            return new_method_return(call, "ao", (["/org/freedesktop/secrets/collection/login/1"],))
        if method == "OpenSession":
            mine = int.from_bytes(os.urandom(32), "big")
            theirs = pow(2, mine, secretservice.PRIME) if self.their_key is None else self.their_key
            self._key = secretservice._aes_key(pow(int.from_bytes(call.body[1][1], "big"), mine, secretservice.PRIME))
            return new_method_return(call, "vo", (("ay", theirs.to_bytes(128, "big")), "/session/1"))
        if method == "GetSecret" and self.get_secret is None:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            iv, pad = os.urandom(16), 16 - len(self.secret) % 16
            encryptor = Cipher(algorithms.AES(self._key), modes.CBC(iv)).encryptor()
            encrypted = encryptor.update(self.secret + bytes([pad]) * pad) + encryptor.finalize()
            return new_method_return(call, "(oayays)", (("/session/1", iv, encrypted, "text/plain"),))
        name, words = self.get_secret or ("org.freedesktop.DBus.Error.UnknownMethod", method)
        return new_error(call, name, "s", (words,))


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedSecretService]:
    service = ScriptedSecretService(procs.public_tempdir("scripted-secrets"), b"scripted secret")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", service.address)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(procs.public_tempdir("no-keyringrc")))  # whatever this machine has
    for name in ("PYTHON_KEYRING_BACKEND", "XDG_CURRENT_DESKTOP"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield service
    finally:
        service.stop()


def test_a_secret_service_other_than_gnome_keyring_answers_too(scripted: ScriptedSecretService) -> None:
    assert saved_password(SERVICE, "anyone@example.test") == "scripted secret"
    assert scripted.asked == ["SearchItems", "OpenSession", "GetSecret"]


def test_a_secret_the_service_refuses_to_hand_over_is_not_asked_for_twice(scripted: ScriptedSecretService) -> None:
    """A service asking the person first (KeePassXC can): a "no" is final, as in keyring's own read."""
    scripted.get_secret = ("org.freedesktop.DBus.Error.AccessDenied", "the person said no")
    with pytest.raises(Refused):
        saved_password(SERVICE, "anyone@example.test")
    scripted.asked.clear()
    with pytest.raises(KeyringUnavailable) as raised:
        Credentials().get("anyone@example.test")
    assert "AccessDenied" in raised.value.details
    assert scripted.asked.count("GetSecret") == 1  # keyring was not sent to ask again


def test_a_locked_item_is_left_to_keyring(scripted: ScriptedSecretService) -> None:
    scripted.get_secret = (secretservice.IS_LOCKED, "Cannot get secret of a locked object")
    with pytest.raises(NotAnswered):
        saved_password(SERVICE, "anyone@example.test")


@pytest.mark.parametrize("their_key", [0, 1, secretservice.PRIME - 1])
def test_a_session_key_that_would_make_the_secret_guessable_is_refused(
    scripted: ScriptedSecretService, their_key: int
) -> None:
    scripted.their_key = their_key
    with pytest.raises(NotAnswered):
        saved_password(SERVICE, "anyone@example.test")
    assert "GetSecret" not in scripted.asked


@pytest.mark.parametrize("method", ["SearchItems", "GetSecret"])
def test_a_service_that_never_answers_does_not_hold_the_lookup_for_ever(
    scripted: ScriptedSecretService, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Before the secret is asked for, keyring gets its turn; a request for it left unanswered is final."""
    scripted.silent.add(method)
    monkeypatch.setattr(secretservice, "CALL_TIMEOUT", 0.2)
    with pytest.raises(NotAnswered if method == "SearchItems" else Refused):
        saved_password(SERVICE, "anyone@example.test")
