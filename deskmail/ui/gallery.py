"""The app shell's windows in set states, for screenshots and GUI tests. No network, temp data only."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QWidget

from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.about import AboutDialog
from deskmail.ui.context import AppContext
from deskmail.ui.crash import CrashReporter
from deskmail.ui.main_window import MainWindow

Scene = Callable[[], QWidget]
_RUNNER: TaskRunner | None = None


def settle(until: Callable[[], bool] = lambda: False, seconds: float = 0.2) -> None:
    """Let queued events and background tasks finish (until `until()` or `seconds` pass)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        QCoreApplication.processEvents()
        time.sleep(0.005)
    QCoreApplication.processEvents()


def runner() -> TaskRunner:
    """One runner for all scenes of a run (scenes are built one after another)."""
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = TaskRunner()
    return _RUNNER


def placeholder_wizard(parent: QWidget) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Add an e-mail account")
    QLabel("The account wizard would open here.", dialog)
    return dialog


def scene_context(home: Path | None = None) -> AppContext:
    """An AppContext over a fresh temporary DESKMAIL_HOME (no accounts yet)."""
    from deskmail.app import build_context

    home = home or Path(tempfile.mkdtemp(prefix="deskmail-scene-"))
    settings = Settings(home=home)
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner())
    context.make_wizard = placeholder_wizard
    context.log_path = home / "logs" / "deskmail.log"
    return context


def empty_main_window() -> MainWindow:
    window = MainWindow(scene_context())
    settle(lambda: window.stack.currentWidget() is window.empty_state, 3.0)
    return window


def about_dialog() -> AboutDialog:
    return AboutDialog(Path("/home/anna/.local/state/Deskmail/log/deskmail.log"))


def crash_dialog() -> QMessageBox:
    reporter = CrashReporter(Path("/home/anna/.local/state/Deskmail/log/deskmail.log"))
    try:
        raise ValueError("an example of an unexpected error")
    except ValueError as exc:
        reporter.handle(type(exc), exc, exc.__traceback__)
    assert reporter.dialog is not None
    return reporter.dialog


def scenes() -> Iterator[tuple[str, Scene]]:
    """(file name, builder) for each shell scene, in the order people should look at them."""
    yield "01-main-empty", empty_main_window
    yield "02-about", about_dialog
    yield "03-crash", crash_dialog
