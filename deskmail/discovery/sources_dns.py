"""Sources that start from DNS: the domain's MX records and its RFC 6186 / 8314 SRV records."""

from __future__ import annotations

import functools
import time

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.i18n import _
from deskmail.core.serverconfig import Security
from deskmail.discovery.context import Context, SourceReport
from deskmail.discovery.domains import inside, registered_domain
from deskmail.discovery.model import Origin, ProviderConfig, ServerEntry
from deskmail.discovery.sources_http import fetch_config, ispdb_url, origin_for
from deskmail.discovery.threads import run_all
from deskmail.net.resolver import DnsError, DnsTimeout, NoSuchDomain, SrvRecord

# RFC 6186 / 8314 service names, best first within each protocol.
SRV_SERVICES = (
    ("_imaps._tcp", "imap", Security.SSL),
    ("_imap._tcp", "imap", Security.STARTTLS),
    ("_submissions._tcp", "smtp", Security.SSL),
    ("_submission._tcp", "smtp", Security.STARTTLS),
    ("_pop3s._tcp", "pop3", Security.SSL),
    ("_pop3._tcp", "pop3", Security.STARTTLS),
)


def mx_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """MX -> bundled table by host pattern, else the MX's registered domain -> table, autoconfig, ISPDB."""
    domain = ctx.address.domain
    ctx.say(_("Looking up the mail servers of {domain}...").format(domain=ctx.address.domain_unicode))
    best = _best_mx(ctx, domain, cancel)
    if not best:
        return SourceReport("mx")
    where = f"dns:MX {domain} -> {best}"
    provider = ctx.table.for_mx_host(best)
    base = registered_domain(best)
    if provider is None and base != registered_domain(domain):
        provider = ctx.table.for_domain(base)
    if provider is not None:
        reason = _("Mail for {domain} goes to {provider}; settings from Deskmail's own list.").format(
            domain=ctx.address.domain_unicode, provider=provider.name
        )
        return ctx.report("mx", provider, Origin("mx", where, True, reason))
    if base == registered_domain(domain):
        return SourceReport("mx")  # the domain runs its own mail server: the direct sources cover it
    return _from_mx_domain(ctx, base, cancel)


def _best_mx(ctx: Context, domain: str, cancel: CancelToken) -> str:
    started = time.monotonic()
    target = f"MX {domain}"
    try:
        records = ctx.resolver.mx(domain, cancel)
    except NoSuchDomain:
        ctx.no_such_domain = True
        ctx.note_answer()
        ctx.log("mx", target, started, "not_found")
        return ""
    except DnsTimeout:
        ctx.note_offline_failure()
        ctx.log("mx", target, started, "error: no DNS answer")
        return ""
    except DnsError as exc:
        ctx.note_offline_failure()
        ctx.log("mx", target, started, f"error: {exc}")
        return ""
    ctx.note_answer()
    hosts = [r.host for r in records if r.host]
    if hosts:
        ctx.log("mx", target, started, "ok")
        return hosts[0]
    ctx.log("mx", target, started, "not_found")
    if records or not _has_address(ctx, domain, cancel):
        ctx.no_mail_servers = True  # null MX (RFC 7505), or nothing at all to deliver to
    return ""


def _has_address(ctx: Context, domain: str, cancel: CancelToken) -> bool:
    try:
        return bool(ctx.resolver.addresses(domain, cancel))
    except DnsError:
        return False


def _from_mx_domain(ctx: Context, base: str, cancel: CancelToken) -> SourceReport:
    """The MX belongs to another domain (a hoster): ask its autoconfig server and the ISPDB."""
    urls = [f"https://autoconfig.{base}/mail/config-v1.1.xml", ispdb_url(ctx, base)]
    fetched = run_all([functools.partial(fetch_config, ctx, "mx", url, cancel) for url in urls], cancel)
    cancel.raise_if_cancelled()
    for item in fetched:
        if isinstance(item, tuple):
            config, response = item
            origin = origin_for(response, "mx", "")
            reason = _(
                "{domain} receives its mail at {base}; these are {base}'s settings: "
                "please confirm that this is your provider."
            ).format(domain=ctx.address.domain_unicode, base=base)
            return ctx.report("mx", config, Origin("mx", origin.url, False, reason))
    return SourceReport("mx")


def srv_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """RFC 6186 / 8314 SRV records; a target of "." means the service is deliberately not offered."""
    domain = ctx.address.domain
    ctx.say(_("Looking up the mail servers of {domain}...").format(domain=ctx.address.domain_unicode))
    names = [f"{service}.{domain}" for service, _protocol, _security in SRV_SERVICES]
    answers = run_all([functools.partial(_srv, ctx, name, cancel) for name in names], cancel)
    cancel.raise_if_cancelled()
    config = ProviderConfig(id=domain, name=ctx.address.domain_unicode)
    for (_service, protocol, security), answer in zip(SRV_SERVICES, answers, strict=True):
        if not isinstance(answer, list):
            continue
        for record in answer:
            entry = ServerEntry(protocol, record.target, record.port, security)
            (config.outgoing if protocol == "smtp" else config.incoming).append(entry)
    if not config.incoming:
        return SourceReport("srv")
    hosts = [entry.host for entry in config.incoming + config.outgoing]
    home = registered_domain(domain)
    if all(inside(host, home) for host in hosts):
        reason = _("{domain} names its own servers in DNS.").format(domain=ctx.address.domain_unicode)
        origin = Origin("srv", f"dns:SRV {domain}", True, reason)
    else:
        reason = _("The domain's DNS points to servers of another domain: please confirm they belong to your provider.")
        origin = Origin("srv", f"dns:SRV {domain}", False, reason)
    return ctx.report("srv", config, origin)


def _srv(ctx: Context, name: str, cancel: CancelToken) -> list[SrvRecord]:
    started = time.monotonic()
    try:
        records = ctx.resolver.srv(name, cancel)
    except Cancelled:
        ctx.log("srv", name, started, "error: cancelled")
        raise
    except NoSuchDomain:
        ctx.note_answer()
        ctx.log("srv", name, started, "not_found")
        return []
    except DnsTimeout:
        ctx.note_offline_failure()
        ctx.log("srv", name, started, "error: no DNS answer")
        return []
    except DnsError as exc:
        ctx.note_offline_failure()
        ctx.log("srv", name, started, f"error: {exc}")
        return []
    ctx.note_answer()
    offered = [r for r in records if r.target and 0 < r.port < 65536]
    ctx.log("srv", name, started, "ok" if offered else "not_found")
    return offered
