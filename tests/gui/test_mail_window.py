"""The mail window over a sample store: scenes render, the list is lazy, reading marks read, remote stays blocked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from deskmail.engine.mime.decode import Address
from deskmail.engine.store.models import SpecialUse
from deskmail.qtbridge.message_model import PAGE_SIZE, MessageListModel, MessageRole
from deskmail.ui.mail import gallery
from deskmail.ui.mail.actions import mailto_message

pytestmark = pytest.mark.gui
SCENES: dict[str, Callable[[], QWidget]] = dict(gallery.scenes())


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders(qtbot: QtBot, name: str) -> None:
    widget = SCENES[name]()
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.grab().isNull()


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
    qtbot.waitUntil(lambda: view.list.current_summary() is not None and view.list.current_summary().seen)
    row = view.list.currentIndex().row()
    assert view.model.data(view.model.index(row, 2), MessageRole.UNREAD) is False


def test_flag_action_reaches_the_store(qtbot: QtBot) -> None:
    window = gallery.main_window()
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    view.actions_.flag.trigger()
    qtbot.waitUntil(lambda: view.list.current_summary() is not None and view.list.current_summary().flagged)


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
