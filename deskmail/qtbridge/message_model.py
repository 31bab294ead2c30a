"""The message list as a lazy table model: rows are read from the store a page at a time.

A folder of 100,000 messages costs one COUNT and the few pages the view actually shows;
scrolling fetches further pages (indexed queries on the GUI thread's read-only connection,
a few milliseconds each). Search results use the same model over a fixed list.
"""

from __future__ import annotations

import functools
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from deskmail.core.i18n import N_, _
from deskmail.engine.store.models import MessageSummary

PAGE_SIZE = 200
MAX_PAGES = 64  # pages kept in memory (12,800 rows); older ones are read again when needed

Index = QModelIndex | QPersistentModelIndex


class MessageRole:
    """Extra data roles; the widgets turn them into fonts and icons (QtGui is not allowed here)."""

    SUMMARY = Qt.ItemDataRole.UserRole + 1
    UNREAD = Qt.ItemDataRole.UserRole + 2
    FLAGGED = Qt.ItemDataRole.UserRole + 3
    ATTACHMENT = Qt.ItemDataRole.UserRole + 4
    MESSAGE_ID = Qt.ItemDataRole.UserRole + 5
    ANSWERED = Qt.ItemDataRole.UserRole + 6
    PREVIEW = Qt.ItemDataRole.UserRole + 7  # the start of the text, for the row's second line ("" if none yet)
    FORWARDED = Qt.ItemDataRole.UserRole + 8


class MessageSource(Protocol):
    """Where rows come from: a folder in the store, or a list of search results."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int, order: str, ascending: bool) -> list[MessageSummary]: ...


class FolderSource:
    """The visible messages of one store folder."""

    def __init__(self, reader: Any, folder_id: int) -> None:
        self.reader = reader
        self.folder_id = folder_id
        self._count = 0  # the last count() the model asked for

    def count(self) -> int:
        self._count = int(self.reader.visible_count(self.folder_id))  # one row: refreshed after every commit
        return self._count

    def page(self, offset: int, limit: int, order: str, ascending: bool) -> list[MessageSummary]:
        end = min(offset + limit, self._count)
        if offset > self._count // 2 and end > offset:
            # SQLite walks OFFSET rows of the index one by one (200 ms at the end of a million):
            # the far half is read from the other end, where the offset is small, and turned around.
            rows: list[MessageSummary] = self.reader.messages(
                self.folder_id, end - offset, self._count - end, order=order, ascending=not ascending
            )
            rows.reverse()
            return rows
        rows = self.reader.messages(self.folder_id, limit, offset, order=order, ascending=ascending)
        return rows


class ListSource:
    """A fixed list (search results), sorted in memory."""

    def __init__(self, rows: Sequence[MessageSummary]) -> None:
        self.rows = list(rows)

    def count(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int, order: str, ascending: bool) -> list[MessageSummary]:
        key = SORT_KEYS.get(order)
        rows = self.rows if key is None else sorted(self.rows, key=key, reverse=not ascending)
        return rows[offset : offset + limit]


SORT_KEYS: dict[str, Callable[[MessageSummary], Any]] = {
    "date": lambda m: (m.date, m.uid),
    "sender": lambda m: ((m.from_name or m.from_addr).casefold(), m.date),
    "recipients": lambda m: (m.to_addrs.casefold(), m.date),
    "subject": lambda m: (m.subject.casefold(), m.date),
}


@dataclass(frozen=True)
class Column:
    title: str
    order: str | None  # the sort order this column's header selects, None: not sortable


COLUMNS = (
    Column("", None),  # flag / attachment marks
    # Translators: the message list's column headers.
    Column(N_("From"), "sender"),
    Column(N_("Subject"), "subject"),
    Column(N_("Date"), "date"),
)
COL_MARKS, COL_PEOPLE, COL_SUBJECT, COL_DATE = range(4)


def short_date(timestamp: int, now: float | None = None, locale: QLocale | None = None) -> str:
    """Today: the time (14:05); this year: day and month (3 Mar, 3. Mai, 5月3日); older: with the year.

    In the language's own format (QLocale; the default locale follows the chosen language). Local time.
    """
    return _dated(timestamp, now, locale, short=True)


def spoken_date(timestamp: int, now: float | None = None, locale: QLocale | None = None) -> str:
    """The date as a person says it: "today at 14:05", "5 December", "5 December 2021". Local time."""
    return _dated(timestamp, now, locale, short=False)


def _dated(timestamp: int, now: float | None, locale: QLocale | None, *, short: bool) -> str:
    """`timestamp` as its time when it is today, else its day and month (and year when not this year)."""
    if timestamp <= 0:
        return ""
    locale = locale or QLocale()
    moment = QDateTime.fromSecsSinceEpoch(timestamp)
    today = QDateTime.fromSecsSinceEpoch(int(time.time() if now is None else now)).date()
    if moment.date() == today:
        clock = locale.toString(moment.time(), QLocale.FormatType.ShortFormat)
        return clock if short else _("today at {time}").format(time=clock)
    same_year = moment.date().year() == today.year()
    return locale.toString(moment.date(), day_month_format(locale, short=short, year=not same_year))


def full_date(timestamp: int, locale: QLocale | None = None) -> str:
    """The reader's date: "Sunday, 6 December 2026, 14:05" in the language's own words and order."""
    if timestamp <= 0:
        return ""
    locale = locale or QLocale()
    moment = QDateTime.fromSecsSinceEpoch(timestamp)
    day = locale.toString(moment.date(), QLocale.FormatType.LongFormat)
    # Translators: a message's date and time in the reader, e.g. "Sunday, 6 December 2026, 14:05".
    return _("{date}, {time}").format(date=day, time=locale.toString(moment.time(), QLocale.FormatType.ShortFormat))


_WEEKDAY = re.compile(r"\s*d{4}[\s,،]*")  # "dddd, " (and the Japanese trailing "dddd")
# The year with what ties it to the rest: ", yyyy" (en), " 'de' yyyy" (es, pt), "yyyy年" (ja), " yyyy" (de).
_YEAR = re.compile(r"[\s,،]*(?:'[^']*'\s*)?y+(?:年|\s*'[^']*')?[\s,،]*")


@functools.lru_cache(maxsize=64)
def _day_month(name: str, long_format: str, short: bool, year: bool) -> str:
    fmt = _WEEKDAY.sub(" ", long_format).strip(" ,،")
    if not year:
        fmt = _YEAR.sub(" ", fmt).strip(" ,،")
    if short:
        fmt = fmt.replace("MMMM", "MMM")
    return fmt


def day_month_format(locale: QLocale, *, short: bool, year: bool) -> str:
    """The locale's long date without the weekday ("d MMMM yyyy"), optionally without the year, short months.

    Qt has no day-and-month format of its own; the long one names the month in every language
    and puts day, month and year in the language's order ("d. MMMM", "MMMM d", "M月d日").
    """
    return _day_month(locale.name(), locale.dateFormat(QLocale.FormatType.LongFormat), short, year)


def isolate(text: str) -> str:
    """`text` as a unit of its own direction inside a line of the other (Unicode FSI ... PDI).

    An English subject in the Arabic window keeps its "?" at its end; an Arabic name in an
    English line does not pull the address around it.
    """
    return f"\u2068{text}\u2069" if text else text


@functools.lru_cache(maxsize=4096)
def recipient_names(to_addrs: str) -> str:
    """ "Ben Hartmann, clara@example.test" for Sent and Drafts: names where there are names, never raw headers."""
    from deskmail.engine.mime.decode import parse_address_header

    return ", ".join(a.display() for a in parse_address_header(to_addrs)) or to_addrs


def spoken_row(m: MessageSummary, now: float | None = None) -> str:
    """What a screen reader says for a row: "Unread, from Ben Okafor, Dinner on Friday?, 5 December"."""
    marks = [
        _(word)
        for word, on in (
            (N_("unread"), not m.seen),
            (N_("flagged"), m.flagged),
            (N_("replied"), m.answered),
            (N_("forwarded"), m.forwarded),
            (N_("has attachments"), m.has_attachments),
        )
        if on
    ]
    sender = _("from {sender}").format(sender=person(m.from_name, m.from_addr))
    parts = [*marks, sender, m.subject or _("no subject"), spoken_date(m.date, now)]
    # Translators: the separator between the parts of what a screen reader says for a message.
    sentence = _(", ").join(part for part in parts if part)
    return sentence[:1].upper() + sentence[1:]


def person(name: str, address: str) -> str:
    return name or address or _("(unknown sender)")


class MessageListModel(QAbstractTableModel):
    """Rows of MessageSummary read lazily from a MessageSource, sortable by sender, subject, date."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source: MessageSource | None = None
        self.order = "date"
        self.ascending = False
        self.show_recipients = False  # Sent, Drafts: the people column shows who it went to
        self.places: dict[MessageSummary, str] = {}  # search results: the folder each one is in
        self._count = 0
        self._pages: OrderedDict[int, list[MessageSummary]] = OrderedDict()

    # -- what is shown ---------------------------------------------------------------

    def set_source(self, source: MessageSource | None, *, show_recipients: bool = False) -> None:
        self.beginResetModel()
        self.source = source
        self.show_recipients = show_recipients
        self.places = {}
        self._pages.clear()
        self._count = source.count() if source is not None else 0
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read after the store changed; keeps the rows in place when the count is unchanged."""
        if self.source is None:
            return
        count = self.source.count()
        self._pages.clear()
        if count != self._count:
            self.beginResetModel()
            self._count = count
            self.endResetModel()
        elif count:
            self.dataChanged.emit(self.index(0, 0), self.index(count - 1, len(COLUMNS) - 1))

    def summary(self, row: int) -> MessageSummary | None:
        if not 0 <= row < self._count or self.source is None:
            return None
        page_no, within = divmod(row, PAGE_SIZE)
        page = self._pages.get(page_no)
        if page is None:
            page = self.source.page(page_no * PAGE_SIZE, PAGE_SIZE, self.order, self.ascending)
            self._pages[page_no] = page
            if len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[within] if within < len(page) else None

    def find(self, message_id: int, max_pages: int = 50) -> int | None:
        """The row of a message, reading pages from the top if needed (None if not in the first ones)."""
        pages = min(max_pages, (self._count + PAGE_SIZE - 1) // PAGE_SIZE)
        for page_no in range(pages):
            self.summary(page_no * PAGE_SIZE)
            row = self.row_of(message_id)
            if row is not None:
                return row
        return None

    def row_of(self, message_id: int) -> int | None:
        """The row of a message among the pages read so far (None if not loaded)."""
        for page_no, page in self._pages.items():
            for i, summary in enumerate(page):
                if summary.id == message_id:
                    return page_no * PAGE_SIZE + i
        return None

    # -- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == COL_PEOPLE and self.show_recipients:
            # Translators: the message list's column header in Sent and Drafts.
            return _("To")
        title = COLUMNS[section].title
        return _(title) if title else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        summary = self.summary(index.row()) if index.isValid() else None
        if summary is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(summary, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(summary, index.column())
        if role == MessageRole.PREVIEW and self.places:  # search results say where each message is
            place = self.places.get(summary)
            if not place:
                return summary.preview
            if not summary.preview:  # not fetched yet (a big first sync): no dangling "·"
                # Translators: a search result's second line when the start of its text is not known yet.
                return _("In {folder}").format(folder=place)
            # Translators: a search result's second line: the folder it is in, then the start of its text.
            return _("In {folder} · {preview}").format(folder=place, preview=summary.preview)
        return _role_value(summary, role)

    def _text(self, m: MessageSummary, column: int) -> str | None:
        if column == COL_PEOPLE:
            return (
                recipient_names(m.to_addrs) or _("(no recipient)")
                if self.show_recipients
                else person(m.from_name, m.from_addr)
            )
        if column == COL_SUBJECT:
            return m.subject or _("(no subject)")
        if column == COL_DATE:
            return short_date(m.date)
        return None

    def _tooltip(self, m: MessageSummary, column: int) -> str | None:
        if column == COL_PEOPLE:
            return m.to_addrs if self.show_recipients else f"{m.from_name} <{m.from_addr}>".strip()
        if column == COL_DATE:
            return full_date(m.date)
        if column == COL_MARKS:
            marks = [
                _(word)
                for word, on in (
                    (N_("Flagged"), m.flagged),
                    (N_("Replied"), m.answered),
                    (N_("Forwarded"), m.forwarded),
                    (N_("Has attachments"), m.has_attachments),
                )
                if on
            ]
            return _(", ").join(marks) or None
        return m.preview or None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].order if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        if key == "sender" and self.show_recipients:
            key = "recipients"
        self.beginResetModel()
        self.order, self.ascending = key, order == Qt.SortOrder.AscendingOrder
        self._pages.clear()
        self.endResetModel()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled


def _role_value(m: MessageSummary, role: int) -> Any:
    if role == MessageRole.SUMMARY:
        return m
    if role == MessageRole.UNREAD:
        return not m.seen
    if role == MessageRole.FLAGGED:
        return m.flagged
    if role == MessageRole.ATTACHMENT:
        return m.has_attachments
    if role == MessageRole.MESSAGE_ID:
        return m.id
    if role == MessageRole.ANSWERED:
        return m.answered
    if role == MessageRole.PREVIEW:
        return m.preview
    if role == MessageRole.FORWARDED:
        return m.forwarded
    # Every cell of a row says the whole row: a screen reader speaks the cell that has focus, and
    # which column that is depends on where the person clicked.
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return spoken_row(m)
    if role == Qt.ItemDataRole.AccessibleDescriptionRole:
        return m.preview or None
    return None
