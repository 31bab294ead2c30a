"""Sources that download config-v1.1.xml: the provider's own server (https, then http) and the ISPDB."""

from __future__ import annotations

import functools
import time
from urllib.parse import quote

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.i18n import _
from deskmail.discovery.autoconfig import MAX_CONFIG_BYTES, ConfigError, parse_config
from deskmail.discovery.context import Context, SourceReport
from deskmail.discovery.model import Origin, ProviderConfig
from deskmail.discovery.threads import run_all
from deskmail.net.http import HttpError, HttpResponse

# Failures that happen when the network is down (a DNS server failing looks the same from here).
_OFFLINE_KINDS = ("dns_timeout", "dns", "unreachable")


def autoconfig_url(domain: str, email: str) -> str:
    return f"https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={quote(email, safe='@')}"


def wellknown_url(domain: str, scheme: str = "https") -> str:
    return f"{scheme}://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"


def ispdb_url(ctx: Context, domain: str) -> str:
    return ctx.settings.ispdb_url + quote(domain)


def autoconfig_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=<address>."""
    domain = ctx.address.domain
    ctx.say(_("Asking {domain} for its settings...").format(domain=ctx.address.domain_unicode))
    url = autoconfig_url(domain, ctx.address.ascii_email)
    return _from_url(ctx, "autoconfig", url, cancel, _published(ctx))


def wellknown_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml."""
    ctx.say(_("Asking {domain} for its settings...").format(domain=ctx.address.domain_unicode))
    url = wellknown_url(ctx.address.domain)
    return _from_url(ctx, "wellknown", url, cancel, _published(ctx))


def _published(ctx: Context) -> str:
    return _("{domain} publishes these settings, fetched over a secure connection.").format(
        domain=ctx.address.domain_unicode
    )


def http_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """The two http variants, last and never trusted; the address is never put in the URL."""
    domain = ctx.address.domain
    urls = (f"http://autoconfig.{domain}/mail/config-v1.1.xml", wellknown_url(domain, "http"))
    reports = run_all([functools.partial(_from_url, ctx, "http", url, cancel, "") for url in urls], cancel)
    cancel.raise_if_cancelled()
    return next((r for r in reports if isinstance(r, SourceReport) and r.useful), SourceReport("http"))


def ispdb_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """The central provider database (Thunderbird's ISPDB or DESKMAIL_ISPDB_URL)."""
    ctx.say(_("Checking the provider database..."))
    url = ispdb_url(ctx, ctx.address.domain)
    reason = _("The provider database lists these settings, fetched over a secure connection.")
    return _from_url(ctx, "ispdb", url, cancel, reason)


def _from_url(ctx: Context, name: str, url: str, cancel: CancelToken, trusted_reason: str) -> SourceReport:
    fetched = fetch_config(ctx, name, url, cancel)
    if fetched is None:
        return SourceReport(name)
    config, response = fetched
    return ctx.report(name, config, origin_for(response, name, trusted_reason))


def origin_for(response: HttpResponse, name: str, trusted_reason: str) -> Origin:
    """Trusted only when every hop was https (and the caller vouches for the source with `trusted_reason`)."""
    if response.all_https and trusted_reason:
        return Origin(name, response.url, True, trusted_reason)
    if not response.all_https:
        reason = _("Fetched over an unencrypted connection, so it could have been changed: please confirm.")
    else:
        reason = _("Found indirectly: please confirm that these servers belong to your provider.")
    return Origin(name, response.url, False, reason)


def fetch_config(ctx: Context, name: str, url: str, cancel: CancelToken) -> tuple[ProviderConfig, HttpResponse] | None:
    """Download and parse one config file, logging the look-up; None if there is none."""
    started = time.monotonic()
    try:
        response = ctx.http.get(url, cancel=cancel, timeout=ctx.timing.http_timeout, max_bytes=MAX_CONFIG_BYTES)
    except Cancelled:
        ctx.log(name, url, started, "error: cancelled")
        raise
    except HttpError as exc:
        if exc.kind in _OFFLINE_KINDS:
            ctx.note_offline_failure()
        elif exc.kind != "timeout":
            ctx.note_answer()  # refused, no such host, bad certificate: the network works
        result = "not_found" if exc.kind == "no_such_host" else f"error: {exc}"
        ctx.log(name, url, started, result)
        return None
    ctx.note_answer()
    if response.status == 404 or response.status == 410:
        ctx.log(name, url, started, "not_found")
        return None
    if response.status != 200:
        ctx.log(name, url, started, f"error: HTTP {response.status}")
        return None
    if response.truncated:
        ctx.log(name, url, started, f"error: larger than {MAX_CONFIG_BYTES // 1024} KB, ignored")
        return None
    try:
        config = parse_config(response.body)
    except ConfigError as exc:
        ctx.log(name, url, started, f"error: {exc}")
        return None
    ctx.log(name, response.url, started, "ok")
    return config, response
