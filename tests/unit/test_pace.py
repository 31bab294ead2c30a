"""Long loops leave the GIL to a window that fell behind, and never pause for the command line."""

from __future__ import annotations

import pytest

from deskmail.engine import pace


@pytest.fixture
def rests(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(pace, "_watching", False)
    monkeypatch.setattr(pace, "_watchers", set())
    monkeypatch.setattr(pace, "_heard", 0.0)
    monkeypatch.setattr(pace, "_next", 0.0)
    monkeypatch.setattr(pace.time, "sleep", slept.append)
    return slept


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1000.0]
    monkeypatch.setattr(pace.time, "monotonic", lambda: clock[0])
    return clock


def test_without_a_window_nothing_pauses(rests: list[float], now: list[float]) -> None:
    for _ in range(50):
        now[0] += 1.0
        pace.pause_if_due()
    assert rests == []


def test_a_window_that_keeps_up_is_not_waited_for(rests: list[float], now: list[float]) -> None:
    pace.watching(True)
    for _ in range(50):
        now[0] += pace.BEAT_MS / 1000
        pace.heard()
        pace.pause_if_due()
    assert rests == []


def test_a_window_behind_gets_rests_until_it_beats_again(rests: list[float], now: list[float]) -> None:
    pace.watching(True)
    now[0] += pace.STALE_SECONDS * 2
    pace.pause_if_due()
    pace.pause_if_due()  # right after a rest: some work first
    assert rests == [pace.REST_SECONDS]
    now[0] += pace.WORK_SECONDS
    pace.pause_if_due()
    assert rests == [pace.REST_SECONDS] * 2
    pace.heard()
    now[0] += pace.WORK_SECONDS
    pace.pause_if_due()
    assert len(rests) == 2
    pace.watching(False)  # the sync ended or the window closed
    now[0] += 10.0
    pace.pause_if_due()
    assert len(rests) == 2


def test_the_window_beats_until_both_a_sync_and_a_search_ended(rests: list[float], now: list[float]) -> None:
    pace.watching(True)  # a sync
    pace.watching(True, "search")
    pace.watching(False)  # the sync ended; the search still runs
    now[0] += pace.STALE_SECONDS * 2
    pace.pause_if_due()
    assert rests == [pace.REST_SECONDS]
    pace.watching(False, "search")
    now[0] += 10.0
    pace.pause_if_due()
    assert rests == [pace.REST_SECONDS]
