"""Long loops that share the interpreter with a window give it the GIL when it has waited too long.

A sync thread releases the GIL for every TLS record it reads and every row SQLite stores, and
takes it straight back: the window's thread, woken each time, loses the race and starts its
5 ms wait for a switch anew, so it never asks for one (the convoy effect of CPython's GIL;
sys.setswitchinterval does not help). Measured on a 100k first sync: the window stalled for
75-150 ms at a time.

So while a window watches (`watching(True)`), its event loop calls `heard()` every few ms; a loop
calling `pause_if_due()` that finds the last beat older than STALE_SECONDS sleeps REST_SECONDS
with the GIL released (at most once per WORK_SECONDS), which the window then takes. Nobody
pauses while the window keeps up, and nothing pauses in the command line (nobody watches).
"""

from __future__ import annotations

import time

BEAT_MS = 10  # how often a watching window says it is alive
STALE_SECONDS = 0.02  # a beat this old: the window waits (for the GIL, most likely)
REST_SECONDS = 0.001
WORK_SECONDS = 0.005  # the least work between two rests

_watching = False
_watchers: set[str] = set()  # the work the window waits for now ("sync", "search")
_heard = 0.0  # time.monotonic() of the window's last beat
_next = 0.0  # time.monotonic() before which no rest is due


def watching(on: bool, work: str = "sync") -> None:
    """A window in this process starts (or stops) beating while `work` it waits for runs."""
    global _watching
    heard()
    (_watchers.add if on else _watchers.discard)(work)
    _watching = bool(_watchers)


def heard() -> None:
    """The window's event loop ran just now (call it every BEAT_MS while watching)."""
    global _heard
    _heard = time.monotonic()


def pause_if_due() -> None:
    """Call often from a long loop: sleeps briefly, GIL released, while the watching window lags behind.

    At most one rest per WORK_SECONDS: a window that waits for a core, not for the GIL, gains
    nothing from more, and the loop (a first sync) loses at most a sixth of its time meanwhile.
    """
    global _next
    if not _watching:
        return
    now = time.monotonic()
    if now - _heard > STALE_SECONDS and now >= _next:
        time.sleep(REST_SECONDS)
        _next = time.monotonic() + WORK_SECONDS
