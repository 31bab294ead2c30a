"""dnsmasq serving the test zone on port 53 of a bed address, never forwarding anywhere."""

from __future__ import annotations

import socket
import struct
import subprocess
from pathlib import Path

from tests.servers import procs
from tests.servers.zone import Record, domains_of


class DnsServer:
    """One dnsmasq instance; `.server` is the (ip, port) to hand to deskmail's Resolver."""

    def __init__(
        self,
        ip: str,
        records: list[Record],
        directory: Path,
        name: str = "dnsmasq",
        local_domains: tuple[str, ...] | None = None,
    ) -> None:
        self.ip = ip
        # None: every unknown name is NXDOMAIN (an internet where only our records exist). A tuple:
        # only names under those domains (plus the records' TLDs) are; others get REFUSED, which
        # resolvers report as a failing DNS server.
        self.local_domains = local_domains
        self.port = 53
        self.records = list(records)
        self.directory = directory
        self.name = name
        self.log = procs.register_log(name, directory / f"{name}.log")
        self.conf = directory / f"{name}.conf"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> tuple[str, int]:
        return (self.ip, self.port)

    def start(self) -> DnsServer:
        binary = procs.require_binary("dnsmasq", "dnsmasq-base")
        self._write_conf()
        self._proc = procs.start(self.name, [binary, "--keep-in-foreground", f"--conf-file={self.conf}"], self.log)
        procs.wait_until(self._answers, f"{self.name} on {self.ip}:53", proc=self._proc, log=self.log)
        return self

    def stop(self) -> None:
        if self._proc is not None:
            procs.stop(self._proc)
            self._proc = None

    def add(self, *records: Record) -> None:
        """Add records to this server (restarts dnsmasq, a few milliseconds)."""
        self.records.extend(records)
        self.stop()
        self.start()

    def set_records(self, records: list[Record]) -> None:
        """Replace all records (restarts dnsmasq only if they changed)."""
        if list(records) != self.records:
            self.records = list(records)
            self.stop()
            self.start()

    def _write_conf(self) -> None:
        lines = [
            f"listen-address={self.ip}",
            "port=53",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "no-poll",
            "user=root",
            "pid-file=",
            f"log-facility={self.log}",
            "log-queries",
            *(f"local=/{domain}/" for domain in self._local()),
            *(r.line for r in self.records),
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def _local(self) -> list[str]:
        if self.local_domains is None:
            return ["#"]
        return sorted(set(self.local_domains) | domains_of(self.records))

    def _answers(self) -> bool:
        """True once dnsmasq answers a query on UDP (any answer will do)."""
        query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x04test\x00\x00\x01\x00\x01"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.05)
            try:
                sock.sendto(query, self.server)
                return sock.recv(512)[:2] == b"\x12\x34"
            except OSError:
                return False
