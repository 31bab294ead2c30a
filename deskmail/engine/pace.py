"""Long loops that share the interpreter with a window give it the GIL now and then.

A sync thread releases the GIL for every TLS record it reads and every row SQLite stores, and
takes it straight back: the window's thread, woken each time, loses the race and starts its
5 ms wait for a switch anew, so it never asks for one (the convoy effect of CPython's GIL;
sys.setswitchinterval does not help). Measured on a 100k first sync: the window stalled for
75-130 ms at a time. Pausing 1 ms after every 5 ms of such work let it run within 40-50 ms,
and the sync took no longer (it waits for the server meanwhile). Off unless a window asks:
the command line has nobody to share with.
"""

from __future__ import annotations

import time

WORK_SECONDS = 0.005
REST_SECONDS = 0.001

_enabled = False
_due = 0.0  # time.monotonic() of the next pause (shared by all threads: an extra pause is harmless)


def share_with_window() -> None:
    """From now on `pause_if_due` pauses: a window in this process needs the GIL promptly."""
    global _enabled
    _enabled = True


def pause_if_due() -> None:
    """Call often from a long loop: once WORK_SECONDS have passed, sleep REST_SECONDS (GIL released)."""
    global _due
    if not _enabled:
        return
    now = time.monotonic()
    if now >= _due:
        if _due:
            time.sleep(REST_SECONDS)
        _due = time.monotonic() + WORK_SECONDS
