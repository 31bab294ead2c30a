"""Priority and timing on the real test bed: conflicting sources, late answers, the deadline."""

from __future__ import annotations

import dataclasses

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.discovery import Outcome, Timing, discover
from tests.integration.discovery_bed import TIMING, run
from tests.servers.bed import Testbed


def test_conflicting_sources_highest_priority_wins_and_the_rest_follow(bed: Testbed) -> None:
    result = run(bed, "a@dm-conflict.test", dataclasses.replace(TIMING, grace=3.0))
    hosts = [c.incoming.host for c in result.candidates]
    assert hosts[0] == "imap-autoconfig.dm-conflict.test"
    assert result.candidates[0].source == "autoconfig"
    # Lower-priority answers that were already in stay as alternatives, best source first.
    sources = [c.source for c in result.candidates]
    assert sources == sorted(sources, key=["autoconfig", "srv", "ispdb"].index)


def test_late_higher_priority_answer_within_grace_wins(bed: Testbed) -> None:
    # autoconfig answers after 2 s; the ISPDB at once. A 5 s grace lets autoconfig win.
    result = run(bed, "a@dm-late.test", dataclasses.replace(TIMING, grace=5.0))
    assert result.candidates[0].incoming.host == "imap-late.dm-late.test"
    assert "imap-early.x.test" in [c.incoming.host for c in result.candidates]


def test_late_higher_priority_answer_after_grace_loses(bed: Testbed) -> None:
    result = run(bed, "a@dm-late.test", dataclasses.replace(TIMING, grace=0.05))
    assert result.candidates[0].incoming.host == "imap-early.x.test"
    assert result.candidates[0].source == "ispdb"


@pytest.mark.timeout(60)
def test_overall_deadline_is_kept_when_servers_never_answer(bed: Testbed) -> None:
    # Per-request limits far beyond the test's own timeout: only the overall deadline can end this.
    patient = Timing(deadline=1.5, grace=1.0, http_timeout=600, dns_timeout=600, probe_timeout=600, guess_after=0.5)
    result = run(bed, "a@dm-slow.test", patient)
    assert result.outcome is Outcome.NOT_FOUND  # returning at all (within pytest's 60 s) is the point


def test_cancelling_stops_a_run(bed: Testbed) -> None:
    cancel = CancelToken()
    cancel.cancel()
    patient = Timing(deadline=600, http_timeout=600, dns_timeout=600, probe_timeout=600, guess_after=600)
    result = discover("a@dm-slow.test", settings=bed.settings, cancel=cancel, timing=patient)
    assert result.outcome is not Outcome.FOUND
