"""Runs every source at once and settles the answer: priority, grace period, overall deadline.

A finished answer is accepted once no higher-priority source is still running, or once the
grace period since the first answer has passed. Guessing starts when everything else has
finished (or early, after `guess_after`, so it still fits the deadline) but its result only
counts when no other source is left. Whatever is still running when the answer is settled
or the deadline passes is cancelled.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.discovery.context import PRIORITY, Context, SourceReport
from deskmail.discovery.guess import guess_source
from deskmail.discovery.sources_dns import mx_source, srv_source
from deskmail.discovery.sources_http import autoconfig_source, http_source, ispdb_source, wellknown_source

log = logging.getLogger(__name__)

Source = Callable[[Context, CancelToken], SourceReport]
SOURCES: dict[str, Source] = {
    "autoconfig": autoconfig_source,
    "wellknown": wellknown_source,
    "srv": srv_source,
    "ispdb": ispdb_source,
    "mx": mx_source,
    "http": http_source,
}


def run_sources(
    ctx: Context, cancel: CancelToken, sources: dict[str, Source] | None = None, guess: Source | None = guess_source
) -> list[SourceReport]:
    """Every finished report, in the order they arrived."""
    timing = ctx.timing
    root = cancel.child(timing.deadline)
    reports: queue.Queue[SourceReport] = queue.Queue()
    pending: set[str] = set()
    for name, source in (sources or SOURCES).items():
        _launch(ctx, name, source, root, reports, pending)
    finished: list[SourceReport] = []
    start, settle_at, guess_started = time.monotonic(), float("inf"), guess is None
    deadline = start + timing.deadline
    while True:
        winner = best_report(finished, pending)
        now = time.monotonic()
        if winner is not None:
            if not any(PRIORITY[name] < winner.priority for name in pending):
                break
            settle_at = min(settle_at, now + timing.grace)
            if now >= settle_at:
                break
        elif ctx.no_such_domain and not any(r.useful for r in finished):
            break  # the domain does not exist: nothing else can help
        found_any = any(r.useful for r in finished)
        if not guess_started and not found_any and (not pending or now >= start + timing.guess_after):
            assert guess is not None
            _launch(ctx, "guess", guess, root, reports, pending)
            guess_started = True
        if not pending or now >= deadline:
            break
        wake = min(deadline, settle_at, start + timing.guess_after if not guess_started else deadline)
        try:
            report = reports.get(timeout=max(0.005, wake - now))
        except queue.Empty:
            continue
        pending.discard(report.name)
        finished.append(report)
    root.cancel()
    return finished


def best_report(finished: list[SourceReport], pending: set[str]) -> SourceReport | None:
    """The highest-priority useful report; a guess only once nothing else is running."""
    others_pending = any(name != "guess" for name in pending)
    useful = [r for r in finished if r.useful and not (r.name == "guess" and others_pending)]
    return min(useful, key=lambda r: r.priority) if useful else None


def _launch(
    ctx: Context,
    name: str,
    source: Source,
    root: CancelToken,
    reports: queue.Queue[SourceReport],
    pending: set[str],
) -> None:
    token = root.child()
    pending.add(name)

    def work() -> None:
        report = SourceReport(name)
        try:
            report = source(ctx, token)
        except Cancelled:
            pass
        except Exception as exc:  # a bug in one source must not sink the others
            log.exception("discovery source %s failed", name)
            ctx.log(name, ctx.address.domain, time.monotonic(), f"error: {type(exc).__name__}")
        finally:
            reports.put(report)

    threading.Thread(target=work, daemon=True, name=f"discovery-{name}").start()
