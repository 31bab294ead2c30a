"""E-mail address -> ranked, trust-labelled server settings. No Qt.

`discover()` answers from the bundled table at once when it can (no network); otherwise every
source runs in parallel (see runner.py) under one deadline.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.core.i18n import _
from deskmail.core.settings import Settings
from deskmail.discovery.address import AddressError, parse_address, typo_hint

if TYPE_CHECKING:
    from deskmail.discovery.context import Timing
    from deskmail.discovery.providers import ProviderTable
    from deskmail.discovery.result import DiscoveryResult, Outcome
    from deskmail.discovery.runner import Source

__all__ = ["AddressError", "DiscoveryResult", "Outcome", "Timing", "discover", "parse_address", "preload", "typo_hint"]
# The sources (HTTP, DNS, TLS) load on first use: the mail window imports address parsing only,
# and eagerly this package cost it ~115 ms of every start.
_LAZY = {
    "DiscoveryResult": "deskmail.discovery.result",
    "Outcome": "deskmail.discovery.result",
    "Timing": "deskmail.discovery.context",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def discover(
    email: str,
    *,
    settings: Settings,
    cancel: CancelToken = NEVER,
    progress: Callable[[str], None] | None = None,
    timeout: float = 8.0,
    timing: Timing | None = None,
    table: ProviderTable | None = None,
    sources: dict[str, Source] | None = None,
) -> DiscoveryResult:
    """Find IMAP + SMTP settings for `email`; raises AddressError for a malformed address."""
    from deskmail.discovery.context import Context, Timing
    from deskmail.discovery.model import Origin
    from deskmail.discovery.result import assemble
    from deskmail.discovery.runner import run_sources

    started = time.monotonic()
    address = parse_address(email)
    timing = timing or dataclasses.replace(Timing(), deadline=timeout)
    ctx = Context(address, settings, timing, progress, table)
    bundled = ctx.table.for_domain(address.domain)
    if bundled is not None:
        ctx.say(_("Checking Deskmail's list of providers..."))
        ctx.log("bundled", address.domain, started, "ok")
        reason = _("Deskmail's own list of providers.")
        report = ctx.report("bundled", bundled, Origin("bundled", f"bundled:{bundled.id}", True, reason))
        reports = [report]
    else:
        ctx.log("bundled", address.domain, started, "not_found")
        reports = run_sources(ctx, cancel, sources)
    hint = None if bundled else typo_hint(address)  # a listed domain is no typo (and stays offline-fast)
    result = assemble(ctx, reports, hint)
    result.ms = int((time.monotonic() - started) * 1000)
    return result


def preload(settings: Settings) -> None:
    """Do the slow one-time work (tables, suffix list, TLS trust store) early, e.g. while the user types."""
    from deskmail.discovery.domains import preload as load_suffix_list
    from deskmail.discovery.providers import bundled_table
    from deskmail.net.tls import shared_client_context

    bundled_table()
    load_suffix_list()
    shared_client_context(settings)
