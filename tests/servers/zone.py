"""DNS records for the test bed: record helpers and the default zone (extend `default_zone`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.servers.addresses import Block


@dataclass(frozen=True)
class Record:
    """One dnsmasq configuration line producing a record."""

    line: str
    name: str  # the owner name, used to decide which zones dnsmasq answers authoritatively

    def __str__(self) -> str:
        return self.line


def A(name: str, *addresses: str) -> Record:
    """A (and AAAA for IPv6 literals) records; dnsmasq also answers the PTR."""
    return Record(f"host-record={name},{','.join(addresses)}", name)


def MX(domain: str, host: str, preference: int = 10) -> Record:
    return Record(f"mx-host={domain},{host},{preference}", domain)


def SRV(name: str, target: str = ".", port: int = 0, priority: int = 0, weight: int = 1) -> Record:
    """SRV record; target "." means "service deliberately not offered" (RFC 2782/6186)."""
    if target == ".":
        return Record(f"srv-host={name}", name)
    return Record(f"srv-host={name},{target},{port},{priority},{weight}", name)


def TXT(name: str, *strings: str) -> Record:
    quoted = ",".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)
    return Record(f"txt-record={name},{quoted}", name)


def CNAME(alias: str, target: str) -> Record:
    """CNAME; dnsmasq only serves it when `target` is a name it knows (another record here)."""
    return Record(f"cname={alias},{target}", alias)


def domains_of(records: list[Record]) -> set[str]:
    """Top-level labels of the records (answered authoritatively: NXDOMAIN for unknown names)."""
    return {"test"} | {r.name.rstrip(".").rsplit(".", 1)[-1] for r in records if "." in r.name}


def default_zone(block: Block) -> list[Record]:
    """example.test: a complete, well-configured domain on the bed's servers. Add records here."""
    from tests.servers import addresses as roles

    mail, web = block.ip(roles.MAIL), block.ip(roles.WEB[0])
    records = [
        A("example.test", web),
        A("imap.example.test", mail),
        A("smtp.example.test", mail),
        A("mail.example.test", mail),
        A("pop.example.test", mail),
        A("mx.example.test", mail),
        A("autoconfig.example.test", web),
        A("autodiscover.example.test", web),
        A("www.example.test", web),
        A("ispdb.example.test", block.ip(roles.WEB[1])),
        A("blackhole.example.test", block.ip(roles.BLACKHOLE)),
        A("refused.example.test", block.ip(roles.REFUSED)),
        MX("example.test", "mx.example.test", 10),
        SRV("_imaps._tcp.example.test", "imap.example.test", 993),
        SRV("_imap._tcp.example.test", "imap.example.test", 143),
        SRV("_submissions._tcp.example.test", "smtp.example.test", 465),
        SRV("_submission._tcp.example.test", "smtp.example.test", 587),
        SRV("_pop3._tcp.example.test"),
        SRV("_pop3s._tcp.example.test"),
        TXT("example.test", "v=spf1 mx -all"),
    ]
    # Every web address gets a name, and every factory address vN.example.test, so variants are
    # reachable by name without restarting DNS (the mail/web certificates cover *.example.test).
    records += [A(f"web{i}.example.test", block.ip(n)) for i, n in enumerate(roles.WEB)]
    records += [A(f"v{n}.example.test", block.ip(n)) for n in range(roles.FIRST_FREE, roles.LAST_FREE + 1)]
    return records
