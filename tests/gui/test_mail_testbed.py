"""The mail window against the real test bed: sync, read, remote content blocked, save, reply, deletions."""

from __future__ import annotations

import dataclasses
import itertools
import json
import ssl
import struct
import zlib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

import imapclient
import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.paths import Paths
from deskmail.engine.store.models import SpecialUse
from deskmail.qtbridge.tasks import TaskRunner
from deskmail.ui.mail.folders import OUTBOX
from deskmail.ui.mail.view import MailView, make_mail_view
from deskmail.ui.main_window import MainWindow
from tests.gui.searching import search_for

pytestmark = pytest.mark.gui
_numbers = itertools.count(1)
PIXEL_HOST = "web0.example.test"


def tiny_png() -> bytes:
    """A valid 1x1 PNG (what a tracking pixel looks like)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def message(sender: tuple[str, str], to: str, subject: str, text: str, html: str = "", attach: bytes = b"") -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if attach:
        msg.add_attachment(attach, maintype="application", subtype="pdf", filename="../../etc/report.pdf")
    return msg.as_bytes()


@pytest.fixture
def mailbox(testbed: Any) -> tuple[str, str]:
    """A fresh account on the bed with a plain message (from alice), an HTML one and one with a PDF."""
    email, password = f"anna{next(_numbers)}@example.test", "anna-secret-pw"
    testbed.mail.add_user(email, password)
    alice = ("Alice", testbed.user)
    pixel = f"https://{PIXEL_HOST}/pixel.png"
    testbed.web.add(PIXEL_HOST, "/pixel.png", PNG, headers={"Content-Type": "image/png"})
    html = f'<p>Big <b>news</b></p><img src="{pixel}"><script>document.title="x"</script>'
    testbed.mail.put_message(email, message(alice, email, "Plain hello", "Hello Anna,\nsee you soon."), flags="")
    testbed.mail.put_message(email, message(alice, email, "HTML news", "Big news", html), flags="")
    testbed.mail.put_message(email, message(alice, email, "The report", "Attached.", attach=b"%PDF-1.4 x"))
    testbed.mail.put_message(email, message(alice, email, "Travel plans", "We land in Zanzibar on Monday."))
    return email, password


def open_window(
    qtbot: QtBot,
    testbed: Any,
    home: Path,
    email: str,
    password: str,
    imap_host: str,
    smtp_host: str = "",
    *,
    closed_by_qtbot: bool = True,
) -> MainWindow:
    """The app's window on this account (`closed_by_qtbot=False`: the test closes and deletes it itself)."""
    from deskmail.app import build_context

    settings = dataclasses.replace(testbed.settings, home=home)
    runner = TaskRunner()
    context = build_context(settings, Paths.from_settings(settings).ensure(), runner)
    context.credentials.set_for_session(email, password)
    context.accounts.save(
        Account(
            email=email,
            display_name="Anna",
            incoming=ServerConfig(Protocol.IMAP, imap_host, 993, Security.SSL, email),
            outgoing=ServerConfig(Protocol.SMTP, smtp_host or testbed.smtp.host, 465, Security.SSL, email),
        )
    )
    win = MainWindow(context, make_mail_view)
    if closed_by_qtbot:
        qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: isinstance(win.mail_view, MailView), timeout=20000)
    win.runner = runner  # type: ignore[attr-defined]
    return win


def short_undo_send(home: Path) -> None:
    """Undo Send waits 1 s instead of the default 5: the same way out (queued, waiting, then sent), 4 s
    less per message sent; the default itself and the wait are test_undo_testbed's."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text(json.dumps({"undo_send_seconds": 1}))


@pytest.fixture
def window(qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]) -> Iterator[MainWindow]:
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


@pytest.fixture
def sending_window(qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]) -> Iterator[MainWindow]:
    """The window, its Undo Send wait 1 s (see short_undo_send), for tests that send."""
    short_undo_send(deskmail_home)
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def view_of(window: MainWindow) -> MailView:
    assert isinstance(window.mail_view, MailView)
    return window.mail_view


def open_subject(qtbot: QtBot, view: MailView, subject: str) -> None:
    def find() -> bool:
        for row in range(view.model.rowCount()):
            summary = view.model.summary(row)
            if summary is not None and summary.subject == subject:
                view.list.select_row(row)
                return True
        return False

    qtbot.waitUntil(find, timeout=15000)
    qtbot.waitUntil(
        lambda: view.reading_pane.rendered is not None and view.reading_pane.summary.subject == subject,
        timeout=15000,
    )


def subjects(view: MailView) -> set[str]:
    return {s.subject for r in range(view.model.rowCount()) if (s := view.model.summary(r)) is not None}


def imap_as(testbed: Any, email: str, password: str) -> imapclient.IMAPClient:
    context = ssl.create_default_context(cafile=str(testbed.ca_path))
    client = imapclient.IMAPClient(testbed.mail.ip, port=993, ssl=True, ssl_context=context)
    client.login(email, password)
    return client


def test_sync_read_save_and_reply(
    qtbot: QtBot, testbed: Any, sending_window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    view = view_of(sending_window)
    qtbot.waitUntil(lambda: {"Plain hello", "HTML news", "The report"} <= subjects(view), timeout=20000)
    names = [f.name for f in view.folders.folders_of(view.accounts[0].email)]
    assert names[0] == "INBOX" and "Sent" in names

    open_subject(qtbot, view, "Plain hello")
    assert "see you soon" in view.reading_pane.body.toPlainText()

    open_subject(qtbot, view, "HTML news")
    assert view.reading_pane.rendered is not None and view.reading_pane.rendered.remote_blocked
    assert "news" in view.reading_pane.body.toPlainText()
    assert testbed.web.count(host=PIXEL_HOST) == 0  # the remote image was never requested
    view.reading_pane.show_remote.emit(True)  # "Always show for this sender"
    qtbot.waitUntil(lambda: testbed.web.count(host=PIXEL_HOST, path="/pixel.png") >= 1, timeout=10000)
    qtbot.waitUntil(lambda: bool(view.reading_pane.body.fetched), timeout=10000)
    assert testbed.user in view.reading.prefs.load()

    open_subject(qtbot, view, "The report")
    attachment = view.reading_pane.rendered.attachments[0]
    assert attachment.filename == "report.pdf"  # the path in the name is gone
    target = tmp_path / "saved.pdf"
    monkeypatch.setattr("deskmail.ui.mail.reading.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    view.reading.save_attachment(attachment)
    qtbot.waitUntil(lambda: target.exists() and target.read_bytes() == b"%PDF-1.4 x", timeout=20000)

    open_subject(qtbot, view, "Plain hello")
    view.actions_.reply_to(False)
    composer = view.actions_.composers[-1]
    assert composer.to.text().endswith(f"<{testbed.user}>")
    composer.body.setPlainText("Thanks Alice!\n\n" + composer.body.toPlainText())
    composer.request_send()
    qtbot.waitUntil(lambda: composer.sent, timeout=20000)
    assert len(testbed.smtp.received) == 1
    qtbot.waitUntil(view.outbox_button.isHidden, timeout=20000)
    assert testbed.user in testbed.smtp.received[0].rcpt_tos

    view.actions_.get_mail.trigger()
    sent_folder = next(f for f in view.folders.folders_of(view.accounts[0].email) if f.name == "Sent")

    def reply_in_sent() -> bool:
        view.controller.sync(view.accounts[0].email)
        reader = view.controller.reader(view.accounts[0].email)
        return any(m.subject == "Re: Plain hello" for m in reader.messages(sent_folder.id))

    qtbot.waitUntil(reply_in_sent, timeout=20000)


def test_a_message_deleted_elsewhere_disappears(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    client = imap_as(testbed, *mailbox)
    client.select_folder("INBOX")
    uids = client.search(["SUBJECT", "Plain hello"])
    client.delete_messages(uids)
    client.expunge()
    client.logout()
    view.actions_.get_mail.trigger()
    qtbot.waitUntil(lambda: "Plain hello" not in subjects(view), timeout=20000)
    assert "HTML news" in subjects(view)


def test_marking_read_reaches_the_server(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    open_subject(qtbot, view, "HTML news")  # opening marks it read

    def seen_on_server() -> bool:
        client = imap_as(testbed, *mailbox)
        try:
            client.select_folder("INBOX", readonly=True)
            return bool(client.search(["SEEN", "SUBJECT", "HTML news"]))
        finally:
            client.logout()

    qtbot.waitUntil(seen_on_server, timeout=20000)


def test_a_change_made_offline_reaches_the_server_when_it_is_back(
    qtbot: QtBot, testbed: Any, dovecot_factory: Any, deskmail_home: Path
) -> None:
    email, password = "otto@example.test", "otto-secret-pw"
    server = dovecot_factory(users={email: password})
    alice = ("Alice", testbed.user)
    server.put_message(email, message(alice, email, "While you were away", "Hello Otto"), flags="")
    win = open_window(qtbot, testbed, deskmail_home, email, password, server.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: "While you were away" in subjects(view), timeout=20000)
        # The first sync goes on after the first rows. A server killed (SIGKILL) in the middle of it
        # sometimes left the restarted one silent on the next STATUS/LIST past this test's patience
        # (about 1 run in 10, also at older commits; a lock of the killed process is the likely cause,
        # not proven). Going offline with mail already synced is what this test is about.
        qtbot.waitUntil(lambda: not view.controller.syncing, timeout=20000)
        server.stop()
        view.list.select_row(0)
        view.actions_.mark_read.trigger()
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        qtbot.waitUntil(lambda: view.model.summary(0).seen, timeout=20000)  # shown as read, offline
        server.start()
        view.offline_bar.buttons[0].click()  # "Try again"
        qtbot.waitUntil(lambda: view.offline_bar.isHidden(), timeout=20000)

        def seen_on_server() -> bool:
            context = ssl.create_default_context(cafile=str(testbed.ca_path))
            client = imapclient.IMAPClient(server.ip, port=993, ssl=True, ssl_context=context)
            try:
                client.login(email, password)
                client.select_folder("INBOX", readonly=True)
                return bool(client.search(["SEEN"]))
            finally:
                client.logout()

        qtbot.waitUntil(seen_on_server, timeout=20000)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_search_finds_local_mail_at_once_and_unread_bodies_on_the_server(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    search_for(qtbot, view, "zanzibar")
    assert not view._search_timer.isActive()  # a typing-delay run left pending would wipe the server's answer
    assert subjects(view) == set()  # the body was never downloaded: the local index cannot know
    assert not view.server_bar.isHidden()
    view.server_bar.buttons[0].click()  # "Search your provider too"
    qtbot.waitUntil(lambda: subjects(view) == {"Travel plans"}, timeout=20000)


def test_a_refused_message_waits_and_try_again_sends_it_once(
    qtbot: QtBot, testbed: Any, sending_window: MainWindow
) -> None:
    from tests.servers.smtp import Behaviour

    view = view_of(sending_window)
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    composer = view.actions_.compose()
    composer.to.setText("not an address")
    composer.subject.setText("Hello")
    composer.request_send()
    assert not composer.field_error.isHidden() and not composer.sending  # checked before anything is sent
    composer.to.setText(f"Alice <{testbed.user}>")
    testbed.smtp.behaviour = Behaviour(refuse_rcpt={testbed.user: "550 5.1.1 Mailbox unavailable"})
    composer.request_send()
    qtbot.waitUntil(lambda: not composer.sending, timeout=20000)
    assert not composer.bar.isHidden() and "Outbox" in composer.bar.text.text()
    assert testbed.smtp.received == []
    qtbot.waitUntil(lambda: "1 message waiting in the Outbox" in view.outbox_button.text(), timeout=20000)
    testbed.smtp.behaviour = Behaviour()
    composer.bar.buttons[0].click()  # "Try again"
    qtbot.waitUntil(lambda: composer.sent, timeout=20000)
    assert len(testbed.smtp.received) == 1
    qtbot.waitUntil(view.outbox_button.isHidden, timeout=20000)


def send_to_alice(qtbot: QtBot, testbed: Any, view: MailView, subject: str, body: str) -> Any:
    """Write a message to the bed's user in a new composer and send it; returns once sending ended."""
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    composer = view.actions_.compose()
    composer.to.setText(f"Alice <{testbed.user}>")
    composer.subject.setText(subject)
    composer.body.setPlainText(body)
    composer.request_send()
    qtbot.waitUntil(lambda: composer.sent or not composer.sending, timeout=20000)
    return composer


def test_a_message_whose_reply_was_lost_is_sent_again_only_when_the_person_says_so(
    qtbot: QtBot, testbed: Any, sending_window: MainWindow
) -> None:
    from deskmail.engine.smtp.outbox import outbox_items
    from tests.servers.smtp import Behaviour

    view = view_of(sending_window)
    testbed.smtp.behaviour = Behaviour(drop_after_data=True)  # taken, then the connection breaks
    composer = send_to_alice(qtbot, testbed, view, "Lost reply", "Did it arrive?")
    assert "may already have been sent" in composer.bar.text.text()
    assert [b.text() for b in composer.bar.buttons] == ["Send again"]
    composer.dirty = False
    composer.close()
    testbed.smtp.behaviour = Behaviour()
    qtbot.waitUntil(lambda: view.outbox_button.menu() is not None, timeout=20000)
    assert "may already have been sent" in view.outbox_button.text()
    view.controller.sync_all()  # the next check looks in Sent but sends nothing by itself
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=20000)
    assert len(testbed.smtp.received) == 1
    ask = view.outbox_button.menu().actions()[0]
    assert ask.text() == "May already have been sent: Lost reply"
    ask.trigger()
    box = view.actions_.settle_box
    assert box is not None and box.isVisible() and "Lost reply" in box.text()
    keep = box.defaultButton()
    assert keep is not None and keep.text() == "Keep in Outbox"  # Enter sends nothing twice
    send_again = next(b for b in box.buttons() if b.text() == "Send Again")
    send_again.click()
    qtbot.waitUntil(lambda: len(testbed.smtp.received) == 2, timeout=20000)
    qtbot.waitUntil(view.outbox_button.isHidden, timeout=20000)
    reader = view.controller.reader(view.accounts[0].email)
    assert reader is not None and outbox_items(reader) == []


def test_a_refused_message_is_opened_from_the_outbox_fixed_and_sent(
    qtbot: QtBot, testbed: Any, sending_window: MainWindow
) -> None:
    from tests.servers.smtp import Behaviour

    view = view_of(sending_window)
    testbed.smtp.behaviour = Behaviour(refuse_rcpt={testbed.user: "550 5.1.1 Mailbox unavailable"})
    composer = send_to_alice(qtbot, testbed, view, "Refused at first", "Hello Alice")
    message_id = composer.message_id
    composer.dirty = False
    composer.close()  # the person gives up for now: the message waits in the Outbox
    qtbot.waitUntil(lambda: view.outbox_button.menu() is not None, timeout=20000)
    assert "not sent" in view.outbox_button.text()
    assert view.outbox_button.menu().actions()[0].text() == "Fix and send again: Refused at first"
    row = view.folders._items[(view.accounts[0].email, OUTBOX)]  # the folder list shows the Outbox too
    assert row.text() == "Outbox" and row.font().bold()
    view.folders.clicked.emit(row.index())
    assert view.outbox_menu is not None
    fix = view.outbox_menu.actions()[0]
    assert fix.text() == "Fix and send again: Refused at first"
    testbed.smtp.behaviour = Behaviour()
    fix.trigger()
    again = view.actions_.composers[-1]
    assert again.message_id == message_id and again.subject.text() == "Refused at first"
    assert testbed.user in again.to.text() and again.body.toPlainText().startswith("Hello Alice")
    assert "Not sent" in again.bar.text.text()
    again.request_send()
    qtbot.waitUntil(lambda: again.sent, timeout=20000)
    assert len(testbed.smtp.received) == 1  # the corrected copy replaced the refused one
    qtbot.waitUntil(view.outbox_button.isHidden, timeout=20000)
    assert (view.accounts[0].email, OUTBOX) not in view.folders._items


def test_new_mail_appears_by_itself(qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: "Plain hello" in subjects(view), timeout=20000)
    # No waiting for the watcher: mail that comes before its IDLE runs is fetched by the catch-up it asks
    # for then, later mail is pushed (tests/integration/test_push.py proves that part without a window).
    email = mailbox[0]
    testbed.mail.deliver(email, message(("Alice", testbed.user), email, "Just arrived", "Hi!"))
    qtbot.waitUntil(lambda: "Just arrived" in subjects(view), timeout=20000)  # no Get Mail pressed


@pytest.fixture
def window_without_offline_bodies(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, mailbox: tuple[str, str]
) -> Iterator[MainWindow]:
    """The window with the offline body download switched off: it follows the preview pass and would
    store the bodies these tests prove the preview pass leaves alone."""
    (deskmail_home / "config").mkdir(parents=True, exist_ok=True)
    (deskmail_home / "config" / "offline.json").write_text(json.dumps({"download": False}))
    win = open_window(qtbot, testbed, deskmail_home, *mailbox, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def test_previews_arrive_after_the_sync_without_opening_anything(
    qtbot: QtBot, window_without_offline_bodies: MainWindow
) -> None:
    view = view_of(window_without_offline_bodies)

    def previews() -> dict[str, str]:
        view.controller.poll()
        rows = (view.model.summary(r) for r in range(view.model.rowCount()))
        return {s.subject: s.preview for s in rows if s is not None}

    qtbot.waitUntil(lambda: previews().get("Travel plans") == "We land in Zanzibar on Monday.", timeout=20000)
    shown = previews()
    assert shown["The report"] == "Attached." and shown["HTML news"] == "Big news"
    reader = view.controller.reader(view.accounts[0].email)
    assert reader is not None
    travel = next(m for m in reader.messages(reader.folder("INBOX").id) if m.subject == "Travel plans")  # type: ignore[union-attr]
    assert reader.body(travel.id) is None  # filled by the preview pass, not by opening it
    qtbot.waitUntil(lambda: view.controller.previews.pending(view.accounts[0].email) == [], timeout=10000)


def test_read_only_after_a_moment_on_screen_on_the_server(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    qtbot.waitUntil(lambda: {"Plain hello", "HTML news"} <= subjects(view), timeout=20000)
    open_subject(qtbot, view, "Plain hello")
    open_subject(qtbot, view, "HTML news")  # passed over Plain hello at once
    qtbot.wait(2500)  # HTML news stays on screen
    client = imap_as(testbed, *mailbox)
    client.select_folder("INBOX", readonly=True)

    def seen(subject: str) -> bool:
        uids = client.search(["SUBJECT", subject])
        return b"\\Seen" in client.get_flags(uids)[uids[0]]

    qtbot.waitUntil(lambda: seen("HTML news"), timeout=20000)
    assert not seen("Plain hello")
    client.logout()


def test_junk_and_not_junk_move_and_tag_on_the_server(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str]
) -> None:
    view = view_of(window)
    email = view.accounts[0].email
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    open_subject(qtbot, view, "Travel plans")
    assert view.actions_.junk.isVisible() and not view.actions_.not_junk.isVisible()
    view.actions_.junk.trigger()
    qtbot.waitUntil(lambda: "Travel plans" not in subjects(view), timeout=10000)
    client = imap_as(testbed, *mailbox)

    def flags_in(folder: str) -> set[bytes]:
        client.select_folder(folder, readonly=True)
        uids = client.search(["SUBJECT", "Travel plans"])
        return set(client.get_flags(uids)[uids[0]]) if uids else set()

    qtbot.waitUntil(lambda: b"$Junk" in flags_in("Junk"), timeout=20000)
    assert flags_in("INBOX") == set()  # moved, not copied
    view.controller.sync(email)
    assert view.folders.select(email, "Junk")
    qtbot.waitUntil(lambda: "Travel plans" in subjects(view), timeout=20000)
    open_subject(qtbot, view, "Travel plans")
    assert view.actions_.not_junk.isVisible() and not view.actions_.junk.isVisible()
    view.actions_.not_junk.trigger()
    qtbot.waitUntil(lambda: {b"$NotJunk"} <= flags_in("INBOX") and b"$Junk" not in flags_in("INBOX"), timeout=20000)
    client.logout()


def test_empty_trash_asks_first_then_empties_it_on_the_server(
    qtbot: QtBot, testbed: Any, window: MainWindow, mailbox: tuple[str, str], monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    view = view_of(window)
    email = view.accounts[0].email
    qtbot.waitUntil(lambda: {"Plain hello", "Travel plans"} <= subjects(view), timeout=20000)
    for subject in ("Plain hello", "Travel plans"):
        open_subject(qtbot, view, subject)
        view.actions_.delete.trigger()
        qtbot.waitUntil(lambda s=subject: s not in subjects(view), timeout=10000)
    client = imap_as(testbed, *mailbox)

    def in_trash() -> int:
        client.select_folder("Trash", readonly=True)
        return len(client.search(["ALL"]))

    qtbot.waitUntil(lambda: in_trash() == 2, timeout=20000)
    view.controller.sync(email)
    qtbot.waitUntil(lambda: len(view.controller.reader(email).messages(view.folder(email, SpecialUse.TRASH).id)) == 2)  # type: ignore[union-attr]
    asked: list[str] = []

    def answer(cancel: bool) -> Any:
        def exec_(box: QMessageBox) -> int:
            asked.append(box.text())
            choice = next(b for b in box.buttons() if (b.text() == "Cancel") == cancel)
            monkeypatch.setattr(box, "clickedButton", lambda: choice)
            return 0

        return exec_

    monkeypatch.setattr(QMessageBox, "exec", answer(cancel=True))
    view.actions_.empty_trash.trigger()
    assert asked == ["Delete all 2 messages in the Trash for good?"]
    qtbot.wait(500)
    assert in_trash() == 2  # Cancel keeps them
    monkeypatch.setattr(QMessageBox, "exec", answer(cancel=False))
    view.actions_.empty_trash.trigger()
    qtbot.waitUntil(lambda: in_trash() == 0, timeout=20000)
    client.logout()


def test_the_window_on_courier_syncs_and_sends_with_one_sent_copy(
    qtbot: QtBot, testbed: Any, courier: Any, deskmail_home: Path
) -> None:
    email, password = f"cora{next(_numbers)}@example.test", "cora-secret-pw"
    courier.add_user(email, password)
    testbed.mail.add_user(email, password)  # the bed's SMTP server checks passwords against Dovecot
    alice = ("Alice", testbed.user)
    courier.put_message(email, message(alice, email, "Plain hello", "Hello Cora."), flags="")
    short_undo_send(deskmail_home)
    win = open_window(qtbot, testbed, deskmail_home, email, password, courier.host)
    try:
        view = view_of(win)
        composer = send_to_alice(qtbot, testbed, view, "From Courier", "Sent through the window")
        assert composer.sent
        names = [f.name for f in view.folders.folders_of(email)]
        assert names[0] == "INBOX" and "INBOX.Sent" in names and "INBOX.Trash" in names
        with imapclient.IMAPClient(courier.ip, port=993, ssl=True, ssl_context=ssl_for(testbed)) as other:
            other.login(email, password)
            other.select_folder("INBOX.Sent", readonly=True)
            assert len(other.search(["SUBJECT", "From Courier"])) == 1
            assert not any(b"Drafts" in str(name).encode() for _f, _d, name in other.list_folders())
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


def ssl_for(testbed: Any) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(testbed.ca_path))


def test_a_connection_that_breaks_while_connecting_shows_offline_not_an_error(
    qtbot: QtBot, testbed: Any, deskmail_home: Path, fault_proxy: Any
) -> None:
    """The network breaks in the TLS handshake of every new connection: "offline, trying again", no settings error."""
    from tests.servers.faultproxy import Fault

    email, password = f"broke{next(_numbers)}@example.test", "broke-secret-pw"
    testbed.mail.add_user(email, password)
    testbed.mail.put_message(email, message(("Alice", testbed.user), email, "Before the break", "Hi"))
    proxy = fault_proxy(testbed.mail.ip, 993)
    win = open_window(qtbot, testbed, deskmail_home, email, password, proxy.host)
    try:
        view = view_of(win)
        qtbot.waitUntil(lambda: "Before the break" in subjects(view), timeout=20000)
        proxy.fault = Fault("down", 60, "cut")  # every new connection breaks inside the TLS handshake
        proxy.break_open()
        view.actions_.get_mail.trigger()
        qtbot.waitUntil(lambda: not view.offline_bar.isHidden(), timeout=20000)
        view.offline_bar.buttons[0].click()  # "Try again": a new connection, broken in its handshake
        qtbot.wait(1500)
        qtbot.waitUntil(lambda: view.controller.syncing == {}, timeout=20000)
        assert not view.offline_bar.isHidden()
        assert view.error_bar.isHidden()  # no "check the security setting and the port"
        proxy.fault = None
        view.offline_bar.buttons[0].click()
        qtbot.waitUntil(lambda: view.offline_bar.isHidden(), timeout=20000)
    finally:
        win.close()
        win.runner.shutdown(wait=True)  # type: ignore[attr-defined]
