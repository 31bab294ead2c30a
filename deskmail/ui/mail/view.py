"""The mail view: folders | message list | reading pane, with bars, search, toolbar and menus."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QLocale, QRect, Qt, QTime, QTimer
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.errors import Field, UserFacingError
from deskmail.core.i18n import _, ngettext
from deskmail.core.redact import register_secret
from deskmail.engine.accounts import Account, account_key
from deskmail.engine.smtp.outbox import OutboxItem, OutboxState, outbox_items
from deskmail.engine.store.models import Folder, MessageSummary, SpecialUse
from deskmail.qtbridge.mail import MailController, Runtime, RuntimeFactory, connection_of
from deskmail.qtbridge.message_model import PAGE_SIZE, FolderSource, ListSource, MessageListModel
from deskmail.qtbridge.reach import offline_texts
from deskmail.qtbridge.search import SEARCH_LIMIT, LocalSearch
from deskmail.qtbridge.tasks import Task
from deskmail.ui.context import AppContext
from deskmail.ui.mail.actions import MailActions, menu_label
from deskmail.ui.mail.bars import MessageBar
from deskmail.ui.mail.folder_menu import FolderMenu
from deskmail.ui.mail.folders import FolderRef, FolderTree
from deskmail.ui.mail.message_list import MessageList
from deskmail.ui.mail.notify import NewMailNotifier
from deskmail.ui.mail.outbox import outbox_menu, show_outbox
from deskmail.ui.mail.reader import ReadingPane
from deskmail.ui.mail.reading import ReadingController
from deskmail.ui.mail.search_box import SearchBox
from deskmail.ui.mail.signin import SignInAgain

log = logging.getLogger(__name__)
SEARCH_DELAY_MS = 150
SEARCHING_SHOWN_MS = 150  # a search still running this long says so (a quicker one would only flicker)
NARROW_WINDOW = 1000  # narrower: the reader goes under the list, rows stack (sender and date, subject, preview)
NARROW_LIST = 560  # a narrower list stacks its rows too: as a table the subject would get under ~250 px
READER_WIDTH = 660  # a 600 px newsletter and its margins without a horizontal scroll bar
FOLDER_PANE_MAX = 260  # long folder names (German "Posteingang" in bold) get this much before they are cut
WARM_UP_MS = 300  # after the first paint: start-up does not wait for the MIME stack


def engine_runtimes(context: AppContext) -> RuntimeFactory:
    """Real accounts: the engine's AccountRuntime (store, IMAP or POP3, SMTP)."""
    from deskmail.engine.runtime import runtime_for

    return lambda account: runtime_for(account, context.paths, context.settings, context.credentials)


class MailView(QWidget):
    """Everything below the menu bar once there is an account."""

    def __init__(self, context: AppContext, controller: MailController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller
        self.accounts: list[Account] = []
        self.last_errors: dict[str, str] = {}  # email -> kind of its last problem (the diagnostic report)
        self.current: FolderRef | None = None
        self.refreshing = False
        self.next_row: int | None = None  # the row to select once removed messages leave the list
        self.offline_bar = MessageBar("warning", "offline", closable=False)
        self.error_bar = MessageBar("error")
        self.sign_in = SignInAgain(context, self.error_bar.show_message, self._retry, about=self.about_account)
        self.folders = FolderTree()
        self.model = MessageListModel(self)
        self.list = MessageList(self.model)
        self.search = SearchBox()
        self.reading_pane = ReadingPane()
        self.reading = ReadingController(self, self.reading_pane)
        self.status = QLabel()
        self.outbox_button = QPushButton()
        self.outbox_button.setFlat(True)
        self.outbox_button.hide()
        self.outbox_button.clicked.connect(lambda _c=False: self.controller.sync_all())  # a check sends the outbox
        self.server_bar = MessageBar("info", closable=False)
        self._results: list[MessageSummary] = []
        self._owners: dict[MessageSummary, str] = {}  # each search result's account
        self.local_search = LocalSearch(context.runner, self)
        self.searching_shown = False  # a search has run long enough to say "Searching…"
        self._enter_results = False  # Down in the box during a search: into the results once they are there
        self._coming_back: dict[str, set[tuple[int, str]]] = {}  # email -> (folder id, Message-ID) Undo puts back
        self._searching_timer = QTimer(self, singleShot=True, interval=SEARCHING_SHOWN_MS)
        self.waiting: list[tuple[str, OutboxItem]] = []  # (account email, item) in every account's outbox
        self.outbox_menu: QMenu | None = None
        self._server_tasks: list[Task] = []
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._layout()
        self.actions_ = MailActions(self)
        self.main_layout.addWidget(self.actions_.history.notice, 0, Qt.AlignmentFlag.AlignLeft)  # under the lists
        self.folder_menu = FolderMenu(self)
        self.notifier = NewMailNotifier(self.window, self.show_notice, lambda: len(self.accounts), self)
        self._connect()

    def _layout(self) -> None:
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.search)
        column.addWidget(self.server_bar)
        column.addWidget(self.list, 1)
        # folders | content; content is list | reader, or list above reader in a narrow window
        self.content = QSplitter(Qt.Orientation.Horizontal)
        self.content.addWidget(middle)
        self.content.addWidget(self.reading_pane)
        self.content.setStretchFactor(0, 2)
        self.content.setStretchFactor(1, 5)
        self.content.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.folders)
        self.splitter.addWidget(self.content)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.folders.setMinimumWidth(120)
        middle.setMinimumWidth(200)
        self.reading_pane.setMinimumWidth(240)
        self._sized = False  # the first layout picks pane sizes from the window's width (or the remembered ones)
        self._panes_restored = False  # the person's own pane sizes: never widened for them
        self.content.splitterMoved.connect(lambda _p, _i: self._fit_rows())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.offline_bar)
        layout.addWidget(self.error_bar)
        layout.addWidget(self.splitter, 1)
        self.main_layout = layout

    # -- a layout that fits the window ----------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_layout()

    def fit_layout(self) -> None:
        """Narrow windows put the reader under the list; narrow lists stack each row on three lines."""
        width = self.width()
        narrow = width < NARROW_WINDOW
        orientation = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if self.content.orientation() != orientation or not self._sized:
            self.content.setOrientation(orientation)
            self._default_sizes(width)
        self._fit_rows()
        QTimer.singleShot(0, self._fit_rows)  # again once the panes have their new sizes

    def _default_sizes(self, width: int) -> None:
        """Pane sizes for this width: the reader wide enough for a 600 px newsletter, the folders slim."""
        self._sized = True
        # the folder names' own width counts too: switching to the narrow layout (800 px) must not
        # cut "Posteingang" back to "Posteing…" after fit_folder_pane widened the pane for it
        folders = max(160, min(230, int(width * 0.15)), self._folder_names_width(width))
        self.splitter.setSizes([folders, max(1, width - folders)])
        rest = width - folders
        if self.content.orientation() == Qt.Orientation.Vertical:
            height = max(1, self.content.height())
            self.content.setSizes([int(height * 0.4), height - int(height * 0.4)])
        else:
            reader = max(int(rest * 0.6), min(READER_WIDTH, rest - 260))
            self.content.setSizes([rest - reader, reader])

    def fit_folder_pane(self) -> None:
        """Widen the folder pane (within limits) so folder names show whole: "Posteingang" at 800 px too."""
        if self._panes_restored:
            return
        sizes = self.splitter.sizes()
        target = self._folder_names_width(self.width())
        if len(sizes) == 2 and target > sizes[0]:
            self.splitter.setSizes([target, max(1, sum(sizes) - target)])

    def _folder_names_width(self, width: int) -> int:
        """The folder pane's width that shows every folder name whole, within limits for a `width` window."""
        tree = self.folders
        frame = tree.width() - tree.viewport().width()  # the frame and any scroll bar
        needed = tree.sizeHintForColumn(0) + tree.columnWidth(1) + frame + 4
        return min(max(160, min(FOLDER_PANE_MAX, width // 4)), needed)

    def _fit_rows(self) -> None:
        self.list.set_stacked(self.width() < NARROW_WINDOW or self.list.width() < NARROW_LIST)

    def _connect(self) -> None:
        c = self.controller
        c.store_changed.connect(self._store_changed)
        c.sync_state.connect(self._sync_state)
        c.online_changed.connect(self._online_changed)
        c.problem.connect(self._problem)
        c.notice.connect(self.show_notice)
        c.new_mail.connect(self.notifier.announce)
        self.folders.folder_selected.connect(self.open_folder)
        self.folders.outbox_clicked.connect(self._outbox_clicked)
        self.folders.messages_dropped.connect(self.actions_.drop_on)
        self.folders.can_copy = self.actions_.can_copy
        self.list.account_of = self.email_of
        self.list.current_message.connect(self.reading.open)
        self.list.activated_message.connect(self.actions_.open_in_composer_if_draft)
        self.search.textChanged.connect(self._typed)
        self.search.leave.connect(self._into_list)
        # Esc only steps out of the box: a list arrived at by keyboard opens its first message (and reads it).
        self.search.escape.connect(lambda: self.list.setFocus(Qt.FocusReason.MouseFocusReason))
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.list, context=Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._escape_in_list)
        self._search_timer.timeout.connect(self.run_search)
        self.local_search.found.connect(self._searched)
        self.local_search.failed.connect(self._search_failed)
        self._searching_timer.timeout.connect(self._show_searching)
        self.reading_pane.compose_to.connect(self.actions_.compose_mailto)
        self.reading_pane.link_hovered.connect(self._show_link)
        QWidget.setTabOrder(self.list, self.reading_pane.body)  # Tab: from the list to the message text
        for key, step in (("F6", 1), ("Shift+F6", -1)):
            QShortcut(QKeySequence(key), self).activated.connect(lambda s=step: self.cycle_panes(s))

    def panes(self) -> list[QWidget]:
        return [self.folders, self.list, self.reading_pane.body]

    def cycle_panes(self, step: int = 1) -> None:
        """F6 / Shift+F6: folders, message list, message text, round again (as in Thunderbird and Outlook)."""
        panes = [p for p in self.panes() if p.isVisible() and p.isEnabled()] or self.panes()
        focused = QApplication.focusWidget()
        here = next(
            (i for i, p in enumerate(panes) if focused is not None and (p is focused or p.isAncestorOf(focused))), -1
        )
        target = panes[(here + step) % len(panes)] if here >= 0 else panes[0 if step > 0 else -1]
        target.setFocus(Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason)

    def _show_link(self, address: str) -> None:
        """The real address of the link under the pointer, where people look for it (the status bar)."""
        window = self.window()
        if isinstance(window, QMainWindow):
            if address:
                window.statusBar().showMessage(address)
            else:
                window.statusBar().clearMessage()

    # -- accounts and folders -------------------------------------------------------------------

    def set_accounts(self, accounts: list[Account]) -> None:
        first = not self.accounts
        self.accounts = accounts
        if self.current is not None and all(a.email != self.current.email for a in accounts):
            self.current = None  # its account was removed (Settings): show another one's Inbox
            self.model.set_source(ListSource([]))
            self.reading_pane.clear("")
        reopen = None
        before = self.controller.account(self.current.email) if self.current is not None else None
        after = next((a for a in accounts if self.current is not None and a.email == self.current.email), None)
        if before is not None and after is not None and connection_of(before) != connection_of(after):
            # Its settings changed (Settings): the controller may close the store reader the list reads
            # from and open a new one, so the list lets go of it now and shows the folder again after.
            reopen = self.current
            self.model.set_source(ListSource([]))
        self.controller.set_accounts(accounts, on_ready=lambda: self._ready(first, reopen))

    def _ready(self, first: bool, reopen: FolderRef | None = None) -> None:
        self.refresh_folders()
        if first:
            self.fit_folder_pane()
        if reopen is not None and self.current is reopen:
            self.open_folder(reopen)
        if self.current is None:
            self.folders.select_first_inbox()
        if first:
            self.controller.sync_all()
            QTimer.singleShot(WARM_UP_MS, self._warm_up)
            QTimer.singleShot(WARM_UP_MS, self._watch_network)

    def _watch_network(self) -> None:
        """The platform's word on the network: who is offline, and a check as soon as the network is back."""
        from deskmail.ui.mail.network import PlatformNetwork

        if self.controller.network_up is not None:  # already given (a scene, a test)
            return
        network = PlatformNetwork(lambda: None if self.controller.online else self.controller.sync_all(), self)
        self.controller.network_up = network.up
        self.controller.metered = network.metered

    def _warm_up(self) -> None:
        """Load the MIME stack on a worker once the window is up, so the first message opens as fast as the rest.

        Not while a sync runs (a new account's first one streams in for seconds): an import holds
        the GIL in long stretches, and a worker the system takes off its core while holding it
        froze the window for as long (up to 140 ms measured on a busy 2-core machine).
        """
        if self.controller.syncing:
            QTimer.singleShot(WARM_UP_MS, self._warm_up)
            return

        def load(cancel: object, progress: object) -> None:
            importlib.import_module("deskmail.engine.mime.render")

        with contextlib.suppress(RuntimeError):  # the runner already stopped (a window closed at once)
            self.context.runner.run(load, name="load-mime")

    def refresh_folders(self) -> None:
        listed = []
        for account in self.accounts:
            reader = self.controller.reader(account.email)
            folders = reader.folders() if reader is not None else []
            listed.append((account, folders))
        self.folders.set_folders(listed)

    def folder(self, email: str, use: SpecialUse) -> Folder | None:
        reader = self.controller.reader(email)
        return reader.special_folder(use) if reader is not None else None

    def open_folder(self, ref: FolderRef) -> None:
        reader = self.controller.reader(ref.email)
        if reader is None:
            return
        self.current = ref
        self.controller.folder_opened(ref.email, ref.folder.name)  # pushed (IDLE) while it is open
        if self.search.text():
            # Not with its signals blocked: the box's clear button (its ✕) then stayed in the empty box.
            self.search.textChanged.disconnect(self._typed)
            self.search.clear()
            self.search.textChanged.connect(self._typed)
            self._stop_search()
        outgoing = ref.folder.special_use in (SpecialUse.SENT, SpecialUse.DRAFTS)
        self.model.set_source(FolderSource(reader, ref.folder.id), show_recipients=outgoing)
        self.reading_pane.clear(_("Select a message to read it.") if self.model.rowCount() else "")
        self.update_empty_text()
        self.actions_.update_enabled()

    def update_empty_text(self) -> None:
        """What an empty list says: still arriving, not downloaded yet (offline), or really empty."""
        text = _("No messages in this folder.")
        if self.search.text().strip() and self.searching_shown:
            text = _("Searching…")
        elif self.search.text().strip():
            text = _("No messages found. Check the spelling, or try fewer words.")
        elif self.current is not None:
            reader = self.controller.reader(self.current.email)
            folder = reader.folder(self.current.folder.name) if reader is not None else None
            if folder is not None and not folder.synced_at:  # never fetched: empty says nothing yet
                if self.current.email in self.controller.syncing:
                    text = _("Getting your mail…")
                elif not self.controller.online:
                    text = _("This folder has not been downloaded yet. It will be when you're back online.")
        self.list.set_empty_text(text)

    def update_outbox(self) -> None:
        """'2 messages waiting in the Outbox' in the status bar; refused ones can be opened, fixed and sent."""
        waiting = []
        for account in self.accounts:
            reader = self.controller.reader(account.email)
            if reader is not None:
                items = outbox_items(reader, heads_only=True)
                waiting += [
                    (account.email, item) for item in items if item.id not in self.actions_.sending_soon(account.email)
                ]
        self.waiting = waiting
        show_outbox(
            self.outbox_button,
            waiting,
            self.controller.sync_all,
            self.actions_.open_outbox_item,
            self.actions_.settle_outbox_item,
        )
        for account in self.accounts:
            mine = [item for email, item in waiting if email == account.email]
            refused = sum(item.state is OutboxState.FAILED for item in mine)
            self.folders.set_outbox(account.email, len(mine), refused)

    def _outbox_clicked(self, email: str, rect: object) -> None:
        """The folder list's Outbox row: its messages in a menu, refused ones to open and fix."""
        mine = [(e, item) for e, item in self.waiting if e == email]
        if not mine:
            return
        menu = outbox_menu(
            self, mine, self.controller.sync_all, self.actions_.open_outbox_item, self.actions_.settle_outbox_item
        )
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.outbox_menu = menu
        where = rect.bottomLeft() if isinstance(rect, QRect) else self.folders.rect().topLeft()
        menu.popup(self.folders.viewport().mapToGlobal(where))

    def _store_changed(self, email: str) -> None:
        self.refresh_folders()
        self.update_outbox()
        if self.current is None:
            self.folders.select_first_inbox()
            return
        if self.search.text().strip():
            self._follow_results(email)
            return
        if self.current.email != email:
            return
        current = self.list.current_summary()
        if self.next_row is not None:  # after delete/archive/move: show the next message
            next_row = self.next_row
            self.next_row = None
            self.model.refresh()
            if self.model.rowCount():
                self.list.select_row(max(0, min(next_row, self.model.rowCount() - 1)))
            else:
                self.reading_pane.clear("")
            self.update_empty_text()
            return
        self.refreshing = True  # a reset selects nothing for a moment: keep the message on screen
        try:
            self.model.refresh()
            self.update_empty_text()
            if current is not None and self.list.current_summary() != current:
                row = self.model.find(current.id, max_pages=10)
                if row is not None:
                    self.list.select_row(row)
                elif self.model.rowCount() <= 10 * PAGE_SIZE:  # searched the whole list: it is gone
                    self.reading_pane.clear()
        finally:
            self.refreshing = False

    # -- search --------------------------------------------------------------------------------

    def run_search(self) -> None:
        """Local full-text search over every account, on a worker: the window keeps answering meanwhile.

        The list keeps what it shows until the results replace it in one step (`_searched`); a
        search superseded by more typing is abandoned. An empty box shows the folder again at once.
        """
        # Run now: the typing delay's pending run would come later and wipe what the server found meanwhile.
        self._search_timer.stop()
        text = self.search.text().strip()
        if not text:
            self._stop_search()
            if self.current is not None:
                reading = self.list.current_summary()
                self.open_folder(self.current)
                self._keep_reading(reading)
            return
        stores = [(a.email, path) for a in self.accounts if (path := self.controller.store_path(a.email)) is not None]
        self.local_search.start(text, stores)
        if not self.searching_shown:
            self._searching_timer.start()

    def undone(self, email: str, done: object) -> None:
        """Undo puts mail back: shown search results take it in again once the store has it (now, or after a sync)."""
        message_ids = getattr(done, "message_ids", ())
        folder_id = getattr(done, "folder_id", None)
        if self.search.text().strip() and isinstance(self.model.source, ListSource) and isinstance(folder_id, int):
            self._coming_back.setdefault(email, set()).update((folder_id, m) for m in message_ids if m)
            self._follow_results(email)

    def _keep_reading(self, summary: MessageSummary | None) -> None:
        """The search left: the result being read stays selected when it is in the folder shown again."""
        if summary is None or self.current is None or summary.folder_id != self.current.folder.id:
            return
        if self._owners.get(summary, self.current.email) != self.current.email:  # another account's folder
            return
        row = self.model.find(summary.id, max_pages=10)
        if row is not None:
            self.list.select_row(row)

    def _into_list(self) -> None:
        """Down or Esc from the search box: into the list, on its first message (as Tab does).

        While the search still runs the list shows the folder: going there opened its first message
        (read 1.5 s later), which the results then replaced. So the focus follows the results instead.
        """
        if self._search_timer.isActive():
            self.run_search()  # no need to wait for the end of the typing pause
        if self.local_search.running:
            self._enter_results = True
            return
        self.list.setFocus(Qt.FocusReason.TabFocusReason)

    def _escape_in_list(self) -> None:
        """Esc in the results ends the search (as in Thunderbird): the folder again, the same message read."""
        if self.search.text():
            self.search.clear()

    def _typed(self, text: str) -> None:
        """Typing waits for a pause (the search for the text before stops now); an empty box shows the folder."""
        self._enter_results = False  # still typing: the focus stays in the box
        if not text.strip():
            self.run_search()
            return
        self.local_search.cancel()
        self._search_timer.start()

    def _show_searching(self) -> None:
        """A search that takes a while says so, in the bar under the box (and in an empty list)."""
        if not self.local_search.running:
            return
        self.searching_shown = True
        self.server_bar.show_message(_("Searching the mail on this computer…"))
        self.update_empty_text()

    def _stop_search(self) -> None:
        """No search any more (the box was cleared, a folder opened): nothing running, nothing said."""
        self.local_search.cancel()
        self._searching_timer.stop()
        self.searching_shown = False
        self.server_bar.hide()
        self._coming_back = {}

    def _searched(self, text: str, found: object) -> None:
        """The local search's results (per account, in the accounts' order) replace the list."""
        self._searching_timer.stop()
        self.searching_shown = False
        if text != self.search.text().strip():  # the box changed as it ended: its own search follows
            return
        results: list[MessageSummary] = []
        owners: dict[MessageSummary, str] = {}
        more = False  # an account had more matches than it gives (its newest SEARCH_LIMIT)
        for email, summaries in found if isinstance(found, list) else []:
            results += summaries
            more = more or len(summaries) >= SEARCH_LIMIT
            for summary in summaries:
                owners.setdefault(summary, email)
        self._results = results
        self._owners = owners
        self._coming_back = {}
        self.next_row = None  # for a list no longer shown
        self.model.set_source(ListSource(results))
        self._name_places(results)
        self.reading_pane.clear(_found(len(results), more=more) if results else "")
        self.update_empty_text()
        self.actions_.update_enabled()  # nothing is chosen in the new list: no Delete, Reply for what was
        if self._enter_results and self.search.hasFocus():
            self.list.setFocus(Qt.FocusReason.TabFocusReason)
        self._enter_results = False
        self.server_bar.show_message(
            _("Searched the mail on this computer. Older mail may be kept only by your mail provider."),
            [(_("Search your provider too"), lambda: self.search_server(text))],
        )

    def _search_failed(self, text: str, _error: object) -> None:
        """The store could not be searched (the log has why): say so, and offer to try again."""
        self._searching_timer.stop()
        self._enter_results = False
        self.searching_shown = False
        if text != self.search.text().strip():
            return
        self.update_empty_text()
        self.server_bar.show_message(
            _("The mail on this computer could not be searched just now."), [(_("Try again"), self.run_search)]
        )

    def _follow_results(self, email: str) -> None:
        """Search results show what `email`'s store holds now: new flags, and mail deleted or moved leaves them.

        Without this a deleted result stayed in the list, open and "In Inbox", and Delete again
        moved nothing; a result read or flagged kept its old look, so Flag (S) flagged it again.
        """
        source = self.model.source
        reader = self.controller.reader(email)
        mine = [m for m in self._results if self._owners.get(m) == email]
        back = self._back_again(email)
        if not isinstance(source, ListSource) or reader is None or not (mine or back):
            return
        now = reader.visible_messages([m.id for m in mine])
        if all(now.get(m.id) == m for m in mine) and not back:
            return
        current = self.list.current_summary()
        results: list[MessageSummary] = []
        owners: dict[MessageSummary, str] = {}
        for summary in self._results:
            owner = self._owners.get(summary, "")
            fresh = now.get(summary.id) if owner == email else summary
            if fresh is not None:
                results.append(fresh)
                owners[fresh] = owner
        for summary in back:
            results.append(summary)
            owners[summary] = email
        self._results, self._owners = results, owners
        next_row, self.next_row = self.next_row, None
        self.refreshing = True  # the same message stays on screen through the list's reset
        try:
            source.rows = results
            self.model.refresh()
            self._name_places(results)
            row = self.model.find(current.id) if current is not None else None
            if current is not None and row is None:  # it left the results
                row = next_row  # after Delete, Archive, Move: the one after it, moved up into its row
            if row is not None and results:
                self.list.select_row(max(0, min(row, len(results) - 1)))
            elif current is not None:
                self.reading_pane.clear("")
        finally:
            self.refreshing = False
        self.update_empty_text()
        self.actions_.update_enabled()

    def _back_again(self, email: str) -> list[MessageSummary]:
        """What Undo put back into `email`'s folders that the store shows again (and the results do not yet)."""
        wanted = self._coming_back.get(email)
        reader = self.controller.reader(email)
        if not wanted or reader is None:
            return []
        copies = [m for pair in wanted for m in reader.messages_by_message_id(pair[1]) if m.folder_id == pair[0]]
        # Kept while this search is shown: the copy put back first may still give way to another (the
        # row shown again at once, then the one the server's move back brings with a new UID).
        visible = reader.visible_messages([m.id for m in copies]).values()
        shown = {m.id for m in self._results}
        return [m for m in visible if m.id not in shown]

    def _name_places(self, results: list[MessageSummary]) -> None:
        """Each search result's folder, as the folder list names it ("In Archive · …" on its second line)."""
        names = {a.email: {f.id: menu_label(f) for f in self.folders.folders_of(a.email)} for a in self.accounts}
        places: dict[MessageSummary, str] = {}
        for summary in results:
            folders = names.get(self._owners.get(summary, ""), {})
            if summary.folder_id in folders:
                places[summary] = folders[summary.folder_id]
        self.model.places = places
        self.list.viewport().update()

    def search_server(self, text: str) -> None:
        """Ask every account's server (finds text in messages whose body is not downloaded yet)."""
        for task in self._server_tasks:
            task.cancel()
        self._server_tasks = []
        self.server_bar.show_message(_("Searching the mail your provider keeps…"))
        pending = {a.email for a in self.accounts}
        for account in self.accounts:

            def done(found: object, email: str = account.email) -> None:
                pending.discard(email)
                if self.search.text().strip() != text:
                    return
                known = {m.id for m in self._results}
                extra = [m for m in found if m.id not in known] if isinstance(found, list) else []
                self._results += extra
                for summary in extra:
                    self._owners.setdefault(summary, email)
                self.model.set_source(ListSource(self._results))
                self._name_places(self._results)
                if not pending:
                    self.server_bar.show_message(_searched_both(len(self._results)))

            def failed(_error: object, email: str = account.email) -> None:
                pending.discard(email)
                if not pending and self.search.text().strip() == text:
                    self.server_bar.show_message(
                        _("Your mail provider could not be reached, so only the mail on this computer was searched."),
                        [(_("Try again"), lambda: self.search_server(text))],
                    )

            self._server_tasks.append(self.controller.run_for(account.email, _server_search(text), done, failed))

    def email_of(self, summary: MessageSummary) -> str:
        """The account a message belongs to (search results can come from any of them)."""
        if self.current is not None and not self.search.text():
            return self.current.email
        if summary in self._owners:
            return self._owners[summary]
        for account in self.accounts:
            reader = self.controller.reader(account.email)
            if reader is not None and reader.message(summary.id) == summary:
                return account.email
        return self.current.email if self.current else ""

    # -- state shown in bars and the status bar ------------------------------------------------------

    def _sync_state(self, email: str, text: str) -> None:
        self.update_empty_text()  # "Getting your mail…" only while a check runs
        now = QLocale().toString(QTime.currentTime(), QLocale.FormatType.ShortFormat)
        if text:
            self.status.setText(text)
        elif not self.controller.online:
            self.status.setText(self.offline_texts()[1])
        elif not self.controller.syncing and not self.error_bar.isHidden():
            # never "Up to date"
            self.status.setText(_("Could not check for new mail (see the message at the top)"))
        elif not self.controller.syncing and self.controller.check_failed:  # the server refused some folders
            self.status.setText(_("Some folders could not be checked · checked at {time}").format(time=now))
        elif not self.controller.syncing:
            self.status.setText(_("Up to date · checked at {time}").format(time=now))

    def offline_texts(self) -> tuple[str, str]:
        """The offline bar's sentence and the status bar's words: this computer, or the provider."""
        return offline_texts(self.controller.no_network, self.controller.provider(self.controller.unreachable))

    def _online_changed(self, online: bool) -> None:
        self.update_empty_text()
        if online:
            self.offline_bar.hide()
            self.reading.connection_back()
        else:
            bar, status = self.offline_texts()
            self.status.setText(status)
            self.offline_bar.show_message(bar, [(_("Try again"), self.controller.sync_all)])

    def _problem(self, email: str, error: object) -> None:
        if not isinstance(error, UserFacingError):
            return
        self.last_errors[email] = str(error.kind)
        text = " ".join(part for part in (error.message, error.fix) if part)
        account = next((a for a in self.accounts if a.key == account_key(email)), None)
        if error.data.get("sign_in_again") and account is not None and account.uses_oauth:
            self.error_bar.show_message(
                self.about_account(email, text), [(_("Sign in again…"), lambda: self.sign_in.start(account))]
            )
            return
        if error.field is Field.PASSWORD:
            self.error_bar.show_message(
                self.about_account(email, text), [(_("Type password…"), lambda: self.ask_password(email))]
            )
            return
        self.error_bar.show_message(self.about_account(email, text), [(_("Try again"), lambda: self._retry(email))])

    def about_account(self, email: str, text: str) -> str:
        """Name the account in a message only when there are several: with one, the address is noise."""
        # Translators: a problem of one of several accounts, e.g. "anna@example.com: The password was refused."
        return _("{email}: {text}").format(email=email, text=text) if len(self.accounts) > 1 else text

    def ask_password(self, email: str) -> None:
        """The password for this session (accounts that do not keep it, or a changed password)."""
        password, ok = QInputDialog.getText(
            self, _("Password"), _("Password for {email}:").format(email=email), QLineEdit.EchoMode.Password
        )
        if ok and password:
            register_secret(password)
            self.context.credentials.set_for_session(email, password)
            self._retry(email)

    def _retry(self, email: str) -> None:
        self.error_bar.hide()
        self.controller.sync(email)

    retry = _retry  # Settings: a new password was saved

    def show_notice(self, text: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)

    # -- hooks used by MainWindow ---------------------------------------------------------------------

    def set_up_phone(self, email: str) -> None:
        """The "Set up your phone" window for one account (its QR code, iPhone profile and card)."""
        account = next((a for a in self.accounts if a.key == account_key(email)), None)
        if account is not None:
            from deskmail.ui.phone.window import open_phone_window

            open_phone_window(account, self)

    def drop_account(self, email: str) -> None:
        """An account removed in Settings: close its store now (its copy is deleted after that)."""
        self.set_accounts([a for a in self.accounts if a.email != email])

    def install(self, window: QMainWindow) -> None:
        """Add this view's toolbar, menus and status bar widgets to the main window."""
        from deskmail.ui.settings.general import load_app_choices

        load_app_choices(self.context, self)
        self.actions_.install(window)
        file_menu = getattr(window, "file_menu", None)
        if isinstance(file_menu, QMenu):  # right after Add Account…
            listed = file_menu.actions()
            if len(listed) > 1:
                file_menu.insertAction(listed[1], self.folder_menu.phone)
            else:
                file_menu.addAction(self.folder_menu.phone)
            quit_action = file_menu.actions()[-1]  # Empty Trash… just above Quit, as in Thunderbird
            file_menu.insertActions(quit_action, [self.actions_.save_pdf, self.actions_.print_message])
            file_menu.insertSeparator(quit_action)
            file_menu.insertAction(quit_action, self.actions_.empty_trash)
            file_menu.insertSeparator(quit_action)
        window.statusBar().addWidget(self.status, 1)
        window.statusBar().addPermanentWidget(self.outbox_button)

    def save_state(self) -> dict[str, object]:
        header = self.list.horizontalHeader()
        state: dict[str, object] = {"columns": [header.sectionSize(i) for i in range(header.count())]}
        if self.content.orientation() == Qt.Orientation.Horizontal:  # the wide layout's folders, list, reader
            state["panes"] = [self.splitter.sizes()[0], *self.content.sizes()]
        return state

    def restore_state(self, state: dict[str, object]) -> None:
        panes, columns = state.get("panes"), state.get("columns")
        if isinstance(panes, list) and len(panes) == 3 and all(isinstance(p, int) and p > 40 for p in panes):
            self._sized = self._panes_restored = True
            self.splitter.setSizes([panes[0], panes[1] + panes[2]])
            self.content.setSizes(panes[1:])
        if isinstance(columns, list) and all(isinstance(c, int) and 0 < c < 2000 for c in columns):
            header = self.list.horizontalHeader()
            for index, width in enumerate(columns[: header.count()]):
                if header.sectionResizeMode(index) == QHeaderView.ResizeMode.Interactive:  # subject stretches
                    header.resizeSection(index, width)

    def close_window(self) -> bool:
        self._stop_search()
        self.actions_.send_waiting_now()
        self.controller.shutdown()
        self.notifier.close()
        return True


def _found(count: int, *, more: bool = False) -> str:
    if not count:
        return _("No messages found.")
    if more:
        return ngettext(
            "More than {n} message found. The newest are shown: add a word to find fewer.",
            "More than {n} messages found. The newest are shown: add a word to find fewer.",
            count,
        ).format(n=count)
    return ngettext("{n} message found.", "{n} messages found.", count).format(n=count)


def _searched_both(count: int) -> str:
    """The server bar after asking the provider too: "Searched here and at your provider: 3 messages found."."""
    if not count:
        return _("Searched here and at your provider: no messages found.")
    return ngettext(
        "Searched here and at your provider: {n} message found.",
        "Searched here and at your provider: {n} messages found.",
        count,
    ).format(n=count)


def _server_search(text: str) -> Callable[[Runtime], object]:
    return lambda runtime: runtime.search_server(text)


def make_mail_view(context: AppContext, parent: QWidget, runtimes: RuntimeFactory | None = None) -> MailView:
    controller = MailController(context.runner, runtimes or engine_runtimes(context))
    view = MailView(context, controller, parent)
    controller.setParent(view)
    return view
