"""The preview pass against Dovecot: the right part, decoded, newest first, capped, and nothing marked read."""

from __future__ import annotations

import base64
import quopri
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.previews import fill_previews, preview_batch
from deskmail.engine.store import Store
from tests.integration.imaptools import Mailbox, message, new_mailbox
from tests.servers.bed import Testbed

HEAD = (
    "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: {subject}\r\nDate: {date}\r\n"
    "MIME-Version: 1.0\r\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "acct" / "store.sqlite3")
    yield s
    s.close()


def mail(subject: str, minute: int, body: str) -> bytes:
    date = f"Tue, 14 Nov 2023 10:{minute:02d}:00 +0000"
    return (HEAD.format(subject=subject, date=date) + body).encode("utf-8")


def _alternative() -> str:
    return (
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nThe plain version wins.\r\n--alt\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n<p>The HTML version.</p>\r\n--alt--\r\n"
    )


def _attachment_only() -> str:
    pdf = base64.encodebytes(b"%PDF-1.4 not really" * 20).decode()
    return (
        'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
        'Content-Type: application/pdf; name="scan.pdf"\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--mix--\r\n"
    )


def _html_base64_in_mixed() -> str:
    html = "<html><head><style>p { color: red }</style></head><body><p>Grüße aus <b>Köln</b></p>" + (
        "<p>" + "lorem ipsum " * 400 + "</p></body></html>"
    )
    encoded = base64.encodebytes(html.encode("utf-8")).decode()
    return (
        'Content-Type: multipart/mixed; boundary="m2"\r\n\r\n--m2\r\n'
        'Content-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\n'
        f"Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--rel--\r\n"
        '--m2\r\nContent-Type: text/plain; name="notes.txt"\r\nContent-Disposition: attachment\r\n\r\nnot this\r\n'
        "--m2--\r\n"
    )


def _newsletter() -> str:
    styles = "".join(f".c{n} {{ color: #{n:06x}; margin: 0 }}\n" for n in range(600))  # 17 KB before any text
    html = f"<html><head><style>{styles}</style></head><body><p>Winter sale: 20% off boots</p></body></html>"
    encoded = base64.encodebytes(html.encode()).decode()
    return f"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}"


KINDS: dict[str, tuple[bytes, str]] = {
    "plain": (mail("plain", 1, "Content-Type: text/plain\r\n\r\nJust a few words.\r\n"), "Just a few words."),
    "html only": (
        mail("html only", 2, "Content-Type: text/html\r\n\r\n<html><body><h1>Hello</h1><p>there &amp; you</p>"),
        "Hello there & you",
    ),
    "alternative": (mail("alternative", 3, _alternative()), "The plain version wins."),
    "base64 html": (mail("base64 html", 4, _html_base64_in_mixed()), "Grüße aus Köln lorem ipsum"),
    "quoted-printable": (
        mail(
            "quoted-printable",
            5,
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + quopri.encodestring("Schöne Grüße, bis morgen!\r\n".encode()).decode(),
        ),
        "Schöne Grüße, bis morgen!",
    ),
    "koi8-r": (
        HEAD.format(subject="koi8-r", date="Tue, 14 Nov 2023 10:06:00 +0000").encode()
        + b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Привет, как дела?\r\n".encode("koi8-r"),
        "Привет, как дела?",
    ),
    "attachment only": (mail("attachment only", 7, _attachment_only()), ""),
    "newsletter": (mail("newsletter", 9, _newsletter()), "Winter sale: 20% off boots"),
    "reply": (
        mail(
            "reply",
            8,
            "Content-Type: text/plain\r\n\r\nSounds good.\r\n\r\nOn Monday Ann wrote:\r\n> old\r\n-- \r\nBob\r\n",
        ),
        "Sounds good.",
    ),
}


def _server_seen(mailbox: Mailbox) -> list[int]:
    client = mailbox.connect()
    client.select_folder("INBOX", readonly=True)
    seen: list[int] = client.search(["SEEN"])
    client.logout()
    return sorted(seen)


def test_each_kind_of_message_gets_its_preview_and_nothing_is_marked_read(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    for index, (raw, _expected) in enumerate(KINDS.values()):
        testbed.mail.put_message(mailbox.email, raw, flags="S" if index == 0 else "")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    seen_before = _server_seen(mailbox)
    unread_before = store.message_count(inbox.id, unread_only=True)

    report = fill_previews(session, store, inbox)

    assert report.looked == len(KINDS) and report.filled == len(KINDS) - 1, report
    previews = {m.subject: m.preview for m in store.messages(inbox.id)}
    assert previews.keys() == KINDS.keys()
    for subject, (_raw, expected) in KINDS.items():  # a long text is cut with "…" (the base64 HTML one)
        assert previews[subject] == expected or (expected and previews[subject].startswith(expected)), subject
    assert previews["base64 html"].endswith("…") and len(previews["base64 html"]) == 200
    assert _server_seen(mailbox) == seen_before and len(seen_before) == 1
    assert store.message_count(inbox.id, unread_only=True) == unread_before == len(KINDS) - 1
    assert preview_batch(session, store, inbox) == (0, 0)  # the attachment-only one is not tried again
    assert session.selected == "INBOX"  # done, but the Inbox stays selected: the next sync polls it there
    sync_account(session, store)
    assert store.message_count(inbox.id, unread_only=True) == unread_before
    session.logout()


def test_only_the_newest_are_previewed_newest_first_in_batches(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    for n in range(12):
        testbed.mail.put_message(mailbox.email, message(f"m{n:02d}", body=f"text of m{n:02d}\r\n"), flags="")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    assert preview_batch(session, store, inbox, batch=3, newest=5) == (3, 3)
    got = {m.subject for m in store.messages(inbox.id) if m.preview}
    assert got == {"m11", "m10", "m09"}
    report = fill_previews(session, store, inbox, newest=5)
    assert (report.looked, report.batches) == (2, 1)
    previews = {m.subject: m.preview for m in store.messages(inbox.id)}
    assert [s for s in sorted(previews) if previews[s]] == ["m07", "m08", "m09", "m10", "m11"]
    assert previews["m11"] == "text of m11"
    session.logout()


def test_a_cancelled_pass_stops_before_the_next_command(testbed: Testbed, store: Store) -> None:
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    mailbox.fill(3)
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        preview_batch(session, store, inbox, cancel=token)
    assert all(not m.preview for m in store.messages(inbox.id))
    assert fill_previews(session, store, inbox).filled == 3  # the session is still usable
    session.logout()


@pytest.mark.corpus
@pytest.mark.timeout(300)
def test_every_corpus_message_on_dovecot_goes_through_the_pass(testbed: Testbed, store: Store) -> None:
    from tests.integration.test_mime_corpus import _require_corpus, corpus_messages

    _require_corpus()
    mailbox = new_mailbox(testbed.mail, testbed.ca_path)
    count = 0
    for count, (_name, raw) in enumerate(corpus_messages(), 1):
        testbed.mail.put_message(mailbox.email, raw, flags="", name=f"corpus{count}")
    session = open_session(mailbox.connector())
    sync_account(session, store)
    inbox = store.folder("INBOX")
    assert inbox is not None and store.stored_count(inbox.id) == count > 300

    report = fill_previews(session, store, inbox, newest=count)

    assert report.looked == count
    assert report.filled > count // 2
    assert store.uids_needing_preview(inbox.id, newest=count, limit=10) == []
    assert all(len(m.preview) <= 200 and "\n" not in m.preview for m in store.messages(inbox.id))
    assert store.message_count(inbox.id, unread_only=True) == count  # BODY.PEEK: all still unread
    session.logout()
