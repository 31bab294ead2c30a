"""Opening a message: load the body (store or server), render it off the GUI thread, remote content, attachments."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import shiboken6
from PySide6.QtCore import QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import N_, _, ngettext
from deskmail.engine.prefs import REMOTE_ALLOWED_SENDERS, REMOTE_ASK, RemoteContentPrefs
from deskmail.engine.runtime import render_body
from deskmail.engine.store.models import MessageSummary
from deskmail.engine.store.reader import Body, StoreReader
from deskmail.qtbridge.reach import waits_for_connection
from deskmail.qtbridge.tasks import Progress, Task
from deskmail.ui.mail.reader import ReadingPane, remote_image_urls

if TYPE_CHECKING:
    from deskmail.engine.mime.parse import Attachment
    from deskmail.engine.mime.render import RenderedMessage
    from deskmail.ui.mail.view import MailView

log = logging.getLogger(__name__)
REMOTE_IMAGE_MAX_BYTES = 5_000_000
MARK_READ_DELAY_MS = 1500  # how long a message is on screen before it counts as read (a setting later)
NOT_DOWNLOADED = N_("This message has not been downloaded yet. It will be when you are online again.")


def cached_body(store_path: Path, message_id: int) -> Body | None:
    """The stored message, looked up through a connection of this worker's own (None: not fetched yet)."""
    try:
        reader = StoreReader.open(store_path)
    except sqlite3.Error:  # no store file yet: the account's queue makes it and fetches
        return None
    try:
        body = reader.body(message_id)
        return body if body is not None and (body.path is None or body.path.exists()) else None
    finally:
        reader.close()


class ReadingController:
    """Keeps the reading pane in step with the selected message; stale results are dropped."""

    def __init__(self, view: MailView, pane: ReadingPane) -> None:
        self.view = view
        self.pane = pane
        self.body: Body | None = None  # big messages stay a file: read whole only when forwarded
        self.email = ""
        self._task: Task | None = None
        self.failed: MessageSummary | None = None  # the message on screen could not be loaded
        self.allowed_senders: set[str] = set()
        self._remote_mode = REMOTE_ALLOWED_SENDERS  # Settings › General; REMOTE_ASK ignores the allowed senders
        self.prefs = RemoteContentPrefs(view.context.paths)
        view.context.runner.run(lambda c, p: self.prefs.load(), name="load-prefs", on_finished=self._prefs_loaded)
        pane.show_remote.connect(self.show_remote)
        pane.save_attachment.connect(self.save_attachment)
        pane.open_attachment.connect(self.open_attachment)
        pane.save_all.connect(self.save_all)
        # Read after it has been on screen a moment: arrowing past a message leaves it unread.
        self._mark_timer = QTimer(view, singleShot=True, interval=MARK_READ_DELAY_MS)
        self._mark_timer.timeout.connect(self._mark_read)
        self.window_wanted: int | None = None  # a message to open in its own window once it has loaded
        self.windows: list[QWidget] = []

    @property
    def remote_mode(self) -> str:
        return self._remote_mode

    @remote_mode.setter
    def remote_mode(self, mode: str) -> None:
        self._remote_mode = mode
        if shiboken6.isValid(self.pane):  # the saved choice may arrive after the window closed
            self.pane.set_offer_allow_sender(mode != REMOTE_ASK)

    @property
    def raw(self) -> bytes | None:
        return self.body.read() if self.body is not None else None

    def _prefs_loaded(self, senders: object) -> None:
        if isinstance(senders, set):
            self.allowed_senders |= senders

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def stop_loading(self, leaving: list[MessageSummary]) -> None:
        """Stop fetching the message on screen when it is among `leaving` (deleted, moved): it would hold
        the account's queue, and with it the action itself, until the connection gave up (a minute when
        the server has gone quiet)."""
        shown = self.pane.summary
        if self._task is not None and shown is not None and any(m.id == shown.id for m in leaving):
            self._cancel()

    # -- opening -------------------------------------------------------------------------

    def open(self, summary: object) -> None:
        shown = self.pane.summary
        if self.view.refreshing and (summary is None or (shown is not None and summary == shown)):
            return  # a refresh selects nothing for a moment, then the same message again: no reload
        if isinstance(summary, MessageSummary) and shown is not None and summary.id == shown.id and self.body:
            self.pane.summary = summary  # the same message with new flags (e.g. just marked read)
            self.view.actions_.update_enabled()
            return
        self._cancel()
        self._mark_timer.stop()
        self.body = None
        self.failed = None
        if not isinstance(summary, MessageSummary):
            self.pane.clear()
            self.view.actions_.update_enabled()
            return
        self.email = self.view.email_of(summary)
        self.pane.show_loading(summary)
        self.view.actions_.update_enabled()
        allow = self.remote_mode != REMOTE_ASK and summary.from_addr.lower() in self.allowed_senders
        runtime = self.view.controller.runtimes.get(self.email)
        if runtime is None:
            return

        def load(cancel: CancelToken, progress: Progress) -> tuple[Body, RenderedMessage]:
            rendered = runtime.open_message(summary, cancel, allow_remote=allow)
            return runtime.stored_body(summary, cancel), rendered

        def load_cached(cancel: CancelToken, progress: Progress) -> tuple[Body, RenderedMessage] | None:
            body = cached_body(runtime.store_path, summary.id)
            cancel.raise_if_cancelled()
            return None if body is None else (body, render_body(body, allow_remote=allow))

        def from_server() -> None:
            # Only the account's own queue may fetch (it owns the IMAP connection), behind any sync;
            # a background batch (previews, offline download) running there stops at its next step.
            self.view.controller.previews.pause(self.email)
            self._task = self.view.context.runner.run(
                load,
                key=self.email,
                name="open-message",
                on_finished=lambda result: self._loaded(summary, result, allow),
                on_failed=lambda error: self._failed(summary, error),
            )

        # A message already in the store opens at once, even while a long sync holds the account's queue.
        self._task = self.view.context.runner.run(
            load_cached,
            name="open-cached-message",
            on_finished=lambda result: from_server() if result is None else self._loaded(summary, result, allow),
            on_failed=lambda error: self._failed(summary, error),
        )

    def _loaded(self, summary: MessageSummary, result: object, allowed: bool) -> None:
        self._task = None
        if not isinstance(result, tuple):
            return
        self.body, rendered = result
        self.pane.show_message(summary, rendered)
        if allowed and rendered.has_remote_content:
            self._fetch_remote_images(rendered)
        if not summary.seen:
            self._mark_timer.start()
        self.view.actions_.update_enabled()
        if self.window_wanted == summary.id:
            self.open_window(summary)

    def open_window(self, summary: object) -> None:
        """The message in its own window (Enter, double-click); once loaded, if it is still loading."""
        if not isinstance(summary, MessageSummary):
            return
        shown, rendered = self.pane.summary, self.pane.rendered
        if shown is None or shown.id != summary.id or rendered is None:
            self.window_wanted = summary.id
            return
        self.window_wanted = None
        from deskmail.ui.mail.message_window import MessageWindow

        window = MessageWindow(shown, rendered, self.view)
        window.pane.open_attachment.connect(lambda a: self.open_attachment(a, rendered))
        window.pane.save_attachment.connect(lambda a: self.save_attachment(a, rendered))
        window.pane.save_all.connect(lambda a: self.save_all(a, rendered))
        window.pane.compose_to.connect(self.view.actions_.compose_mailto)
        actions, body = self.view.actions_, self.body
        window.add_action(_("Reply"), lambda: actions.reply_to(False, window.pane), "Ctrl+R")
        window.add_action(_("Reply All"), lambda: actions.reply_to(True, window.pane), "Ctrl+Shift+R")
        window.add_action(_("Forward"), lambda: actions.forward_message(True, window.pane, body), "Ctrl+L")
        self.windows.append(window)
        window.destroyed.connect(lambda _o=None, w=window: self.windows.remove(w) if w in self.windows else None)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.move(self.view.window().geometry().center() - window.rect().center())  # over the main window
        window.show()
        window.activateWindow()

    def _mark_read(self) -> None:
        summary = self.pane.summary
        if summary is None or summary.seen or self.pane.rendered is None:
            return
        if self.email not in self.view.controller.runtimes:  # the window is closing
            return
        folder = self.view.current.folder.id if self.view.current else summary.folder_id
        self.view.controller.act(self.email, "read", summary.folder_id or folder, [summary.uid], True)

    def _failed(self, summary: MessageSummary, error: object) -> None:
        self._task = None
        self.failed = summary
        if waits_for_connection(error):
            # Not downloaded and no connection: a plain promise, not an error; the window says who is unreachable.
            self.view.controller.went_offline(self.email, error)
            self.pane.show_error(summary, _(NOT_DOWNLOADED))
            return
        message = getattr(error, "message", "") or _("This message cannot be shown.")
        self.pane.show_error(summary, message)

    def connection_back(self) -> None:
        """Online again: a message that could not be shown meanwhile is opened again (no stale error stays)."""
        failed, self.failed = self.failed, None
        if failed is not None and self.pane.summary is not None and self.pane.summary.id == failed.id:
            self.pane.summary = None  # not "the same message again": open it for real
            self.open(failed)

    # -- remote content --------------------------------------------------------------------------

    def show_remote(self, remember: bool) -> None:
        summary, body = self.pane.summary, self.body
        if summary is None or body is None:
            return
        if remember and summary.from_addr and self.remote_mode != REMOTE_ASK:
            sender = summary.from_addr.lower()
            self.allowed_senders.add(sender)
            self.view.context.runner.run(lambda c, p: self.prefs.allow(sender), name="remember-remote")

        def render(cancel: CancelToken, progress: Progress) -> RenderedMessage:
            return render_body(body, allow_remote=True)

        self._task = self.view.context.runner.run(
            render, name="render-remote", on_finished=lambda r: self._rendered_remote(summary, r)
        )

    def _rendered_remote(self, summary: MessageSummary, rendered: object) -> None:
        from deskmail.engine.mime.render import RenderedMessage  # loaded by the worker that rendered it

        if isinstance(rendered, RenderedMessage) and self.pane.summary == summary:
            self.pane.show_message(summary, rendered)
            self._fetch_remote_images(rendered)

    def _fetch_remote_images(self, rendered: RenderedMessage) -> None:
        """Fetch the message's http(s) images in the background (size- and time-limited)."""
        urls = remote_image_urls(rendered.body_html)
        if not urls:
            return
        settings = self.view.context.settings

        def fetch(cancel: CancelToken, progress: Progress) -> dict[str, bytes]:
            from deskmail.net.http import HttpClient, HttpError

            client = HttpClient(settings)
            found: dict[str, bytes] = {}
            for url in urls:
                cancel.raise_if_cancelled()
                try:
                    response = client.get(url, cancel=cancel, timeout=10.0, max_bytes=REMOTE_IMAGE_MAX_BYTES)
                except HttpError as exc:
                    log.info("remote image not loaded: %s", exc)
                    continue
                if response.status == 200 and not response.truncated:
                    found[url] = response.body
            return found

        summary = self.pane.summary
        self.view.context.runner.run(fetch, name="remote-images", on_finished=lambda f: self._images(summary, f))

    def _images(self, summary: MessageSummary | None, found: object) -> None:
        if summary is None or self.pane.summary != summary or not isinstance(found, dict):
            return
        images = {}
        for url, data in found.items():
            image = QImage()
            if image.loadFromData(data):
                images[url] = image
        self.pane.add_remote_images(images)

    # -- attachments ---------------------------------------------------------------------------------

    def _attachment_writer(
        self, attachment: Attachment, rendered: RenderedMessage | None = None
    ) -> Callable[[BinaryIO], int] | None:
        """Writes the part into an open file; big parts stream from the stored message in chunks."""
        rendered = rendered or self.pane.rendered
        if rendered is None:
            return None
        message = rendered.message
        return lambda sink: message.save_attachment(attachment.part_id, sink)

    def save_attachment(self, attachment: Attachment, rendered: RenderedMessage | None = None) -> None:
        data = self._attachment_writer(attachment, rendered)
        if data is None:
            return
        start = str(downloads() / attachment.filename)
        target, _filter = QFileDialog.getSaveFileName(self.view, _("Save attachment"), start)
        if target:
            self._write(Path(target), data, open_after=False)

    def save_all(self, attachments: list[Attachment], rendered: RenderedMessage | None = None) -> None:
        """Every attachment into one chosen folder (Downloads first); existing files are never overwritten."""
        rendered = rendered or self.pane.rendered
        if rendered is None or not attachments:
            return
        folder = QFileDialog.getExistingDirectory(self.view, _("Save all attachments in"), str(downloads()))
        if not folder:
            return
        message = rendered.message

        def write(cancel: CancelToken, progress: Progress) -> int:
            taken: set[str] = set()
            for attachment in attachments:
                cancel.raise_if_cancelled()
                path = free_name(Path(folder), attachment.filename, taken)
                with path.open("xb") as sink:
                    message.save_attachment(attachment.part_id, sink)
            return len(attachments)

        def failed(error: object) -> None:
            self.view.error_bar.show_message(_("Could not save the attachments: {reason}").format(reason=error))

        self.view.context.runner.run(
            write,
            name="save-all-attachments",
            on_finished=lambda n: self.view.show_notice(_saved_all(n, Path(folder).name)),
            on_failed=failed,
        )

    def open_attachment(self, attachment: Attachment, rendered: RenderedMessage | None = None) -> None:
        data = self._attachment_writer(attachment, rendered)
        if data is None:
            return
        if attachment.executable:
            answer = QMessageBox.warning(
                self.view,
                _("Open a program?"),
                _(
                    "“{name}” is a program. Programs sent by e-mail can harm your computer. "
                    "Open it only if you expected it from someone you trust."
                ).format(name=attachment.filename),
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Open:
                return
        base = self.view.context.paths.cache / "opened"

        def target() -> Path:
            # A private folder per opening: the cleaned name is kept and nothing is overwritten.
            base.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix="deskmail-", dir=base)) / attachment.filename

        self._write(target, data, open_after=True)

    def _write(self, target: Path | Callable[[], Path], data: Callable[[BinaryIO], int], *, open_after: bool) -> None:
        name = target.name if isinstance(target, Path) else ""

        def write(cancel: CancelToken, progress: Progress) -> Path:
            path = target if isinstance(target, Path) else target()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as sink:
                data(sink)
            return path

        def done(written: object) -> None:
            if open_after and isinstance(written, Path):
                if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(written))):
                    self._cannot_open(written)
            elif isinstance(written, Path):
                self.view.show_notice(_("Saved {name}").format(name=written.name))

        def failed(error: object) -> None:
            if name:
                self.view.error_bar.show_message(_("Could not save {name}: {reason}").format(name=name, reason=error))
            else:
                self.view.error_bar.show_message(_("Could not save the attachment: {reason}").format(reason=error))

        self.view.context.runner.run(write, name="write-attachment", on_finished=done, on_failed=failed)

    def _cannot_open(self, written: Path) -> None:
        """Nothing on this computer opens this kind of file: say so, and offer to keep it somewhere."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("Cannot open this file"),
            _("No app on this computer can open “{name}”.").format(name=written.name),
            parent=self.view,
        )
        box.setInformativeText(_("You can save it and open it later with an app that knows this kind of file."))
        save = box.addButton(_("Save As…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is save:
            target, _filter = QFileDialog.getSaveFileName(
                self.view, _("Save attachment"), str(downloads() / written.name)
            )
            if target:
                self._write(Path(target), lambda sink: copy_file(written, sink), open_after=False)


def _saved_all(count: object, folder: str) -> str:
    n = count if isinstance(count, int) else 0
    return ngettext("Saved {n} attachment in {folder}", "Saved {n} attachments in {folder}", n).format(
        n=n, folder=folder
    )


def copy_file(source: Path, sink: BinaryIO) -> int:
    with source.open("rb") as data:
        shutil.copyfileobj(data, sink)
    return source.stat().st_size


def downloads() -> Path:
    """Where saved attachments go first: the desktop's Downloads folder, else home."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def free_name(folder: Path, name: str, taken: set[str]) -> Path:
    """`name` in `folder`, or "name (2).ext" and so on when that is taken (on disk or earlier in this batch)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 1
    while candidate.lower() in taken or (folder / candidate).exists():
        number += 1
        candidate = f"{stem} ({number}){suffix}"
    taken.add(candidate.lower())
    return folder / candidate
