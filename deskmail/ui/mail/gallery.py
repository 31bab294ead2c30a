"""The mail window in set states over a sample store, for screenshots and GUI tests. Never touches a network."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtWidgets import QWidget

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine.accounts import Account
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.oauth.accounts import with_oauth
from deskmail.engine.oauth.tokens import sign_in_again
from deskmail.engine.runtime import AccountRuntime, offline_error
from deskmail.qtbridge.mail import Runtime
from deskmail.ui.context import AppContext
from deskmail.ui.gallery import scene_context, settle
from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.mail.samples import as_pop3, sample_account, seed_store
from deskmail.ui.mail.view import MailView, make_mail_view
from deskmail.ui.main_window import MainWindow
from deskmail.ui.wizard.gallery import SAMPLE_OAUTH


class QuietRuntime(AccountRuntime):
    """The real runtime over the sample store, with a server that has nothing new (and no network)."""

    def imap_client(self, cancel: CancelToken) -> Any:
        raise offline_error(OSError("scenes never connect"))

    def smtp_client(self, cancel: CancelToken) -> Any:
        raise offline_error(OSError("scenes never connect"))

    def watch(self, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        return None

    def watch_open_folder(self, folder: str | None, on_change: Callable[[str], None], cancel: CancelToken) -> None:
        return None  # opening a folder in a scene must not start an IDLE watcher that tries to connect

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: object = None
    ) -> SyncReport:
        return SyncReport()

    def push_changes(self, cancel: CancelToken = NEVER) -> list[str]:
        return []


class OfflineRuntime(QuietRuntime):
    """As if the network were down."""

    failure: OSError = OSError(errno.ENETUNREACH, "Network is unreachable")

    def imap_client(self, cancel: CancelToken) -> Any:
        raise offline_error(self.failure)

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: object = None
    ) -> SyncReport:
        raise offline_error(self.failure)

    def push_changes(self, cancel: CancelToken = NEVER) -> list[str]:
        raise offline_error(self.failure)


class ProviderDownRuntime(OfflineRuntime):
    """The network works, but the provider's server does not answer."""

    failure = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")


class SignInEndedRuntime(QuietRuntime):
    """A browser sign-in account whose provider withdrew Deskmail's access."""

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: object = None
    ) -> SyncReport:
        raise sign_in_again(SAMPLE_OAUTH, self.account.email, "invalid_grant")


def runtimes(context: AppContext, kind: type[AccountRuntime]) -> Callable[[Account], Runtime]:
    return lambda account: kind(account, context.paths, context.settings, context.credentials)


def sample_window(
    kind: type[AccountRuntime] = QuietRuntime,
    extra: int = 0,
    accounts: int = 1,
    oauth: bool = False,
    pop3: bool = False,
) -> MainWindow:
    """A main window over the sample store, Inbox open (a second account: a work address; `pop3`: the
    first account downloads by POP3)."""
    context = scene_context()
    for account in [sample_account(), sample_account("anna@work.example.test", "Anna Schmidt (work)")][:accounts]:
        account = with_oauth(account, SAMPLE_OAUTH) if oauth else account
        account = as_pop3(account) if pop3 and not context.accounts.list() else account
        seed_store(context.paths, account, extra=extra).close()
        context.accounts.save(account)
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, kind)))
    window.resize(1280, 780)
    settle(lambda: mail_view(window) is not None and mail_view(window).model.rowCount() > 0, 5.0)
    return window


def comfort_window(size: tuple[int, int], subject: str = "") -> MainWindow:
    """The sample window at a given size with the layout and script checks' messages in the Inbox."""
    from deskmail.ui.mail.samples import add_to_inbox, attachments_message, japanese_message, newsletter_message

    context = scene_context()
    account = sample_account()
    seed_store(context.paths, account).close()
    add_to_inbox(context.paths, account, [attachments_message(), japanese_message(), newsletter_message()])
    context.accounts.save(account)
    window = MainWindow(context, lambda ctx, parent: make_mail_view(ctx, parent, runtimes(ctx, QuietRuntime)))
    window.resize(*size)
    window.show()  # the panes take their sizes from the first real layout
    settle(lambda: mail_view(window) is not None and mail_view(window).model.rowCount() > 0, 5.0)
    return open_message(window, subject) if subject else window


def mail_view(window: MainWindow) -> MailView:
    view = window.mail_view
    assert isinstance(view, MailView) or view is None
    return view  # type: ignore[return-value]


def open_message(window: MainWindow, subject: str) -> MainWindow:
    view = mail_view(window)
    select(window, subject)
    settle(lambda: view.reading_pane.rendered is not None, 5.0)
    settle(seconds=0.2)
    return window


def main_window() -> MainWindow:
    return open_message(sample_window(), "Dinner on Friday?")


def html_remote_blocked() -> MainWindow:
    return open_message(sample_window(), "Spring workshop: raised beds")


def offline() -> MainWindow:
    window = sample_window(OfflineRuntime)
    mail_view(window).controller.network_up = lambda: None  # the failure decides (the platform may say Online)
    window = open_message(window, "Photos from the lake")
    # isHidden, not isVisible: the window is not on screen yet, so isVisible stays False and this waited 5 s.
    settle(lambda: not mail_view(window).offline_bar.isHidden(), 5.0)
    return window


def offline_not_downloaded() -> MainWindow:
    """Offline, a message never downloaded says so plainly (no error in link colours)."""
    window = sample_window(OfflineRuntime)
    view = mail_view(window)
    view.controller.network_up = lambda: None  # the failure decides: no route to any network
    forget_body(window, "Moving boxes")
    select(window, "Moving boxes")
    settle(lambda: "not been downloaded" in view.reading_pane.body.toPlainText(), 5.0)
    settle(seconds=0.2)
    return window


def provider_unreachable() -> MainWindow:
    """The network works but the provider does not answer: the bar and status name the provider, not Wi-Fi."""
    window = sample_window(ProviderDownRuntime)
    view = mail_view(window)
    view.controller.network_up = lambda: True
    view.controller.sync_all()
    settle(lambda: not view.offline_bar.isHidden(), 5.0)
    return open_message(window, "Re: Kitchen tiles")


def sent_while_unreachable() -> MainWindow:
    """Send while the provider cannot be reached: the composer closes, the message waits in the Outbox."""
    window = sample_window(ProviderDownRuntime)
    view = mail_view(window)
    view.controller.network_up = lambda: True
    view.actions_.undo_send_seconds = 0  # this scene is what follows the Undo Send wait
    window.show()  # the status bar hides its words for a notice only in a window on screen
    composer = view.actions_.compose()
    composer.to.setText("Ben Okafor <ben@example.test>")
    composer.subject.setText("Saturday walk")
    composer.body.setPlainText("Hi Ben,\n\nShall we walk around the lake on Saturday morning?\n\nAnna")
    composer.request_send()
    settle(lambda: composer.sent and bool(view.waiting), 5.0)
    return open_message(window, "Dinner on Friday?")


def forget_body(window: MainWindow, subject: str) -> None:
    """As if the message had never been downloaded."""
    from deskmail.engine.store.writer import Store

    store = Store.open_for(window.context.paths, sample_account().email)
    try:
        inbox = store.folder("INBOX")
        assert inbox is not None
        found = next(m for m in store.messages(inbox.id) if m.subject == subject)
        store.conn.execute("DELETE FROM bodies WHERE message_id = ?", (found.id,))
        store.conn.commit()
    finally:
        store.close()


def select(window: MainWindow, subject: str) -> None:
    view = mail_view(window)
    for row in range(view.model.rowCount()):
        summary = view.model.summary(row)
        if summary is not None and summary.subject == subject:
            view.list.select_row(row)
            return


def search() -> MainWindow:
    window = sample_window()
    view = mail_view(window)
    view.search.setText("garden")
    view.run_search()
    settle(lambda: not view.local_search.running, 5.0)  # the search runs on a worker
    settle(seconds=0.2)
    return window


def two_accounts() -> MainWindow:
    window = sample_window(accounts=2)
    settle(lambda: len(mail_view(window).folders.folders_of("anna@work.example.test")) > 0, 5.0)
    return open_message(window, "Photos from the lake")


def sign_in_ended() -> MainWindow:
    """The provider withdrew a browser sign-in: the bar offers "Sign in again…", never a password box."""
    window = open_message(sample_window(SignInEndedRuntime, oauth=True), "Dinner on Friday?")
    settle(lambda: not mail_view(window).error_bar.isHidden(), 5.0)
    return window


def outbox_refused() -> MainWindow:
    """A message the server refused waits in the Outbox: the folder list and the status bar say so."""
    from deskmail.engine.mime.compose import OutgoingMessage, build_message
    from deskmail.engine.mime.decode import Address
    from deskmail.engine.smtp.outbox import Outbox, OutboxState
    from deskmail.engine.store.writer import Store

    window = sample_window()
    view = mail_view(window)
    me = sample_account()
    out = OutgoingMessage(Address(me.display_name, me.email), [Address("Ben Okafor", "ben@exmaple.test")])
    out.subject, out.body = "Saturday walk", "Shall we walk around the lake?"
    store = Store.open_for(window.context.paths, me.email)
    outbox = Outbox(store)
    item = outbox.add(bytes(build_message(out)), message_id=out.ensure_message_id(), sender=me.email,
                      recipients=["ben@exmaple.test"])  # fmt: skip
    error = {"message": "The server refused ben@exmaple.test: there is no such mailbox."}
    outbox.set_state(item.id, OutboxState.FAILED, error)
    store.close()
    view.update_outbox()
    return open_message(window, "Dinner on Friday?")


def empty_folder() -> MainWindow:
    """A folder with nothing in it says so in the list itself (not a blank white box)."""
    window = sample_window()
    view = mail_view(window)
    view.folders.select(view.accounts[0].email, "Junk")
    settle(seconds=0.2)
    return window


def search_nothing_found() -> MainWindow:
    window = sample_window()
    view = mail_view(window)
    view.search.setText("elephant")
    view.run_search()
    settle(lambda: not view.local_search.running, 5.0)  # the search runs on a worker
    settle(seconds=0.2)
    return window


def composer_new() -> ComposerWindow:
    window = sample_window()
    composer = mail_view(window).actions_.compose()
    composer.to.setText("Ben Okafor <ben@example.test>")
    composer.subject.setText("Saturday walk")
    composer.body.setPlainText("Hi Ben,\n\nShall we walk around the lake on Saturday morning?\n\nAnna")
    composer.dirty = False  # nothing to save: closing the scene must not ask
    composer._keep_alive = window  # type: ignore[attr-defined]
    return composer


def composer_reply() -> ComposerWindow:
    window = open_message(sample_window(), "Dinner on Friday?")
    view = mail_view(window)
    view.actions_.reply_to(False)
    composer = view.actions_.composers[-1]
    composer.dirty = False
    composer._keep_alive = window  # type: ignore[attr-defined]
    return composer


def composer_after_tab() -> ComposerWindow:
    """Tab in the text indents (the slip that used to land on Send): the cursor stays in the text."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    composer = composer_new()
    composer.subject.setText("Things to buy")
    composer.body.setPlainText("Things to buy:\n")
    composer.body.moveCursor(composer.body.textCursor().MoveOperation.End)
    composer.show()
    composer.activateWindow()
    composer.body.setFocus()
    for key, text in ((Qt.Key.Key_Tab, "\t"), (Qt.Key.Key_M, "m"), (Qt.Key.Key_I, "i"), (Qt.Key.Key_L, "l"),
                      (Qt.Key.Key_K, "k")):  # fmt: skip
        press = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
        QApplication.sendEvent(composer.body, press)  # typed as a person types (QtTest is not in the bundle)
    composer.dirty = False
    settle(seconds=0.2)
    return composer


def undo_notice() -> MainWindow:
    """After Archive: where the message went, with Undo (Ctrl+Z and Edit > Undo do the same later)."""
    window = open_message(sample_window(), "Dinner on Friday?")
    view = mail_view(window)
    view.list.setFocus()
    view.actions_.act("archive")
    settle(lambda: not view.actions_.history.notice.isHidden(), 5.0)
    settle(seconds=0.2)
    return window


def undo_send_notice() -> MainWindow:
    """A message just sent waits in the Outbox for a few seconds: 'Sending… Undo'."""
    window = open_message(sample_window(), "Dinner on Friday?")
    view = mail_view(window)
    view.actions_.undo_send_seconds = 30  # the scene is taken long before it would leave
    composer = view.actions_.compose()
    composer.to.setText("Ben Okafor <ben@example.test>")
    composer.subject.setText("Saturday walk")
    composer.body.setPlainText("Shall we walk around the lake?")
    composer.request_send()
    settle(lambda: not view.actions_.history.notice.isHidden(), 5.0)
    settle(seconds=0.2)
    return window


def shortcuts() -> QWidget:
    from deskmail.ui.shortcuts import ShortcutsDialog

    window = sample_window()
    dialog = ShortcutsDialog(window)
    dialog._keep_alive = window  # type: ignore[attr-defined]
    return dialog


def deceptive_link() -> QWidget:
    from deskmail.engine.mime.links import deceptive_link as check
    from deskmail.ui.mail.reader import link_question

    found = check("paypal.com", "https://paypa1-secure.example/login")
    assert found is not None
    return link_question(None, found.question())


SIZES = {"800x600": (800, 600), "1100x700": (1100, 700), "1920x1080": (1920, 1080)}
SIZE_SCENES = [  # what each size shows: the cases that used to widen, wrap or scroll
    ("800x600", "All the photos from the wedding"),
    ("1100x700", "April news: the boathouse opens on Saturday"),
    ("1100x700", "Spring workshop: raised beds"),
    ("1920x1080", "会議の資料①"),
    ("1920x1080", "All the photos from the wedding"),
]


def scenes() -> Iterator[tuple[str, Callable[[], QWidget]]]:
    for number, (size, subject) in enumerate(SIZE_SCENES, start=30):
        yield f"{number}-{size}", functools.partial(comfort_window, SIZES[size], subject)
    yield "36-shortcuts", shortcuts
    yield "37-deceptive-link", deceptive_link
    yield "01-main-window", main_window
    yield "02-html-remote-blocked", html_remote_blocked
    yield "03-composer-new", composer_new
    yield "04-composer-reply", composer_reply
    yield "05-offline", offline
    yield "06-search", search
    yield "07-two-accounts", two_accounts
    yield "08-outbox-refused", outbox_refused
    yield "09-sign-in-ended", sign_in_ended
    yield "10-offline-not-downloaded", offline_not_downloaded
    yield "11-provider-unreachable", provider_unreachable
    yield "12-sent-while-unreachable", sent_while_unreachable
    yield "20-empty-folder", empty_folder
    yield "21-search-nothing-found", search_nothing_found
    yield "22-composer-after-tab", composer_after_tab
    yield "23-undo-notice", undo_notice
    yield "24-undo-send-notice", undo_send_notice
