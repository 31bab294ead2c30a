"""A new window's first size: what it wants, but never larger than the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.92  # room left for the title bar and a panel, so the window's bottom row stays reachable


def fit_screen(window: QWidget, wanted: QSize) -> QSize:
    """`wanted`, shrunk to fit the available screen: a composer's Send button on an 800x600 screen
    or at 200 % scale (1366x768 is 683x384 logical pixels) must not open below the screen's edge."""
    parent = window.parentWidget()
    screen = (parent or window).screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return wanted
    return wanted.boundedTo(screen.availableGeometry().size() * SCREEN_SHARE)


def resize_to_fit(window: QWidget, width: int, height: int) -> None:
    window.resize(fit_screen(window, QSize(width, height)))
