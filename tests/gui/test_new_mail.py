"""New-mail notifications: one per sync that brings unread Inbox mail, none for the first sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from deskmail.core.cancel import NEVER, CancelToken
from deskmail.engine.imap.sync import SyncReport
from deskmail.engine.store.models import MessageHeaders, MessageSummary, SpecialUse
from deskmail.ui.mail import gallery
from deskmail.ui.mail.notify import NewMailNotifier, describe
from deskmail.ui.mail.view import MailView

pytestmark = pytest.mark.gui
ARRIVALS: list[list[MessageHeaders]] = []  # what each sync finds on the "server", in order


class ArrivingRuntime(gallery.QuietRuntime):
    """A server where mail arrives between syncs: each sync stores the next batch like the real one."""

    def sync(
        self, folders: list[str] | None = None, cancel: CancelToken = NEVER, progress: object = None
    ) -> SyncReport:
        store = self.store()
        inbox = store.special_folder(SpecialUse.INBOX)
        assert inbox is not None
        store.add_messages(inbox.id, ARRIVALS.pop(0) if ARRIVALS else [])
        top = store.max_uid(inbox.id)
        store.set_sync_state(inbox.id, uidvalidity=7, uidnext=top + 1, highestmodseq=0, exists=top)
        return SyncReport()


def mail(uid: int, name: str, subject: str, seen: bool = False) -> MessageHeaders:
    return MessageHeaders(
        uid=uid, flags=("\\Seen",) if seen else (), subject=subject, from_name=name,
        from_addr=f"{name.split()[0].lower()}@example.test", date=1_700_000_000 + uid,
    )  # fmt: skip


class FakeTray:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def showMessage(self, title: str, text: str, *_rest: object) -> None:
        self.shown.append((title, text))

    def hide(self) -> None:
        pass


@pytest.fixture
def view(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailView]:
    announced: list[list[MessageSummary]] = []
    original = NewMailNotifier.announce

    def recording(self: NewMailNotifier, email: str, messages: list[MessageSummary]) -> None:
        announced.append(messages)
        original(self, email, messages)

    monkeypatch.setattr(NewMailNotifier, "announce", recording)
    ARRIVALS[:] = [[mail(100, "Old Friend", "From before Deskmail")]]  # the first sync: old mail, no notice
    window = gallery.sample_window(ArrivingRuntime)
    qtbot.addWidget(window)
    view = gallery.mail_view(window)
    reader = view.controller.reader("anna@example.test")
    assert reader is not None
    qtbot.waitUntil(lambda: not view.controller.syncing and reader.max_uid(1) == 100, timeout=10000)
    assert announced == []  # the first sync of an account brings old mail, not news
    yield view
    ARRIVALS.clear()


def sync_and_wait(qtbot: QtBot, view: MailView, batch: list[MessageHeaders]) -> None:
    ARRIVALS.append(batch)
    view.controller.sync("anna@example.test")
    qtbot.waitUntil(lambda: not view.controller.syncing, timeout=10000)


def test_status_bar_names_sender_and_subject_of_one_new_message(qtbot: QtBot, view: MailView) -> None:
    said: list[str] = []
    view.notifier.show_in_status_bar = said.append  # no tray under offscreen: the status bar it is
    view.notifier.tray = None
    view.notifier.notify_desktop = lambda _title, _text: False  # and no notification service either
    sync_and_wait(qtbot, view, [mail(101, "Ben Okafor", "Lunch tomorrow?")])
    assert said == ["New message from Ben Okafor: Lunch tomorrow?"]
    sync_and_wait(qtbot, view, [mail(102, "Clara Jensen", "Read elsewhere", seen=True)])
    sync_and_wait(qtbot, view, [])
    assert len(said) == 1  # read on another device, or nothing new: quiet


def test_one_tray_notification_for_several_new_messages(qtbot: QtBot, view: MailView) -> None:
    tray = FakeTray()
    view.notifier.tray = tray  # type: ignore[assignment]
    sync_and_wait(
        qtbot,
        view,
        [mail(110, "Ben Okafor", "One"), mail(111, "Clara Jensen", "Two"), mail(112, "Ben Okafor", "Three"),
         mail(113, "Dana Król", "Four"), mail(114, "Eli Stone", "Five", seen=True)],
    )  # fmt: skip
    assert tray.shown == [("4 new messages", "From Dana Król, Ben Okafor and 1 more")]


def test_marking_a_message_unread_is_not_new_mail(qtbot: QtBot, view: MailView) -> None:
    tray = FakeTray()
    view.notifier.tray = tray  # type: ignore[assignment]
    view.list.select_row(0)
    qtbot.waitUntil(lambda: view.reading_pane.rendered is not None, timeout=10000)
    view.actions_.mark_unread.trigger()
    sync_and_wait(qtbot, view, [])
    assert tray.shown == []


def summary(name: str, subject: str) -> MessageSummary:
    return MessageSummary(1, 1, 1, (), subject, name, "x@example.test", "", "", 0, 0, "", "", "", False, "")


def test_describe_in_plain_words() -> None:
    assert describe([summary("", "")]) == ("New message from x@example.test", "(no subject)")
    two = describe([summary("Ann", "a"), summary("Bo", "b")])
    assert two == ("2 new messages", "From Ann and Bo")


def unnamed(subject: str) -> MessageSummary:
    return MessageSummary(1, 1, 1, (), subject, "", "", "", "", 0, 0, "", "", "", False, "")


def test_a_sender_the_message_does_not_name_gets_whole_sentences() -> None:
    assert describe([unnamed("Hi")]) == ("New message from an unknown sender", "Hi")
    assert describe([unnamed("a"), unnamed("b")]) == ("2 new messages", "From an unknown sender")
    assert describe([unnamed("a"), summary("Ann", "b")])[1] == "From Ann and an unknown sender"
    # With two names shown, the unnamed one is among "more".
    assert describe([unnamed("a"), summary("Ann", "b"), summary("Bo", "c")])[1] == "From Ann, Bo and 1 more"


def test_without_a_tray_the_desktop_notification_service_is_used(qtbot: QtBot, view: MailView) -> None:
    sent: list[tuple[str, str]] = []
    said: list[str] = []
    view.notifier.tray = None
    view.notifier.notify_desktop = lambda title, text: sent.append((title, text)) is None
    view.notifier.show_in_status_bar = said.append
    sync_and_wait(qtbot, view, [mail(120, "Ben Okafor", "Tickets")])
    assert sent == [("New message from Ben Okafor", "Tickets")]
    assert said == ["New message from Ben Okafor: Tickets"]  # the window says so too
