"""The message list widget: the lazy model styled (unread bold, flag and attachment marks)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)

from deskmail.engine.store.models import MessageSummary
from deskmail.qtbridge.message_model import COL_DATE, COL_MARKS, COL_PEOPLE, COL_SUBJECT, MessageListModel, MessageRole
from deskmail.ui.icons import ui_icon


class MessageStyle(QIdentityProxyModel):
    """Turns the model's plain roles into fonts and icons (the model may not use QtGui)."""

    def __init__(self, source: MessageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.setSourceModel(source)
        self._bold = QFont()
        self._bold.setBold(True)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.column() != COL_MARKS:
            return self._bold if self.source.data(self.mapToSource(index), MessageRole.UNREAD) else None
        if role == Qt.ItemDataRole.DecorationRole and index.column() == COL_MARKS:
            source = self.mapToSource(index)
            if self.source.data(source, MessageRole.FLAGGED):
                return ui_icon("star")
            if self.source.data(source, MessageRole.ATTACHMENT):
                return ui_icon("attachment")
            return None
        return super().data(index, role)


class SortArrowStyle(QProxyStyle):
    """Header arrows that point the way the list runs: newest first (descending) shows a downward arrow.

    QHeaderView hands the style SortUp for a descending column, and Fusion and Windows draw SortUp
    as an upward arrow, which reads as "oldest first" to most people. macOS draws its own native arrows.
    """

    def drawPrimitive(
        self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter, widget: QWidget | None = None
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            flipped = QStyleOptionHeader(option)
            up, down = QStyleOptionHeader.SortIndicator.SortUp, QStyleOptionHeader.SortIndicator.SortDown
            flipped.sortIndicator = down if option.sortIndicator == up else up
            option = flipped
        super().drawPrimitive(element, option, painter, widget)


def use_natural_sort_arrows(header: QHeaderView) -> None:
    """Give the header the arrow-flipping style (kept alive as the header's child)."""
    if header.style().name().lower() == "macos":
        return
    style = SortArrowStyle()
    style.setParent(header)
    header.setStyle(style)


class MessageList(QTableView):
    """The list of messages of one folder (or search results); emits `current_message(summary|None)`."""

    current_message = Signal(object)
    activated_message = Signal(object)  # double-click / Enter: open in its own window or the composer

    def __init__(self, model: MessageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list_model = model
        self.style_model = MessageStyle(model, self)
        self.setModel(self.style_model)
        # A table view with fixed row heights never walks all rows (a tree view lays out every
        # one of them after each reset: seconds for 100k rows).
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.sortByColumn(COL_DATE, Qt.SortOrder.DescendingOrder)
        self.setAccessibleName("Messages")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        use_natural_sort_arrows(header)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_MARKS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_MARKS, 28)
        header.setSectionResizeMode(COL_PEOPLE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_PEOPLE, 170)
        header.setSectionResizeMode(COL_SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_DATE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_DATE, 90)
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        self.doubleClicked.connect(self._activated)

    def current_summary(self) -> MessageSummary | None:
        index = self.currentIndex()
        return self.list_model.summary(index.row()) if index.isValid() else None

    def selected_summaries(self) -> list[MessageSummary]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        found = [self.list_model.summary(row) for row in rows]
        summaries = [s for s in found if s is not None]
        current = self.current_summary()
        return summaries or ([current] if current is not None else [])

    def select_row(self, row: int) -> None:
        if 0 <= row < self.list_model.rowCount():
            self.setCurrentIndex(self.style_model.index(row, COL_SUBJECT))

    def select_message(self, message_id: int) -> bool:
        row = self.list_model.row_of(message_id)
        if row is None:
            return False
        self.select_row(row)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = self.list_model.summary(current.row()) if current.isValid() else None
        self.current_message.emit(summary)

    def _activated(self, index: QModelIndex) -> None:
        summary = self.list_model.summary(index.row())
        if summary is not None:
            self.activated_message.emit(summary)
