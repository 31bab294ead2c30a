"""The window loads the MIME stack ahead of the first message, but never while a sync streams in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import deskmail.ui.mail.view as view_module
from deskmail.qtbridge.tasks import TaskRunner
from tests.gui.test_mail_testbed import open_window, view_of
from tests.integration.imaptools import message

pytestmark = pytest.mark.gui


def test_the_mime_stack_loads_once_the_first_sync_is_done(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password = "warm-up@example.test", "warm-up-pw"
    testbed.mail.add_user(email, password)
    for n in range(300):
        testbed.mail.put_message(email, message(f"Number {n:03}"), name=f"{1_700_000_000 + n}.warm{n:03}.bed")
    monkeypatch.setattr(view_module, "WARM_UP_MS", 0)  # as soon as the window is ready: its first sync has begun
    started: list[tuple[str, set[str]]] = []  # each task's name, and the tasks still running when it started
    run = TaskRunner.run

    def noted(self: TaskRunner, fn: Any, **kwargs: Any) -> Any:
        started.append((kwargs.get("name", ""), {task.name for task in self.active}))
        return run(self, fn, **kwargs)

    monkeypatch.setattr(TaskRunner, "run", noted)
    window = open_window(qtbot, testbed, deskmail_home, email, password, testbed.mail.host)
    try:
        view = view_of(window)
        qtbot.waitUntil(lambda: any(name == "load-mime" for name, _ in started), timeout=30000)
        assert view.model.rowCount() == 300  # the sync was over
        ((_, meanwhile),) = [(name, running) for name, running in started if name == "load-mime"]
        assert "sync" not in meanwhile
    finally:
        window.close()
        window.runner.shutdown(wait=True)  # type: ignore[attr-defined]
