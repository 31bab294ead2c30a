"""Layout in German (long words), Japanese and Arabic (right to left): nothing clipped, arrows mirrored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage, QTransform
from PySide6.QtWidgets import QApplication

from deskmail.core import i18n
from deskmail.ui.icons import ui_icon
from deskmail.ui.language import apply_to_qt


def _image(name: str) -> QImage:
    return ui_icon(name).pixmap(16, 16).toImage()


def test_arrow_icons_point_the_other_way_in_arabic_and_the_rest_stay(qapp: QApplication) -> None:
    """Reply, forward and send arrows follow the reading direction; a star or a paper clip does not mirror."""
    english = {name: _image(name) for name in ("sent", "replied", "forwarded", "star", "attachment")}
    try:
        apply_to_qt(qapp, i18n.use("ar"))
        for name in ("sent", "replied", "forwarded"):
            mirrored = english[name].transformed(QTransform().scale(-1, 1))
            assert _image(name) == mirrored, name
            assert _image(name) != english[name], name
        assert _image("star") == english["star"]
        assert _image("attachment") == english["attachment"]
    finally:
        apply_to_qt(qapp, i18n.use("en"))
    assert _image("sent") == english["sent"]


def test_german_folder_names_stay_whole_when_the_window_shrinks_to_800(qapp: QApplication) -> None:
    """A window shown wide and then made 800 px wide (the narrow layout) keeps "Posteingang" whole."""
    from deskmail.ui.gallery import settle
    from deskmail.ui.mail.gallery import mail_view, main_window

    try:
        apply_to_qt(qapp, i18n.use("de"))
        window = main_window()
        window.resize(1100, 700)
        window.show()
        settle(seconds=0.2)
        window.resize(800, 570)
        settle(seconds=0.2)
        tree = mail_view(window).folders
        names = [str(tree.model().index(row, 0, tree.model().index(0, 0)).data()) for row in range(3)]
        assert "Posteingang" in names
        # the widest folder line (indent, icon, bold name) fits beside the unread count column
        assert tree.sizeHintForColumn(0) <= tree.viewport().width() - tree.columnWidth(1)
        window.close()
    finally:
        apply_to_qt(qapp, i18n.use("en"))


SMALL_SCREEN_CHILD = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
from deskmail.core import i18n
from deskmail.ui.language import apply_to_qt
apply_to_qt(app, i18n.use("de"))
from deskmail.ui.help import HelpWindow
from deskmail.ui.mail.gallery import composer_new
from deskmail.ui.shortcuts import ShortcutsDialog
from PySide6.QtWidgets import QWidget
area = app.primaryScreen().availableGeometry()
owner = QWidget()
for window in (composer_new(), HelpWindow(), ShortcutsDialog(owner)):
    print(type(window).__name__, window.height(), area.height())
"""


def test_new_windows_fit_an_800_by_600_screen(tmp_path: Path) -> None:
    """The composer opened 620 px tall on a 600 px screen: its Send button lay below the screen's edge."""
    screens = {"screens": [{"name": "small", "x": 0, "y": 0, "width": 800, "height": 600, "logicalDpi": 96}]}
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(screens))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "DESKMAIL_LANG": "de"}
    out = subprocess.run(
        [sys.executable, "-c", SMALL_SCREEN_CHILD], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    rows = [line.split() for line in out.stdout.splitlines()]
    assert len(rows) == 3, out.stdout + out.stderr
    for name, height, screen in rows:
        assert int(height) <= int(screen) - 40, name  # room for the title bar


def test_arabic_keeps_ctrl_comma_left_to_right_in_the_menu_and_the_shortcuts_list(qapp: QApplication) -> None:
    """A shortcut ending in punctuation ("Ctrl+,") showed as ",+Ctrl" in the mirrored menu and table."""
    from deskmail.ui.mail.gallery import main_window
    from deskmail.ui.shortcuts import ShortcutsDialog

    try:
        apply_to_qt(qapp, i18n.use("ar"))
        window = main_window()
        label, _tab, keys = window.settings_action.text().partition("\t")
        assert keys == "\u2068Ctrl+,\u2069"
        assert label == i18n._("&Settings…")
        dialog = ShortcutsDialog(window)
        rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
        assert rows[label.replace("&", "").rstrip("…")] == "\u2068Ctrl+,\u2069"
        dialog.close()
        window.close()
    finally:
        apply_to_qt(qapp, i18n.use("en"))
    window = main_window()
    assert window.settings_action.text() == "&Settings…"  # English: unchanged
    window.close()


def test_arabic_typed_into_the_composer_starts_at_the_right(qapp: QApplication) -> None:
    """QPlainTextEdit kept Arabic lines at the left edge of a mirrored composer; now they start at the right."""
    from PySide6.QtCore import Qt

    from deskmail.ui.gallery import settle
    from deskmail.ui.mail.gallery import composer_new

    def ink_columns(code: str) -> tuple[int, int]:
        apply_to_qt(qapp, i18n.use(code))
        composer = composer_new()
        composer.body.setPlainText("مرحبا يا بن")
        composer.show()
        settle(seconds=0.1)
        image = composer.body.viewport().grab().toImage()
        line = composer.body.fontMetrics().height()
        xs = [x for y in range(2, line) for x in range(image.width()) if image.pixelColor(x, y).lightness() < 110]
        composer.dirty = False  # closing must not ask about a draft
        composer.close()
        assert xs, code
        return min(xs), image.width() - max(xs)

    try:
        left_gap, right_gap = ink_columns("ar")
        assert right_gap < 20 < left_gap
        left_gap, right_gap = ink_columns("en")
        assert left_gap < 20 < right_gap  # English: unchanged, at the left
    finally:
        apply_to_qt(qapp, i18n.use("en"))
    assert Qt.LayoutDirection.LeftToRight == qapp.layoutDirection()
