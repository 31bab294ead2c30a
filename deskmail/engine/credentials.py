"""Passwords live only in the operating system's keyring, or (if the user chooses) in memory for one session."""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import keyring.backend

# `keyring` itself is imported where it is used: loading it (and its entry points) cost the
# app's start ~90 ms, and the first password is needed only after the window is up.

from deskmail import APP_ID
from deskmail.core.i18n import N_, _
from deskmail.core.redact import redact, register_secret
from deskmail.engine.accounts import Account, AccountStore, account_key
from deskmail.engine.secretservice import (
    NotAnswered,
    Refused,
    is_default_secret_service,
    keyring_would_read_it,
    saved_password,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

SERVICE = APP_ID
# Backends that keep secrets encrypted by the operating system. Everything else (keyrings.alt's
# plaintext and "encrypted" files, the fail and null backends, unknown plugins) is refused.
SAFE_BACKEND_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
)

# The OS keyrings by name, probed when keyring's own choice was not safe (names, not keyring's
# registry of subclasses, so a look-alike class defined elsewhere can never be picked), each with
# the platforms it can work on: the others are never imported (on Linux, importing the macOS
# backend alone cost every command-line run 40 ms, its ctypes search for a Security framework).
SAFE_BACKEND_CLASSES = (
    ("keyring.backends.SecretService", "Keyring", "other"),
    ("keyring.backends.libsecret", "Keyring", "other"),
    ("keyring.backends.kwallet", "DBusKeyring", "other"),
    ("keyring.backends.Windows", "WinVaultKeyring", "win32"),
    ("keyring.backends.macOS", "Keyring", "darwin"),
)

# Marked here, translated when the error is made (KeyringUnavailable); compare errors by `locked`.
NO_KEYRING_MESSAGE = N_(
    "Deskmail cannot find a safe place on this computer to keep your password "
    "(such as GNOME Keyring, KWallet, the Windows Credential Manager or the macOS Keychain). "
    "You can type your password each time you start Deskmail instead."
)
LOCKED_MESSAGE = N_(
    "Your computer's password keyring is locked, so Deskmail cannot reach your saved password. "
    "Unlock it (it usually asks for your login password) and try again."
)


class KeyringUnavailable(Exception):
    """No safe keyring can be used; `message` says so in plain words, `details` is for support staff."""

    def __init__(self, message: str = NO_KEYRING_MESSAGE, details: str = "") -> None:
        self.locked = message == LOCKED_MESSAGE  # a locked keyring can be unlocked: keep offering it
        self.message = _(message)
        super().__init__(self.message)
        self.details = details


class PasswordStore(Protocol):
    """What the rest of the app needs from a password store."""

    def get(self, email: str) -> str | None: ...

    def set(self, email: str, password: str) -> None: ...

    def delete(self, email: str) -> None: ...


class SessionCredentials:
    """Passwords kept in memory only, forgotten when the app quits (for people without a keyring)."""

    def __init__(self) -> None:
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, email: str) -> str | None:
        with self._lock:
            return self._passwords.get(account_key(email))

    def set(self, email: str, password: str) -> None:
        register_secret(password)
        with self._lock:
            self._passwords[account_key(email)] = password

    def delete(self, email: str) -> None:
        with self._lock:
            self._passwords.pop(account_key(email), None)


def is_safe_backend(backend: keyring.backend.KeyringBackend) -> bool:
    """True for the operating system keyrings; False for plaintext files, fail, null and unknown plugins."""
    module = type(backend).__module__
    return any(module == safe or module.startswith(safe + ".") for safe in SAFE_BACKEND_MODULES)


def find_safe_backend() -> keyring.backend.KeyringBackend:
    """The configured keyring if it is safe, else a safe one that works now; KeyringUnavailable if none."""
    import keyring
    import keyring.core
    from keyring.backends.chainer import ChainerBackend

    chosen_already = getattr(keyring.core, "_keyring_backend", None) is not None  # set_keyring() or used before
    if not chosen_already and keyring.core.load_env() is None and keyring.core.load_config() is None:
        # Nothing chosen or configured: keyring's own detection would load every installed plugin
        # and ask each whether it works (a third of a second per command-line run) when only the
        # OS keyrings may be used anyway.
        best = _best_safe_backend()
        if best is not None:
            return best
    chosen = keyring.get_keyring()
    candidates: list[keyring.backend.KeyringBackend] = [chosen]
    if isinstance(chosen, ChainerBackend):
        candidates = list(chosen.backends)
    for backend in candidates:
        if is_safe_backend(backend):
            return backend
    # keyring picks its backend once per process; a session bus that appeared later (tests, a
    # desktop started after us) is only seen by probing the safe classes again.
    best = _best_safe_backend()
    if best is not None:
        return best
    raise KeyringUnavailable(details=f"keyring backend {type(chosen).__module__}.{type(chosen).__name__} refused")


def _best_safe_backend() -> keyring.backend.KeyringBackend | None:
    """The OS keyring that works now, by keyring's own priority (None if there is none)."""
    here = sys.platform if sys.platform in ("win32", "darwin") else "other"
    viable = [
        cls
        for m, c, platform in SAFE_BACKEND_CLASSES
        if platform == here and (cls := _load_class(m, c)) is not None and _viable_now(cls)
    ]
    if len(viable) > 1:  # each priority check may ask D-Bus: only when there is a choice
        viable.sort(key=lambda cls: float(cls.priority), reverse=True)
    return viable[0]() if viable else None


def _load_class(module_name: str, class_name: str) -> type[keyring.backend.KeyringBackend] | None:
    import keyring.backend

    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except Exception:  # not on this platform, or its dependencies are missing
        return None
    return cls if isinstance(cls, type) and issubclass(cls, keyring.backend.KeyringBackend) else None


def _viable_now(cls: type[keyring.backend.KeyringBackend]) -> bool:
    # keyring's `viable` is "priority does not raise": asked once here, since each time the Secret
    # Service backend opens a D-Bus connection of its own to look for the service.
    try:
        return float(cls.priority) > 0
    except Exception:  # a backend reports "not here" by raising from its priority check
        return False


class Credentials:
    """Passwords by e-mail address in a safe OS keyring, with a session-only overlay the UI can use."""

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        service: str = SERVICE,
        session: SessionCredentials | None = None,
    ) -> None:
        if backend is not None and not is_safe_backend(backend):
            raise KeyringUnavailable(details=f"keyring backend {type(backend).__module__} refused")
        self._backend = backend
        self._given = backend is not None  # the caller's object is asked, never the Secret Service directly
        self._finding = threading.Lock()
        self._service = service
        self.session = session or SessionCredentials()

    def backend(self) -> keyring.backend.KeyringBackend:
        """The safe keyring in use (found on first use); raises KeyringUnavailable."""
        # Connections look their password up in threads of their own (engine/passwordlookup.py):
        # the first ones of the window start together, and the keyring is found once.
        with self._finding:
            if self._backend is None:
                self._backend = find_safe_backend()
            return self._backend

    def available(self) -> bool:
        """True if a safe keyring can be used now (the wizard asks before offering "Remember password")."""
        try:
            self.backend()
        except KeyringUnavailable:
            return False
        return True

    def get(self, email: str) -> str | None:
        """The password for this account: this session's if typed, else the keyring's, else None."""
        remembered = self.session.get(email)
        if remembered is not None:
            return remembered
        try:
            password = self._read_directly(email)
        except NotAnswered:
            password = self._call(lambda b: b.get_password(self._service, account_key(email)))
        except Refused as exc:
            log.warning("the Secret Service did not hand the password over: %s", redact(" ".join(exc.args)))
            raise KeyringUnavailable(details=redact(" ".join(exc.args))) from None
        if password is not None:
            register_secret(password)
        return password

    def _read_directly(self, email: str) -> str | None:
        """The Secret Service's answer read directly where keyring would read it there
        (engine/secretservice.py: a fifth of keyring's time); NotAnswered where keyring must answer."""
        backend = self._backend  # found already where the window asked whether there is a keyring
        if backend is None:
            applies = keyring_would_read_it()
        elif self._given:
            applies = False
        else:
            applies = is_default_secret_service(backend)
        if not applies:
            raise NotAnswered("keyring uses another backend here")
        try:
            return saved_password(self._service, account_key(email))
        except NotAnswered as exc:
            log.debug("Secret Service read directly: %s; asking keyring", " ".join(exc.args))
            raise

    def set(self, email: str, password: str) -> None:
        """Keep the password in the keyring (raises KeyringUnavailable; the password is then not kept)."""
        register_secret(password)
        self._call(lambda b: b.set_password(self._service, account_key(email), password))
        self.session.delete(email)

    def set_for_session(self, email: str, password: str) -> None:
        """Keep the password in memory only, for people who have no keyring or chose not to use it."""
        self.session.set(email, password)

    def delete(self, email: str) -> None:
        """Forget the password everywhere; a password that was never saved is not an error."""
        self.session.delete(email)
        with contextlib.suppress(_NotStored):
            self._call(lambda b: b.delete_password(self._service, account_key(email)))

    def _call(self, operation: Callable[[keyring.backend.KeyringBackend], T]) -> T:
        import keyring.errors

        backend = self.backend()
        try:
            return operation(backend)
        except keyring.errors.PasswordDeleteError as exc:
            raise _NotStored() from exc
        except keyring.errors.KeyringLocked as exc:
            raise KeyringUnavailable(LOCKED_MESSAGE, details=redact(str(exc))) from None
        except Exception as exc:  # D-Bus and OS errors arrive as many types; all mean "cannot use it now"
            log.warning("keyring %s failed: %s", type(backend).__name__, redact(str(exc)))
            raise KeyringUnavailable(details=f"{type(exc).__name__}: {redact(str(exc))}") from None


class _NotStored(Exception):
    """The keyring had no password to delete."""


def save_account_and_password(store: AccountStore, credentials: Credentials, account: Account, password: str) -> None:
    """Save settings and password together: the keyring if the account remembers it, else this session only.

    Raises KeyringUnavailable before anything is written; no orphan password is left if saving fails.
    """
    if account.remember_password:
        credentials.set(account.email, password)
    else:
        credentials.set_for_session(account.email, password)
    try:
        store.save(account)
    except BaseException:
        credentials.delete(account.email)
        raise
