"""HTML mail is shown on a white page whatever the desktop theme; plain text follows the theme."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from deskmail.engine.mime import render_message
from deskmail.ui.mail.reader import ReadingPane
from tests.gui.test_reading_corpus import summary_for

pytestmark = pytest.mark.gui


def raw_mail(html: bool) -> bytes:
    message = EmailMessage()
    message["From"] = "Garden Club <news@gardenclub.test>"
    message["To"] = "anna@example.test"
    message["Subject"] = "Spring"
    message.set_content("Plain words.")
    if html:
        message.add_alternative('<h1 style="color: #2e6b3a">Spring</h1><p>Dear Anna</p>', subtype="html")
    return message.as_bytes()


def test_html_mail_gets_a_white_page_in_a_dark_theme(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = app.palette()
    dark = QPalette(saved)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    app.setPalette(dark)
    try:
        pane = ReadingPane()
        qtbot.addWidget(pane)
        html_mail = render_message(raw_mail(html=True))
        assert html_mail.is_html
        pane.show_message(summary_for(html_mail, 1), html_mail)
        assert pane.body.palette().color(QPalette.ColorRole.Base) == QColor("#ffffff")
        assert pane.body.palette().color(QPalette.ColorRole.Text).lightness() < 60
        plain_mail = render_message(raw_mail(html=False))
        pane.show_message(summary_for(plain_mail, 2), plain_mail)
        assert pane.body.palette().color(QPalette.ColorRole.Base) == QColor("#1e1e1e")
        assert pane.body.document().defaultStyleSheet() == ""
    finally:
        app.setPalette(saved)
