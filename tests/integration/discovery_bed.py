"""Discovery scenarios on the real test bed: DNS records and web files, installed once per session.

Each scenario has its own domain under `.test` so nothing collides with other tests. Shared by
tests/integration/test_discovery_*.py and bench/discovery.py.
"""

from __future__ import annotations

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Security
from deskmail.discovery import DiscoveryResult, Timing, discover
from deskmail.discovery.probe import ProbeResult, probe
from deskmail.net import tls
from deskmail.net.resolver import Resolver
from tests.servers.bed import Testbed
from tests.servers.zone import MX, SRV, TXT, A, Record

AUTOCONFIG_PATH = "/mail/config-v1.1.xml"
WELLKNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"
POP3_DOMAIN = "dm-pop3bed.test"  # POP3-only provider on the bed's real Dovecot POP3 and SMTP
GUESS_DOMAIN = "dm-guess.example.test"  # the bare name is covered by the mail server's *.example.test
TIMING = Timing(deadline=8.0, grace=1.0, http_timeout=3.0, dns_timeout=2.0, probe_timeout=2.0, guess_after=6.0)
_installed: set[int] = set()


def run(bed: Testbed, email: str, timing: Timing = TIMING, progress: list[str] | None = None) -> DiscoveryResult:
    """Discover `email` on the bed (scenarios installed); what it tells the person goes to `progress`."""
    install(bed)
    say = progress.append if progress is not None else None
    return discover(email, settings=bed.settings, cancel=CancelToken(), progress=say, timing=timing)


def probe_on(bed: Testbed, protocol: Protocol, host: str, port: int, security: Security) -> ProbeResult:
    """One discovery probe against the bed (its DNS, its CA): greeting and capabilities, never a password."""
    context = tls.client_context(bed.settings)
    resolver = Resolver(bed.dns.server)
    return probe(protocol, host, port, security, resolver=resolver, context=context, cancel=CancelToken(), timeout=5.0)


def config_xml(
    provider: str, imap_host: str, smtp_host: str, *, pop3_only: bool = False, enable_url: str = ""
) -> bytes:
    """A small, valid config-v1.1.xml document."""
    incoming = (
        f"<incomingServer type='pop3'><hostname>{imap_host}</hostname><port>995</port>"
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>"
        if pop3_only
        else f"<incomingServer type='imap'><hostname>{imap_host}</hostname><port>993</port>"
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>password-cleartext</authentication></incomingServer>"
    )
    enable = f"<enable visiturl='{enable_url}'><instruction>Turn on IMAP</instruction></enable>" if enable_url else ""
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><clientConfig version='1.1'><emailProvider id='{provider}'>"
        f"<domain>{provider}</domain><displayName>{provider} mail</displayName>{incoming}"
        f"<outgoingServer type='smtp'><hostname>{smtp_host}</hostname><port>465</port>"
        "<socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>"
        f"<documentation url='https://{provider}/help'><descr>Help</descr></documentation>{enable}"
        "</emailProvider></clientConfig>"
    ).encode()


def own_mx(domain: str, ip: str) -> list[Record]:
    """A domain that exists and receives mail on its own server (so the MX source adds nothing)."""
    return [MX(domain, f"mx.{domain}"), A(f"mx.{domain}", ip)]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]><clientConfig>&lol9;</clientConfig>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<clientConfig><emailProvider id='x'><displayName>&xxe;</displayName></emailProvider></clientConfig>"
)


def install(bed: Testbed) -> None:
    """Add every scenario's records and files (once per test bed)."""
    if id(bed) in _installed:
        return
    _installed.add(id(bed))
    web, mail = bed.web_ips[0], bed.mail_ip
    records: list[Record] = []
    add = bed.web.add

    def autoconfig(domain: str, body: bytes, **options: object) -> None:
        records.extend([A(f"autoconfig.{domain}", web), *own_mx(domain, mail)])
        add(f"autoconfig.{domain}", AUTOCONFIG_PATH, body, **options)  # type: ignore[arg-type]

    autoconfig(
        "dm-autoconfig.test", config_xml("dm-autoconfig.test", "imap.dm-autoconfig.test", "smtp.dm-autoconfig.test")
    )
    records += [A("dm-wellknown.test", web), *own_mx("dm-wellknown.test", mail)]
    add("dm-wellknown.test", WELLKNOWN_PATH, config_xml("dm-wellknown.test", "imap.wk.test", "smtp.wk.test"))
    autoconfig("dm-http.test", config_xml("dm-http.test", "imap.dm-http.test", "smtp.dm-http.test"), scheme="http")
    records += own_mx("dm-ispdb.test", mail)
    add("ispdb.example.test", "/v1.1/dm-ispdb.test", config_xml("dm-ispdb.test", "imap.isp.test", "smtp.isp.test"))
    records += [MX("dm-mxgoogle.test", "aspmx.l.google.com")]
    records += [MX("dm-m365.test", "dm-m365-test.mail.protection.outlook.com")]
    records += [MX("dm-mxhosted.test", "mx1.dm-hoster.test"), A("mx1.dm-hoster.test", mail)]
    records += [A("autoconfig.dm-hoster.test", web)]
    add(
        "autoconfig.dm-hoster.test",
        AUTOCONFIG_PATH,
        config_xml("dm-hoster.test", "imap.hoster.test", "smtp.hoster.test"),
    )
    records += [
        *own_mx("dm-srv.test", mail),
        SRV("_imaps._tcp.dm-srv.test", "imap.dm-srv.test", 993),
        SRV("_imap._tcp.dm-srv.test"),
        SRV("_submissions._tcp.dm-srv.test"),
        SRV("_submission._tcp.dm-srv.test", "smtp.dm-srv.test", 587),
        *own_mx("dm-srvout.test", mail),
        SRV("_imaps._tcp.dm-srvout.test", "imap.elsewhere-mail.test", 993),
        SRV("_submissions._tcp.dm-srvout.test", "smtp.elsewhere-mail.test", 465),
        *own_mx("dm-pop3srv.test", mail),
        SRV("_pop3s._tcp.dm-pop3srv.test", "pop.dm-pop3srv.test", 995),
    ]
    records += [A(GUESS_DOMAIN, mail)]
    # Conflicting answers: autoconfig, SRV and ISPDB each name different servers.
    autoconfig(
        "dm-conflict.test",
        config_xml("dm-conflict.test", "imap-autoconfig.dm-conflict.test", "smtp-a.dm-conflict.test"),
    )
    add(
        "ispdb.example.test",
        "/v1.1/dm-conflict.test",
        config_xml("dm-conflict.test", "imap-ispdb.x.test", "smtp.x.test"),
    )
    records += [SRV("_imaps._tcp.dm-conflict.test", "imap-srv.dm-conflict.test", 993)]
    records += [SRV("_submissions._tcp.dm-conflict.test", "smtp-srv.dm-conflict.test", 465)]
    # A higher-priority answer that comes late: 2 s, so that the ISPDB's answer is in first even on a
    # loaded machine (with 0.6 s a slow ISPDB request sometimes came last and decided the outcome).
    autoconfig("dm-late.test", config_xml("dm-late.test", "imap-late.dm-late.test", "smtp.dm-late.test"), delay=2.0)
    add("ispdb.example.test", "/v1.1/dm-late.test", config_xml("dm-late.test", "imap-early.x.test", "smtp.x.test"))
    # Everything hangs: autoconfig and the domain itself point at the black hole.
    records += [A("autoconfig.dm-slow.test", bed.blackhole_ip), A("dm-slow.test", bed.blackhole_ip)]
    records += [A(f"{p}.dm-slow.test", bed.blackhole_ip) for p in ("imap", "smtp", "mail")]
    # Dead ends.
    records += [A(f"{p}dm-refused.test", bed.refused_ip) for p in ("", "imap.", "smtp.", "mail.")]
    records += [TXT("dm-nomail.test", "no mail here")]
    autoconfig("dm-badcert.test", config_xml("dm-badcert.test", "imap.dm-badcert.test", "smtp.dm-badcert.test"))
    bed.web.set_cert("autoconfig.dm-badcert.test", bed.certs.expired("autoconfig.dm-badcert.test"))
    autoconfig("dm-otherca.test", config_xml("dm-otherca.test", "imap.dm-otherca.test", "smtp.dm-otherca.test"))
    bed.web.set_cert("autoconfig.dm-otherca.test", bed.certs.untrusted("autoconfig.dm-otherca.test"))
    autoconfig("dm-laughs.test", BILLION_LAUGHS)
    autoconfig("dm-xxe.test", EXTERNAL_ENTITY)
    autoconfig("dm-huge.test", b"<clientConfig>" + b" " * (10 * 1024 * 1024) + b"</clientConfig>")
    records += [A("autoconfig.dm-loop.test", web), *own_mx("dm-loop.test", mail)]
    bed.web.redirect("autoconfig.dm-loop.test", AUTOCONFIG_PATH, f"https://autoconfig.dm-loop.test{AUTOCONFIG_PATH}")
    records += [A("autoconfig.dm-downgrade.test", web), *own_mx("dm-downgrade.test", mail)]
    bed.web.redirect("autoconfig.dm-downgrade.test", AUTOCONFIG_PATH, "http://autoconfig.dm-downgrade.test/evil.xml")
    add(
        "autoconfig.dm-downgrade.test",
        "/evil.xml",
        config_xml("evil", "imap.evil.test", "smtp.evil.test"),
        scheme="http",
    )
    records += own_mx("dm-pop3.test", mail)
    # A POP3-only provider whose servers are the bed's (pop.example.test: Dovecot's POP3, smtp.example.test).
    records += own_mx(POP3_DOMAIN, mail)
    add(
        "ispdb.example.test",
        f"/v1.1/{POP3_DOMAIN}",
        config_xml(POP3_DOMAIN, "pop.example.test", "smtp.example.test", pop3_only=True),
    )
    add(
        "ispdb.example.test",
        "/v1.1/dm-pop3.test",
        config_xml("dm-pop3.test", "pop.dm-pop3.test", "smtp.x.test", pop3_only=True),
    )
    bed.dns.add(*records)
