"""Everyday comfort in the mail window: a layout that fits, the keyboard, link safety, Japanese mail.

Layout and keyboard run over the sample store (no server is involved in them); marking read after a
moment on screen is checked against the real test bed's IMAP server in test_mail_testbed.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics, QTextCursor
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from deskmail.ui.mail import gallery
from deskmail.ui.mail.message_window import MessageWindow
from deskmail.ui.mail.reader import SafeBrowser
from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow
from tests.gui.searching import search_for

pytestmark = pytest.mark.gui
PHOTOS = "All the photos from the wedding"
NEWS = "April news: the boathouse opens on Saturday"


def shown(qtbot: QtBot, size: tuple[int, int], subject: str = "") -> tuple[MainWindow, MailView]:
    window = gallery.comfort_window(size, subject)
    qtbot.addWidget(window)
    window.activateWindow()
    return window, gallery.mail_view(window)


def select(qtbot: QtBot, view: MailView, subject: str) -> int:
    row = next(r for r in range(view.model.rowCount()) if view.model.summary(r).subject == subject)  # type: ignore[union-attr]
    view.list.select_row(row)
    qtbot.waitUntil(lambda: view.reading_pane.rendered is not None and view.reading_pane.summary.subject == subject)
    return row


# -- layout ---------------------------------------------------------------------------------------


def test_ten_attachments_never_widen_the_window(qtbot: QtBot) -> None:
    window, view = shown(qtbot, (1100, 700))
    select(qtbot, view, PHOTOS)
    qtbot.wait(100)
    assert window.width() == 1100 and window.minimumSizeHint().width() <= 1100
    strip = view.reading_pane.attachments
    texts = [button.text() for button in strip.findChildren(QToolButton)]
    assert "10 attachments, 1.1 MB" in texts and "Save All…" in texts
    view.reading_pane.resize(300, 600)  # even a slim reader: the strip wraps, nothing forces it wider
    assert strip.minimumSizeHint().width() <= 300


def test_a_few_attachments_wrap_to_the_readers_width(qtbot: QtBot) -> None:
    from deskmail.engine.mime.parse import Attachment
    from deskmail.ui.mail.attachments import AttachmentStrip

    strip = AttachmentStrip()
    qtbot.addWidget(strip)
    parts = [Attachment(str(i), f"a-rather-long-file-name-number-{i}.pdf", "application/pdf", 5000) for i in range(4)]
    strip.set_attachments(parts)
    strip.resize(320, strip.heightForWidth(320))
    strip.show()
    buttons = strip.findChildren(QToolButton)
    assert len({button.geometry().top() for button in buttons}) > 1  # on several lines
    assert all(button.geometry().right() <= 320 for button in buttons)


def test_a_narrow_window_stacks_rows_and_puts_the_reader_below(qtbot: QtBot) -> None:
    window, view = shown(qtbot, (800, 600), PHOTOS)
    line = QFontMetrics(view.list.font()).height()
    assert view.list.stacked and view.list.rowHeight(0) >= 3 * line
    assert view.content.orientation() == Qt.Orientation.Vertical
    assert view.list.horizontalHeader().isHidden()
    assert view.reading_pane.geometry().top() > view.list.geometry().top()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: view.content.orientation() == Qt.Orientation.Horizontal)
    assert not view.list.stacked and view.list.rowHeight(0) < 3 * line


def test_at_1100_the_remote_bar_is_one_line_and_a_600px_newsletter_does_not_scroll_sideways(qtbot: QtBot) -> None:
    _window, view = shown(qtbot, (1100, 700), "Spring workshop: raised beds")
    bar = view.reading_pane.remote_bar
    assert not bar.isHidden()
    assert bar.text.height() < 2 * QFontMetrics(bar.text.font()).height()
    select(qtbot, view, NEWS)
    qtbot.wait(100)
    assert view.reading_pane.body.horizontalScrollBar().maximum() == 0
    assert view.list.viewport().width() >= 250  # stacked rows give the subject the list's whole width


def test_the_first_window_takes_most_of_the_screen(qtbot: QtBot) -> None:
    window = MainWindow(gallery.scene_context())
    qtbot.addWidget(window)
    area = QApplication.primaryScreen().availableGeometry()
    assert abs(window.width() - area.width() * 0.8) <= 2 and abs(window.height() - area.height() * 0.8) <= 2


# -- keyboard ---------------------------------------------------------------------------------------


def test_tab_goes_from_the_list_to_the_reader_and_f6_cycles_the_panes(qtbot: QtBot) -> None:
    _window, view = shown(qtbot, (1280, 780), PHOTOS)
    view.list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.list)
    qtbot.keyClick(view.list, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.reading_pane.body
    qtbot.keyClick(view.reading_pane.body, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is view.folders
    qtbot.keyClick(view.folders, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is view.list
    qtbot.keyClick(view.list, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is view.folders


def test_arrowing_past_a_message_leaves_it_unread(qtbot: QtBot) -> None:
    _window, view = shown(qtbot, (1280, 780))
    row = select(qtbot, view, "Dinner on Friday?")
    assert not view.model.summary(row).seen  # type: ignore[union-attr]
    view.list.setFocus()
    qtbot.keyClick(view.list, Qt.Key.Key_Down)  # on to the next one before the delay
    qtbot.waitUntil(
        lambda: view.reading_pane.summary is not None and view.reading_pane.summary.subject != "Dinner on Friday?"
    )
    qtbot.wait(2000)
    assert not view.model.summary(row).seen  # type: ignore[union-attr]
    shown_now = view.list.current_summary()
    assert shown_now is not None
    qtbot.waitUntil(lambda: view.list.current_summary().seen, timeout=5000)  # the one that stayed on screen


def test_enter_opens_the_message_in_its_own_window(qtbot: QtBot) -> None:
    _window, view = shown(qtbot, (1280, 780), PHOTOS)
    view.list.setFocus()
    qtbot.keyClick(view.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(isinstance(w, MessageWindow) and w.isVisible() for w in view.reading.windows))
    opened = view.reading.windows[-1]
    assert isinstance(opened, MessageWindow) and opened.windowTitle() == PHOTOS
    assert "photos from Saturday" in opened.pane.body.toPlainText()
    select(qtbot, view, NEWS)  # the main window moves on; the window's Reply answers its own message
    next(a for a in opened.toolbar.actions() if a.text() == "Reply").trigger()
    composer = view.actions_.composers[-1]
    assert composer.subject.text() == f"Re: {PHOTOS}"
    composer.dirty = False
    composer.close()
    qtbot.keyClick(opened, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not opened.isVisible())


def test_f1_opens_help_and_the_keyboard_shortcuts_keep_their_own_entry(qtbot: QtBot) -> None:
    from deskmail.ui.about import AboutDialog
    from deskmail.ui.help import HelpWindow
    from deskmail.ui.shortcuts import ShortcutsDialog

    window, _view = shown(qtbot, (1280, 780))
    assert window.help_action.shortcut().toString() == "F1"
    window.help_action.trigger()
    help_window = window.findChild(HelpWindow)
    assert help_window is not None and help_window.isVisible()
    assert help_window.titles()[:2] == ["Getting started", "What the security words mean"]
    help_window.show_page(2)
    page = help_window.text.toPlainText()
    assert "Gmail" in page and "iCloud" in page and "Yahoo" in page and "Outlook" in page
    help_window.close()
    assert window.shortcuts_action in window.help_menu.actions()
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and window.findChild(AboutDialog) is None
    rows = dict(dialog.rows())
    assert rows["Reply"] == "Ctrl+R" and rows["Open the message in its own window"] == "Enter"
    assert rows["Go to the next part of the window (folders, messages, message text)"] == "F6"
    assert window.help_action in window.help_menu.actions()
    dialog.close()


# -- links -----------------------------------------------------------------------------------------------


def link_point(browser: SafeBrowser, text: str) -> QPoint:
    """The middle of the visible text `text` in the body, in viewport coordinates."""
    cursor = browser.document().find(text)
    assert not cursor.isNull()
    middle = QTextCursor(browser.document())
    middle.setPosition((cursor.selectionStart() + cursor.selectionEnd()) // 2)
    return browser.cursorRect(middle).center()


def test_hovering_a_link_shows_its_real_address(qtbot: QtBot) -> None:
    window, view = shown(qtbot, (1280, 780), NEWS)
    body = view.reading_pane.body
    qtbot.mouseMove(body.viewport(), link_point(body, "Sign up for the beginners"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "https://rowing.example.test/course")
    assert body.viewport().toolTip() == "https://rowing.example.test/course"
    qtbot.mouseMove(body.viewport(), link_point(body, "Dear members"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "")


def test_a_link_naming_another_site_asks_first(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    _window, view = shown(qtbot, (1280, 780), NEWS)
    pane, body = view.reading_pane, view.reading_pane.body
    asked: list[str] = []
    opened: list[str] = []
    monkeypatch.setattr(pane, "confirm_link", lambda question: asked.append(question) or False)
    monkeypatch.setattr(pane, "open_url", lambda url: opened.append(url.toString()))
    qtbot.mouseClick(body.viewport(), Qt.MouseButton.LeftButton, pos=link_point(body, "rowing.example.test"))
    qtbot.waitUntil(lambda: bool(asked))
    assert asked == ["This link says rowing.example.test but goes to rowing-club-login.example.net. Open anyway?"]
    assert opened == []  # Cancel: nothing opened
    qtbot.mouseClick(body.viewport(), Qt.MouseButton.LeftButton, pos=link_point(body, "Sign up for the beginners"))
    qtbot.waitUntil(lambda: bool(opened))
    assert opened == ["https://rowing.example.test/course"] and len(asked) == 1  # an honest link just opens


# -- attachments -----------------------------------------------------------------------------------------


def test_save_all_writes_every_attachment_without_overwriting(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, view = shown(qtbot, (1280, 780), PHOTOS)
    (tmp_path / "wedding-2026-06-13-photo-01.jpg").write_bytes(b"mine")
    monkeypatch.setattr("deskmail.ui.mail.reading.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path))
    view.reading_pane.attachments.save_all.emit(view.reading_pane.rendered.attachments)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: len(list(tmp_path.iterdir())) == 11, timeout=10000)
    assert (tmp_path / "wedding-2026-06-13-photo-01.jpg").read_bytes() == b"mine"
    assert (tmp_path / "wedding-2026-06-13-photo-01 (2).jpg").stat().st_size > 1000


def test_an_attachment_nothing_can_open_says_so_and_offers_save_as(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, view = shown(qtbot, (1280, 780), PHOTOS)
    said: list[str] = []
    monkeypatch.setattr("deskmail.ui.mail.reading.QDesktopServices.openUrl", lambda url: False)

    def answer(box: QMessageBox) -> int:
        said.append(box.text())
        said.extend(b.text() for b in box.buttons())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    view.reading.open_attachment(view.reading_pane.rendered.attachments[0])  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: bool(said), timeout=10000)
    assert said[0] == "No app on this computer can open “wedding-2026-06-13-photo-01.jpg”."
    assert "Save As…" in said


# -- the basics --------------------------------------------------------------------------------------------


def test_sent_shows_names_in_the_to_column(qtbot: QtBot) -> None:
    from deskmail.qtbridge.message_model import COL_PEOPLE

    _window, view = shown(qtbot, (1280, 780))
    assert view.folders.select(view.accounts[0].email, "Sent")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    people = {view.model.data(view.model.index(row, COL_PEOPLE)) for row in range(2)}
    assert people == {"Ben Okafor", "David Müller"}
    assert view.model.headerData(COL_PEOPLE, Qt.Orientation.Horizontal) == "To"


def test_search_results_say_which_folder_each_is_in(qtbot: QtBot) -> None:
    from deskmail.qtbridge.message_model import COL_SUBJECT, MessageRole

    _window, view = shown(qtbot, (1280, 780))
    search_for(qtbot, view, "seed")
    rows = {
        view.model.summary(r).subject: view.model.data(view.model.index(r, COL_SUBJECT), MessageRole.PREVIEW)  # type: ignore[union-attr]
        for r in range(view.model.rowCount())
    }
    assert rows["Seed order confirmed"].startswith("In Projects › Garden")
    view.search.clear()
    view.run_search()
    assert not view.model.places


def test_save_as_starts_in_downloads(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PySide6.QtCore import QStandardPaths

    _window, view = shown(qtbot, (1280, 780), PHOTOS)
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda kind: str(downloads))
    started: list[str] = []
    monkeypatch.setattr(
        "deskmail.ui.mail.reading.QFileDialog.getSaveFileName", lambda *a, **k: started.append(a[2]) or ("", "")
    )
    view.reading.save_attachment(view.reading_pane.rendered.attachments[0])  # type: ignore[union-attr]
    assert started == [str(downloads / "wedding-2026-06-13-photo-01.jpg")]


def test_tabbing_onto_a_link_shows_its_address_too(qtbot: QtBot) -> None:
    window, view = shown(qtbot, (1280, 780), NEWS)
    body = view.reading_pane.body
    view.list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.list)
    qtbot.keyClick(view.list, Qt.Key.Key_Tab)  # into the message (some platforms focus its first link at once)
    assert QApplication.focusWidget() is body
    if not body.textCursor().hasSelection():
        qtbot.keyClick(body, Qt.Key.Key_Tab)
    assert window.statusBar().currentMessage() == "https://rowing.example.test/course"
    qtbot.keyClick(body, Qt.Key.Key_Tab)
    assert window.statusBar().currentMessage() == "https://rowing-club-login.example.net/"
