"""Offline, honestly (real Dovecot and submission server, stopped and started by the test).

Sending while the servers are down queues the message, closes the composer with a plain sentence
and later sends it exactly once, with no draft left; the window says within 5 s that the provider
cannot be reached (never "Up to date" after a failed check).
"""

from __future__ import annotations

import itertools
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imapclient
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from deskmail.ui.mail.view import MailView
from deskmail.ui.main_window import MainWindow

from .test_mail_testbed import message, open_subject, open_window, subjects, view_of

pytestmark = pytest.mark.gui
_numbers = itertools.count(1)


@dataclass
class Servers:
    testbed: Any
    imap: Any
    smtp: Any
    email: str
    password: str

    def stop(self) -> None:
        self.imap.stop()
        self.smtp.stop()

    def start(self) -> None:
        self.imap.start()
        self.smtp.start()

    def count(self, folder: str, *criteria: object) -> int:
        """Messages in the account's `folder` matching, seen by a separate IMAP connection."""
        context = ssl.create_default_context(cafile=str(self.testbed.ca_path))
        client = imapclient.IMAPClient(self.imap.ip, port=993, ssl=True, ssl_context=context)
        try:
            client.login(self.email, self.password)
            client.select_folder(folder, readonly=True)
            return len(client.search(list(criteria)))
        finally:
            client.logout()


@pytest.fixture
def servers(testbed: Any, dovecot_factory: Any, smtp_factory: Any) -> Servers:
    email, password = f"olga{next(_numbers)}@example.test", "olga-secret-pw"
    imap = dovecot_factory(users={email: password})
    testbed.mail.add_user(email, password)  # the submission server checks passwords on the bed's Dovecot
    alice = ("Alice", testbed.user)
    imap.put_message(email, message(alice, email, "Dinner on Friday", "Are you coming?"), flags="")
    imap.put_message(email, message(alice, email, "Answered elsewhere", "Thanks!"), flags="RS")  # R is \Answered
    return Servers(testbed, imap, smtp_factory(), email, password)


@pytest.fixture
def window(qtbot: QtBot, testbed: Any, deskmail_home: Path, servers: Servers) -> Iterator[MainWindow]:
    win = open_window(
        qtbot, testbed, deskmail_home, servers.email, servers.password, servers.imap.host, servers.smtp.host
    )
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def marks(view: MailView) -> dict[str, object]:
    """Each row's marks as the list tells them (tooltip of the marks column), by subject."""
    from deskmail.qtbridge.message_model import COL_MARKS

    rows = {}
    for row in range(view.model.rowCount()):
        summary = view.model.summary(row)
        if summary is not None:
            rows[summary.subject] = view.model.data(view.model.index(row, COL_MARKS), Qt.ItemDataRole.ToolTipRole)
    return rows


class StatusLog:
    """Every text the status label showed (sampled every 20 ms)."""

    def __init__(self, qtbot: QtBot, view: MailView) -> None:
        self.seen: list[str] = []
        self.view = view
        from PySide6.QtCore import QTimer

        self.timer = QTimer(view, interval=20)
        self.timer.timeout.connect(self._sample)
        self.timer.start()

    def _sample(self) -> None:
        text = self.view.status.text()
        if not self.seen or self.seen[-1] != text:
            self.seen.append(text)


def test_sent_while_the_servers_are_down_it_waits_then_leaves_once_with_no_draft(
    qtbot: QtBot, window: MainWindow, servers: Servers
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Dinner on Friday" in subjects(view), timeout=20000)
    assert marks(view) == {"Answered elsewhere": "Replied", "Dinner on Friday": None}  # another device's reply
    open_subject(qtbot, view, "Dinner on Friday")
    view.actions_.reply_to(False)
    composer = view.actions_.composers[-1]
    composer.body.setPlainText("Yes, I'll bring dessert.\n" + composer.body.toPlainText())
    composer._autosave_now()  # the draft goes to the server's Drafts (online)
    qtbot.waitUntil(lambda: bool(composer.message_id) and servers.count("Drafts", "ALL") == 1, timeout=20000)
    log = StatusLog(qtbot, view)

    servers.stop()
    stopped = time.monotonic()
    qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=5000)  # the Inbox watcher notices
    noticed = time.monotonic() - stopped
    assert noticed < 5.0
    assert view.status.text() == "example.test cannot be reached right now"
    assert "example.test cannot be reached right now" in view.offline_bar.text.text()
    view.actions_.get_mail.trigger()  # a check that fails
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=10000)
    assert view.status.text() == "example.test cannot be reached right now"

    composer.request_send()
    qtbot.waitUntil(lambda: composer.sent, timeout=10000)  # the composer closes: nothing to fix
    notice = window.statusBar().currentMessage()
    assert notice == "Your message is in the Outbox. It will be sent when example.test can be reached again."
    qtbot.waitUntil(lambda: len(view.waiting) == 1, timeout=5000)
    message_id = composer.message_id

    while_down = list(log.seen)
    servers.start()
    view.offline_bar.buttons[0].click()  # "Try again" (the watcher would find out within a minute too)
    qtbot.waitUntil(lambda: not view.waiting and view.offline_bar.isHidden(), timeout=20000)
    qtbot.waitUntil(lambda: servers.count("INBOX", "ANSWERED") == 2, timeout=10000)
    qtbot.waitUntil(lambda: marks(view)["Dinner on Friday"] == "Replied", timeout=5000)
    assert servers.count("Drafts", "ALL") == 0
    assert servers.count("Sent", "HEADER", "Message-ID", message_id) == 1
    assert sum(message_id.encode() in r.content for r in servers.smtp.received) == 1  # sent exactly once
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=10000)
    view.actions_.get_mail.trigger()
    qtbot.waitUntil(lambda: view.status.text().startswith("Up to date"), timeout=10000)
    after_failure = while_down[next(i for i, t in enumerate(while_down) if "cannot be reached" in t) :]
    assert [t for t in after_failure if t.startswith("Up to date")] == []  # never, while the check failed
    assert sum(message_id.encode() in r.content for r in servers.smtp.received) == 1


def test_offline_a_downloaded_message_opens_and_another_says_plainly_it_is_not_here_yet(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, servers: Servers
) -> None:
    from tests.integration.test_offline_bodies import _message

    servers.imap.put_message(servers.email, _message("Old newsletter", 90, "From the archive."), flags="")
    win = open_window(qtbot, testbed, deskmail_home, servers.email, servers.password, servers.imap.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: {"Dinner on Friday", "Old newsletter"} <= subjects(view), timeout=20000)
        reader = view.controller.reader(servers.email)
        assert reader is not None
        inbox = reader.folder("INBOX")
        assert inbox is not None

        def downloaded() -> set[str]:
            return {m.subject for m in reader.messages(inbox.id) if reader.body(m.id) is not None}

        qtbot.waitUntil(
            lambda: downloaded() == {"Dinner on Friday", "Answered elsewhere"}, timeout=20000
        )  # the background pass
        servers.stop()
        open_subject(qtbot, view, "Dinner on Friday")  # never opened before: downloaded in the background
        qtbot.waitUntil(lambda: "Are you coming?" in view.reading_pane.body.toPlainText(), timeout=5000)
        row = next(r for r in range(view.model.rowCount()) if view.model.summary(r).subject == "Old newsletter")
        view.list.select_row(row)
        sentence = "This message has not been downloaded yet. It will be when you are online again."
        qtbot.waitUntil(lambda: view.reading_pane.body.toPlainText() == sentence, timeout=5000)
        assert not view.offline_bar.isHidden()

        servers.start()
        view.offline_bar.buttons[0].click()  # back online: the reader shows the message, not the old sentence
        qtbot.waitUntil(lambda: "From the archive." in view.reading_pane.body.toPlainText(), timeout=20000)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]
