"""A message already in the store opens while the account's queue is busy (e.g. a long first sync)."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import CancelToken
from deskmail.qtbridge.tasks import Progress
from deskmail.ui.mail import gallery

pytestmark = pytest.mark.gui


def test_cached_message_opens_during_a_sync(qtbot: QtBot) -> None:
    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    release = threading.Event()

    def long_sync(cancel: CancelToken, progress: Progress) -> None:
        release.wait(20)

    busy = view.context.runner.run(long_sync, key="anna@example.test", name="long-sync")
    try:
        row = next(r for r in range(view.model.rowCount()) if view.model.summary(r).subject == "Dinner on Friday?")  # type: ignore[union-attr]
        view.list.select_row(row)
        qtbot.waitUntil(lambda: view.reading_pane.rendered is not None, timeout=10000)
        assert not busy.done  # the account's queue is still busy: the store answered directly
        assert "lasagne" in view.reading_pane.rendered.message.text  # type: ignore[union-attr]
    finally:
        release.set()
    qtbot.waitUntil(lambda: busy.done, timeout=10000)
