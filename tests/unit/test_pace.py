"""Long loops pause now and then for a window in the same process, and never for the command line."""

from __future__ import annotations

import pytest

from deskmail.engine import pace


@pytest.fixture
def rests(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(pace, "_enabled", False)
    monkeypatch.setattr(pace, "_due", 0.0)
    monkeypatch.setattr(pace.time, "sleep", slept.append)
    return slept


def test_without_a_window_nothing_pauses(rests: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(100))
    monkeypatch.setattr(pace.time, "monotonic", lambda: float(next(clock)))
    for _ in range(50):
        pace.pause_if_due()
    assert rests == []


def test_with_a_window_each_stretch_of_work_ends_in_a_rest(rests: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(pace.time, "monotonic", lambda: now[0])
    pace.share_with_window()
    pace.pause_if_due()  # the first call starts the first stretch
    for _ in range(4):  # within it: no rest
        now[0] += pace.WORK_SECONDS / 5
        pace.pause_if_due()
    assert rests == []
    now[0] += pace.WORK_SECONDS
    pace.pause_if_due()
    assert rests == [pace.REST_SECONDS]
    pace.pause_if_due()  # a new stretch began after the rest
    assert rests == [pace.REST_SECONDS]
