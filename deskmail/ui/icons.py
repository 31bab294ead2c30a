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
