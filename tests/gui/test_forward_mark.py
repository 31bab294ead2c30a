"""A forward carries which message it forwards (X-Forwarded-Message-Id) through the composer and its drafts,
so that message gets $Forwarded once the forward has left (tests/integration/test_send_offline.py)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from deskmail.engine.mime.compose import build_message
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.parse import parse_message
from deskmail.engine.mime.reply import edit_draft, forward
from deskmail.ui.mail import samples
from deskmail.ui.mail.composer import ComposerWindow

pytestmark = pytest.mark.gui
ME = Address("Anna Schmidt", "anna@example.test")
ORIGINAL = (
    b"From: Ben <ben@example.test>\r\nTo: anna@example.test\r\nSubject: Photos\r\n"
    b"Message-ID: <photos-1@example.test>\r\nContent-Type: text/plain\r\n\r\nSee the photos.\r\n"
)


def test_the_forwarded_message_id_survives_the_composer_and_a_saved_draft(qtbot: QtBot) -> None:
    window = ComposerWindow([samples.sample_account()], lambda email, prefix: [])
    qtbot.addWidget(window)
    window.fill(forward(parse_message(ORIGINAL), ORIGINAL, me=ME))
    window.to.setText("clara@example.test")
    built = window.outgoing(*(window.recipients() or ([], [], [])))()
    assert built.forwarded == "<photos-1@example.test>"
    raw = build_message(built).as_bytes()
    assert b"X-Forwarded-Message-Id: <photos-1@example.test>" in raw
    assert edit_draft(parse_message(raw), me=ME).forwarded == "<photos-1@example.test>"  # reopened from Drafts
    window.dirty = False
