"""Desktop integration in set states (mailto:, new-mail notice), for screenshots. No network, temp data only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import QWidget

from deskmail.engine.store.models import MessageSummary
from deskmail.ui.gallery import scene_context, settle
from deskmail.ui.launch import LaunchRequests
from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.mail.gallery import QuietRuntime, mail_view, runtimes, sample_window
from deskmail.ui.mail.view import make_mail_view
from deskmail.ui.main_window import MainWindow

MAILTO = "mailto:library@example.test?subject=Renew%20my%20books&body=Hello%2C%0A%0Acould%20you%20renew%20them%3F"


def mailto_without_account() -> QWidget:
    """`deskmail mailto:...` before any account exists: the question that offers to add one."""
    window = MainWindow(scene_context(), lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    launch = LaunchRequests(window)
    launch.handle([MAILTO])
    settle(lambda: launch.prompt is not None and launch.prompt.isVisible(), 5.0)
    prompt = launch.prompt
    assert prompt is not None
    prompt._keep_alive = (window, launch)  # type: ignore[attr-defined]
    return prompt


def mailto_composer() -> QWidget:
    """`deskmail mailto:...` with an account: a filled-in new message."""
    window = sample_window()
    launch = LaunchRequests(window)
    launch.accounts_known = True
    launch.handle([MAILTO])
    composers = mail_view(window).actions_.composers
    settle(lambda: bool(composers), 5.0)
    composer: ComposerWindow = composers[-1]
    composer.dirty = False  # nothing to save: closing the scene must not ask
    composer._keep_alive = (window, launch)  # type: ignore[attr-defined]
    return composer


def new_mail_in_status_bar() -> QWidget:
    """A sync brought one message and the desktop has no tray: the status bar says who and what."""
    window = sample_window()
    view = mail_view(window)
    window.show()  # the status bar hides its labels for a message only while they are on screen
    settle(seconds=0.1)
    view.notifier.tray = None
    view.notifier.notify_desktop = lambda _title, _text: False  # the status bar is what this scene shows
    view.notifier.announce(
        "anna@example.test",
        [MessageSummary(0, 0, 0, (), "Tickets for Saturday", "Ben Okafor", "ben@example.test", "", "", 0, 0, "", "",
                        "", False, "")],
    )  # fmt: skip
    settle(seconds=0.1)
    return window


def scenes() -> Iterator[tuple[str, Callable[[], QWidget]]]:
    yield "01-mailto-no-account", mailto_without_account
    yield "02-mailto-composer", mailto_composer
    yield "03-new-mail-status-bar", new_mail_in_status_bar
