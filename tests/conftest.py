"""Shared fixtures: the real-server test bed (see tests/servers/README.md)."""

import gc
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from deskmail.core import i18n
from tests.servers.plugin import (  # noqa: F401  (pytest finds fixtures and hooks by name here)
    _testbed_isolation,
    courier,
    deskmail_home,
    dns_factory,
    dovecot_factory,
    fault_proxy,
    keyring_env,
    oauth_server,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    scratch_testbed,
    smtp_factory,
    testbed,
)

# Tests read English words unless they choose another language (child processes inherit this).
os.environ["DESKMAIL_LANG"] = "en"


@pytest.fixture(autouse=True)
def _english_again() -> Iterator[None]:
    """A test that switched language (i18n.use, DESKMAIL_LANG) leaves the next one in English."""
    yield
    os.environ["DESKMAIL_LANG"] = "en"
    if i18n.language() != "en":
        i18n.use("en")


@pytest.fixture(autouse=True)
def _no_key_held_into_the_next_test() -> Iterator[None]:
    """After `qtbot.keyClick(widget, key, Ctrl)` Qt still believes Ctrl is held (the last event it saw
    carried it), for every later test in the process. The message list's selection then grew instead
    of moving ("Trash 3": an empty-Trash test after the Undo tests' Ctrl+Z deleted an extra message)."""
    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    if QGuiApplication.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
        probe = widgets.QWidget()  # a release with no key held, as the person's hand leaving the keyboard
        QTest.keyRelease(probe, Qt.Key.Key_Control)
        probe.deleteLater()


# Threads that hold an account's connections (Inbox and open-folder watchers, push sync): none may
# outlive the test that started it. One that did went on retrying in later tests, and the garbage
# collector closed its socket in whichever test ran then.
CONNECTION_THREADS = ("watch-", "sync-worker")
THREAD_STOP_SECONDS = 10.0  # a watcher looks at its token twice a second; a connect is cut within 0.05 s


_sockets_made = 0  # sockets created in this process so far (any thread): a test that made none leaks none
_socket_init = socket.socket.__init__


def _counting_socket_init(self: socket.socket, *args: Any, **kwargs: Any) -> None:
    global _sockets_made
    _sockets_made += 1
    _socket_init(self, *args, **kwargs)


socket.socket.__init__ = _counting_socket_init  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _no_connection_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test (autouse: torn down after the test's own fixtures): close the windows it left
    open, mail windows first (their runtimes close their connections), and fail naming them; stop
    every watcher, join the connection threads it started within THREAD_STOP_SECONDS and fail naming
    any still running; then collect
    garbage, so a connection the test left open is reported (an unclosed socket's ResourceWarning,
    an error like every warning) by this test, not by a later one."""
    before, sockets_before = set(threading.enumerate()), _sockets_made
    windows_before, failed_before = _open_windows(), request.session.testsfailed
    # What exists now is left out of the collection below, which then walks only what the test made
    # (a full collection walks the whole GUI process: 0.2 s a test, 90 s for tests/gui and integration).
    gc.freeze()
    try:
        yield
        left_open = _close_mail_windows(windows_before)
        left_open += _close_windows_left_open(windows_before)
        push = sys.modules.get("deskmail.engine.imap.push")  # loaded by the first watcher
        if push is not None:
            for watcher in push.running_watchers():
                watcher.stop()
        started = [t for t in threading.enumerate() if t not in before and t.name.startswith(CONNECTION_THREADS)]
        deadline = time.monotonic() + THREAD_STOP_SECONDS
        for thread in started:
            thread.join(max(0.0, deadline - time.monotonic()))
        running = sorted(t.name for t in started if t.is_alive())
        if _sockets_made != sockets_before:  # a test that made no socket cannot have left one open
            gc.collect()
    finally:
        gc.unfreeze()
    if running:
        pytest.fail(
            f"{request.node.nodeid} left thread(s) running {THREAD_STOP_SECONDS:.0f} s after it ended, "
            f"with its watchers stopped: {', '.join(running)}",
            pytrace=False,
        )
    if left_open and request.session.testsfailed == failed_before:  # a failed test's windows are no news
        pytest.fail(
            f"{request.node.nodeid} left window(s) open (closed now): {', '.join(left_open)}; close what a test "
            "opens (qtbot.addWidget, or close it in a fixture): a later test would see it on screen",
            pytrace=False,
        )


def _open_windows() -> list[Any]:
    """The windows on screen now (not menus or tooltips): dialogs too, also those with a parent window."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return []
    from PySide6.QtCore import Qt

    kinds = (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Sheet, Qt.WindowType.Tool)
    return [w for w in widgets.QApplication.topLevelWidgets() if w.isVisible() and w.windowType() in kinds]


def _close_windows_left_open(before: list[Any]) -> list[str]:
    """Close the windows the test opened and left on screen (after its fixtures closed theirs); their names.

    A window left open stays on screen for the tests after it: one that reads every visible window
    (test_translated_scenes) then failed on a Settings window an earlier test had left in English."""
    left = [w for w in _open_windows() if not any(w is b for b in before)]
    names = [f"{type(w).__name__} {w.windowTitle()!r}" for w in left]
    for window in left:
        window.close()
    return names


def _close_mail_windows(before: list[Any]) -> list[str]:
    """Close the mail windows a test left open, as the person does: the controller shuts down, stops
    its watchers and closes each account's runtime (its IMAP session) on the account's queue."""
    main_window = sys.modules.get("deskmail.ui.main_window")  # loaded by the first window
    if main_window is None:
        return []
    left = [w for w in _open_windows() if isinstance(w, main_window.MainWindow) and not any(w is b for b in before)]
    for widget in left:
        widget.close()
    return [f"{type(w).__name__} {w.windowTitle()!r}" for w in left]
