"""The message list widget: the lazy model styled (unread bold, flag and attachment marks, a grey preview line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QIdentityProxyModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFocusEvent, QFont, QFontMetrics, QIcon, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from deskmail.core.i18n import _
from deskmail.engine.store.models import MessageSummary
from deskmail.qtbridge.message_model import (
    COL_DATE,
    COL_MARKS,
    COL_PEOPLE,
    COL_SUBJECT,
    MessageListModel,
    MessageRole,
    isolate,
)
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


PAD_X, PAD_Y, LINE_GAP = 6, 5, 2  # pixels around and between the two lines of a row
ICON = 16


def two_line_height(font: QFont) -> int:
    """Row height for a first line (sender, subject, date) and a preview line under the subject."""
    return QFontMetrics(font).height() * 2 + LINE_GAP + PAD_Y * 2


def blend(front: QColor, back: QColor, amount: float) -> QColor:
    """`amount` of `front` over `back`: a grey that suits both light and dark palettes."""

    def mix(f: int, b: int) -> int:
        return round(f * amount + b * (1 - amount))

    return QColor(mix(front.red(), back.red()), mix(front.green(), back.green()), mix(front.blue(), back.blue()))


def preview_rect(opt: QStyleOptionViewItem, offset: int) -> QRect:
    """Where the preview line goes: under the sender and subject columns together (in viewport coordinates)."""
    cell = opt.rect
    view = opt.widget
    left, right = cell.left(), cell.right()
    if isinstance(view, QTableView):
        starts = [view.columnViewportPosition(c) for c in (COL_PEOPLE, COL_SUBJECT)]
        ends = [view.columnViewportPosition(c) + view.columnWidth(c) for c in (COL_PEOPLE, COL_SUBJECT)]
        left, right = min(starts), max(ends) - 1
    height = QFontMetrics(view.font() if view is not None else opt.font).height()
    return QRect(left + PAD_X, cell.top() + PAD_Y + offset, right - left - 2 * PAD_X, height)


def reply_mark(index: QModelIndex | QPersistentModelIndex) -> QIcon | None:
    """The replied or forwarded arrow of a row (replied wins when both: the tooltip names both)."""
    if index.data(MessageRole.ANSWERED):
        return ui_icon("replied")
    if index.data(MessageRole.FORWARDED):
        return ui_icon("forwarded")
    return None


class TwoLineDelegate(QStyledItemDelegate):
    """Every cell's text on the row's first line; under sender and subject, the preview in grey, elided."""

    stacked = False  # narrow windows: one cell per row with sender and date, subject, preview on three lines

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if self.stacked:
            paint_stacked(painter, option, index, self)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, icon = opt.text, QIcon(opt.icon)
        rtl = opt.direction == Qt.LayoutDirection.RightToLeft
        text = isolate(text) if rtl else text  # mail's own words keep their direction in a mirrored window
        opt.text, opt.icon = "", QIcon()
        opt.features &= ~(
            QStyleOptionViewItem.ViewItemFeature.HasDisplay | QStyleOptionViewItem.ViewItemFeature.HasDecoration
        )
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)  # background, selection
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        )
        palette = opt.palette
        ink = palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        paper = palette.color(group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        line = QFontMetrics(opt.font).height()
        first = QRect(opt.rect.left() + PAD_X, opt.rect.top() + PAD_Y, opt.rect.width() - 2 * PAD_X, line)
        painter.save()
        if not icon.isNull():
            icon.paint(
                painter, QRect(opt.rect.center().x() - ICON // 2, first.center().y() - ICON // 2 + 1, ICON, ICON)
            )
        elif text:
            painter.setFont(opt.font)
            painter.setPen(ink)
            elided = QFontMetrics(opt.font).elidedText(text, Qt.TextElideMode.ElideRight, first.width())
            painter.drawText(first, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided)
        answer = reply_mark(index) if index.column() == COL_MARKS else None
        if answer is not None:  # replied / forwarded: an arrow on the second line, under the star or clip
            below = first.center().y() + line + LINE_GAP - ICON // 2 + 1
            answer.paint(painter, QRect(opt.rect.center().x() - ICON // 2, below, ICON, ICON))
        preview = index.data(MessageRole.PREVIEW) if index.column() in (COL_PEOPLE, COL_SUBJECT) else None
        if preview:
            font = QFont(opt.widget.font() if opt.widget is not None else opt.font)
            painter.setFont(font)
            painter.setPen(blend(ink, paper, 0.82 if selected else 0.62))
            # One line under sender and subject: each of the two cells draws its own stretch of it.
            second = preview_rect(opt, line + LINE_GAP)
            painter.setClipRect(opt.rect)
            preview = isolate(str(preview)) if rtl else str(preview)
            elided = QFontMetrics(font).elidedText(preview, Qt.TextElideMode.ElideRight, second.width())
            painter.drawText(second, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), (three_line_height if self.stacked else two_line_height)(option.font))


def three_line_height(font: QFont) -> int:
    """Row height of a stacked row: sender and date, subject, preview."""
    return QFontMetrics(font).height() * 3 + LINE_GAP * 2 + PAD_Y * 2


def paint_stacked(
    painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex, delegate: Any
) -> None:
    """One stacked row, painted by its one visible cell: sender · marks · date, then subject, then the preview."""
    opt = QStyleOptionViewItem(option)
    delegate.initStyleOption(opt, index)
    opt.text, opt.icon = "", QIcon()
    style = opt.widget.style() if opt.widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
    selected = bool(opt.state & QStyle.StateFlag.State_Selected)
    group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
    ink = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
    paper = opt.palette.color(group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
    grey = blend(ink, paper, 0.82 if selected else 0.62)
    plain = QFont(opt.widget.font() if opt.widget is not None else opt.font)
    font = opt.font  # bold when unread
    line = QFontMetrics(font).height()
    area = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
    left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    right_align = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    model, row = index.model(), index.row()
    rtl = opt.direction == Qt.LayoutDirection.RightToLeft
    own = isolate if rtl else str  # mail's own words keep their direction in a mirrored window
    people = own(str(model.index(row, COL_PEOPLE).data() or ""))
    date = str(model.index(row, COL_DATE).data() or "")
    subject = own(str(model.index(row, COL_SUBJECT).data() or ""))
    preview = own(str(index.data(MessageRole.PREVIEW) or ""))
    marks = model.index(row, COL_MARKS).data(Qt.ItemDataRole.DecorationRole)
    painter.save()
    painter.setFont(plain)
    painter.setPen(grey)
    date_width = QFontMetrics(plain).horizontalAdvance(date) + (4 if date else 0)
    first = QRect(area.left(), area.top(), area.width(), line)
    painter.drawText(first, right_align, date)
    for icon in (marks, reply_mark(model.index(row, COL_MARKS))):  # star or clip, then the replied arrow
        if isinstance(icon, QIcon) and not icon.isNull():
            # beside the date, on its inner side: left of it, or right of it in a mirrored (right-to-left) window
            x = first.left() + date_width if rtl else first.right() - date_width - ICON
            icon.paint(painter, QRect(x, first.center().y() - ICON // 2 + 1, ICON, ICON))
            date_width += ICON + 4
    painter.setFont(font)
    painter.setPen(ink)
    width = max(0, first.width() - date_width - 8)
    painter.drawText(first, left, QFontMetrics(font).elidedText(people, Qt.TextElideMode.ElideRight, width))
    second = first.translated(0, line + LINE_GAP)
    painter.drawText(second, left, QFontMetrics(font).elidedText(subject, Qt.TextElideMode.ElideRight, area.width()))
    if preview:
        painter.setFont(plain)
        painter.setPen(grey)
        third = second.translated(0, line + LINE_GAP)
        painter.drawText(
            third, left, QFontMetrics(plain).elidedText(preview, Qt.TextElideMode.ElideRight, area.width())
        )
    painter.restore()


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
        rows.setDefaultSectionSize(two_line_height(self.font()))
        self.delegate = TwoLineDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setTabKeyNavigation(False)  # Tab leaves the list for the reader; arrows move between messages
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.sortByColumn(COL_DATE, Qt.SortOrder.DescendingOrder)
        self.setAccessibleName(_("Messages"))
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
        self.setDragEnabled(True)  # onto a folder: move (with the copy key: copy)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.account_of: Callable[[MessageSummary], str] | None = None  # set by the window: whose messages
        self.empty_text = ""  # said in the middle of an empty list: "No messages here", "Getting your mail…"

    @property
    def stacked(self) -> bool:
        return self.delegate.stacked

    def set_stacked(self, stacked: bool) -> None:
        """Narrow: one column of three-line rows (sender and date, subject, preview); wide: the table."""
        if stacked == self.delegate.stacked:
            return
        self.delegate.stacked = stacked
        for column in (COL_MARKS, COL_PEOPLE, COL_DATE):
            self.setColumnHidden(column, stacked)
        self.horizontalHeader().setVisible(not stacked)
        self.verticalHeader().setDefaultSectionSize((three_line_height if stacked else two_line_height)(self.font()))
        self.viewport().update()

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.list_model.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(12, 0, -12, 0)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)

    def moveCursor(self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        # A table moves Home/End along the row's columns (and Ctrl+Home/End to a corner); in a
        # list of messages all four go to the first or last message, staying in the same column.
        actions = QAbstractItemView.CursorAction
        if cursorAction not in (actions.MoveHome, actions.MoveEnd):
            return super().moveCursor(cursorAction, modifiers)
        rows = self.model().rowCount()
        if not rows:
            return QModelIndex()
        current = self.currentIndex()
        column = current.column() if current.isValid() else COL_SUBJECT
        return self.model().index(0 if cursorAction == actions.MoveHome else rows - 1, column)

    def current_summary(self) -> MessageSummary | None:
        index = self.currentIndex()
        return self.list_model.summary(index.row()) if index.isValid() else None

    def selected_summaries(self) -> list[MessageSummary]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        found = [self.list_model.summary(row) for row in rows]
        summaries = [s for s in found if s is not None]
        current = self.current_summary()
        return summaries or ([current] if current is not None else [])

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        chosen = self.selected_summaries()
        if chosen and self.account_of is not None:
            from deskmail.ui.mail.dragging import start_drag

            start_drag(self, self.account_of(chosen[0]), chosen)

    def select_row(self, row: int) -> None:
        """Show `row` as the one selected message (the next one after a delete, the open one after a refresh).

        Whatever keys are held meanwhile: `setCurrentIndex` reads the modifier keys, and with Ctrl or
        Shift down it added the row to the selection, so the next Delete took the earlier message too."""
        if 0 <= row < self.list_model.rowCount():
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.selectionModel().setCurrentIndex(self.style_model.index(row, COL_SUBJECT), flags)

    def select_message(self, message_id: int) -> bool:
        row = self.list_model.row_of(message_id)
        if row is None:
            return False
        self.select_row(row)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = self.list_model.summary(current.row()) if current.isValid() else None
        self.current_message.emit(summary)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        # Tabbed into (or Down from the search box), Qt makes the first row current and opens it, but leaves
        # it unselected: a pale outline that did not look chosen, though Delete would delete it.
        index, by_mouse = self.currentIndex(), event.reason() == Qt.FocusReason.MouseFocusReason
        if index.isValid() and not by_mouse and not self.selectionModel().isRowSelected(index.row(), index.parent()):
            self.select_row(index.row())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activated(self.currentIndex())  # Enter opens the message in its own window
            return
        super().keyPressEvent(event)

    def _activated(self, index: QModelIndex) -> None:
        summary = self.list_model.summary(index.row())
        if summary is not None:
            self.activated_message.emit(summary)
