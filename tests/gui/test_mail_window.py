"""The mail window over a sample store: scenes render, the list is lazy, reading marks read, remote stays blocked."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from deskmail.engine.mime.decode import Address
from deskmail.engine.store.models import MessageHeaders, SpecialUse
from deskmail.qtbridge.message_model import PAGE_SIZE, FolderSource, MessageListModel, MessageRole
from deskmail.ui.mail import gallery, samples
from deskmail.ui.mail.actions import mailto_message
from deskmail.ui.mail.composer import ComposerWindow
from tests.gui.searching import search_for

pytestmark = pytest.mark.gui
SCENES: dict[str, Callable[[], QWidget]] = dict(gallery.scenes())


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders(qtbot: QtBot, name: str) -> None:
    widget = SCENES[name]()
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.grab().isNull()


def test_opening_another_folder_in_a_scene_starts_no_watcher(qtbot: QtBot) -> None:
    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    email = view.accounts[0].email
    other = next(f.name for f in view.folders.folders_of(email) if f.name.upper() != "INBOX")
    assert view.folders.select(email, other)
    qtbot.waitUntil(lambda: view.current is not None and view.current.folder.name == other, timeout=5000)
    qtbot.wait(200)  # the controller hands the open folder to the runtime on the next turn of the loop
    assert [t.name for t in threading.enumerate() if t.name.startswith("watch-")] == []


def test_folders_special_first_nested_with_unread_counts(qtbot: QtBot) -> None:
    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    names = [f.name for f in view.folders.folders_of("anna@example.test")]
    assert names[:6] == ["INBOX", "Drafts", "Sent", "Archive", "Junk", "Trash"]
    garden = view.folders._items[("anna@example.test", "Projects/Garden")]
    assert garden.parent() is view.folders._items[("anna@example.test", "Projects")]
    inbox = view.folders._items[("anna@example.test", "INBOX")]
    count = inbox.parent().child(inbox.row(), 1)
    assert count.text() == "3"
    assert view.current is not None and view.current.folder.special_use is SpecialUse.INBOX


def test_opening_an_unread_message_marks_it_read_and_blocks_remote_images(qtbot: QtBot) -> None:
    window = gallery.html_remote_blocked()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    rendered = view.reading_pane.rendered
    assert rendered is not None and rendered.remote_blocked
    assert not view.reading_pane.remote_bar.isHidden()
    assert "<script" not in rendered.body_html.lower()
    qtbot.waitUntil(lambda: view.list.current_summary() is not None and view.list.current_summary().seen, timeout=20000)
    row = view.list.currentIndex().row()
    assert view.model.data(view.model.index(row, 2), MessageRole.UNREAD) is False


def test_flag_action_reaches_the_store(qtbot: QtBot) -> None:
    window = gallery.main_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    view.actions_.flag.trigger()
    qtbot.waitUntil(
        lambda: view.list.current_summary() is not None and view.list.current_summary().flagged, timeout=20000
    )


def test_search_finds_local_mail(qtbot: QtBot) -> None:
    window = gallery.search()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    subjects = {view.model.summary(r).subject for r in range(view.model.rowCount())}
    assert "Spring workshop: raised beds" in subjects


def test_the_list_reads_only_the_pages_it_shows(qtbot: QtBot) -> None:
    window = gallery.sample_window(extra=5000)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    model: MessageListModel = view.model
    assert model.rowCount() == 5000 + 12
    assert len(model._pages) <= 2
    assert model.summary(4000) is not None
    assert len(model._pages) <= 3
    model.sort(2, Qt.SortOrder.AscendingOrder)
    first = model.summary(0)
    assert first is not None and first.subject.startswith("Bir")  # "Birthday plans for Mum"
    assert model.rowCount() > PAGE_SIZE


def test_mailto_fills_a_new_message() -> None:
    url = "mailto:bob@example.com?subject=Hi%20there&body=Line%201&cc=eve@example.com"
    message = mailto_message(url, Address("A", "a@example.test"))
    assert [a.email for a in message.to] == ["bob@example.com"]
    assert [a.email for a in message.cc] == ["eve@example.com"]
    assert message.subject == "Hi there" and message.body == "Line 1"


def test_closing_a_composer_with_changes_asks_and_can_stay_open(qtbot: QtBot) -> None:
    """Escape keeps writing, Enter saves the draft, "Don't save" closes without it: keys as a person presses
    them on the question, whose buttons say what they do in our words (Qt's "Discard" reads "Reject" in Arabic)."""
    window = gallery.sample_window()
    qtbot.addWidget(window)
    saved: list[object] = []

    def compose(subject: str) -> ComposerWindow:
        composer = gallery.mail_view(window).actions_.compose()
        composer.subject.setText(subject)
        composer.save_draft = saved.append
        return composer

    def answer(composer: ComposerWindow, key: Qt.Key | None = None, button: str = "") -> None:
        """Answer the question `composer.close()` is about to ask, once it is on screen."""

        def press() -> None:
            box = composer.close_question
            if box is None or not box.isVisible():
                QTimer.singleShot(10, press)
                return
            assert sorted(b.text() for b in box.buttons()) == ["Don't Save", "Keep Writing", "Save Draft"]
            if key is not None:
                QTest.keyClick(box, key)
            else:
                next(b for b in box.buttons() if b.text() == button).click()

        QTimer.singleShot(0, press)

    first = compose("Half written")
    answer(first, Qt.Key.Key_Escape)
    assert not first.close()
    assert first.isVisible() and saved == []
    answer(first, Qt.Key.Key_Return)
    assert first.close()
    assert saved == [first]

    second = compose("Never mind")
    answer(second, button="Don't Save")
    assert second.close()
    assert saved == [first]


def test_autosave_keeps_the_draft_locally(qtbot: QtBot) -> None:
    from deskmail.engine.smtp.outbox import LocalDrafts

    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    composer = view.actions_.compose()
    composer.to.setText("ben@example.test")
    composer.subject.setText("Draft in progress")
    composer._autosave_now()
    assert composer.message_id
    runtime = view.controller.runtimes["anna@example.test"]
    qtbot.waitUntil(lambda: _draft(view, runtime, composer.message_id, LocalDrafts) is not None, timeout=5000)
    assert b"Draft in progress" in _draft(view, runtime, composer.message_id, LocalDrafts).raw
    composer.dirty = False
    composer.close()


def _draft(view: object, runtime: object, message_id: str, drafts: type) -> object:
    holder: list[object] = []
    task = view.controller.run_for(  # type: ignore[attr-defined]
        "anna@example.test", lambda r: drafts(r.store()).get(message_id), holder.append
    )
    while not task.done:
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
    return holder[0] if holder else None


def test_opening_a_program_warns_first(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from deskmail.engine.mime.parse import Attachment

    window = gallery.open_message(gallery.sample_window(), "Photos from the lake")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    real = view.reading_pane.rendered.attachments[0]
    program = Attachment(**{**real.__dict__, "filename": "invoice.exe", "executable": True})
    asked: list[str] = []

    def refuse(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", refuse)
    writes: list[object] = []
    monkeypatch.setattr(view.reading, "_write", lambda *a, **k: writes.append(a))
    view.reading.open_attachment(program)
    assert asked and "invoice.exe" in asked[0] and writes == []


def test_inline_data_images_load_and_nothing_else_does(qapp: object) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    from deskmail.ui.mail.reader import SafeBrowser
    from tests.gui.test_mail_testbed import PNG

    browser = SafeBrowser()
    kind = QTextDocument.ResourceType.ImageResource.value
    data_url = "data:image/png;base64," + __import__("base64").b64encode(PNG).decode()
    assert browser.loadResource(kind, QUrl(data_url)) is not None
    assert browser.loadResource(kind, QUrl("https://tracker.example.com/p.gif")) is None
    assert browser.loadResource(kind, QUrl("file:///etc/passwd")) is None


def test_new_mail_arriving_keeps_the_open_message_on_screen(qtbot: QtBot) -> None:
    from deskmail.engine.store.models import MessageHeaders

    window = gallery.open_message(gallery.sample_window(), "Photos from the lake")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    rendered = view.reading_pane.rendered
    inbox = view.current.folder.id
    before = view.model.rowCount()

    def arrive(runtime: object) -> None:
        runtime.store().add_messages(inbox, [MessageHeaders(uid=999, subject="Fresh", date=2_000_000_000)])  # type: ignore[attr-defined]

    view.controller.run_for("anna@example.test", arrive, lambda _r: view.controller.poll())
    qtbot.waitUntil(lambda: view.model.rowCount() == before + 1, timeout=5000)
    assert view.list.current_summary().subject == "Photos from the lake"
    assert view.reading_pane.rendered is rendered  # not cleared, not loaded again


def test_delete_shows_the_next_message(qtbot: QtBot) -> None:
    window = gallery.open_message(gallery.sample_window(), "Your books are due next week")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    row = view.list.currentIndex().row()
    following = view.model.summary(row + 1).subject
    view.actions_.delete.trigger()
    qtbot.waitUntil(
        lambda: view.list.current_summary() is not None and view.list.current_summary().subject == following,
        timeout=20000,
    )
    qtbot.waitUntil(
        lambda: view.reading_pane.rendered is not None and view.reading_pane.summary.subject == following,
        timeout=20000,
    )
    assert "Your books are due next week" not in {view.model.summary(r).subject for r in range(view.model.rowCount())}


def test_the_message_the_window_selects_replaces_the_selection_while_ctrl_is_held(qtbot: QtBot) -> None:
    """After Delete the next message is selected alone, also when Ctrl is down (a Ctrl+Z just before, or a
    Ctrl+click on its way): added to the selection, the next Delete would take the earlier message too."""
    window = gallery.open_message(gallery.sample_window(), "Your books are due next week")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    row = view.list.currentIndex().row()
    qtbot.keyPress(view.list, Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier)  # held from here on
    assert QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.ControlModifier
    try:
        view.list.select_row(row + 1)
        assert [index.row() for index in view.list.selectionModel().selectedRows()] == [row + 1]
    finally:
        qtbot.keyRelease(view.list, Qt.Key.Key_Control)


def test_composer_attachments_show_sizes_and_can_be_removed(qtbot: QtBot, tmp_path) -> None:
    from deskmail.ui.mail.composer import ComposerWindow

    composer = ComposerWindow([samples.sample_account()], lambda email, prefix: [])
    qtbot.addWidget(composer)
    (tmp_path / "notes.txt").write_bytes(b"x" * 2048)
    composer.add_path(tmp_path / "notes.txt")
    assert composer.attachment_list.item(0).text() == "notes.txt  (2 kB)"  # QLocale says kB
    composer.attachment_list.setCurrentRow(0)
    composer.remove_selected_attachments()
    assert composer.attachments == [] and composer.attachment_list.isHidden()
    composer.dirty = False


def test_rows_show_the_preview_as_a_grey_second_line(qtbot: QtBot) -> None:
    from PySide6.QtGui import QFontMetrics

    from deskmail.qtbridge.message_model import COL_PEOPLE, COL_SUBJECT

    window = gallery.sample_window(extra=2)
    qtbot.addWidget(window)
    window.show()
    view = gallery.mail_view(window)
    line = QFontMetrics(view.list.font()).height()
    assert view.list.rowHeight(0) >= 2 * line
    rows = {view.model.summary(r).subject: r for r in range(view.model.rowCount())}  # type: ignore[union-attr]
    with_preview, without = rows["Photos from the lake"], rows["Weekly note 2"]
    assert view.model.data(view.model.index(with_preview, COL_SUBJECT), MessageRole.PREVIEW).startswith("Hi Anna")
    assert view.model.data(view.model.index(without, COL_SUBJECT), MessageRole.PREVIEW) == ""
    image = view.list.viewport().grab().toImage()

    def inked(row: int) -> int:
        """Pixels unlike the row's background along the middle of its second line, under sender and subject."""
        y = view.list.rowViewportPosition(row) + view.list.rowHeight(row) - 6 - line // 2
        left = view.list.columnViewportPosition(COL_PEOPLE)
        right = view.list.columnViewportPosition(COL_SUBJECT) + view.list.columnWidth(COL_SUBJECT)
        background = image.pixelColor(left + 1, y)
        return sum(1 for x in range(left, right) if image.pixelColor(x, y) != background)

    assert inked(with_preview) > 20 and inked(without) == 0


def test_an_attachment_deleted_before_send_is_said_plainly_and_nothing_is_queued(qtbot: QtBot, tmp_path: Path) -> None:
    from deskmail.engine.smtp.outbox import outbox_items

    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    composer = view.actions_.compose()
    qtbot.addWidget(composer)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4")
    composer.add_path(report)
    report.unlink()  # moved away by the person before pressing Send
    composer.to.setText("Ben <ben@example.test>")
    composer.subject.setText("The report")
    composer.request_send()
    qtbot.waitUntil(lambda: not composer.sending, timeout=10000)
    text = composer.bar.text.text()
    assert "An attachment could not be read (report.pdf)." in text and "nothing was sent" in text
    assert "Outbox" not in text and not composer.sent
    reader = view.controller.reader(view.accounts[0].email)
    assert reader is not None and outbox_items(reader) == []
    composer.dirty = False


def test_folder_menu_works_offline_and_a_taken_name_is_said_plainly(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gallery.sample_window(gallery.OfflineRuntime)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    email = view.accounts[0].email

    def names() -> set[str]:
        return {f.name for f in view.folders.folders_of(email)}

    answers = iter([("Holiday plans", True), ("family", True)])
    monkeypatch.setattr("deskmail.ui.mail.folder_menu.QInputDialog.getText", lambda *a, **k: next(answers))
    view.folder_menu.new.trigger()
    qtbot.waitUntil(lambda: "Holiday plans" in names(), timeout=5000)  # offline: shown at once, sent later
    view.folder_menu.new.trigger()
    qtbot.waitUntil(lambda: not view.error_bar.isHidden(), timeout=5000)
    assert "There is already a folder called “family”. Choose another name." in view.error_bar.text.text()
    assert view.folders.select(email, "INBOX") and not view.folder_menu.delete.isEnabled()


def test_deleting_a_folder_asks_with_a_button_that_says_so_and_enter_keeps_it(qtbot: QtBot) -> None:
    window = gallery.sample_window(gallery.OfflineRuntime)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    email = view.accounts[0].email
    assert view.folders.select(email, "Family")
    seen: list[list[str]] = []

    def answer(key: Qt.Key | None = None, button: str = "") -> None:
        def press() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(10, press)
                return
            seen.append(sorted(b.text() for b in box.buttons()))
            if key is not None:
                QTest.keyClick(box, key)
            else:
                next(b for b in box.buttons() if b.text() == button).click()

        QTimer.singleShot(0, press)

    answer(Qt.Key.Key_Return)  # Enter by habit
    view.folder_menu.delete.trigger()
    assert seen == [["Cancel", "Delete Folder"]]
    assert "Family" in {f.name for f in view.folders.folders_of(email)}
    answer(button="Delete Folder")
    view.folder_menu.delete.trigger()
    qtbot.waitUntil(lambda: "Family" not in {f.name for f in view.folders.folders_of(email)}, timeout=5000)


def test_delete_in_trash_asks_first_because_it_cannot_be_undone(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    window = gallery.open_message(gallery.sample_window(), "Your books are due next week")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    email = view.accounts[0].email
    asked: list[int] = []
    monkeypatch.setattr(view.actions_, "_confirm_delete", lambda count: asked.append(count) or False)
    before = view.model.rowCount()
    view.actions_.delete.trigger()  # to the Trash: no question, it can be fished out again
    qtbot.waitUntil(lambda: view.model.rowCount() == before - 1, timeout=5000)
    assert not asked
    notice = view.actions_.history.notice
    qtbot.waitUntil(lambda: notice.text.text() == "1 message moved to Trash", timeout=5000)  # says where it went
    assert [b.text() for b in notice.buttons] == ["Undo"]
    trash_id = view.folder(email, SpecialUse.TRASH).id  # type: ignore[union-attr]

    def binned(runtime: object) -> None:
        runtime.store().add_messages(trash_id, [MessageHeaders(uid=7, subject="Old news", date=2_000_000_000)])  # type: ignore[attr-defined]

    view.controller.run_for(email, binned, lambda _r: view.controller.poll())
    assert view.folders.select(email, "Trash")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    view.list.select_row(0)
    view.actions_.delete.trigger()  # Cancel keeps it
    assert asked == [1] and view.model.rowCount() == 1
    monkeypatch.setattr(view.actions_, "_confirm_delete", lambda count: True)
    view.actions_.delete.trigger()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5000)
    assert window.statusBar().currentMessage() == "1 message deleted for good"  # no Undo offered for this one


def test_move_menu_names_folders_as_the_folder_list_does(qtbot: QtBot) -> None:
    window = gallery.open_message(gallery.sample_window(), "Your books are due next week")
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    view.actions_.move_menu.aboutToShow.emit()
    names = [a.text() for a in view.actions_.move_menu.actions()]
    assert "Projects › Garden" in names and "Trash" in names
    assert not any("/" in name or name == "INBOX" for name in names)


def test_an_empty_list_says_why_it_is_empty(qtbot: QtBot) -> None:
    window = gallery.sample_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    assert view.folders.select(view.accounts[0].email, "Junk")
    # While the first check runs the empty list says the mail is still arriving; then why it is empty.
    qtbot.waitUntil(lambda: view.model.rowCount() == 0 and not view.controller.syncing, timeout=5000)
    qtbot.waitUntil(lambda: view.list.empty_text == "No messages in this folder.", timeout=5000)
    search_for(qtbot, view, "elephant")
    assert view.list.empty_text.startswith("No messages found.")


def test_a_failed_check_never_says_up_to_date(qtbot: QtBot) -> None:
    window = gallery.sample_window(gallery.SignInEndedRuntime, oauth=True)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    qtbot.waitUntil(lambda: not view.error_bar.isHidden() and not view.controller.syncing, timeout=5000)
    assert view.status.text().startswith("Could not check for new mail")


def test_the_error_bar_names_the_account_only_when_there_are_several(qtbot: QtBot) -> None:
    window = gallery.sample_window(gallery.SignInEndedRuntime, oauth=True)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    qtbot.waitUntil(lambda: not view.error_bar.isHidden() and not view.controller.syncing, timeout=5000)
    email = view.accounts[0].email
    assert len(view.accounts) == 1 and email not in view.error_bar.text.text()
    view.accounts = [*view.accounts, view.accounts[0]]  # stands for a second account
    assert view.about_account(email, "It failed.") == f"{email}: It failed."


def test_end_and_home_go_to_the_last_and_first_message(qtbot: QtBot) -> None:
    window = gallery.sample_window(extra=3 * PAGE_SIZE)
    qtbot.addWidget(window)
    window.show()
    view = gallery.mail_view(window)
    model: MessageListModel = view.model
    source = model.source
    assert isinstance(source, FolderSource)
    last = model.rowCount() - 1
    oldest = source.reader.messages(source.folder_id, 1, 0, ascending=True)[0]
    view.list.setFocus()
    view.list.select_row(3)
    for key, modifier, row in (
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, last),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
        (Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier, last),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier, 0),
    ):
        qtbot.keyClick(view.list, key, modifier)
        assert view.list.currentIndex().row() == row, (key, modifier)
    column = view.list.currentIndex().column()
    qtbot.keyClick(view.list, Qt.Key.Key_End)
    current = view.list.current_summary()
    assert current is not None and current.id == oldest.id
    assert view.list.currentIndex().column() == column  # the cursor stays in its column
    qtbot.keyClick(view.list, Qt.Key.Key_Home, Qt.KeyboardModifier.ShiftModifier)  # select from the last to the first
    assert len(view.list.selectionModel().selectedRows()) == model.rowCount()
    # The far half is read from the other end: the same rows, in the same order, as reading forward.
    forward = source.reader.messages(source.folder_id, 0, 0)
    assert [model.summary(row) for row in range(model.rowCount())] == forward
