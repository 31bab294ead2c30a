"""Messages dragged from the list onto a folder: what the drag carries and how it looks under the pointer."""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QMimeData, QPoint, QRect, Qt
from PySide6.QtGui import QDrag, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QWidget

from deskmail.core.i18n import _, ngettext
from deskmail.engine.store.models import MessageSummary

MIME = "application/x-deskmail-messages"
MAX_PAYLOAD = 64 * 1024  # bytes read from a drop: a drag from another program may carry anything


@dataclass(frozen=True)
class Dragged:
    """Which account's messages are dragged, and the folders they come from."""

    email: str
    folder_ids: frozenset[int]
    count: int


def drag_data(email: str, summaries: list[MessageSummary]) -> QMimeData:
    data = QMimeData()
    payload = {"email": email, "folders": sorted({s.folder_id for s in summaries}), "count": len(summaries)}
    data.setData(MIME, json.dumps(payload).encode("utf-8"))
    return data


def dragged(data: QMimeData | None) -> Dragged | None:
    """What a drop carries, or None when it is not messages from this app (or is unreadable)."""
    if data is None or not data.hasFormat(MIME):
        return None
    raw = bytes(data.data(MIME).data())
    if len(raw) > MAX_PAYLOAD:
        return None
    try:
        payload = json.loads(raw)
        return Dragged(
            str(payload["email"]), frozenset(int(f) for f in payload["folders"]), max(0, int(payload["count"]))
        )
    except (ValueError, KeyError, TypeError):
        return None


def start_drag(source: QWidget, email: str, summaries: list[MessageSummary]) -> Qt.DropAction:
    """Drag the messages: a move by default, a copy with the platform's copy key (Ctrl; Option on macOS)."""
    drag = QDrag(source)
    drag.setMimeData(drag_data(email, summaries))
    count = len(summaries)
    text = (
        (summaries[0].subject or _("(no subject)"))
        if count == 1
        else ngettext("{n} message", "{n} messages", count).format(n=count)
    )
    metrics = QFontMetrics(source.font())
    text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, 280)
    ratio = source.devicePixelRatioF()
    size = QRect(0, 0, metrics.horizontalAdvance(text) + 20, metrics.height() + 10)
    pixmap = QPixmap(int(size.width() * ratio), int(size.height() * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    palette = source.palette()
    painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(size, 6, 6)
    painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawText(size, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    drag.setPixmap(pixmap)
    drag.setHotSpot(QPoint(-12, -12))
    return drag.exec(Qt.DropAction.MoveAction | Qt.DropAction.CopyAction, Qt.DropAction.MoveAction)
