"""The app shell: empty state, Add account, About, crash dialog, icon and resources."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from deskmail import APP_ID, APP_NAME, __version__
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.resources import resource_path, resources_dir
from deskmail.ui import gallery
from deskmail.ui.about import AboutDialog
from deskmail.ui.context import AppContext
from deskmail.ui.crash import CrashReporter
from deskmail.ui.icons import ICON_SIZES, app_icon
from deskmail.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


@pytest.fixture
def context(deskmail_home: Path, runner: TaskRunner) -> AppContext:
    from deskmail.app import build_context

    settings = Settings.from_env()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner, deskmail_home / "x.log")
    opened: list[QDialog] = []

    def fake_wizard(parent: QWidget) -> QDialog:
        dialog = QDialog(parent)
        opened.append(dialog)
        return dialog

    context.make_wizard = fake_wizard
    context.opened_wizards = opened  # type: ignore[attr-defined]
    return context


def sample_account(email: str = "anna@example.test") -> Account:
    return Account(
        email=email,
        display_name="Anna",
        incoming=ServerConfig(Protocol.IMAP, "mail.example.test", 993, Security.SSL, email),
        outgoing=ServerConfig(Protocol.SMTP, "mail.example.test", 465, Security.SSL, email),
    )


def test_no_account_shows_the_empty_state_and_add_opens_the_wizard(qtbot: QtBot, context: AppContext) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=20000)
    texts = [label.text() for label in window.empty_state.findChildren(QLabel)]
    assert "No account yet" in texts
    assert window.windowTitle() == APP_NAME
    window.empty_state.add_button.click()
    assert len(context.opened_wizards) == 1  # type: ignore[attr-defined]
    assert context.opened_wizards[0].isVisible()  # type: ignore[attr-defined]


def test_a_saved_account_shows_the_mail_view(qtbot: QtBot, context: AppContext) -> None:
    context.accounts.save(sample_account())
    window = MainWindow(context)
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: window.mail_view is not None and window.stack.currentWidget() is window.mail_view, timeout=20000
    )
    assert [a.email for a in window.accounts] == ["anna@example.test"]


def test_menus_use_standard_shortcuts(qtbot: QtBot, context: AppContext) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert window.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[0] == "&File" and titles[-1] == "&Help"


def test_about_shows_the_version(qtbot: QtBot) -> None:
    dialog = AboutDialog(Path("/tmp/deskmail.log"))
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    assert APP_NAME in dialog.windowTitle()


def test_an_unexpected_error_is_logged_and_shown_without_secrets(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    register_secret("hunter2-secret")
    reporter = CrashReporter(tmp_path / "deskmail.log")
    try:
        raise RuntimeError("login with hunter2-secret failed")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="deskmail.crash"):
            reporter.handle(type(exc), exc, exc.__traceback__)
    assert reporter.dialog is not None
    qtbot.addWidget(reporter.dialog)
    assert reporter.dialog.isVisible()
    assert "Something went wrong" in reporter.dialog.text()
    assert "RuntimeError" in reporter.dialog.detailedText()
    assert "hunter2-secret" not in reporter.dialog.detailedText()
    assert any(r.exc_info for r in caplog.records)
    # A second error updates the same dialog instead of stacking another one.
    first = reporter.dialog
    reporter.handle(ValueError, ValueError("again"), None)
    assert reporter.dialog is first and "2 times" in first.text()


def test_install_replaces_and_restores_the_excepthook(qapp: QApplication) -> None:
    import sys

    before = sys.excepthook
    reporter = CrashReporter()
    reporter.install()
    assert sys.excepthook == reporter.handle
    reporter.uninstall()
    assert sys.excepthook is before


def test_icon_and_resources_are_found(qapp: QApplication) -> None:
    assert resource_path("icons", "deskmail.svg").is_file()
    for size in ICON_SIZES:
        assert resource_path("icons", f"deskmail-{size}.png").is_file()
    assert (resources_dir() / "icons").is_dir()
    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= set(ICON_SIZES)


def test_create_application_sets_the_desktop_names(qapp: QApplication) -> None:
    from deskmail.app import create_application

    app = create_application()
    assert app is qapp
    assert app.applicationName() == APP_NAME
    assert app.applicationVersion() == __version__
    assert app.desktopFileName() == APP_ID


@pytest.mark.parametrize("name", [name for name, _ in gallery.scenes()])
def test_shell_scene_renders(qtbot: QtBot, name: str) -> None:
    build = dict(gallery.scenes())[name]
    widget = build()
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.grab().isNull()


def test_an_account_added_in_the_wizard_opens_the_mail_view(qtbot: QtBot, context: AppContext) -> None:
    from PySide6.QtCore import Signal

    from deskmail.ui.mail import samples
    from deskmail.ui.mail.gallery import QuietRuntime, runtimes
    from deskmail.ui.mail.samples import seed_store
    from deskmail.ui.mail.view import MailView, make_mail_view

    class FakeWizard(QDialog):
        account_added = Signal(object)

    wizards: list[FakeWizard] = []

    def make(parent: QWidget) -> QDialog:
        wizards.append(FakeWizard(parent))
        return wizards[-1]

    context.make_wizard = make
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=20000)
    window.empty_state.add_button.click()
    account = samples.sample_account()
    seed_store(context.paths, account).close()  # what the first sync would bring
    context.accounts.save(account)
    wizards[0].account_added.emit(account)
    qtbot.waitUntil(
        lambda: isinstance(window.mail_view, MailView) and window.stack.currentWidget() is window.mail_view,
        timeout=20000,
    )
    view = window.mail_view
    assert isinstance(view, MailView)
    qtbot.waitUntil(lambda: view.current is not None, timeout=20000)  # the new account's Inbox is open
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Message" in titles


def test_window_size_is_remembered(qtbot: QtBot, context: AppContext) -> None:
    from deskmail.engine.prefs import WindowPrefs

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.resize(700, 500)  # within the offscreen screen (800 x 600)
    window.close()
    prefs = WindowPrefs(context.paths)
    qtbot.waitUntil(lambda: "geometry" in prefs.load(), timeout=5000)
    again = MainWindow(context)
    qtbot.addWidget(again)
    again.restore_state(prefs.load())
    assert (again.width(), again.height()) == (700, 500)
