"""The folder tree labels accounts so that two of them can be told apart; list headers read the right way."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOptionHeader, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from deskmail.qtbridge.message_model import MessageListModel
from deskmail.ui.mail.folders import FolderTree
from deskmail.ui.mail.message_list import MessageList, SortArrowStyle
from deskmail.ui.mail.samples import sample_account

pytestmark = pytest.mark.gui


def test_accounts_with_the_same_name_are_shown_by_address(qtbot: QtBot) -> None:
    tree = FolderTree()
    qtbot.addWidget(tree)
    home, work = sample_account(), sample_account("anna@work.example.test")  # both "Anna Schmidt"
    tree.set_folders([(home, []), (work, [])])
    labels = [tree.tree_model.item(row).text() for row in range(tree.tree_model.rowCount())]
    assert labels == ["anna@example.test", "anna@work.example.test"]
    tree.set_folders([(home, [])])
    assert tree.tree_model.item(0).text() == "Anna Schmidt"


def test_a_long_account_name_keeps_its_end_and_the_address_is_at_hand(qtbot: QtBot) -> None:
    tree = FolderTree()
    qtbot.addWidget(tree)
    home, work = sample_account(), sample_account("anna@work.example.test", "Anna Schmidt (work)")
    tree.set_folders([(home, []), (work, [])])
    top = tree.tree_model.item(1)
    assert top.text() == "Anna Schmidt (work)"
    assert "anna@work.example.test" in top.toolTip()
    assert tree.isFirstColumnSpanned(1, top.index().parent())  # the empty count column does not cut the name
    option = QStyleOptionViewItem()
    tree.itemDelegateForColumn(0).initStyleOption(option, top.index())
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle


def arrow(style: QStyle, indicator: QStyleOptionHeader.SortIndicator) -> QImage:
    """How `style` draws a header's sort arrow for `indicator`."""
    option = QStyleOptionHeader()
    option.rect = QRect(0, 0, 16, 16)
    option.sortIndicator = indicator
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.white)
    painter = QPainter(pixmap)
    style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorHeaderArrow, option, painter)
    painter.end()
    return pixmap.toImage()


def test_the_date_arrow_points_down_when_the_newest_mail_is_on_top(qtbot: QtBot) -> None:
    up, down = QStyleOptionHeader.SortIndicator.SortUp, QStyleOptionHeader.SortIndicator.SortDown
    plain, natural = QProxyStyle(), SortArrowStyle()
    assert arrow(plain, up) != arrow(plain, down)
    # QHeaderView passes SortUp for a descending (newest first) column: it must look like a downward arrow.
    assert arrow(natural, up) == arrow(plain, down)
    assert arrow(natural, down) == arrow(plain, up)
    messages = MessageList(MessageListModel())
    qtbot.addWidget(messages)
    header = messages.horizontalHeader()
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert isinstance(header.style(), SortArrowStyle)


def test_the_outbox_row_follows_sent_and_survives_a_rebuild(qtbot: QtBot) -> None:
    from deskmail.engine.store.models import Folder, SpecialUse
    from deskmail.ui.mail.folders import OUTBOX

    tree = FolderTree()
    qtbot.addWidget(tree)
    account = sample_account()
    uses = [("INBOX", SpecialUse.INBOX), ("Sent", SpecialUse.SENT), ("Family", SpecialUse.NONE)]
    folders = [Folder(i + 1, name, special_use=use) for i, (name, use) in enumerate(uses)]
    tree.set_folders([(account, folders)])
    tree.set_outbox(account.email, 2, 1)
    top = tree.tree_model.item(0)
    assert [top.child(r).text() for r in range(top.rowCount())] == ["Inbox", "Sent", "Outbox", "Family"]
    assert top.child(2, 1).text() == "2" and top.child(2).font().bold()
    clicked: list[str] = []
    tree.outbox_clicked.connect(lambda email, _rect: clicked.append(email))
    tree.clicked.emit(top.child(2).index())
    assert clicked == [account.email]
    tree.set_folders([(account, folders[:2])])  # a folder went away: the tree is rebuilt
    top = tree.tree_model.item(0)
    assert [top.child(r).text() for r in range(top.rowCount())] == ["Inbox", "Sent", "Outbox"]
    tree.set_outbox(account.email, 0, 0)
    assert (account.email, OUTBOX) not in tree._items and top.rowCount() == 2
