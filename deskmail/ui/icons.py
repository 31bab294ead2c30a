"""The app icon and the few themed icons the window uses, with fallbacks that always work."""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtGui import QGuiApplication, QIcon, QPixmap, QTransform

from deskmail.resources import resource_path

log = logging.getLogger(__name__)

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@cache
def app_icon() -> QIcon:
    """Deskmail's envelope at every committed size (an empty icon if resources are missing)."""
    icon = QIcon()
    try:
        for size in ICON_SIZES:
            path = resource_path("icons", f"deskmail-{size}.png")
            if path.is_file():
                icon.addFile(str(path))
    except FileNotFoundError as exc:
        log.warning("%s", exc)
    return icon


# Icons that point along the reading direction: a right-to-left window shows them mirrored
# (the paper plane flies left, the replied arrow points right, back against the reading order).
MIRRORED_IN_RTL = frozenset({"sent", "replied", "forwarded"})


def ui_icon(name: str) -> QIcon:
    """One of the small line icons in resources/icons/ui (inbox, sent, star, ...); empty if missing."""
    return _ui_icon(name, name in MIRRORED_IN_RTL and QGuiApplication.isRightToLeft())


@cache
def _ui_icon(name: str, mirrored: bool) -> QIcon:
    try:
        path = resource_path("icons", "ui", f"{name}.svg")
    except FileNotFoundError:
        return QIcon()
    if not path.is_file():
        return QIcon()
    icon = QIcon(str(path))
    if not mirrored:
        return icon
    flipped = QIcon()
    flip = QTransform().scale(-1, 1)
    for size in (16, 24, 32, 48, 64):
        pixmap: QPixmap = icon.pixmap(size, size)
        mirror = pixmap.transformed(flip)
        mirror.setDevicePixelRatio(pixmap.devicePixelRatio())  # sharp at 200 %
        flipped.addPixmap(mirror)
    return flipped
