"""Shared state of one discovery run: timing knobs, the look-up log, progress, and source reports."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deskmail.core.serverconfig import Candidate, ServerConfig
from deskmail.core.settings import Settings
from deskmail.discovery.address import Address
from deskmail.discovery.model import Origin, ProviderConfig, build_candidates
from deskmail.discovery.providers import ProviderTable, bundled_table
from deskmail.net.http import HttpClient
from deskmail.net.resolver import Resolver

log = logging.getLogger(__name__)

# Lower number = preferred (the IETF autoconfig draft's order, SRV after the provider's own files).
PRIORITY = {"bundled": 0, "autoconfig": 1, "wellknown": 2, "srv": 3, "ispdb": 4, "mx": 5, "http": 6, "guess": 7}


@dataclass(frozen=True)
class Timing:
    """Every time limit of a run, in seconds; tests and benchmarks shrink them."""

    deadline: float = 8.0  # the whole run
    grace: float = 1.0  # how long a finished lower-priority answer waits for higher-priority sources
    http_timeout: float = 5.0  # one HTTP request, redirects included
    dns_timeout: float = 3.0  # one DNS query
    probe_timeout: float = 3.0  # each step of one server probe
    guess_after: float = 2.5  # start probing early if nothing was found by then (results still wait)
    probe_stagger: float = 0.25  # delay between starting two probes
    probes_in_flight: int = 4


@dataclass
class Lookup:
    source: str
    target: str
    ms: int
    result: str  # ok | not_found | error: ...

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "ms": self.ms, "result": self.result}


@dataclass
class SourceReport:
    """What one source found: IMAP candidates, or why there are none."""

    name: str
    kind: str = "none"  # found | pop3_only | oauth_only | no_imap | none
    candidates: list[Candidate] = field(default_factory=list)
    pop3: list[ServerConfig] = field(default_factory=list)
    config: ProviderConfig | None = None

    @property
    def priority(self) -> int:
        return PRIORITY[self.name]

    @property
    def useful(self) -> bool:
        return self.kind != "none"


class Context:
    """Everything the sources share; methods are thread-safe."""

    def __init__(
        self,
        address: Address,
        settings: Settings,
        timing: Timing,
        progress: Callable[[str], None] | None = None,
        table: ProviderTable | None = None,
    ) -> None:
        self.address = address
        self.settings = settings
        self.timing = timing
        self.table = table or bundled_table()
        self._progress = progress
        self._lock = threading.Lock()
        self._said: set[str] = set()
        self.lookups: list[Lookup] = []
        self.started = time.monotonic()
        self.no_such_domain = False  # the e-mail domain itself got NXDOMAIN
        self.no_mail_servers = False  # null MX, or neither MX nor address records
        self.answers = 0  # network answers of any kind (even "no such name"): we are online
        self.offline_failures = 0  # DNS timeouts and unreachable networks
        self._resolver: Resolver | None = None
        self._http: HttpClient | None = None

    @property
    def resolver(self) -> Resolver:
        with self._lock:
            if self._resolver is None:
                self._resolver = Resolver(self.settings.dns_server, timeout=self.timing.dns_timeout)
            return self._resolver

    @property
    def http(self) -> HttpClient:
        resolver = self.resolver
        with self._lock:
            if self._http is None:
                self._http = HttpClient(self.settings, resolver)
            return self._http

    def say(self, text: str) -> None:
        """Report progress once per distinct message."""
        with self._lock:
            if text in self._said or self._progress is None:
                return
            self._said.add(text)
        self._progress(text)

    def log(self, source: str, target: str, started: float, result: str) -> None:
        ms = int((time.monotonic() - started) * 1000)
        log.debug("discovery %s %s: %s (%d ms)", source, target, result, ms)  # for support staff's log files
        with self._lock:
            self.lookups.append(Lookup(source, target, ms, result))

    def lookups_so_far(self) -> list[Lookup]:
        with self._lock:
            return list(self.lookups)

    def note_answer(self) -> None:
        with self._lock:
            self.answers += 1

    def note_offline_failure(self) -> None:
        with self._lock:
            self.offline_failures += 1

    def report(self, name: str, config: ProviderConfig, origin: Origin) -> SourceReport:
        """Turn a provider configuration into a report for this address."""
        candidates = build_candidates(config, self.address, origin)
        pop3 = [entry.resolve(self.address) for entry in config.pop3]
        if config.login == "none" or (not config.imap and not config.pop3):
            kind = "no_imap"
        elif config.pop3_only:  # a POP3 account works too (downloaded to this computer) if mail can be sent
            kind = "found" if any(c.outgoing is not None for c in candidates) else "pop3_only"
        elif config.oauth_only:
            kind = "oauth_only"
        elif any(c.outgoing is not None for c in candidates):
            kind = "found"
        else:
            kind = "none"  # IMAP without SMTP: kept as an alternative, never the answer
        return SourceReport(name, kind, candidates, pop3, config)
