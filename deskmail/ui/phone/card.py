"""The settings card on paper: laid out with QPainter once, for a printer (QPrinter) or a PDF file.

PDF files come from QPdfWriter (QtGui): the same painting as printing, without loading the
printer plugins (CUPS), so `deskmail account export --format card` works on a machine with no printer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPainter,
    QPdfWriter,
    QPen,
)

from deskmail.core.i18n import _
from deskmail.engine.accounts import Account
from deskmail.engine.export.card import Card, ServerLines, settings_card
from deskmail.engine.export.thunderbird import export_codes
from deskmail.ui.phone.qr import paint_qr

MARGIN_MM = 15
GREY = QColor("#555555")
LINE = QColor("#bbbbbb")


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(1, round(size)))  # logical units: the page is laid out in points
    font.setBold(bold)
    return font


class CardPainter:
    """Lays out one card per page in points (1/72 inch), whatever the printer's resolution."""

    def __init__(self, painter: QPainter, width: float, height: float) -> None:
        self.p = painter
        self.width = width
        self.height = height

    def text(
        self, y: float, text: str, font: QFont, color: QColor | None = None, x: float = 0, width: float = 0
    ) -> float:
        """Wrapped text from y; returns the y below it."""
        width = width or self.width - x
        self.p.setFont(font)
        self.p.setPen(color or QColor("black"))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        bounds = self.p.boundingRect(QRectF(x, y, width, 10_000), flags, text)
        self.p.drawText(QRectF(x, y, width, bounds.height()), flags, text)
        return y + bounds.height()

    def fitting(self, text: str, size: float, bold: bool = True) -> QFont:
        """The largest font up to `size` that shows text on one line (a long host name still fits)."""
        font = _font(size, bold)
        while size > 10 and QFontMetricsF(font).horizontalAdvance(text) > self.width:
            size -= 1
            font = _font(size, bold)
        return font

    def rule(self, y: float) -> None:
        self.p.setPen(QPen(LINE, 0.8))
        self.p.drawLine(0, round(y), round(self.width), round(y))

    def server(self, y: float, server: ServerLines) -> float:
        y = self.text(y, server.heading, _font(12, True), GREY)
        y = self.text(y + 2, server.host, self.fitting(server.host, 26))
        x = 0.0
        for label, value in server.details:
            label_font, value_font = _font(10), _font(14, True)
            self.text(y + 4, label, label_font, GREY, x=x, width=self.width - x)
            self.text(y + 17, value, value_font, x=x, width=self.width - x)
            x += max(90.0, QFontMetricsF(value_font).horizontalAdvance(value) + 30)
        return y + 40

    def page(self, card: Card, payload_code: object) -> None:
        y = self.text(0, card.title, _font(24, True))
        y = self.text(y + 2, f"{card.provider} \u00b7 {card.email}", _font(14), GREY)
        self.rule(y + 10)
        y += 24
        for server in card.servers:
            y = self.server(y, server) + 14
        self.rule(y)
        y += 16
        qr_side = 170.0
        column = self.width - qr_side - 24
        top = y
        y = self.text(y, card.steps_heading, _font(15, True))
        for number, step in enumerate(card.steps, 1):
            self.text(y + 6, f"{number}.", _font(11, True), width=20)
            y = self.text(y + 6, step, _font(11), x=18, width=column - 18)
        qr_left = self.width - qr_side
        paint_qr(self.p, QRectF(qr_left, top, qr_side, qr_side), payload_code)  # type: ignore[arg-type]
        self.text(top + qr_side + 6, card.qr_caption, _font(10), GREY, x=qr_left, width=qr_side)
        self.text(self.height - 14, card.footer, _font(9), GREY)


def print_cards(printer: QPagedPaintDevice, accounts: Sequence[Account]) -> None:
    """One page per account on printer (a real printer or a PDF file); never a password."""
    printer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)
    layout = printer.pageLayout()
    points = layout.paintRect(QPageLayout.Unit.Point)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("The card could not be printed: the printer or file did not open."))
    try:
        painter.setWindow(0, 0, round(points.width()), round(points.height()))
        pixels = layout.paintRectPixels(_resolution(printer))  # the painter's origin is already its top left
        painter.setViewport(0, 0, pixels.width(), pixels.height())
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for index, account in enumerate(accounts):
            if index:
                printer.newPage()
            code = export_codes([(account, None)])[0].matrix()
            CardPainter(painter, points.width(), points.height()).page(settings_card(account), code)
    finally:
        painter.end()


def _resolution(device: QPagedPaintDevice) -> int:
    return device.logicalDpiX() if not isinstance(device, QPdfWriter) else device.resolution()


def card_pdf_bytes(accounts: Sequence[Account]) -> bytes:
    """The cards as a PDF document (works without a window: Qt's offscreen platform lays out the text)."""
    _gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(300)
    writer.setTitle(_("E-mail settings"))
    writer.setCreator("Deskmail")
    print_cards(writer, accounts)
    del writer  # finishes the document
    buffer.close()
    return bytes(data.data())


def write_card_pdf(accounts: Sequence[Account], path: Path) -> None:
    path.write_bytes(card_pdf_bytes(accounts))


_app: list[QGuiApplication] = []  # kept alive for the process: Qt needs one application object


def _gui_application() -> QGuiApplication:
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    _app.append(QGuiApplication(["deskmail", "-platform", "offscreen"]))
    return _app[0]
