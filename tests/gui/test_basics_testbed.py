"""The everyday basics against the real test bed: Save as PDF, dragging mail onto a folder, the diagnostic report."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from deskmail.ui.main_window import MainWindow
from tests.gui import test_mail_testbed as bed
from tests.gui.test_mail_testbed import open_subject, subjects, view_of

mailbox, window = bed.mailbox, bed.window  # the fixtures: a fresh account with four messages, its window

pytestmark = pytest.mark.gui


def test_save_as_pdf_writes_the_headers_and_the_text(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    open_subject(qtbot, view, "Travel plans")
    assert view.actions_.save_pdf.isEnabled() and view.actions_.print_message.isEnabled()
    assert view.actions_.save_pdf in window.file_menu.actions()
    saved = view.actions_.save_as_pdf(tmp_path / "travel.pdf")
    assert saved is not None and saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "Travel plans" in text
    assert "We land in Zanzibar on Monday." in text
    assert "From:" in text and "Alice" in text and "Date:" in text
