"""A saved password read straight from the Secret Service, where keyring would read it from there too.

keyring's SecretService backend is the Secret Service (GNOME Keyring, KeePassXC, KWallet 6...)
reached through SecretStorage. Every `deskmail sync` paid for it before its login: keyring's
imports (its helpers import urllib.request, importlib_metadata, more_itertools: ~40 ms), then
SecretStorage's and the whole of cryptography's OpenSSL backend (~30 ms), then two D-Bus
connections and a dozen round trips for one password (~35 ms). The same answer takes one D-Bus
connection (jeepney, which SecretStorage itself speaks through) and three calls: SearchItems in
the default collection, OpenSession, GetSecret.

Only reading is done here, and only where keyring itself would use its SecretService backend with
its defaults: no PYTHON_KEYRING_BACKEND, no keyringrc.cfg, no KEYRING_PROPERTY_* (another
collection or attribute scheme), not a KDE desktop (KWallet outranks it there), not Windows or
macOS. The secret travels encrypted as SecretStorage has it (dh-ietf1024-sha256-aes128-cbc-pkcs7).
Whatever this path cannot answer plainly (no session bus, no service, a locked keyring that must
ask to be unlocked, a reply it does not expect) raises NotAnswered, and the caller asks keyring,
which answers, prompts or fails as it always did. Only a request for the secret itself that the
service refuses (the person said no to a confirmation) is final (Refused), as in keyring's own read:
asking keyring then would ask the person twice.
"""

from __future__ import annotations

import hmac
import importlib.util
import os
import sys
from hashlib import sha256
from pathlib import Path
from typing import Any

SECRETS = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"  # where keyring's backend looks (SecretStorage's)
ALGORITHM = "dh-ietf1024-sha256-aes128-cbc-pkcs7"
# RFC 2409's second Oakley group, the prime the algorithm above names (SecretStorage's DH_PRIME_1024).
PRIME = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)
SERVICE = "org.freedesktop.Secret.Service"
COLLECTION = "org.freedesktop.Secret.Collection"
ITEM = "org.freedesktop.Secret.Item"
PROPERTIES = "org.freedesktop.DBus.Properties"
# The private exponent's size: the group's strength (about 80 bits for 1024-bit MODP) asks for an
# exponent of at least twice that (RFC 3526 section 8, NIST SP 800-56A); 256 random bits keep the
# exchange as strong as the group while each of its two modular powers costs a quarter of a
# full-size one (SecretStorage draws 1024 bits: 11 ms of CPU per lookup against 3 ms here).
EXPONENT_BITS = 256
# Seconds one call may take. An unlocked keyring answers in milliseconds, but a service may ask the
# person first (KeePassXC can confirm each secret handed out); keyring's own calls wait without end.
CALL_TIMEOUT = 300.0
IS_LOCKED = "org.freedesktop.Secret.Error.IsLocked"
MAX_SECRET = 64 * 1024  # bytes of one encrypted secret accepted (a password is far shorter)


class NotAnswered(Exception):
    """This path cannot tell; keyring must be asked (it may prompt, fall back or fail as it does)."""


class Refused(Exception):
    """The service would not hand the secret over (the person said no, or it failed while asked):
    final, as keyring's own read would end; asking keyring again would only ask the person twice."""


def keyring_would_read_it() -> bool:
    """True where keyring, configured as it is, would read passwords through its SecretService
    backend with the default collection and attribute names (and that backend can be used)."""
    if sys.platform in ("win32", "darwin"):
        return False
    if "PYTHON_KEYRING_BACKEND" in os.environ or any(name.startswith("KEYRING_PROPERTY_") for name in os.environ):
        return False
    if _keyring_config().exists():
        return False
    if "KDE" in os.environ.get("XDG_CURRENT_DESKTOP", "").split(":"):
        return False  # keyring's KWallet backend ranks first on a KDE desktop
    keyring_core = sys.modules.get("keyring.core")  # a backend chosen in this process (set_keyring, or used)
    chosen = getattr(keyring_core, "_keyring_backend", None)
    if chosen is not None and not is_default_secret_service(chosen):
        return False
    # keyring's backend needs SecretStorage (itself over jeepney); without it keyring picks another.
    return all(importlib.util.find_spec(name) is not None for name in ("secretstorage", "jeepney"))


def is_default_secret_service(backend: object) -> bool:
    """keyring's SecretService backend with the default collection and attribute names."""
    cls = type(backend)
    return (
        cls.__module__ == "keyring.backends.SecretService"
        and cls.__name__ == "Keyring"
        and getattr(backend, "scheme", None) == "default"
        and not hasattr(backend, "preferred_collection")
    )


def _keyring_config() -> Path:
    """keyring's keyringrc.cfg on these systems (keyring.util.platform_.config_root)."""
    root = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(root, "python_keyring", "keyringrc.cfg")


def saved_password(service: str, username: str) -> str | None:
    """The password keyring's SecretService backend would return for `service` and `username`.

    None when the unlocked default collection has none. Raises NotAnswered for anything else up to
    the secret itself (nothing was asked of the person yet) and for a locked item (keyring asks to
    unlock it); Refused when the service answered the request for the secret with another error.
    """
    from jeepney.io.blocking import open_dbus_connection

    try:
        connection = open_dbus_connection("SESSION")
    except Exception as exc:  # no session bus, a bus that refuses us: keyring says it in its words
        raise NotAnswered(f"session bus: {type(exc).__name__}") from None
    with connection:
        attributes = {"username": username, "service": service}  # keyring's default scheme
        (items,) = _call(connection, DEFAULT_COLLECTION, COLLECTION, "SearchItems", "a{ss}", attributes)
        if not items:
            (locked,) = _call(connection, DEFAULT_COLLECTION, PROPERTIES, "Get", "ss", COLLECTION, "Locked")
            if locked != ("b", False):  # a locked collection may hide its items until it is unlocked
                raise NotAnswered("the default collection is locked")
            return None
        private = int.from_bytes(os.urandom(EXPONENT_BITS // 8), "big") | 1 << (EXPONENT_BITS - 1)
        mine = pow(2, private, PRIME).to_bytes(128, "big")
        output, session = _call(connection, SERVICE_PATH, SERVICE, "OpenSession", "sv", ALGORITHM, ("ay", mine))
        theirs = int.from_bytes(output[1], "big") if output[0] == "ay" and len(output[1]) <= 128 else 0
        if not 1 < theirs < PRIME - 1:  # 0, 1 or p-1 would make the shared key guessable
            raise NotAnswered("unexpected session key")
        key = _aes_key(pow(theirs, private, PRIME))
        # keyring takes the first item found; a locked one fails here (IsLocked) and keyring unlocks it.
        try:
            (secret,) = _call(connection, items[0], ITEM, "GetSecret", "o", session)
        except NotAnswered as exc:
            if exc.args[0] == IS_LOCKED:
                raise
            raise Refused(*exc.args) from None
        return _decrypt(key, bytes(secret[1]), bytes(secret[2]))


def _call(connection: Any, path: str, interface: str, method: str, signature: str, *args: Any) -> tuple[Any, ...]:
    """One method call's answer; NotAnswered(error name, what was called, the service's words) if none."""
    from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call

    message = new_method_call(DBusAddress(path, bus_name=SECRETS, interface=interface), method, signature, args)
    try:
        reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
    except Exception as exc:  # a timeout, a closed bus
        raise NotAnswered(type(exc).__name__, method) from None
    if reply.header.message_type == MessageType.error:
        raise NotAnswered(str(reply.header.fields.get(HeaderFields.error_name, "")), method, repr(reply.body)[:200])
    return tuple(reply.body)


def _aes_key(shared: int) -> bytes:
    """HKDF-SHA-256 with no salt and no info, 128 bits (the algorithm's key derivation)."""
    pseudo_random_key = hmac.new(b"\0" * 32, shared.to_bytes(128, "big"), sha256).digest()
    return hmac.new(pseudo_random_key, b"\x01", sha256).digest()[:16]


def _decrypt(key: bytes, iv: bytes, encrypted: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(iv) != 16 or not encrypted or len(encrypted) % 16 or len(encrypted) > MAX_SECRET:
        raise NotAnswered("unexpected secret")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
        raise NotAnswered("unexpected padding")
    try:
        return padded[:-pad].decode("utf-8")
    except UnicodeDecodeError:
        raise NotAnswered("not UTF-8") from None
