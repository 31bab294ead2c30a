"""The app icon and the few themed icons the window uses, with fallbacks that always work."""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtGui import QIcon

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


@cache
def ui_icon(name: str) -> QIcon:
    """One of the small line icons in resources/icons/ui (inbox, sent, star, ...); empty if missing."""
    try:
        path = resource_path("icons", "ui", f"{name}.svg")
    except FileNotFoundError:
        return QIcon()
    return QIcon(str(path)) if path.is_file() else QIcon()
