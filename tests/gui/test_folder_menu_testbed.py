"""New / Rename / Delete Folder from the folder list, offline too (a private Dovecot that is stopped)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import imapclient
import pytest
from pytestqt.qtbot import QtBot

from deskmail.ui.main_window import MainWindow

from .test_mail_testbed import message, open_window, view_of

pytestmark = pytest.mark.gui


def server_folders(server: Any, testbed: Any, email: str, password: str) -> set[str]:
    client = imapclient.IMAPClient(
        server.ip, port=993, ssl=True, ssl_context=ssl.create_default_context(cafile=str(testbed.ca_path))
    )
    try:
        client.login(email, password)
        return {str(name) for _flags, _delim, name in client.list_folders()}
    finally:
        client.logout()


def shown(win: MainWindow, email: str) -> set[str]:
    return {f.name for f in view_of(win).folders.folders_of(email)}


def answer_with(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """The person types `text` in the folder name dialog and presses OK."""
    monkeypatch.setattr("deskmail.ui.mail.folder_menu.QInputDialog.getText", lambda *a, **k: (text, True))


def test_new_and_rename_offline_then_the_server_has_it(
    qtbot: QtBot, testbed: Any, dovecot_factory: Any, deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password = "fiona@example.test", "fiona-secret-pw"
    server = dovecot_factory(users={email: password})
    server.put_message(email, message(("Alice", testbed.user), email, "Hi", "Hello"), folder="Trips")
    win = open_window(qtbot, testbed, deskmail_home, email, password, server.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: "Trips" in shown(win, email), timeout=20000)
        server.stop()
        assert view.folders.select(email, "INBOX")
        assert view.folder_menu.new.isEnabled() and not view.folder_menu.rename.isEnabled()  # the Inbox stays
        answer_with(monkeypatch, "Projects")
        view.folder_menu.new.trigger()
        qtbot.waitUntil(lambda: "Projects" in shown(win, email), timeout=10000)  # at once, offline
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        assert view.folders.select(email, "Projects") and view.folder_menu.rename.isEnabled()
        answer_with(monkeypatch, "Projects 2026")
        view.folder_menu.rename.trigger()
        qtbot.waitUntil(lambda: "Projects 2026" in shown(win, email) and "Projects" not in shown(win, email))

        server.start()
        view.offline_bar.buttons[0].click()  # "Try again"
        qtbot.waitUntil(view.offline_bar.isHidden, timeout=20000)
        qtbot.waitUntil(lambda: "Projects 2026" in server_folders(server, testbed, email, password), timeout=20000)
        assert "Projects" not in server_folders(server, testbed, email, password)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_refused_rename_comes_back_with_a_message_and_delete_asks_first(
    qtbot: QtBot, testbed: Any, dovecot_factory: Any, deskmail_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password = "gina@example.test", "gina-secret-pw"
    server = dovecot_factory(users={email: password})
    server.put_message(email, message(("Alice", testbed.user), email, "Hi", "Hello"), folder="Trips")
    win = open_window(qtbot, testbed, deskmail_home, email, password, server.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: "Trips" in shown(win, email), timeout=20000)
        notices: list[str] = []
        view.controller.notice.connect(notices.append)
        server.stop()
        assert view.folders.select(email, "Trips")
        answer_with(monkeypatch, "Holidays")
        view.folder_menu.rename.trigger()  # offline: queued
        qtbot.waitUntil(lambda: "Holidays" in shown(win, email), timeout=10000)
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        # Meanwhile another device made a "Holidays" folder on the server (written straight to its disk).
        server.put_message(email, message(("Alice", testbed.user), email, "Beach", "Sun"), folder="Holidays")
        server.start()
        view.offline_bar.buttons[0].click()  # "Try again"
        qtbot.waitUntil(lambda: any("refused to rename" in n for n in notices), timeout=20000)
        refusal = next(n for n in notices if "refused to rename" in n)
        assert "“Trips” to “Holidays”" in refusal and "It has its old name again." in refusal
        qtbot.waitUntil(lambda: "Trips" in shown(win, email), timeout=10000)
        assert {"Trips", "Holidays"} <= server_folders(server, testbed, email, password)

        asked: list[str] = []

        def cancel(question: str) -> bool:
            asked.append(question)
            return False

        monkeypatch.setattr(view.folder_menu, "_confirm_delete", cancel)
        qtbot.waitUntil(lambda: view.folders.select(email, "Trips"), timeout=10000)
        view.folder_menu.delete.trigger()
        assert "Delete the folder “Trips” and the message in it?" in asked[0]
        assert "Trips" in shown(win, email)  # cancelled: nothing happens
        monkeypatch.setattr(view.folder_menu, "_confirm_delete", lambda question: True)
        view.folder_menu.delete.trigger()
        qtbot.waitUntil(lambda: "Trips" not in shown(win, email), timeout=10000)
        qtbot.waitUntil(lambda: "Trips" not in server_folders(server, testbed, email, password), timeout=20000)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]
