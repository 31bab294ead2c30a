"""A TCP (optionally TLS) connection whose every step honours a deadline and a cancel token.

The socket is non-blocking and each step waits in short `select` slices, so cancelling a
discovery stops its probes and downloads within about 50 ms, whatever the server does.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import ssl
import time

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.net.resolver import DnsError, DnsTimeout, NoSuchDomain, Resolver
from deskmail.net.tls import wrap_socket as wrap_tls

_SLICE = 0.05


class NetError(Exception):
    """A network step failed; `kind` is a stable short name for logs and tests."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # no_such_host | dns | dns_timeout | refused | timeout | unreachable | tls_cert | tls | closed


class Stream:
    """Bytes in and out of one connection; `timeout` bounds every single step."""

    def __init__(self, sock: socket.socket, cancel: CancelToken, timeout: float, host: str) -> None:
        self.sock: socket.socket = sock
        self.cancel = cancel
        self.timeout = timeout
        self.host = host
        self._buffer = b""

    @property
    def tls(self) -> bool:
        return isinstance(self.sock, ssl.SSLSocket)

    def start_tls(self, context: ssl.SSLContext, server_hostname: str) -> None:
        """Wrap the connection in TLS and verify the certificate (raises NetError tls_cert)."""
        if self._buffer:
            raise NetError("tls", "the server sent data before the TLS handshake")
        try:
            wrapped = wrap_tls(context, self.sock, server_hostname, do_handshake_on_connect=False)
        except OSError as exc:  # the connection ended before TLS began: closed already (net.tls)
            raise NetError("closed", f"connection lost: {exc}") from None
        self.sock = wrapped
        end = self._deadline()
        while True:
            try:
                wrapped.do_handshake()
                return
            except ssl.SSLWantReadError:
                self._wait(end, read=True)
            except ssl.SSLWantWriteError:
                self._wait(end, read=False)
            except ssl.SSLCertVerificationError as exc:
                raise NetError("tls_cert", f"certificate not trusted: {exc.verify_message}") from None
            except (ssl.SSLError, OSError) as exc:
                raise NetError("tls", f"TLS failed: {exc}") from None

    def send(self, data: bytes) -> None:
        end = self._deadline()
        view = memoryview(data)
        while view:
            try:
                sent = self.sock.send(view)
                view = view[sent:]
            except (BlockingIOError, ssl.SSLWantWriteError):
                self._wait(end, read=False)
            except ssl.SSLWantReadError:
                self._wait(end, read=True)
            except OSError as exc:
                raise NetError("closed", f"connection lost: {exc}") from None

    def recv(self, limit: int = 65536) -> bytes:
        """Up to `limit` bytes; b"" when the server closed the connection."""
        if self._buffer:
            data, self._buffer = self._buffer[:limit], self._buffer[limit:]
            return data
        end = self._deadline()
        while True:
            try:
                return self.sock.recv(limit)
            except (BlockingIOError, ssl.SSLWantReadError):
                self._wait(end, read=True)
            except ssl.SSLWantWriteError:
                self._wait(end, read=False)
            except ssl.SSLError as exc:
                raise NetError("tls", f"TLS failed: {exc}") from None
            except OSError as exc:
                raise NetError("closed", f"connection lost: {exc}") from None

    def read_line(self, limit: int = 8192) -> bytes:
        """One line including its ending; NetError if it is longer than `limit` or never ends."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > limit:
                raise NetError("closed", "the server sent an overlong line")
            chunk = self.recv()
            if not chunk:
                raise NetError("closed", "the server closed the connection")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _deadline(self) -> float:
        return time.monotonic() + (self.cancel.remaining(self.timeout) or self.timeout)

    def _wait(self, end: float, *, read: bool) -> None:
        _wait_for(self.sock, end, self.cancel, read=read)


def open_stream(
    host: str,
    port: int,
    *,
    resolver: Resolver,
    cancel: CancelToken,
    timeout: float,
    tls: ssl.SSLContext | None = None,
    addresses: list[str] | None = None,
) -> Stream:
    """Resolve `host` (unless its `addresses` are given), connect to them in turn, and do TLS if asked."""
    addresses = addresses or _addresses(host, resolver, cancel)
    failure: NetError | None = None
    for address in addresses:
        try:
            sock = _connect(address, port, cancel, timeout)
        except NetError as exc:
            failure = exc
            continue
        stream = Stream(sock, cancel, timeout, host)
        if tls is not None:
            try:
                stream.start_tls(tls, host)
            except BaseException:
                stream.close()
                raise
        return stream
    assert failure is not None
    raise failure


def _addresses(host: str, resolver: Resolver, cancel: CancelToken) -> list[str]:
    try:
        found = resolver.addresses(host, cancel)
    except NoSuchDomain:
        raise NetError("no_such_host", f"{host} does not exist") from None
    except DnsTimeout:
        raise NetError("dns_timeout", f"no DNS answer for {host}") from None
    except DnsError as exc:
        raise NetError("dns", str(exc)) from None
    if not found:
        raise NetError("no_such_host", f"{host} has no address")
    return found


def _connect(address: str, port: int, cancel: CancelToken, timeout: float) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    end = time.monotonic() + (cancel.remaining(timeout) or timeout)
    try:
        code = sock.connect_ex((address, port))
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            raise _connect_error(code, address, port)
        _wait_for(sock, end, cancel, read=False)
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise _connect_error(code, address, port)
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_error(code: int, address: str, port: int) -> NetError:
    if code == errno.ECONNREFUSED:
        return NetError("refused", f"{address}:{port} refused the connection")
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return NetError("unreachable", f"{address}:{port} is unreachable")
    return NetError("closed", f"{address}:{port}: {errno.errorcode.get(code, code)}")


def _wait_for(sock: socket.socket, end: float, cancel: CancelToken, *, read: bool) -> None:
    """Wait until `sock` is readable/writable; Cancelled or NetError(timeout) otherwise."""
    while True:
        if cancel.cancelled:
            raise Cancelled()
        left = end - time.monotonic()
        if left <= 0:
            raise NetError("timeout", "no answer in time")
        if isinstance(sock, ssl.SSLSocket) and read and sock.pending():
            return
        # Windows reports a failed non-blocking connect as "exceptional", not "writable".
        readers, writers = ([sock], []) if read else ([], [sock])
        if any(select.select(readers, writers, writers, min(left, _SLICE))):
            return
