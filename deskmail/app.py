"""Composition root: builds the services, injects them, starts Qt."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from pathlib import Path
from typing import cast

from PySide6.QtWidgets import QApplication, QDialog, QWidget

from deskmail import APP_ID, APP_NAME, __version__
from deskmail.core.settings import Settings
from deskmail.engine.accounts import AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.logs import setup_file_logging
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import WindowPrefs, use_chosen_language
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.context import AppContext
from deskmail.ui.crash import CrashReporter
from deskmail.ui.icons import app_icon
from deskmail.ui.language import apply_to_qt
from deskmail.ui.launch import FileOpenRequests, LaunchRequests
from deskmail.ui.main_window import MailViewFactory, MainWindow
from deskmail.ui.single_instance import SingleInstance

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the names desktops use for the taskbar, settings and .desktop file."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setOrganizationDomain("deskmail.org")
    # Matches packaging's org.deskmail.Deskmail.desktop: Wayland and GNOME use it for the icon.
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def build_context(settings: Settings, paths: Paths, runner: TaskRunner, log_path: Path | None = None) -> AppContext:
    """Builds the engine services and the wizard factory the windows share."""
    accounts = AccountStore(paths)
    credentials = Credentials()

    def make_wizard(parent: QWidget) -> QDialog:
        # Imported when first used: the wizard pulls in discovery and the connection checks.
        from deskmail.ui.wizard import AccountWizard
        from deskmail.wizard.services import real_services

        return AccountWizard(real_services(settings, accounts, credentials), runner, parent)

    return AppContext(settings, paths, runner, accounts, credentials, make_wizard, log_path)


def default_mail_view() -> MailViewFactory | None:
    """The mail view, once it exists in this build; None shows a placeholder."""
    try:
        module = importlib.import_module("deskmail.ui.mail.view")
    except ImportError:
        return None
    return cast(MailViewFactory, module.make_mail_view)


# Young collections this far apart: a first sync makes objects by the hundred thousand, and each
# collection holds the GIL, so the window waits for it whichever thread it runs in.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_interpreter() -> None:
    """After start-up, so the window answers at once while worker threads make garbage.

    What exists now (modules, Qt's wrappers, the window) lives as long as the app: frozen, a full
    collection no longer walks it all (up to 60 ms while a first sync streamed in); it walks only
    what came later. The price: a reference cycle among frozen objects that later becomes garbage
    is never collected, and start-up's objects are the app's own until it quits."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def run_app(args: list[str]) -> int:
    """`deskmail` with no subcommand: the whole app, until its last window closes."""
    settings = Settings.from_env()
    paths = Paths.from_settings(settings).ensure()
    log_path = setup_file_logging(paths.logs)
    log.info("Deskmail %s starting (Python %s)", __version__, sys.version.split()[0])
    language = use_chosen_language(paths)
    app = create_application([sys.argv[0], *[a for a in args if a.startswith("-")]])
    apply_to_qt(app, language)
    instance = SingleInstance.for_paths(paths)
    if instance.hand_over(args):  # Deskmail is already running: it raises its window or writes the mailto:
        log.info("Deskmail is already running; handed the request over")
        return 0
    crash = CrashReporter(log_path)
    crash.install()
    runner = TaskRunner()
    window = MainWindow(build_context(settings, paths, runner, log_path), default_mail_view())
    window.restore_state(WindowPrefs(paths).load())  # a few hundred bytes, before the window shows
    launch = LaunchRequests(window)
    instance.requested.connect(launch.handle)
    app.installEventFilter(FileOpenRequests(launch))
    launch.handle(args)
    settle_interpreter()
    try:
        status = int(app.exec())
    finally:
        instance.close()
        runner.shutdown(wait=True)
        crash.uninstall()
    log.info("Deskmail exiting with status %d", status)
    return status
