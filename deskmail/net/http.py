"""A small, bounded HTTP(S) GET (autoconfig files) and form POST (OAuth2 token requests).

Limits: one timeout for the whole request (connect, TLS, headers, body), a body size cap
(larger bodies are cut off and flagged), at most 3 redirects (GET only), never from https to
http, no URLs with credentials, no cookies, no authentication of any kind.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

from deskmail import __version__
from deskmail.core.cancel import NEVER, Cancelled, CancelToken
from deskmail.core.settings import Settings
from deskmail.net import tls
from deskmail.net.resolver import Resolver
from deskmail.net.stream import NetError, Stream, open_stream

MAX_REDIRECTS = 3
DEFAULT_MAX_BYTES = 256 * 1024
_MAX_HEADER_BYTES = 32 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


class HttpError(Exception):
    """The request failed; `kind` is NetError's kind or redirect | bad_url | protocol."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class HttpResponse:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    truncated: bool = False  # the body was larger than the cap and was cut off
    redirects: list[str] = field(default_factory=list)  # every URL visited before `url`

    @property
    def all_https(self) -> bool:
        """True when every hop, including redirects, was https."""
        return all(urlsplit(u).scheme == "https" for u in [*self.redirects, self.url])


class HttpClient:
    """Makes GET requests with the process settings (DNS server, extra CA)."""

    def __init__(self, settings: Settings, resolver: Resolver | None = None) -> None:
        self.resolver = resolver or Resolver.from_settings(settings)
        self.context: ssl.SSLContext = tls.shared_client_context(settings)

    def get(
        self,
        url: str,
        *,
        cancel: CancelToken = NEVER,
        timeout: float = 5.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> HttpResponse:
        """GET `url`, following up to `max_redirects` redirects; the timeout covers all of it."""
        request_cancel = cancel.child(timeout)
        visited: list[str] = []
        while True:
            send = functools.partial(self._send_once, url, request_cancel, timeout, max_bytes)
            response = self._timed(send, cancel, timeout)
            location = response.headers.get("location", "")
            if response.status not in _REDIRECTS or not location:
                response.redirects = visited
                return response
            visited.append(url)
            target = urljoin(url, location.strip())
            if len(visited) > max_redirects:
                raise HttpError("redirect", f"more than {max_redirects} redirects")
            if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
                raise HttpError("redirect", f"refused a redirect from https to {urlsplit(target).scheme}")
            url = target

    def post_form(
        self,
        url: str,
        form: dict[str, str],
        *,
        cancel: CancelToken = NEVER,
        timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> HttpResponse:
        """POST `form` as application/x-www-form-urlencoded; https only, redirects are not followed."""
        if urlsplit(url).scheme != "https":
            raise HttpError("bad_url", f"refused to post to a URL that is not https: {url}")
        body = urlencode(form).encode("ascii")
        request_cancel = cancel.child(timeout)
        return self._timed(lambda: self._send_once(url, request_cancel, timeout, max_bytes, body), cancel, timeout)

    @staticmethod
    def _timed(send: Callable[[], HttpResponse], cancel: CancelToken, timeout: float) -> HttpResponse:
        try:
            return send()
        except Cancelled:
            if cancel.cancelled:
                raise
            raise HttpError("timeout", f"no complete answer within {timeout:g} s") from None

    def _send_once(
        self, url: str, cancel: CancelToken, timeout: float, max_bytes: int, form: bytes | None = None
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError("bad_url", f"not an http(s) URL: {url}")
        if parts.username or parts.password:
            raise HttpError("bad_url", "refused a URL with a user name or password in it")
        host = parts.hostname
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise HttpError("bad_url", f"bad port in {url}") from None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        context = self.context if parts.scheme == "https" else None
        try:
            with open_stream(host, port, resolver=self.resolver, cancel=cancel, timeout=timeout, tls=context) as stream:
                stream.send(_request(host, parts.port, path) if form is None else _post(host, parts.port, path, form))
                return _read_response(stream, url, max_bytes)
        except NetError as exc:
            raise HttpError(exc.kind, str(exc)) from None


def _request(host: str, port: int | None, path: str) -> bytes:
    # HTTP/1.0: the server must close after the body and cannot use chunked encoding.
    host_header = host if port is None else f"{host}:{port}"
    lines = [
        f"GET {path} HTTP/1.0",
        f"Host: {host_header}",
        f"User-Agent: Deskmail/{__version__}",
        "Accept: application/xml, text/xml;q=0.9, */*;q=0.1",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _post(host: str, port: int | None, path: str, form: bytes) -> bytes:
    host_header = host if port is None else f"{host}:{port}"
    lines = [
        f"POST {path} HTTP/1.0",
        f"Host: {host_header}",
        f"User-Agent: Deskmail/{__version__}",
        "Accept: application/json",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(form)}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + form


def _read_response(stream: Stream, url: str, max_bytes: int) -> HttpResponse:
    status_line = stream.read_line(_MAX_HEADER_BYTES).decode("latin-1").strip()
    pieces = status_line.split(None, 2)
    if len(pieces) < 2 or not pieces[0].startswith("HTTP/") or not pieces[1].isdigit():
        raise HttpError("protocol", f"not an HTTP response: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    size = 0
    while True:
        line = stream.read_line(_MAX_HEADER_BYTES)
        size += len(line)
        if size > _MAX_HEADER_BYTES:
            raise HttpError("protocol", "response headers too large")
        text = line.decode("latin-1").strip()
        if not text:
            break
        name, _, value = text.partition(":")
        headers[name.strip().lower()] = value.strip()
    body, truncated = _read_body(stream, headers, max_bytes)
    return HttpResponse(url, int(pieces[1]), headers, body, truncated)


def _read_body(stream: Stream, headers: dict[str, str], max_bytes: int) -> tuple[bytes, bool]:
    length_text = headers.get("content-length", "")
    expected = int(length_text) if length_text.isdigit() else None
    chunks: list[bytes] = []
    received = 0
    while expected is None or received < expected:
        chunk = stream.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
        if received > max_bytes:
            return b"".join(chunks)[:max_bytes], True  # stop reading: hostile or not ours
    return b"".join(chunks), False
