"""Searching in the mail window from a test: the search runs on a worker, its results come as a signal."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from deskmail.ui.mail.view import MailView


def search_for(qtbot: QtBot, view: MailView, text: str, timeout: int = 10000) -> None:
    """Type `text` into the search box and wait until its results replace the list."""
    with qtbot.waitSignal(view.local_search.found, timeout=timeout):
        view.search.setText(text)
        view.run_search()
