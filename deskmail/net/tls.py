"""TLS contexts: verified by default against the system store (+ DESKMAIL_EXTRA_CA), TLS 1.2+."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
import ssl
import sys
import threading
from pathlib import Path

from deskmail.core.settings import Settings


def client_context(settings: Settings | None = None, extra_ca: Path | None = None) -> ssl.SSLContext:
    """A verifying client context: system trust store, host name checked, TLS 1.2 or newer."""
    ca_dir = lazy_ca_directory()
    if ca_dir is not None:
        # Verification exactly as create_default_context's, with the system's certificates read when
        # a handshake asks for one instead of all ~150 parsed up front (40 ms of every CLI run).
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # host name checked, certificate required
        if sys.version_info >= (3, 13):  # what create_default_context adds from Python 3.13 on
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        context.load_verify_locations(capath=str(ca_dir))
    else:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        if context.cert_store_stats().get("x509_ca", 0) == 0:
            _load_certifi(context)  # python.org builds on macOS ship no CA store of their own
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    ca = extra_ca or (settings.extra_ca if settings else None)
    if ca is not None:
        context.load_verify_locations(cafile=str(ca))
    return context


def wrap_socket(
    context: ssl.SSLContext, sock: socket.socket, server_hostname: str, *, do_handshake_on_connect: bool = True
) -> ssl.SSLSocket:
    """`context.wrap_socket(sock)`, with the TLS socket closed when wrapping fails.

    Python's SSLSocket takes over `sock`'s descriptor before it looks at the connection. When the
    connection was reset just then (a server stopping, a network dropping between connect and TLS),
    its getpeername/recv(1) check raises without closing the socket it made (Python 3.11's
    `SSLSocket._create`): the connection stayed open until the garbage collector found it, one per
    reconnect of a watcher. Closing `sock` does nothing then: it is detached already.
    """
    try:
        made = context.wrap_socket(
            sock, server_hostname=server_hostname, do_handshake_on_connect=do_handshake_on_connect
        )
    except BaseException as exc:
        _close_made_socket(exc)
        raise
    if not getattr(made, "_connected", True):  # SSLSocket's own record of what it found
        # The connection ended before the wrap looked at it (our side shut by a cancel, then the
        # server's goodbye; or a reset whose error was already read): Python then makes an SSLSocket
        # with no TLS at all and no error. Every caller handed over a connected socket and expects a
        # handshake: the first use would raise "not connected" with this socket left open.
        made.close()
        raise ConnectionAbortedError(errno.ENOTCONN, "the connection ended before the TLS handshake")
    return made


def _close_made_socket(exc: BaseException) -> None:
    """Close the SSLSocket a failed wrap made, found as `self` in the frames the exception passed through."""
    trace = exc.__traceback__
    while trace is not None:
        made = trace.tb_frame.f_locals.get("self")
        if isinstance(made, ssl.SSLSocket):
            with contextlib.suppress(OSError):
                made.close()  # a second close (the handshake's own failure path closed it) does nothing
        trace = trace.tb_next


def lazy_ca_directory(paths: ssl.DefaultVerifyPaths | None = None) -> Path | None:
    """The system's hashed CA directory when it holds the same certificates as its bundle, else None.

    OpenSSL's default trust is a bundle file (read whole) plus a directory (read one certificate
    at a time, by subject hash). Where the bundle is written into that same directory together
    with the hashed names (Debian, Ubuntu, Alpine: update-ca-certificates), the directory alone is
    the same trust. Not used when the bundle lives elsewhere (SSL_CERT_FILE pointing at another
    bundle, Fedora, Arch), when the directory has no hashed names, or when the bundle changed after
    the directory did (edited by hand).
    """
    if sys.platform in ("win32", "darwin"):
        return None  # their own stores, read by load_default_certs
    paths = paths or ssl.get_default_verify_paths()
    if not paths.capath or not paths.cafile:
        return None
    try:
        directory, bundle = Path(paths.capath).resolve(), Path(paths.cafile).resolve()
        if bundle.parent != directory or bundle.stat().st_mtime > directory.stat().st_mtime + 1:
            return None
        with os.scandir(directory) as entries:
            hashed = any(_HASHED_NAME.fullmatch(entry.name) for entry in entries)
    except OSError:
        return None
    return directory if hashed else None


_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.[0-9]+")
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
