"""Roles Qt's widgets cannot say by themselves, for screen readers (AT-SPI, UI Automation, NSAccessibility).

A QLabel is always "static text": a heading made of one is announced as plain text, so a screen
reader's "next heading" key never finds it. `mark_heading` gives such a label the heading role.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget, QApplication, QLabel, QToolBar, QToolButton

from deskmail.core.i18n import _

HEADING = "deskmailHeading"  # dynamic property on a QLabel that is a heading
_installed = False


class HeadingAccessible(QAccessibleWidget):
    """A heading label: role Heading, named by its own words (a fixed name would hide them)."""

    def __init__(self, label: QLabel) -> None:
        super().__init__(label, QAccessible.Role.Heading)
        self._label = label

    def text(self, kind: QAccessible.Text) -> str:
        if kind == QAccessible.Text.Name:
            return self._label.accessibleName() or self._label.text()
        return super().text(kind)


def _factory(_key: str, obj: QObject) -> QAccessibleInterface | None:
    if isinstance(obj, QLabel) and obj.property(HEADING):
        return HeadingAccessible(obj)
    return None


def mark_heading(label: QLabel) -> None:
    """Make `label` a heading for screen readers. Call it before the label gets its first text:
    with a screen reader on, Qt settles a label's role as soon as it has text to announce."""
    global _installed
    label.setProperty(HEADING, True)
    # Qt keeps only factories installed once the application exists (before, PySide drops them).
    if not _installed and QApplication.instance() is not None:
        QAccessible.installFactory(_factory)
        _installed = True


def name_overflow_button(toolbar: QToolBar) -> None:
    """Name the » button a toolbar shows when its buttons do not fit (Qt leaves it nameless)."""
    button = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    if button is not None:
        button.setAccessibleName(_("More buttons"))
        button.setToolTip(_("More buttons"))
