"""HTTP (80) and HTTPS (443) on several bed addresses, dispatching by Host header, with a request log."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.servers import procs
from tests.servers.certs import CertFiles, Certs


@dataclass
class Route:
    """A canned response; `hits` counts the requests it answered."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hits: int = 0


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    scheme: str
    host: str
    path: str  # with the query string
    method: str
    address: str  # the bed address the client connected to
    status: int


class WebServer:
    """`add(host, path, body, ...)` installs a response; anything else is 404. `requests` logs all."""

    def __init__(
        self, ips: list[str], certs: Certs, default_cert: CertFiles, default_names: list[str], directory: Path
    ) -> None:
        self.ips = ips
        self.default_names = default_names
        self.ip = ips[0]
        self.certs = certs
        self.default_cert = default_cert
        self.routes: dict[tuple[str, str, str], Route] = {}
        self.requests: list[Request] = []
        self.log = procs.register_log("web", directory / "web.log")
        self._host_certs: dict[str, CertFiles] = {}
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []

    # --- content ---------------------------------------------------------------------------

    def add(
        self,
        host: str,
        path: str,
        body: str | bytes = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        scheme: str = "https",
    ) -> Route:
        """Serve `body` at scheme://host/path. A path with "?" matches that exact query; a path
        without one matches any query. `scheme="both"` installs it for http and https."""
        data = body.encode() if isinstance(body, str) else body
        route = Route(data, status, dict(headers or {}), delay)
        for one in ("http", "https") if scheme == "both" else (scheme,):
            with self._lock:
                self.routes[(one, host.lower(), path)] = route
        return route

    def redirect(self, host: str, path: str, location: str, status: int = 301, scheme: str = "https") -> Route:
        return self.add(host, path, b"", status, {"Location": location}, scheme=scheme)

    def remove(self, host: str, path: str, scheme: str = "https") -> None:
        with self._lock:
            self.routes.pop((scheme, host.lower(), path), None)

    def snapshot(self) -> tuple[dict[tuple[str, str, str], Route], dict[str, CertFiles]]:
        with self._lock:
            return dict(self.routes), dict(self._host_certs)

    def restore(self, snapshot: tuple[dict[tuple[str, str, str], Route], dict[str, CertFiles]]) -> None:
        """Forget routes and certificates added since `snapshot` (done after every test)."""
        with self._lock:
            self.routes = dict(snapshot[0])
            if self._host_certs != snapshot[1]:
                self._host_certs = dict(snapshot[1])
                self._contexts.clear()

    def clear_log(self) -> None:
        """Empty `requests` (done before every test, so counts are per test)."""
        with self._lock:
            self.requests.clear()

    def set_cert(self, host: str, cert: CertFiles) -> None:
        """Present `cert` (e.g. certs.expired(...)) to clients that ask for `host` via SNI."""
        with self._lock:
            self._host_certs[host.lower()] = cert
            self._contexts.pop(host.lower(), None)

    def count(self, host: str | None = None, path: str | None = None, scheme: str | None = None) -> int:
        """How many requests matched (path without "?" matches any query), e.g. to prove a URL was NOT fetched."""
        return len(self.find(host, path, scheme))

    def find(self, host: str | None = None, path: str | None = None, scheme: str | None = None) -> list[Request]:
        with self._lock:
            found = list(self.requests)
        return [
            r
            for r in found
            if (host is None or r.host == host.lower())
            and (scheme is None or r.scheme == scheme)
            and (path is None or r.path == path or ("?" not in path and r.path.split("?")[0] == path))
        ]

    def url(self, host: str, path: str = "/", scheme: str = "https") -> str:
        return f"{scheme}://{host}{path}"

    def _lookup(self, scheme: str, host: str, path: str) -> Route | None:
        with self._lock:
            return self.routes.get((scheme, host, path)) or self.routes.get((scheme, host, path.split("?")[0]))

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
        with self.log.open("a") as log:
            log.write(
                f"{time.strftime('%H:%M:%S')} {request.address} {request.method} {request.scheme}://"
                f"{request.host}{request.path} -> {request.status}\n"
            )

    # --- TLS -------------------------------------------------------------------------------

    def _context_for(self, host: str) -> ssl.SSLContext | None:
        with self._lock:
            if host in self._contexts:
                return self._contexts[host]
            cert = self._host_certs.get(host)
        if cert is None:
            if _covered(host, self.default_names):
                return None
            # Any other host name gets a valid certificate from the test CA on first use, so tests
            # can serve e.g. autoconfig.example.org without ceremony; set_cert() overrides.
            cert = self.certs.issue(host)
            with self._lock:
                self._host_certs.setdefault(host, cert)
        context = cert.server_context()
        with self._lock:
            self._contexts[host] = context
        return context

    def _sni(self, sock: ssl.SSLObject, server_name: str, context: ssl.SSLContext) -> int | None:
        if server_name:
            chosen = self._context_for(server_name.lower())
            if chosen is not None:
                sock.context = chosen
        return None

    # --- process ---------------------------------------------------------------------------

    def start(self) -> WebServer:
        tls = self.default_cert.server_context()
        tls.sni_callback = self._sni
        for ip in self.ips:
            for port, scheme in ((80, "http"), (443, "https")):
                server = _Server((ip, port), _handler_class(self, scheme, ip))
                if scheme == "https":
                    server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
                threading.Thread(
                    target=server.serve_forever, args=(0.05,), name=f"web-{ip}-{port}", daemon=True
                ).start()
                self._servers.append(server)
        procs.on_exit(self.stop)
        return self

    def stop(self) -> None:
        # shutdown() waits for a poll interval; stopping the listeners in parallel keeps it short.
        stoppers = [threading.Thread(target=server.shutdown) for server in self._servers]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        while self._servers:
            self._servers.pop().server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up mid-handshake (timeout tests, bad certificates) are expected


def _handler_class(web: WebServer, scheme: str, ip: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "deskmail-testbed"
        timeout = 10

        def setup(self) -> None:
            if scheme == "https":
                self.request.do_handshake()
            super().setup()

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._answer(send_body=True)

        def _answer(self, send_body: bool) -> None:
            host = (self.headers.get("Host") or ip).lower()
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            path = self.path
            if path.startswith(("http://", "https://")):
                path = urlsplit(path)._replace(scheme="", netloc="").geturl() or "/"
            route = web._lookup(scheme, host, path)
            status = route.status if route else 404
            web._record(Request(scheme, host, path, self.command, ip, status))
            if route is None:
                body, headers = b"Not found\n", {"Content-Type": "text/plain"}
            else:
                route.hits += 1
                body, headers = route.body, route.headers
                if route.delay:
                    time.sleep(route.delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if not any(name.lower() == "content-type" for name in headers):
                self.send_header("Content-Type", _guess_type(path))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # every request is in web.log via _record

    return Handler


def _covered(host: str, names: list[str]) -> bool:
    """Whether a certificate for `names` (one-label wildcards allowed) is valid for `host`."""
    for name in names:
        if name == host or (name.startswith("*.") and host.count(".") >= 2 and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def _guess_type(path: str) -> str:
    return "text/xml" if path.split("?")[0].endswith(".xml") or "/v1.1/" in path else "application/octet-stream"
