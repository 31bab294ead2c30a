"""Cancelling the download of a 50 MB message stops it mid-stream and leaves no partial file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from tests.integration.test_big_message import ATTACHMENT_SIZE, runtime_with_big_message
from tests.servers.bed import Testbed

CANCEL_AFTER = 2 * 1024 * 1024  # bytes on disk when the user presses Cancel


class CancelOnceStreaming(CancelToken):
    """Cancelled as soon as a partial download of at least CANCEL_AFTER bytes exists (the user gave up)."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self.seen_partial = 0

    @property
    def cancelled(self) -> bool:
        if self.directory.is_dir():
            for part in self.directory.glob(".part-*"):
                self.seen_partial = max(self.seen_partial, part.stat().st_size)
        return self.seen_partial >= CANCEL_AFTER


def test_cancelling_a_big_download_stops_it_and_leaves_no_file(testbed: Testbed, tmp_path: Path) -> None:
    runtime, summary = runtime_with_big_message(testbed, tmp_path, random.randbytes(ATTACHMENT_SIZE), "cancel")
    store = runtime.store()
    token = CancelOnceStreaming(store.bodies_dir)

    with pytest.raises(Cancelled):
        runtime.stored_body(summary, token)
    assert CANCEL_AFTER <= token.seen_partial < summary.size  # it stopped in the middle
    assert list(store.bodies_dir.iterdir()) == []  # no partial file left behind
    assert store.body(summary.id) is None

    body = runtime.stored_body(summary)  # asked again: a fresh connection fetches it whole
    assert body.path is not None and body.path.stat().st_size == body.size == summary.size
    assert [p.name for p in store.bodies_dir.iterdir()] == [body.path.name]
    runtime.close()
