"""Every scene of every gallery in German and Arabic: no English text left where a translation exists.

A text that reaches a widget without passing through `_()` at the time it is shown (a table built at
import time, an f-string, a text glued from pieces) stays English in every language. This walks the
same scenes the screenshots show (wizard pages, mail window states, settings, phone, help, basics),
reads every text a person can see (labels, buttons, menus, titles, tooltips, placeholders, tabs,
list and combo items, column headers) and reports any equal to an English text the catalog translates.
"""

from __future__ import annotations

import gettext
import importlib
import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from deskmail.core import i18n
from deskmail.ui.gallery import settle
from deskmail.ui.language import apply_to_qt

GALLERIES = (
    "deskmail.ui.gallery",
    "deskmail.ui.wizard.gallery",
    "deskmail.ui.mail.gallery",
    "deskmail.ui.settings.gallery",
    "deskmail.ui.phone.gallery",
    "deskmail.ui.basics_gallery",
)
_TAGS = re.compile(r"<[^>]+>")


def translated_ids(code: str) -> set[str]:
    """English texts the catalog of `code` translates into something else (one line each, no '&')."""
    catalog = gettext.translation(i18n.DOMAIN, str(i18n.LOCALE_DIR), languages=[code])
    found: set[str] = set()
    for key, value in catalog._catalog.items():  # type: ignore[attr-defined]
        msgid = key[0] if isinstance(key, tuple) else key
        if isinstance(msgid, str) and "\x04" in msgid:
            msgid = msgid.split("\x04", 1)[1]
        if msgid and value != msgid and "{" not in msgid:
            found.add(_plain(msgid))
    return found


def _plain(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text.replace("&&", "\0").replace("&", "").replace("\0", "&")).split())


def visible_texts(root: QWidget) -> Iterator[str]:
    """Every text a person can read in `root` and its children (and their actions and menus)."""
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget.isWindow():
            yield widget.windowTitle()
        yield widget.toolTip()
        yield widget.accessibleName()
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield widget.text()
        elif isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
            yield widget.placeholderText()
        elif isinstance(widget, QGroupBox):
            yield widget.title()
        elif isinstance(widget, QTabWidget):
            yield from (widget.tabText(i) for i in range(widget.count()))
        elif isinstance(widget, QComboBox):
            yield from (widget.itemText(i) for i in range(widget.count()))
        elif isinstance(widget, QMenu):
            yield widget.title()
        for action in widget.actions():
            yield action.text()
            yield action.toolTip()
        model = getattr(widget, "model", None)
        if callable(model) and hasattr(widget, "horizontalHeader"):
            data = model()
            if data is not None:
                for column in range(data.columnCount()):
                    yield str(data.headerData(column, Qt.Orientation.Horizontal) or "")


def leftovers(root: QWidget, english: set[str]) -> set[str]:
    return {_plain(t) for t in visible_texts(root) if t and _plain(t) in english}


def _scenes() -> Iterator[tuple[str, object]]:
    for module_name in GALLERIES:
        module = importlib.import_module(module_name)
        for name, build in module.scenes():
            yield f"{module_name.split('.')[-2]}/{name}", build


# German walks every scene; Arabic and Japanese every few (the same code paths, a third of the time).
@pytest.mark.parametrize(("code", "every"), [("de", 1), ("ar", 3), ("ja", 5)])
def test_no_english_text_is_left_in_any_scene(qapp: QApplication, code: str, every: int) -> None:
    apply_to_qt(qapp, i18n.use(code))
    english = translated_ids(code)
    found: dict[str, set[str]] = {}
    try:
        for index, (name, build) in enumerate(_scenes()):
            if index % every:
                continue
            widget = build()  # type: ignore[operator]
            widget.show()
            settle(seconds=0.05)
            for window in QApplication.topLevelWidgets():
                if window.isVisible():
                    left = leftovers(window, english)
                    if left:
                        found.setdefault(name, set()).update(left)
            if code == "ar":
                assert widget.layoutDirection() == Qt.LayoutDirection.RightToLeft, name
            widget.close()
            widget.deleteLater()
    finally:
        apply_to_qt(qapp, i18n.use("en"))
        QApplication.closeAllWindows()
    assert found == {}
