"""The signature follows the From chosen in the composer, unless the person edited it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.ui.mail.composer import ComposerWindow
from deskmail.ui.settings.signature import sign

pytestmark = pytest.mark.gui


def account(email: str, signature: str) -> Account:
    server = ServerConfig(Protocol.IMAP, "imap.example.test", 993, Security.SSL, email)
    return Account(email, "Anna", server, replace(server, protocol=Protocol.SMTP, port=465), signature=signature)


def test_choosing_another_from_swaps_the_signature(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    home, work = account("anna@example.test", "Anna"), account("anna@work.example.test", "Anna Schmidt\nACME")
    composer = ComposerWindow([home, work], lambda _e, _p: [])
    qtbot.addWidget(composer)
    monkeypatch.setattr(composer, "has_content", lambda: False)  # closing at the end asks nothing
    sign(composer)
    assert composer.body.toPlainText() == "\n\n-- \nAnna\n"
    composer.body.insertPlainText("Hello Ben,")
    composer.from_box.setCurrentIndex(1)
    assert composer.body.toPlainText() == "Hello Ben,\n\n-- \nAnna Schmidt\nACME\n"
    composer.from_box.setCurrentIndex(0)
    assert composer.body.toPlainText() == "Hello Ben,\n\n-- \nAnna\n"
    # Edited by the person: theirs now, left alone.
    composer.body.setPlainText("Hello Ben,\n\n-- \nAnna (on holiday)\n")
    composer.from_box.setCurrentIndex(1)
    assert composer.body.toPlainText() == "Hello Ben,\n\n-- \nAnna (on holiday)\n"
