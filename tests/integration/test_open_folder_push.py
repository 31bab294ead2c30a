"""The runtime pushes the open folder too: its own IDLE connection, replaced on switch, stopped on close."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from deskmail.core.cancel import CancelToken
from deskmail.engine.runtime import AccountRuntime
from tests.integration.imaptools import mailbox_runtime, message, new_mailbox
from tests.servers.bed import Testbed

DEADLINE = 20.0  # seconds; generous for a loaded machine (speed is measured in bench/, not here)


def _watcher_alive(folder: str) -> bool:
    return any(t.name == f"watch-{folder}" and t.is_alive() for t in threading.enumerate())


class _Worker:
    """The test thread plays the account's worker: it syncs each folder a watcher reports."""

    def __init__(self, runtime: AccountRuntime) -> None:
        self.runtime = runtime
        self.events: queue.Queue[str] = queue.Queue()
        self.reported: set[str] = set()  # folders a watcher reported so far

    def until(self, condition: Callable[[], bool], seconds: float = DEADLINE) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            try:
                folder = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.reported.add(folder)
            self.runtime.sync([folder])
        return condition()

    def subjects(self, folder: str) -> list[str]:
        store = self.runtime.store()
        row = store.folder(folder)
        return [m.subject for m in store.messages(row.id)] if row else []


def test_the_open_folder_is_pushed_and_follows_the_user(testbed: Testbed, tmp_path: Path) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    other = mailbox.connect()
    other.create_folder("Work")
    other.create_folder("Later")
    runtime = mailbox_runtime(testbed, mailbox.email, tmp_path)
    runtime.sync()
    worker = _Worker(runtime)
    token = CancelToken()
    try:
        runtime.watch(worker.events.put, token)
        runtime.watch_open_folder("Work", worker.events.put, token)
        assert runtime.watched_open_folder == "Work"
        # Both caught up; they ask for that once IDLE is running, so from now on only a change makes them report.
        assert worker.until(lambda: {"INBOX", "Work"} <= worker.reported)

        other.append("Work", message("for the open folder"))
        assert worker.until(lambda: "for the open folder" in worker.subjects("Work"))

        runtime.watch_open_folder("Later", worker.events.put, token)  # the user switched folder
        assert runtime.watched_open_folder == "Later"
        assert worker.until(lambda: not _watcher_alive("Work"))  # one connection per watched folder
        assert _watcher_alive("INBOX")  # the Inbox watcher is untouched
        other.append("Later", message("later, in Later"))  # through Dovecot, so its IDLE clients are told
        assert worker.until(lambda: "later, in Later" in worker.subjects("Later"))

        runtime.watch_open_folder("INBOX", worker.events.put, token)  # the Inbox has its own watcher
        assert runtime.watched_open_folder is None
        runtime.watch_open_folder("Work", worker.events.put, token)
        assert _wait(lambda: _watcher_alive("Work"))
    finally:
        other.logout()
        runtime.close()  # stops the open-folder watcher
        assert _wait(lambda: not _watcher_alive("Work"))
        token.cancel()
        assert _wait(lambda: not _watcher_alive("INBOX"))


def _wait(condition: Callable[[], bool], seconds: float = DEADLINE) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()
