"""The last resort: probe common host names, implicit TLS first, several probes staggered in flight.

A probe only reads the greeting and CAPABILITY / EHLO; it counts only if TLS verifies (for
STARTTLS: advertised, and the upgrade verifies). Plaintext is never guessed, no password is sent.
"""

from __future__ import annotations

import queue
import ssl
import threading
import time
from dataclasses import dataclass

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.serverconfig import STANDARD_PORTS, Protocol, Security
from deskmail.discovery.context import Context, SourceReport
from deskmail.discovery.model import Origin, ProviderConfig, ServerEntry
from deskmail.discovery.probe import ProbeError, probe
from deskmail.net import tls
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


def probe_plan(domain: str) -> list[Probe]:
    """Every probe, best first, IMAP and SMTP interleaved so both make progress."""
    imap = [Probe(Protocol.IMAP, f"{p}{domain}", s) for s in _SECURITIES for p in ("imap.", "mail.", "")]
    smtp = [Probe(Protocol.SMTP, f"{p}{domain}", s) for s in _SECURITIES for p in ("smtp.", "mail.", "")]
    return [probe for pair in zip(imap, smtp, strict=True) for probe in pair]


_SECURITIES = (Security.SSL, Security.STARTTLS)


def guess_source(ctx: Context, cancel: CancelToken) -> SourceReport:
    ctx.say("Trying common server names...")
    plan = probe_plan(ctx.address.domain)
    outcomes = _run_probes(ctx, plan, cancel)
    config = ProviderConfig(id=ctx.address.domain, name=ctx.address.domain_unicode)
    for index, item in enumerate(plan):
        if outcomes.get(index) is True:
            entry = ServerEntry(str(item.protocol), item.host, item.port, item.security)
            (config.incoming if item.protocol is Protocol.IMAP else config.outgoing).append(entry)
    if not config.incoming:
        return SourceReport("guess")
    reason = "Found by trying common server names: please confirm that these servers belong to your provider."
    return ctx.report("guess", config, Origin("guess", f"probe:{ctx.address.domain}", False, reason))


def _run_probes(ctx: Context, plan: list[Probe], cancel: CancelToken) -> dict[int, bool]:
    """Start probes one `probe_stagger` apart (at once after a failure), a few in flight at most."""
    context = tls.shared_client_context(ctx.settings)
    results: queue.Queue[tuple[int, bool]] = queue.Queue()
    outcomes: dict[int, bool] = {}
    next_index, in_flight, last_start = 0, 0, 0.0
    timing = ctx.timing
    while not _settled(plan, outcomes):
        if cancel.cancelled:
            break
        now = time.monotonic()
        may_start = in_flight == 0 or (in_flight < timing.probes_in_flight and now - last_start >= timing.probe_stagger)
        if next_index < len(plan) and may_start:
            _start(ctx, plan[next_index], next_index, context, cancel, results)
            next_index, in_flight, last_start = next_index + 1, in_flight + 1, now
            continue
        if in_flight == 0:
            break
        try:
            index, ok = results.get(timeout=max(0.01, timing.probe_stagger - (time.monotonic() - last_start)))
        except queue.Empty:
            continue
        outcomes[index] = ok
        in_flight -= 1
        if not ok:
            last_start = 0.0  # a failure frees its slot at once
    return outcomes


def _settled(plan: list[Probe], outcomes: dict[int, bool]) -> bool:
    """Done when, for each protocol, some probe worked and every better one has finished."""
    for protocol in (Protocol.IMAP, Protocol.SMTP):
        indexes = [i for i, p in enumerate(plan) if p.protocol is protocol]
        first_ok = next((i for i in indexes if outcomes.get(i) is True), None)
        if first_ok is None or any(i not in outcomes for i in indexes if i < first_ok):
            return False
    return True


def _start(
    ctx: Context,
    item: Probe,
    index: int,
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
