"""Starting Deskmail again (after a new language was chosen): the same program, once this one has quit.

The new process starts only when this one exits (atexit): a Deskmail still running would take the
new start's request and the new one would quit at once (ui/single_instance.py). The command is the
one this process was started with: the bundle's executable (PyInstaller), or the same Python with
the same script or `-m deskmail`; a mailto: it was opened with is not replayed.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QProcess, QProcessEnvironment
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def restart_command() -> tuple[str, list[str]]:
    """(program, arguments) that start this Deskmail again, without the command line's requests."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: its executable is the app
        return sys.executable, []
    original = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
    # orig_argv = [python, interpreter options..., script or "-m deskmail", arguments...]: keep all but the arguments.
    launch = original[1 : len(original) - (len(sys.argv) - 1)]
    return sys.executable, launch or ["-m", "deskmail"]


def start_detached(program: str, arguments: list[str]) -> bool:
    """Start `program` on its own (it outlives this process); DESKMAIL_LANG would overrule the new choice."""
    process = QProcess()
    process.setProgram(program)
    process.setArguments(arguments)
    process.setWorkingDirectory(os.getcwd())
    environment = QProcessEnvironment.systemEnvironment()
    environment.remove("DESKMAIL_LANG")
    process.setProcessEnvironment(environment)
    result: object = process.startDetached()  # a bool in PySide6 6.11, (bool, pid) in its type stubs
    started = bool(result[0] if isinstance(result, tuple) else result)
    if not started:
        log.warning("restart: could not start %s", program)
    return started


def start_again_at_exit(command: tuple[str, list[str]] | None = None) -> None:
    """Once this process has ended everything (windows closed, workers done), start the app again."""
    program, arguments = command or restart_command()
    atexit.register(start_detached, program, arguments)


def restart_app(start_again: Callable[[], None] = start_again_at_exit) -> bool:
    """Close every window as the person would (unsaved work asks first), then quit and start again.

    False when a window stayed open (the person chose to keep working): nothing restarts.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    app.closeAllWindows()
    if any(w.isVisible() and w.isWindow() for w in app.topLevelWidgets()):
        return False
    log.info("restarting Deskmail for a new language")
    start_again()
    app.quit()
    return True
