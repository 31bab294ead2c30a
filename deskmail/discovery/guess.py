"""The last resort: probe common host names (pop./pop3. only when no IMAP answers), implicit TLS first.

A probe only reads the greeting and CAPABILITY / EHLO; it counts only if TLS verifies (for
STARTTLS: advertised, and the upgrade verifies). Plaintext is never guessed, no password is sent.
"""

from __future__ import annotations

import functools
import queue
import ssl
import threading
import time
from dataclasses import dataclass

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.i18n import _
from deskmail.core.serverconfig import STANDARD_PORTS, Protocol, Security
from deskmail.discovery.context import Context, SourceReport
from deskmail.discovery.model import Origin, ProviderConfig, ServerEntry
from deskmail.discovery.probe import ProbeError, probe
from deskmail.discovery.threads import run_all
from deskmail.net import tls
from deskmail.net.resolver import DnsError, NoSuchDomain
from deskmail.net.stream import NetError


@dataclass(frozen=True)
class Probe:
    protocol: Protocol
    host: str
    security: Security

    @property
    def port(self) -> int:
        return STANDARD_PORTS[(self.protocol, self.security)]

    def __str__(self) -> str:
        return f"{self.protocol} {self.host}:{self.port} ({self.security})"


_SECURITIES = (Security.SSL, Security.STARTTLS)  # plaintext is never guessed


def probe_plan(domain: str) -> list[Probe]:
    """Every probe, best first, IMAP and SMTP interleaved so both make progress."""
    imap = [Probe(Protocol.IMAP, f"{p}{domain}", s) for s in _SECURITIES for p in ("imap.", "mail.", "")]
    smtp = [Probe(Protocol.SMTP, f"{p}{domain}", s) for s in _SECURITIES for p in ("smtp.", "mail.", "")]
    return [probe for pair in zip(imap, smtp, strict=True) for probe in pair]


def guess_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    """Probe imap./mail./bare and smtp./mail./bare names of the domain; always needs confirmation."""
    ctx.say(_("Trying common server names..."))
    config = ProviderConfig(id=ctx.address.domain, name=ctx.address.domain_unicode)
    _probe_all(ctx, probe_plan(ctx.address.domain), config, cancel)
    if not config.incoming and config.outgoing:  # no IMAP: a POP3 server is still a working account
        _probe_all(ctx, pop3_plan(ctx.address.domain), config, cancel)
    if not config.incoming:
        return SourceReport("guess")
    reason = _("Found by trying common server names: please confirm that these servers belong to your provider.")
    return ctx.report("guess", config, Origin("guess", f"probe:{ctx.address.domain}", False, reason))


def pop3_plan(domain: str) -> list[Probe]:
    """POP3 names, tried only when no IMAP server answered."""
    return [Probe(Protocol.POP3, f"{p}{domain}", s) for s in _SECURITIES for p in ("pop.", "pop3.")]


def _probe_all(ctx: Context, plan: list[Probe], config: ProviderConfig, cancel: CancelToken) -> None:
    """Probe `plan` and add the servers that answered well to `config`."""
    # Resolve every name at once first: most do not exist, and probing them one by one would
    # cost a round trip each.
    hosts = sorted({item.host for item in plan})
    answers = run_all([functools.partial(_resolve, ctx, host, cancel) for host in hosts], cancel)
    cancel.raise_if_cancelled()
    addresses = {host: found for host, found in zip(hosts, answers, strict=True) if isinstance(found, list) and found}
    plan = [item for item in plan if item.host in addresses]
    outcomes = _run_probes(ctx, plan, addresses, cancel)
    for index, item in enumerate(plan):
        if outcomes.get(index) is True:
            entry = ServerEntry(str(item.protocol), item.host, item.port, item.security)
            (config.outgoing if item.protocol is Protocol.SMTP else config.incoming).append(entry)


def _resolve(ctx: Context, host: str, cancel: CancelToken) -> list[str]:
    started = time.monotonic()
    try:
        found = ctx.resolver.addresses(host, cancel)
    except NoSuchDomain:
        ctx.log("guess", host, started, "not_found")
        return []
    except DnsError as exc:
        ctx.log("guess", host, started, f"error: {exc}")
        return []
    ctx.log("guess", host, started, "ok" if found else "not_found")
    return found


def _run_probes(
    ctx: Context, plan: list[Probe], addresses: dict[str, list[str]], cancel: CancelToken
) -> dict[int, bool]:
    """Probes of one protocol start `probe_stagger` apart (at once after a failure); a few in flight."""
    context = tls.shared_client_context(ctx.settings)
    results: queue.Queue[tuple[int, bool]] = queue.Queue()
    outcomes: dict[int, bool] = {}
    running: dict[int, Protocol] = {}
    last_start: dict[Protocol, float] = {}
    next_index = 0
    timing = ctx.timing
    while not _settled(plan, outcomes) and not cancel.cancelled:
        now = time.monotonic()
        item = plan[next_index] if next_index < len(plan) else None
        if item is not None and len(running) < timing.probes_in_flight:
            busy = item.protocol in running.values()
            if not busy or now - last_start.get(item.protocol, 0.0) >= timing.probe_stagger:
                _start(ctx, item, next_index, addresses[item.host], context, cancel, results)
                running[next_index], last_start[item.protocol] = item.protocol, now
                next_index += 1
                continue
        if not running:
            break
        try:
            index, ok = results.get(timeout=max(0.01, timing.probe_stagger / 4))
        except queue.Empty:
            continue
        outcomes[index] = ok
        protocol = running.pop(index)
        if not ok:
            last_start[protocol] = 0.0  # a failure frees its slot at once
    return outcomes


def _settled(plan: list[Probe], outcomes: dict[int, bool]) -> bool:
    """Done when, for each protocol, some probe worked and every better one has finished."""
    for protocol in {p.protocol for p in plan}:
        indexes = [i for i, p in enumerate(plan) if p.protocol is protocol]
        first_ok = next((i for i in indexes if outcomes.get(i) is True), None)
        if first_ok is None or any(i not in outcomes for i in indexes if i < first_ok):
            return False
    return True


def _start(
    ctx: Context,
    item: Probe,
    index: int,
    addresses: list[str],
    context: ssl.SSLContext,
    cancel: CancelToken,
    results: queue.Queue[tuple[int, bool]],
) -> None:
    def work() -> None:
        started = time.monotonic()
        ok = False
        try:
            probe(
                item.protocol,
                item.host,
                item.port,
                item.security,
                resolver=ctx.resolver,
                context=context,
                cancel=cancel,
                timeout=ctx.timing.probe_timeout,
                addresses=addresses,
            )
            ok = True
            ctx.log("guess", str(item), started, "ok")
        except Cancelled:
            ctx.log("guess", str(item), started, "error: cancelled")
        except NetError as exc:
            ctx.log("guess", str(item), started, "not_found" if exc.kind == "no_such_host" else f"error: {exc}")
        except ProbeError as exc:
            ctx.log("guess", str(item), started, f"error: {exc}")
        finally:
            results.put((index, ok))

    threading.Thread(target=work, daemon=True, name="discovery-probe").start()
