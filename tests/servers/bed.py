"""The session's test bed: one address block with DNS, Dovecot, SMTP, web servers and a test CA."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import trustme

from deskmail.core.settings import Settings
from tests.servers import addresses as roles
from tests.servers import procs
from tests.servers.addresses import Block, pick_block
from tests.servers.certs import MAIL_NAMES, CertFiles, Certs
from tests.servers.dnsserver import DnsServer
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpServer
from tests.servers.web import WebServer
from tests.servers.zone import Record, default_zone

USER = "alice@example.test"
PASSWORD = "correct horse battery staple"
BLACKHOLE_PORTS = (25, 53, 80, 110, 143, 443, 465, 587, 993, 995)


class Testbed:
    """Everything a server test needs; see tests/servers/README.md for the tour."""

    __test__ = False  # not a test class, despite the name

    def __init__(self) -> None:
        started = time.monotonic()
        self.block: Block = pick_block()
        self.dir = procs.public_tempdir("bed")
        self.certs = Certs(self.dir)
        self.ca: trustme.CA = self.certs.ca
        self.ca_path: Path = self.certs.ca_path
        self.dns_ip = self.ip(roles.DNS)
        self.mail_ip = self.ip(roles.MAIL)
        self.blackhole_ip = self.ip(roles.BLACKHOLE)  # accepts TCP connections, never says a word
        self.refused_ip = self.ip(roles.REFUSED)  # nothing listens: connections are refused at once
        self.web_ips = [self.ip(n) for n in roles.WEB]
        self.zone: list[Record] = default_zone(self.block)
        self.user, self.password = USER, PASSWORD
        self.mail_cert: CertFiles = self.certs.issue(*MAIL_NAMES, "*.example.test", self.mail_ip)
        web_names = ["example.test", "*.example.test", *self.web_ips]
        self.web_cert: CertFiles = self.certs.issue(*web_names)
        self._blackhole: list[socket.socket] = []
        try:
            self.dns = DnsServer(self.dns_ip, self.zone, self._subdir("dns")).start()
            self.mail = Dovecot(self.mail_ip, "imap.example.test", self.mail_cert, self._subdir("dovecot"))
            self.mail.add_user(self.user, self.password)
            self.mail.start()
            self.smtp = SmtpServer(self.mail, self.mail_cert.server_context(), self.dir).start()
            self.web = WebServer(self.web_ips, self.certs, self.web_cert, web_names, self.dir).start()
            self._start_blackhole()
        except BaseException:
            procs.shutdown()
            raise
        self.startup_seconds = time.monotonic() - started

    @property
    def env(self) -> dict[str, str]:
        """DESKMAIL_* variables pointing at the bed (for subprocesses or monkeypatch.setenv)."""
        return {
            "DESKMAIL_DNS_SERVER": f"{self.dns.ip}:{self.dns.port}",
            "DESKMAIL_EXTRA_CA": str(self.ca_path),
            "DESKMAIL_ISPDB_URL": self.ispdb_url,
        }

    @property
    def ispdb_url(self) -> str:
        return "https://ispdb.example.test/v1.1/"

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def ip(self, n: int) -> str:
        """Address n of the session's block (127.A.B.n); see tests/servers/addresses.py for roles."""
        return self.block.ip(n)

    def apply_env(self, monkeypatch: Any) -> None:
        """Set the DESKMAIL_* variables for one test."""
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)

    def _subdir(self, name: str) -> Path:
        path = self.dir / name
        path.mkdir(mode=0o755)
        return path

    def _start_blackhole(self) -> None:
        for port in BLACKHOLE_PORTS:
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.bind((self.blackhole_ip, port))
            tcp.listen(128)  # the kernel completes handshakes; nobody ever accepts or answers
            self._blackhole.append(tcp)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((self.blackhole_ip, 53))  # DNS queries vanish: a resolver timing out
        self._blackhole.append(udp)
        procs.on_exit(self._stop_blackhole)

    def _stop_blackhole(self) -> None:
        while self._blackhole:
            self._blackhole.pop().close()

    def stop(self) -> None:
        procs.shutdown()
