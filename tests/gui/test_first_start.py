"""First start: with no account the setup wizard opens by itself; cancelling it leaves the empty state."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from deskmail.ui.gallery import scene_context
from deskmail.ui.launch import LaunchRequests
from deskmail.ui.mail.gallery import QuietRuntime, runtimes
from deskmail.ui.mail.samples import sample_account, seed_store
from deskmail.ui.mail.view import make_mail_view
from deskmail.ui.main_window import MainWindow

pytestmark = pytest.mark.gui
MAILTO = "mailto:bob@example.com?subject=Hi"


def started_window(qtbot: QtBot, *, accounts: bool, args: list[str]) -> tuple[MainWindow, list[QDialog]]:
    """A main window started as run_app starts it, with a wizard that only records that it opened."""
    context = scene_context()
    if accounts:
        account = sample_account()
        seed_store(context.paths, account).close()
        context.accounts.save(account)
    opened: list[QDialog] = []

    def fake_wizard(parent: QWidget) -> QDialog:
        dialog = QDialog(parent)
        opened.append(dialog)
        return dialog

    context.make_wizard = fake_wizard
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    qtbot.addWidget(window)
    LaunchRequests(window).handle(args)
    return window, opened


def test_first_start_opens_the_wizard_and_cancel_leaves_the_empty_state(qtbot: QtBot) -> None:
    window, opened = started_window(qtbot, accounts=False, args=[])
    qtbot.waitUntil(lambda: len(opened) == 1 and opened[0].isVisible(), timeout=10000)
    assert window.isVisible()
    assert opened[0].parent() is window
    opened[0].reject()  # the person cancels
    qtbot.waitUntil(lambda: not opened[0].isVisible(), timeout=5000)
    assert window.stack.currentWidget() is window.empty_state
    assert window.empty_state.add_button.isVisible()
    window.accounts_changed.emit([])  # a later account list (e.g. a refresh) does not reopen it
    qtbot.wait(50)
    assert len(opened) == 1


def test_a_mailto_start_asks_first_instead_of_opening_the_wizard(qtbot: QtBot) -> None:
    window, opened = started_window(qtbot, accounts=False, args=[MAILTO])
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_state, timeout=10000)
    qtbot.wait(50)
    assert opened == []
    [prompt] = [box for box in window.findChildren(QMessageBox) if box.isVisible()]  # "Add your e-mail account first"
    prompt.reject()  # "Not Now": not left on screen for the tests after this one


def test_with_an_account_no_wizard_opens(qtbot: QtBot) -> None:
    window, opened = started_window(qtbot, accounts=True, args=[])
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.mail_view, timeout=10000)
    qtbot.wait(50)
    assert opened == []
    controller = window.mail_view.controller  # type: ignore[union-attr]
    settled = lambda: controller.reader("anna@example.test") is not None and not controller.syncing  # noqa: E731
    qtbot.waitUntil(settled, timeout=10000)


def test_a_macos_file_open_event_with_a_mailto_url_reaches_the_launch_handler(qtbot: QtBot) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from deskmail.ui.launch import FileOpenRequests

    window, _opened = started_window(qtbot, accounts=True, args=[])
    launch = LaunchRequests(window)
    handled: list[list[str]] = []
    launch.handle = handled.append  # type: ignore[method-assign]
    app = QApplication.instance()
    assert app is not None
    requests = FileOpenRequests(launch)
    app.installEventFilter(requests)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(QUrl(MAILTO)))
        QApplication.sendEvent(app, QFileOpenEvent(QUrl("file:///tmp/report.pdf")))  # not ours: ignored
    finally:
        app.removeEventFilter(requests)
    assert handled == [[MAILTO]]
