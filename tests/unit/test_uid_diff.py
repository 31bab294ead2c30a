"""A folder's UID diff (what the store lacks, newest first; what the server lost; what both hold)
is walked in slices with pace checkpoints, so a window sharing the process is never frozen by it."""

from __future__ import annotations

import pytest

from deskmail.engine.imap import sync
from deskmail.engine.imap.sync import uid_diff
from deskmail.engine.uidset import STEP


def test_what_is_gone_kept_and_missing() -> None:
    gone, kept, missing = uid_diff([2, 3, 5, 8, 9], [1, 3, 4, 9, 12])
    assert gone == [1, 4, 12]
    assert kept == [3, 9]
    assert missing == [8, 5, 2]  # newest first


def test_empty_sides() -> None:
    assert uid_diff([], []) == ([], [], [])
    assert uid_diff([4, 7], []) == ([], [], [7, 4])
    assert uid_diff([], [4, 7]) == ([4, 7], [], [])


def test_a_first_sync_of_a_big_inbox_after_its_first_screen() -> None:
    server = list(range(1, 3 * STEP + 100))
    gone, kept, missing = uid_diff(server, server[-50:])
    assert gone == [] and kept == server[-50:]
    assert missing == server[-51::-1]


def test_a_big_folder_is_walked_with_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoints: list[int] = []
    monkeypatch.setattr(sync, "pause_if_due", lambda: checkpoints.append(1))
    server = list(range(1, 10 * STEP + 1))
    local = [*server[: 4 * STEP], 10 * STEP + 5]
    gone, kept, missing = uid_diff(server, local)
    assert gone == [10 * STEP + 5] and len(kept) == 4 * STEP and len(missing) == 6 * STEP
    # at least one checkpoint per slice of each walk: the window gets the GIL between them
    assert len(checkpoints) >= 10 + 2 * 4
