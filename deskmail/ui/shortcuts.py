"""Help › Keyboard Shortcuts: every key the window answers to, read from its actions, plus moving around."""

from __future__ import annotations

import re

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskmail.core.i18n import N_, _
from deskmail.qtbridge.message_model import isolate
from deskmail.ui.window_size import resize_to_fit

# Keys that belong to no menu command of the window: how to move around it, and the composer's own
# (keys as Qt names them, so they are shown in the person's language, as the menus' own shortcuts are).
MOVING = [
    (N_("Move to the next or previous message"), ("Up", "Down")),
    (N_("Open the message in its own window"), ("Enter",)),
    (N_("Go from the message list to the message text"), ("Tab",)),
    (N_("Go to the next part of the window (folders, messages, message text)"), ("F6",)),
    (N_("Go to the previous part of the window"), ("Shift+F6",)),
    (N_("Close a message window"), ("Esc",)),
    (N_("Go from the search box into the results"), ("Down",)),
    (N_("Clear the search (in the search box or the results)"), ("Esc",)),
    # The composer's own keys (its window is not this one, so its actions are not read here).
    (N_("Add Cc while writing a message"), ("Ctrl+Shift+C",)),
    (N_("Add Bcc while writing a message"), ("Ctrl+Shift+B",)),
    (N_("Deskmail Help"), ("F1",)),
]


MAX_KEYS_WIDTH = 200  # pixels for the keys column; past it, a row's keys wrap
ACCELERATOR = re.compile(r"\s*\(&\w\)")


def native(sequence: QKeySequence) -> str:
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    # In Arabic each key reads in its own direction: "Ctrl+," showed as ",+Ctrl" without the isolate.
    return isolate(text) if QGuiApplication.isRightToLeft() else text


def moving_shortcuts() -> list[tuple[str, str]]:
    """The MOVING rows in the language in use."""
    return [(_(what), ", ".join(native(QKeySequence(key)) for key in keys)) for what, keys in MOVING]


def action_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(what it does, keys) for every action of the window that has a shortcut, in menu order, once each."""
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    for action in window.findChildren(QAction):
        keys = list(dict.fromkeys(native(k) for k in action.shortcuts() if not k.isEmpty()))
        # "&Settings…", and Japanese style "設定(&S)…": the accelerator and the dots are menu things.
        text = ACCELERATOR.sub("", action.text().split("\t")[0]).replace("&", "").rstrip("…").strip()
        if not keys or not text or text in seen or keys == ["F1"]:
            continue
        seen.add(text)
        found.append((text, ", ".join(keys)))
    return found


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle(_("Keyboard Shortcuts"))
        rows = action_shortcuts(window) + moving_shortcuts()
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels([_("To do this"), _("Press")])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # Long descriptions (German, or a narrow window) wrap onto a second line instead of being cut off.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName(_("Keyboard shortcuts"))
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The keys take what they need up to a limit (a key with many bindings wraps), the words the rest.
        self.table.resizeColumnToContents(1)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), MAX_KEYS_WIDTH))
        intro = QLabel(_("Deskmail can be used with the keyboard alone. These keys work in the main window:"))
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        resize_to_fit(self, 560, 600)

    def rows(self) -> list[tuple[str, str]]:
        cells = [(self.table.item(r, 0), self.table.item(r, 1)) for r in range(self.table.rowCount())]
        return [(what.text(), keys.text()) for what, keys in cells if what is not None and keys is not None]
