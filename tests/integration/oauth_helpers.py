"""The tests' "browser": a plain HTTP client that follows the authorization URL to the loopback listener."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.servers.oauth import OAuthServer


@dataclass
class Browser:
    """Opens URLs like a person's browser would, in a thread; `pages` keeps (status, body) of each visit."""

    oauth: OAuthServer
    ca_path: str
    pages: list[tuple[int, str]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)

    def _visit(self, url: str) -> None:
        for _ in range(5):
            status, headers, body = self._get(url)
            self.pages.append((status, body))
            location = headers.get("location")
            if status not in (301, 302, 303, 307) or not location:
                return
            url = location

    def _get(self, url: str) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            assert parts.hostname == self.oauth.host, url
            connection = _PinnedAddressHTTPS(self.oauth.ip, parts.hostname, self.ca_path)
        else:
            assert parts.hostname == "127.0.0.1", url  # the loopback redirect, never anything else
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": parts.netloc})
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()


class _PinnedAddressHTTPS(http.client.HTTPSConnection):
    """HTTPS to a bed address, certificate checked for the URL's host name (bed names are not in /etc/hosts)."""

    def __init__(self, ip: str, hostname: str, ca_path: str) -> None:
        super().__init__(ip, 443, timeout=10, context=ssl.create_default_context(cafile=ca_path))
        self._hostname = hostname
        self._ca_path = ca_path

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock = ssl.create_default_context(cafile=self._ca_path).wrap_socket(raw, server_hostname=self._hostname)
