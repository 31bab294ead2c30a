"""TLS contexts: verified by default against the system store (+ DESKMAIL_EXTRA_CA), TLS 1.2+."""

from __future__ import annotations

import hashlib
import ssl
import threading
from pathlib import Path

from deskmail.core.settings import Settings


def client_context(settings: Settings | None = None, extra_ca: Path | None = None) -> ssl.SSLContext:
    """A verifying client context: system trust store, host name checked, TLS 1.2 or newer."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if context.cert_store_stats().get("x509_ca", 0) == 0:
        _load_certifi(context)  # python.org builds on macOS ship no CA store of their own
    ca = extra_ca or (settings.extra_ca if settings else None)
    if ca is not None:
        context.load_verify_locations(cafile=str(ca))
    return context


_shared: dict[Path | None, ssl.SSLContext] = {}
_shared_lock = threading.Lock()


def shared_client_context(settings: Settings | None = None) -> ssl.SSLContext:
    """`client_context`, built once per extra CA and shared between threads: callers must not modify it."""
    # Reading the system CA store takes about 0.1 s, a third of a whole discovery on a fast network.
    ca = settings.extra_ca if settings else None
    with _shared_lock:
        if ca not in _shared:
            _shared[ca] = client_context(settings)
        return _shared[ca]


def pinned_context() -> ssl.SSLContext:
    """A context that accepts any certificate: only for a connection whose certificate is
    then compared with a fingerprint the user explicitly trusted (see `fingerprint`)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as lower-case hex, the form pins are stored in."""
    return hashlib.sha256(der).hexdigest()


def _load_certifi(context: ssl.SSLContext) -> None:
    try:
        import certifi
    except ImportError:
        return
    context.load_verify_locations(cafile=certifi.where())
