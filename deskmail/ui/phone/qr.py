"""Drawing a QR code with QPainter: crisp squares at any size, on screen and on paper."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def paint_qr(painter: QPainter, rect: QRectF, code: segno.QRCode, whole_pixels: bool = False) -> None:
    """The code centred in rect, square, on white (dark-on-light whatever the theme: scanners expect it).

    whole_pixels: on screen every square gets the same whole number of pixels, so the code stays crisp.
    """
    rows = list(code.matrix)
    count = len(rows) + 2 * QUIET_ZONE
    side = min(rect.width(), rect.height())
    module = side / count
    if whole_pixels and module >= 1:
        module = float(int(module))
        side = module * count
    left = rect.x() + (rect.width() - side) / 2
    top = rect.y() + (rect.height() - side) / 2
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.fillRect(QRectF(left, top, side, side), QColor("white"))
    path = QPainterPath()
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                # A hair of overlap: no anti-aliased seams between neighbouring squares.
                path.addRect(
                    QRectF(
                        left + (x + QUIET_ZONE) * module, top + (y + QUIET_ZONE) * module, module + 0.02, module + 0.02
                    )
                )
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillPath(path, QColor("black"))
    painter.restore()
