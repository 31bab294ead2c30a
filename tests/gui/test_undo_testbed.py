"""Undo in the mail window against the real test bed: each action undone leaves the server as it was."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imapclient
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow
from tests.gui import test_mail_testbed as bed
from tests.gui.test_mail_testbed import imap_as, message, open_subject, open_window, subjects, view_of

mailbox, window = bed.mailbox, bed.window  # the fixtures: a fresh account with four messages, its window

pytestmark = pytest.mark.gui
State = dict[str, dict[str, frozenset[str]]]


def server_state(client: imapclient.IMAPClient) -> State:
    """Folder -> {Message-ID and Subject: flags}, on a connection of its own (UIDs may change, these may not)."""
    state: State = {}
    for _flags, _delim, name in client.list_folders():
        client.select_folder(name, readonly=True)
        uids = client.search("ALL")
        items = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)]"
        data = client.fetch(uids, ["FLAGS", items]) if uids else {}
        state[name] = {
            d[items.replace(".PEEK", "").encode()].decode().strip(): frozenset(
                f.decode() for f in d[b"FLAGS"] if f != b"\\Recent"
            )
            for d in data.values()
        }
    return state


def seen(state: State, subject: str) -> bool:
    return any(subject in key and "\\Seen" in flags for key, flags in state["INBOX"].items())


def reader_of(ip: str, ca: Path, email: str, password: str) -> Callable[[], State]:
    def read() -> State:
        client = imapclient.IMAPClient(ip, port=993, ssl=True, ssl_context=ssl.create_default_context(cafile=str(ca)))
        try:
            client.login(email, password)
            return server_state(client)
        finally:
            client.logout()

    return read


def select(qtbot: QtBot, view: MailView, subject: str) -> None:
    """Open the message, then give the list the focus (where one-key commands work)."""
    open_subject(qtbot, view, subject)
    view.window().activateWindow()
    view.list.setFocus()
    qtbot.waitUntil(view.list.hasFocus, timeout=5000)


def test_every_action_undone_restores_the_server(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    server = reader_of(testbed.mail.ip, testbed.ca_path, *mailbox)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    qtbot.waitUntil(lambda: view.controller.previews.pending(mailbox[0]) == [], timeout=20000)
    client = imap_as(testbed, *mailbox)
    client.create_folder("Projects")
    client.logout()
    view.controller.sync_all()
    qtbot.waitUntil(lambda: any(f.name == "Projects" for f in view.folders.folders_of(mailbox[0])), timeout=20000)
    projects = next(f for f in view.folders.folders_of(mailbox[0]) if f.name == "Projects")
    notice = view.actions_.history.notice

    def do(name: str, press: Callable[[], None], earlier: State) -> None:
        notice.hide()
        press()
        qtbot.waitUntil(lambda: notice.isVisible() and server() != earlier, timeout=20000)  # the server changed
        assert [b.text() for b in notice.buttons] == ["Undo"], name

    keys: list[tuple[str, Callable[[], None]]] = [
        ("archive", lambda: qtbot.keyClick(view.list, Qt.Key.Key_A)),
        ("delete", lambda: qtbot.keyClick(view.list, Qt.Key.Key_Delete)),
        ("flag", lambda: qtbot.keyClick(view.list, Qt.Key.Key_S)),
        ("move", lambda: view.actions_.act("move", projects)),
    ]
    for name, press in keys:
        select(qtbot, view, "Travel plans")
        before = server()
        do(name, press, before)
        notice.buttons[0].click()
        qtbot.waitUntil(lambda b=before: server() == b, timeout=20000)  # folder, Message-ID and flags as they were
        qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)  # back in the list
    select(qtbot, view, "Travel plans")  # read: marked unread, then read, then both undone in turn
    before = server()
    do("unread", lambda: qtbot.keyClick(view.list, Qt.Key.Key_U), before)
    unread = server()
    do("read", lambda: qtbot.keyClick(view.list, Qt.Key.Key_R), unread)
    notice.buttons[0].click()
    qtbot.waitUntil(lambda: server() == unread, timeout=20000)
    assert view.actions_.history.undo_action.text() == "Undo Mark as Unread"
    view.actions_.history.undo_action.trigger()  # Edit > Undo, after the notice moved on
    qtbot.waitUntil(lambda: server() == before, timeout=20000)
    # Redo from the Edit menu redoes the last one; Ctrl+Z undoes it again, long after the notice faded.
    select(qtbot, view, "Plain hello")  # opening it marks it read
    qtbot.waitUntil(lambda: seen(server(), "Plain hello"), timeout=20000)
    before = server()
    view.actions_.history.notice.hide()
    view.actions_.history.redo_action.trigger()
    qtbot.waitUntil(lambda: server() != before, timeout=20000)
    qtbot.keyClick(view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: server() == before, timeout=20000)


def test_one_key_commands_only_act_in_the_message_list(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    select(qtbot, view, "Travel plans")
    view.reading_pane.setFocus()
    for widget in (view.folders, view.reading_pane.body):
        widget.setFocus()
        for key in (Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_R, Qt.Key.Key_U, Qt.Key.Key_Delete):
            qtbot.keyClick(widget, key)
    assert view.actions_.history.done == []  # (letters in the folder list jump to folders, as they should)
    reader = view.controller.reader(view.accounts[0].email)
    inbox = reader.folder("INBOX")  # type: ignore[union-attr]
    travel = next(m for m in reader.messages(inbox.id) if m.subject == "Travel plans")  # type: ignore[union-attr]
    assert travel.seen and not travel.flagged and reader.pending_ops() == []  # type: ignore[union-attr]


def test_letters_typed_just_after_a_composer_closed_do_nothing(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    composer = view.actions_.compose()
    composer.dirty = False
    composer.close()
    select(qtbot, view, "Travel plans")
    qtbot.keyClick(view.list, Qt.Key.Key_A)  # still typing the message that just left
    assert view.actions_.history.done == [] and "Travel plans" in subjects(view)


def test_undo_while_offline_reaches_the_server_when_it_is_back(
    qtbot: QtBot, testbed: Any, dovecot_factory: Any, deskmail_home: Path
) -> None:
    email, password = "ute@example.test", "ute-secret-pw"
    server = dovecot_factory(users={email: password})
    server.put_message(email, message(("Alice", testbed.user), email, "Keep me", "Hello Ute"), flags="")
    win = open_window(qtbot, testbed, deskmail_home, email, password, server.host)
    state = reader_of(server.ip, testbed.ca_path, email, password)
    try:
        view = view_of(win)
        select(qtbot, view, "Keep me")  # opening it marks it read
        qtbot.waitUntil(lambda: seen(state(), "Keep me"), timeout=20000)
        before = state()
        qtbot.keyClick(view.list, Qt.Key.Key_A)
        notice = view.actions_.history.notice
        qtbot.waitUntil(lambda: notice.isVisible() and state() != before, timeout=20000)  # archived on the server
        server.stop()
        view.actions_.history.notice.buttons[0].click()  # Undo, offline
        qtbot.waitUntil(lambda: "Keep me" in subjects(view), timeout=20000)  # back in the Inbox at once
        view.controller.sync_all()
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        server.start()
        view.offline_bar.buttons[0].click()  # "Try again"
        qtbot.waitUntil(lambda: view.offline_bar.isHidden(), timeout=20000)
        qtbot.waitUntil(lambda: state() == before, timeout=20000)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_undo_send_sends_nothing_and_brings_the_message_back(
    qtbot: QtBot, testbed: Any, window: MainWindow, tmp_path: Path
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    assert view.actions_.undo_send_seconds == 5  # the default
    view.actions_.undo_send_seconds = 2  # (as `deskmail settings set undo_send_seconds 2` would)
    before = len(testbed.smtp.received)
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list")
    composer = view.actions_.compose()
    composer.to.setText(f"Alice <{testbed.user}>")
    composer.subject.setText("Things to buy")
    composer.add_path(notes)
    with qtbot.waitActive(composer):
        composer.activateWindow()
    composer.body.setFocus()
    qtbot.keyClicks(composer.body, "Things to buy:")
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Tab, Qt.Key.Key_Space, Qt.Key.Key_Return):  # the old slip: Tab, Space
        qtbot.keyClick(composer.body, key)
    qtbot.keyClicks(composer.body, "milk")
    notice = view.actions_.history.notice
    qtbot.wait(300)
    assert composer.isVisible() and not composer.sending and notice.isHidden()  # nothing was sent
    qtbot.keyClick(composer.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter sends
    qtbot.waitUntil(lambda: notice.isVisible() and notice.text.text() == "Sending…", timeout=10000)
    assert not composer.isVisible() and [b.text() for b in notice.buttons] == ["Undo"]
    assert view.outbox_button.isHidden()  # not "waiting in the Outbox · Send now": the notice speaks for it
    notice.buttons[0].click()
    qtbot.waitUntil(composer.isVisible, timeout=10000)  # back, exactly as it was
    assert testbed.user in composer.to.text() and composer.subject.text() == "Things to buy"
    assert composer.body.toPlainText() == "Things to buy:\n\t \nmilk"
    assert [a.filename for a in composer.attachments] == ["notes.txt"] and not composer.sending
    qtbot.wait(3000)  # well past the wait: nothing went out, nothing waits in the Outbox
    assert len(testbed.smtp.received) == before and view.outbox_button.isHidden()
    composer.request_send()  # the second time it is let go
    qtbot.waitUntil(lambda: len(testbed.smtp.received) == before + 1, timeout=20000)
    assert base64.b64encode(b"shopping list") in testbed.smtp.received[-1].content  # the attachment too
