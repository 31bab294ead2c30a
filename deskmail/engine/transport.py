"""Sockets for mail servers: resolve through our Resolver, connect, cancel, and do TLS safely.

Shared by the IMAP and SMTP openers in `connect.py`. Every failure becomes a UserFacingError.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import ConnectionPolicy, Protocol, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine import failures
from deskmail.engine.cancelwatch import closes_on_cancel as closes_on_cancel  # re-exported for the openers
from deskmail.net import tls
from deskmail.net.resolver import DnsError, DnsTimeout, NoSuchDomain, Resolver

if TYPE_CHECKING:
    from cryptography import x509

DEFAULT_TIMEOUT = 15.0
# How each step reads in "The connection to ... broke {step}."
CONNECTING, HANDSHAKE, GREETING, SIGNING_IN = (
    "while connecting",
    "while setting up encryption",
    "before the server said hello",
    "while signing in",
)
log = logging.getLogger(__name__)


def register_password(username: str, password: str) -> None:
    """Mask the password, and the base64 forms SASL PLAIN / LOGIN put on the wire, in every log."""
    register_secret(password)
    for secret in (f"\0{username}\0{password}", password):
        register_secret(base64.b64encode(secret.encode("utf-8")).decode("ascii"))


def step_timeout(cancel: CancelToken, timeout: float) -> float:
    """The socket timeout for one step: `timeout`, or less when the token's deadline is nearer."""
    left = cancel.remaining(timeout)
    return max(0.05, timeout if left is None else left)


def connect(server: ServerConfig, settings: Settings, cancel: CancelToken, timeout: float) -> socket.socket:
    """A TCP connection to the server, trying each of its addresses in turn."""
    addresses = _addresses(server, settings, cancel)
    log.debug("connecting to %s port %s (%s, %s)", server.host, server.port, ", ".join(addresses), server.security)
    failures_seen: list[tuple[str, OSError]] = []
    for address in addresses:
        cancel.raise_if_cancelled()
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(step_timeout(cancel, timeout))
        try:
            with closes_on_cancel(sock, cancel):
                sock.connect((address, server.port))
        except OSError as exc:
            sock.close()
            cancel.raise_if_cancelled()
            failures_seen.append((address, exc))
            log.debug("%s port %s: %s", address, server.port, exc)
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise _connect_failure(server, failures_seen)


def _addresses(server: ServerConfig, settings: Settings, cancel: CancelToken) -> list[str]:
    resolver = Resolver.from_settings(settings)
    try:
        addresses = resolver.addresses(server.host, cancel)
    except NoSuchDomain as exc:
        raise failures.host_not_found(server, f"no such domain: {exc}") from None
    except DnsTimeout as exc:
        raise failures.offline(server, f"DNS timeout: {exc}") from None
    except DnsError as exc:
        raise failures.offline(server, f"DNS error: {exc}") from None
    if not addresses:
        raise failures.host_not_found(server, "the name has no addresses")
    return addresses


def _connect_failure(server: ServerConfig, seen: list[tuple[str, OSError]]) -> UserFacingError:
    details = "; ".join(f"{address}: {exc}" for address, exc in seen)
    refused = [address for address, exc in seen if isinstance(exc, ConnectionRefusedError)]
    if refused:
        # The host is up but nothing listens on this port. A wrong port, or the mail service is down
        # for a moment: only another mail port answering on the same address tells them apart.
        open_port = _other_mail_port_open(server, refused[0])
        if open_port is not None:
            return failures.refused_elsewhere(server, open_port, details)
        return failures.connect_refused(server, details)
    if any(isinstance(exc, TimeoutError) for _, exc in seen):
        return failures.timed_out(server, "connect", details)
    return failures.offline(server, details)


# The usual ports of each protocol (not 25: that is for servers, often open where submission is down).
MAIL_PORTS = {Protocol.IMAP: (993, 143), Protocol.SMTP: (465, 587), Protocol.POP3: (995, 110)}
PROBE_TIMEOUT = 1.0  # a look for evidence, not a connection: short


def _other_mail_port_open(server: ServerConfig, address: str) -> int | None:
    """Another usual port of this protocol on `address` that accepts a connection, if any."""
    for port in MAIL_PORTS.get(server.protocol, ()):
        if port == server.port:
            continue
        try:
            with socket.create_connection((address, port), timeout=PROBE_TIMEOUT):
                return port
        except OSError:
            continue
    return None


def speaks_tls(server: ServerConfig, settings: Settings, cancel: CancelToken) -> bool:
    """Whether the server's port completes a TLS handshake (any certificate): evidence that it wants SSL/TLS.

    Asked when a connection meant for STARTTLS or plain text stays silent instead of greeting.
    """
    try:
        sock = connect(server, settings, cancel, PROBE_TIMEOUT * 3)
    except (UserFacingError, Cancelled):
        return False
    sock.settimeout(step_timeout(cancel, PROBE_TIMEOUT * 3))
    try:
        with closes_on_cancel(sock, cancel), tls.wrap_socket(tls.pinned_context(), sock, server.host):
            return True
    except OSError:
        return False
    finally:
        sock.close()


def handshake(
    sock: socket.socket,
    server: ServerConfig,
    settings: Settings,
    policy: ConnectionPolicy,
    cancel: CancelToken,
    timeout: float,
    fetch_certificate: Callable[[], bytes | None],
) -> ssl.SSLSocket:
    """Wrap `sock` in TLS (1.2+), verified against the trust store or the user's pin for this host."""
    pin = policy.pin_for(server.host, server.port)
    context = tls.pinned_context() if pin else verifying_context(settings)
    sock.settimeout(step_timeout(cancel, timeout))
    try:
        with closes_on_cancel(sock, cancel):
            tls_sock = tls.wrap_socket(context, sock, server.host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        der = fetch_certificate()
        data = certificate_data(server, der) if der else {"host": server.host, "port": server.port}
        raise failures.cert_error(failures.cert_kind(exc.verify_code), server, data, str(exc)) from None
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError) as exc:
        # Cut in the middle of the handshake: nothing says the settings are wrong (a plain-text
        # server on this port answers with its greeting, which fails as WRONG_VERSION_NUMBER).
        sock.close()
        cancel.raise_if_cancelled()
        raise failures.connection_lost(server, HANDSHAKE, f"TLS handshake: {type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        sock.close()
        cancel.raise_if_cancelled()
        raise failures.tls_failed(server, f"{type(exc).__name__}: {exc}") from None
    except TimeoutError:
        sock.close()
        cancel.raise_if_cancelled()
        raise failures.timed_out(server, "TLS handshake") from None
    except OSError as exc:
        sock.close()
        cancel.raise_if_cancelled()
        raise failures.connection_lost(server, HANDSHAKE, f"TLS handshake: {type(exc).__name__}: {exc}") from None
    try:
        der = tls_sock.getpeercert(binary_form=True) or b""
    except OSError as exc:  # gone right after the handshake: closed here, not by the garbage collector
        tls_sock.close()
        cancel.raise_if_cancelled()
        raise failures.connection_lost(server, HANDSHAKE, f"TLS handshake: {type(exc).__name__}: {exc}") from None
    log.debug("%s port %s: %s, certificate %s", server.host, server.port, tls_sock.version(), tls.fingerprint(der))
    if pin and tls.fingerprint(der) != pin.sha256:
        tls_sock.close()
        raise failures.cert_error(ErrorKind.CERT_CHANGED, server, certificate_data(server, der))
    return tls_sock


def verifying_context(settings: Settings) -> ssl.SSLContext:
    """The verifying context, built once per trust store: loading the system CAs takes ~100 ms."""
    extra = settings.extra_ca
    stamp = extra.stat().st_mtime_ns if extra is not None and extra.exists() else 0
    return _cached_context(str(extra) if extra else "", stamp)


@functools.lru_cache(maxsize=4)
def _cached_context(extra_ca: str, _stamp: int) -> ssl.SSLContext:
    return tls.client_context(extra_ca=Path(extra_ca) if extra_ca else None)


def ensure_nothing_buffered(reader: io.BufferedReader, sock: socket.socket, server: ServerConfig) -> None:
    """Fail if the server sent anything after its "go ahead with TLS" reply (response injection).

    Bytes already read into `reader` or waiting in the kernel would otherwise be taken as
    answers from the encrypted session, or silently dropped; either way something is wrong.
    """
    previous = sock.gettimeout()
    sock.settimeout(0.0)  # a peek must not wait: an honest server sends nothing now
    try:
        pending = reader.peek(1)
    except (BlockingIOError, ssl.SSLWantReadError):
        pending = b""
    finally:
        sock.settimeout(previous)
    if pending:
        reader.close()
        sock.close()
        raise failures.injection_detected(server)


def certificate_data(server: ServerConfig, der: bytes) -> dict[str, Any]:
    """What the wizard shows before a person decides to trust a certificate."""
    # cryptography is loaded here, not at start: a sync from the command line never shows a certificate.
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data: dict[str, Any] = {"host": server.host, "port": server.port, "sha256": tls.fingerprint(der)}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return data
    data.update(
        issuer=cert.issuer.rfc4514_string(),
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        names=_names(cert),
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )
    return data


def _names(cert: x509.Certificate) -> list[str]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.get_values_for_type(x509.DNSName)] + [
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    ]


def tls_facts(tls_sock: ssl.SSLSocket, server: ServerConfig) -> dict[str, Any]:
    """TLS version, cipher and the certificate's facts, for reports and the account page."""
    der = tls_sock.getpeercert(binary_form=True) or b""
    facts = certificate_data(server, der)
    facts.pop("pem", None)
    cipher = tls_sock.cipher()
    facts.update(version=tls_sock.version() or "", cipher=cipher[0] if cipher else "")
    return facts


def fetch_certificate_directly(
    server: ServerConfig, settings: Settings, cancel: CancelToken, timeout: float
) -> bytes | None:
    """The server's certificate from a non-verifying handshake (implicit TLS), only to show it."""
    try:
        sock = connect(server, settings, cancel, timeout)
    except (UserFacingError, Cancelled):
        return None
    return unverified_certificate(sock, server, cancel, timeout)


def unverified_certificate(
    sock: socket.socket, server: ServerConfig, cancel: CancelToken, timeout: float
) -> bytes | None:
    """Do a non-verifying handshake on `sock` (closing it afterwards) and return the peer certificate."""
    sock.settimeout(step_timeout(cancel, timeout))
    try:
        with closes_on_cancel(sock, cancel), tls.wrap_socket(tls.pinned_context(), sock, server.host) as t:
            return t.getpeercert(binary_form=True)
    except OSError:
        return None
    finally:
        sock.close()
