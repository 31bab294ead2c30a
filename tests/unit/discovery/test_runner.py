"""Settling the answer among parallel sources: priority, grace period, deadline, outcomes.

The sources here are stand-ins that sleep and return canned reports (pure scheduling logic);
the real sources against real servers are in tests/integration/test_discovery_*.py.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Security
from deskmail.core.settings import Settings
from deskmail.discovery import DiscoveryResult, Outcome, Timing, discover, parse_address, runner
from deskmail.discovery.context import Context, SourceReport
from deskmail.discovery.model import Origin, ProviderConfig, ServerEntry
from deskmail.discovery.providers import ProviderTable
from deskmail.discovery.runner import Source

FAST = Timing(deadline=3.0, grace=0.3, guess_after=2.0)
EMPTY_TABLE = ProviderTable(())
SETTINGS = Settings(dns_server=("127.0.0.1", 9))  # never used: every source here is a stand-in


def config(host: str, *, pop3_only: bool = False) -> ProviderConfig:
    kind = "pop3" if pop3_only else "imap"
    return ProviderConfig(
        id=host,
        name=host,
        incoming=[ServerEntry(kind, host, 993, Security.SSL)],
        outgoing=[ServerEntry("smtp", host, 465, Security.SSL)],
    )


def answer(name: str, host: str, delay: float, *, pop3_only: bool = False) -> Source:
    def source(ctx: Context, cancel: CancelToken) -> SourceReport:
        if cancel.wait(delay):
            return SourceReport(name)
        return ctx.report(name, config(host, pop3_only=pop3_only), Origin(name, "x", True, "test"))

    return source


def nothing(name: str, delay: float, on_cancel: Callable[[], None] | None = None) -> Source:
    def source(ctx: Context, cancel: CancelToken) -> SourceReport:
        if cancel.wait(delay) and on_cancel:
            on_cancel()
        return SourceReport(name)

    return source


def run(sources: dict[str, Source], timing: Timing = FAST) -> DiscoveryResult:
    return discover(
        "a@example.test",
        settings=SETTINGS,
        timing=timing,
        table=EMPTY_TABLE,
        sources=sources,
    )


def test_highest_priority_wins_among_conflicting_answers() -> None:
    result = run(
        {
            "ispdb": answer("ispdb", "ispdb.example.test", 0.0),
            "autoconfig": answer("autoconfig", "autoconfig.example.test", 0.05),
            "srv": answer("srv", "srv.example.test", 0.0),
        }
    )
    assert result.outcome is Outcome.FOUND
    assert [c.source for c in result.candidates] == ["autoconfig", "srv", "ispdb"]
    assert result.candidates[0].incoming.host == "autoconfig.example.test"


def test_late_higher_priority_answer_within_grace_still_wins() -> None:
    result = run(
        {
            "autoconfig": answer("autoconfig", "late.example.test", 0.2),
            "ispdb": answer("ispdb", "early.example.test", 0.0),
        },
        dataclasses.replace(FAST, grace=1.0),
    )
    assert result.candidates[0].incoming.host == "late.example.test"


def test_higher_priority_answer_after_grace_is_not_awaited() -> None:
    cancelled = threading.Event()
    result = run(
        {
            "autoconfig": nothing("autoconfig", 30.0, cancelled.set),
            "ispdb": answer("ispdb", "early.example.test", 0.0),
        },
        dataclasses.replace(FAST, grace=0.1),
    )
    assert result.candidates[0].incoming.host == "early.example.test"
    assert cancelled.wait(2.0)  # the straggler was told to stop


def test_overall_deadline_is_kept_and_ends_not_found() -> None:
    cancelled = threading.Event()
    result = run(
        {"autoconfig": nothing("autoconfig", 30.0, cancelled.set)},
        dataclasses.replace(FAST, deadline=0.3, guess_after=10.0),
    )
    assert result.outcome is Outcome.NOT_FOUND
    assert cancelled.wait(2.0)


def test_guess_counts_only_when_every_other_source_found_nothing() -> None:
    timing = dataclasses.replace(FAST, guess_after=0.0)
    context = Context(parse_address("a@example.test"), SETTINGS, timing, table=EMPTY_TABLE)
    guess = answer("guess", "guessed.example.test", 0.0)
    reports = runner.run_sources(context, CancelToken(), {"autoconfig": nothing("autoconfig", 0.2)}, guess)
    assert {r.name for r in reports} == {"autoconfig", "guess"}
    assert runner.best_report(reports, set()) is not None
    assert runner.best_report(reports, {"autoconfig"}) is None  # not while others still run


def test_pop3_only_answer_is_a_usable_pop3_candidate() -> None:
    result = run({"ispdb": answer("ispdb", "pop.example.test", 0.0, pop3_only=True)})
    assert result.outcome is Outcome.FOUND and result.usable
    assert result.candidates[0].incoming.protocol == "pop3" and result.candidates[0].outgoing is not None
    assert result.pop3[0].host == "pop.example.test"  # the compatibility list stays


def test_imap_disabled_relabel_keeps_candidates_and_names_the_link() -> None:
    result = run({"ispdb": answer("ispdb", "imap.example.test", 0.0)})
    result.candidates[0].enable_url = "https://example.test/turn-on"
    relabelled = result.imap_disabled()
    assert relabelled.outcome is Outcome.IMAP_DISABLED
    assert "https://example.test/turn-on" in relabelled.message
    assert relabelled.to_json()["outcome"] == "imap_disabled"
