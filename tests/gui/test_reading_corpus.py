"""Every corpus message is shown in the reading pane: no exception, no script, nothing remote requested."""

from __future__ import annotations

from typing import ClassVar

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from deskmail.engine.mime import render_message
from deskmail.engine.store.models import MessageSummary
from deskmail.ui.mail.reader import ReadingPane, SafeBrowser
from tests.integration.test_mime_corpus import _require_corpus, corpus_messages

pytestmark = [pytest.mark.gui, pytest.mark.corpus, pytest.mark.timeout(900)]


class RecordingBrowser(SafeBrowser):
    """Notes every resource the document asks for (the pane must never be asked for http(s) ones)."""

    asked: ClassVar[list[str]] = []

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        RecordingBrowser.asked.append(url.toString() if isinstance(url, QUrl) else str(url))
        return super().loadResource(kind, url)


def summary_for(rendered: object, index: int) -> MessageSummary:
    message = rendered.message  # type: ignore[attr-defined]
    sender = message.sender[0] if message.sender else None
    return MessageSummary(
        id=index, folder_id=1, uid=index, flags=(), subject=message.subject,
        from_name=sender.name if sender else "", from_addr=sender.email if sender else "",
        to_addrs=", ".join(a.email for a in message.to), cc_addrs=", ".join(a.email for a in message.cc),
        date=0, size=0, message_id="", in_reply_to="", refs="", has_attachments=bool(message.attachments),
        preview="",
    )  # fmt: skip


def test_every_corpus_message_shows_in_the_reading_pane(qtbot: QtBot) -> None:
    _require_corpus()
    pane = ReadingPane(browser=RecordingBrowser())
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    RecordingBrowser.asked.clear()
    failures: list[str] = []
    shown = 0
    for index, (name, raw) in enumerate(corpus_messages(), start=1):
        try:
            rendered = render_message(raw)
            pane.show_message(summary_for(rendered, index), rendered)
            qtbot.wait(0)
            shown += 1
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    assert failures == []
    assert shown > 300
    remote = [u for u in RecordingBrowser.asked if u.lower().startswith(("http:", "https:", "ftp:", "file:"))]
    assert remote == []
