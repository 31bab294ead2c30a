"""Forwarding a big message from the mail window (real Dovecot + SMTP): its file is streamed, the copy arrives."""

from __future__ import annotations

import email
import email.policy
import hashlib
import random
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from deskmail.engine.imap.bodies import INLINE_LIMIT
from deskmail.ui.main_window import MainWindow

from .test_mail_testbed import open_subject, open_window, short_undo_send, view_of

pytestmark = pytest.mark.gui
DATA = random.Random(7).randbytes(2 * INLINE_LIMIT)  # the body is kept as a file, not in the store


@pytest.fixture
def big_window(qtbot: QtBot, testbed: Any, deskmail_home: Path) -> Iterator[MainWindow]:
    address, password = f"fwd-gui-{random.randrange(10**9)}@example.test", "fwd-gui-pw"
    testbed.mail.add_user(address, password)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Alice <{testbed.user}>", address, "Holiday video"
    msg.set_content("Here it is.")
    msg.add_attachment(DATA, maintype="video", subtype="mp4", filename="holiday.mp4")
    testbed.mail.put_message(address, msg.as_bytes())
    short_undo_send(deskmail_home)
    win = open_window(qtbot, testbed, deskmail_home, address, password, testbed.mail.host)
    yield win
    win.close()
    win.runner.shutdown(wait=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "as-attachment"])
def test_forward_a_big_message_and_it_arrives_whole(
    qtbot: QtBot, testbed: Any, big_window: MainWindow, inline: bool
) -> None:
    view = view_of(big_window)
    open_subject(qtbot, view, "Holiday video")
    assert view.reading.body is not None and view.reading.body.path is not None  # big: kept as a file
    before = len(testbed.smtp.received)
    view.actions_.forward_message(inline=inline)
    composer = view.actions_.composers[-1]
    [pending] = composer.attachments
    assert pending.prepared is not None and pending.prepared.writer is not None  # not read into memory
    assert composer.attachment_list.item(0).text().startswith("holiday.mp4" if inline else "Holiday video.eml")
    composer.to.setText(f"Alice <{testbed.user}>")
    composer.request_send()
    qtbot.waitUntil(lambda: composer.sent, timeout=30000)
    arrived = email.message_from_bytes(testbed.smtp.received[before].content, policy=email.policy.default)
    assert isinstance(arrived, EmailMessage) and arrived["Subject"] == "Fwd: Holiday video"
    [part] = list(arrived.iter_attachments())
    if not inline:
        assert part.get_content_type() == "message/rfc822"
        [part] = list(part.get_content().iter_attachments())
    assert part.get_filename() == "holiday.mp4"
    assert hashlib.sha256(part.get_content()).digest() == hashlib.sha256(DATA).digest()
