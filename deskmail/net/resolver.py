"""All name resolution goes through `Resolver`, so tests can point it at their own DNS server."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.settings import Settings

if TYPE_CHECKING:
    import dns.resolver

# dnspython is imported on the first DNS query: host names given as IP addresses, and the
# system resolver, never need it, and loading it costs every command-line run ~40 ms.


class DnsError(Exception):
    """A DNS look-up failed for a reason other than "no such record"."""


class NoSuchDomain(DnsError):
    """NXDOMAIN: the name does not exist at all."""


class DnsTimeout(DnsError):
    """No DNS server answered in time (often: offline)."""


@dataclass(frozen=True)
class MxRecord:
    preference: int
    host: str  # without the trailing dot; "" for a null MX (RFC 7505)


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str  # without the trailing dot; "" when the target is "." (service not offered)


class Resolver:
    """Looks up records and host addresses, through one configured DNS server or the system's."""

    def __init__(self, server: tuple[str, int] | None = None, timeout: float = 4.0) -> None:
        self.server = server
        self.timeout = timeout
        self._resolver: dns.resolver.Resolver | None = None

    @property
    def _dns(self) -> dns.resolver.Resolver:
        if self._resolver is None:
            import dns.resolver

            if self.server is None:
                self._resolver = dns.resolver.Resolver()
            else:
                self._resolver = dns.resolver.Resolver(configure=False)
                self._resolver.nameservers = [self.server[0]]
                self._resolver.port = self.server[1]
        return self._resolver

    @classmethod
    def from_settings(cls, settings: Settings) -> Resolver:
        return cls(settings.dns_server)

    def _query(self, name: str, rdtype: str, cancel: CancelToken) -> list[object]:
        import dns.exception
        import dns.resolver

        cancel.raise_if_cancelled()
        lifetime = cancel.remaining(self.timeout) or self.timeout
        try:
            answer = self._dns.resolve(name, rdtype, lifetime=max(lifetime, 0.05), search=False)
        except dns.resolver.NXDOMAIN as exc:
            raise NoSuchDomain(name) from exc
        except dns.resolver.NoAnswer:
            return []
        except dns.resolver.NoNameservers as exc:
            # Every server failed (SERVFAIL, or the network is down): not the same as "no records".
            raise DnsError(f"{name}: no DNS server could answer") from exc
        except dns.exception.Timeout as exc:
            raise DnsTimeout(name) from exc
        except dns.exception.DNSException as exc:
            raise DnsError(f"{name}: {exc}") from exc
        return list(answer)

    def mx(self, domain: str, cancel: CancelToken = NEVER) -> list[MxRecord]:
        records = [
            MxRecord(int(r.preference), r.exchange.to_text(omit_final_dot=True))  # type: ignore[attr-defined]
            for r in self._query(domain, "MX", cancel)
        ]
        return sorted(records, key=lambda r: r.preference)

    def srv(self, name: str, cancel: CancelToken = NEVER) -> list[SrvRecord]:
        records = []
        for r in self._query(name, "SRV", cancel):
            target = r.target.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
            records.append(
                SrvRecord(int(r.priority), int(r.weight), int(r.port), "" if target == "." else target)  # type: ignore[attr-defined]
            )
        return sorted(records, key=lambda r: (r.priority, -r.weight))

    def txt(self, name: str, cancel: CancelToken = NEVER) -> list[str]:
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._query(name, "TXT", cancel)]  # type: ignore[attr-defined]

    def addresses(self, host: str, cancel: CancelToken = NEVER) -> list[str]:
        """IP addresses for `host` (IPv6 first when present), or NoSuchDomain."""
        if _is_ip_literal(host):
            return [host]
        if self.server is None:
            return self._system_addresses(host)
        answers: dict[str, list[str] | BaseException] = {}

        def ask(rdtype: str) -> None:
            try:
                answers[rdtype] = [r.to_text() for r in self._query(host, rdtype, cancel)]  # type: ignore[attr-defined]
            except BaseException as exc:
                answers[rdtype] = exc

        # Both queries at once: one network round trip instead of two (discovery is latency-bound).
        helper = threading.Thread(target=ask, args=("AAAA",), daemon=True, name="resolver-aaaa")
        helper.start()
        ask("A")
        helper.join()
        found: list[str] = []
        missing = 0
        for rdtype in ("AAAA", "A"):
            got = answers[rdtype]
            if isinstance(got, NoSuchDomain):
                missing += 1
            elif isinstance(got, BaseException):
                raise got
            else:
                found.extend(got)
        if missing == 2:
            raise NoSuchDomain(host)
        return found

    def _system_addresses(self, host: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
                raise NoSuchDomain(host) from exc
            raise DnsError(f"{host}: {exc}") from exc
        seen: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in seen:
                seen.append(address)
        return seen


def _is_ip_literal(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except OSError:
            continue
    return False
