"""File › Print… and File › Save as PDF…: the message in the reader, its headers above its text, on paper."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QDateTime, QLocale, QMarginsF
from PySide6.QtGui import (
    QColor,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFileDialog, QWidget

from deskmail.core.i18n import _
from deskmail.ui.mail.reader import ReadingPane
from deskmail.ui.mail.reading import downloads

LINK_INK = "#1a4fb5"  # links on paper: a dark blue that stays readable in black and white too
MAX_FILE_NAME = 80  # characters of the subject used for the suggested file name


def printed_date(timestamp: int) -> str:
    """The date in words and the time, in the person's language ("Monday, 4 March 2024, 14:05")."""
    if timestamp <= 0:
        return ""
    moment = QDateTime.fromSecsSinceEpoch(timestamp)
    locale = QLocale()
    day = locale.toString(moment.date(), QLocale.FormatType.LongFormat)
    # Translators: a printed message's date line: {date} in words, then {time}, e.g. "Monday, 4 March 2024, 14:05".
    return _("{date}, {time}").format(date=day, time=locale.toString(moment.time(), QLocale.FormatType.ShortFormat))


def header_html(pane: ReadingPane) -> str:
    """From, To, Cc, Date and Subject as a small table, every value escaped (it is the sender's text)."""
    summary = pane.summary
    if summary is None:
        return ""
    sender = summary.from_name or summary.from_addr
    if summary.from_name and summary.from_addr:
        sender = f"{summary.from_name} <{summary.from_addr}>"
    rows = [
        (_("From"), sender),
        (_("To"), summary.to_addrs),
        (_("Cc"), summary.cc_addrs),
        (_("Date"), printed_date(summary.date)),
    ]
    # Translators: a header's name on a printed message, e.g. "From:".
    label = _("{field}:")
    cells = "".join(
        f'<tr><td style="color:#555555; padding-right:12px"><b>{html.escape(label.format(field=name))}</b></td>'
        f'<td style="color:#000000">{html.escape(value)}</td></tr>'
        for name, value in rows
        if value
    )
    subject = html.escape(summary.subject or _("(no subject)"))
    return f'<h2 style="color:#000000">{subject}</h2><table>{cells}</table>'


def printable(pane: ReadingPane) -> QTextDocument:
    """A copy of the reader's document (its images included) with the headers put on top, black on white."""
    document = pane.body.document().clone()
    # The reader may use dark-mode colours for plain mail; paper is white, so the text goes black.
    document.setDefaultStyleSheet("body { color: black; background: white; }")
    cursor = QTextCursor(document)
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    # The body moves on into a block of its own (with its own format), then the headers fill the empty
    # block left at the top: inserted HTML merges its last block into the one it lands in, never the body's.
    cursor.insertBlock(cursor.blockFormat(), cursor.charFormat())
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.setBlockFormat(QTextBlockFormat())
    cursor.setCharFormat(QTextCharFormat())
    cursor.insertHtml(header_html(pane))
    _ink_links(document)
    return document


def _ink_links(document: QTextDocument) -> None:
    """Links print dark blue: the screen's link colour may be pale (dark mode) and paper is white."""
    ink = QTextCharFormat()
    ink.setForeground(QColor(LINK_INK))
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.isValid() and fragment.charFormat().isAnchor():
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(ink)
            iterator += 1
        block = block.next()


def suggested_name(pane: ReadingPane) -> str:
    """The subject as a file name: no characters any system refuses, never empty."""
    subject = pane.summary.subject if pane.summary is not None else ""
    cleaned = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", subject).strip(" .")[:MAX_FILE_NAME].strip()
    return (cleaned or _("Message")) + ".pdf"


def write_pdf(document: QTextDocument, path: Path, title: str = "") -> None:
    """The document as an A4 PDF with 15 mm margins (Print… offers the printer's own paper sizes)."""
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Deskmail")
    document.print_(writer)


def ask_pdf_path(parent: QWidget, pane: ReadingPane) -> Path | None:
    """Where to save: a file dialog starting in Downloads with the subject as the name."""
    start = str(downloads() / suggested_name(pane))
    chosen, _filter = QFileDialog.getSaveFileName(parent, _("Save as PDF"), start, _("PDF documents (*.pdf)"))
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def print_message(parent: QWidget, pane: ReadingPane) -> bool:
    """The platform's print dialog, then the message printed; False when the person cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(pane.summary.subject if pane.summary is not None else _("Message"))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print Message"))
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    printable(pane).print_(printer)
    return True
