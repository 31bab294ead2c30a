"""The About dialog: what Deskmail is, which version, where its log file is."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from deskmail import APP_NAME, __version__
from deskmail.core.i18n import N_, _
from deskmail.ui.icons import app_icon

TAGLINE = N_("Calm e-mail that sets itself up from your address and password.")


class AboutDialog(QDialog):
    """Name, version, licence and the log folder (support people ask for it)."""

    def __init__(self, log_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About {app}").format(app=APP_NAME))
        self.log_path = log_path
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2 style='margin:0'>{APP_NAME}</h2>")
        self.version_label = QLabel(_("Version {version}").format(version=__version__))
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tagline = QLabel(_(TAGLINE))
        tagline.setWordWrap(True)
        details = QLabel(
            _("Licence: {licence}<br>Python {python} · Qt for Python {pyside} · {system}").format(
                licence="GPL-3.0-or-later", python=platform.python_version(), pyside=pyside_version, system=sys.platform
            )
        )
        details.setTextFormat(Qt.TextFormat.RichText)
        details.setStyleSheet("color: palette(placeholder-text);")
        text = QVBoxLayout()
        for widget in (title, self.version_label, tagline, details):
            text.addWidget(widget)
        text.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addSpacing(12)
        row.addLayout(text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        if log_path is not None:
            logs = buttons.addButton(_("Open Log Folder"), QDialogButtonBox.ButtonRole.ActionRole)
            logs.clicked.connect(self.open_log_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.addLayout(row)
        layout.addSpacing(12)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def open_log_folder(self) -> None:
        if self.log_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path.parent)))
