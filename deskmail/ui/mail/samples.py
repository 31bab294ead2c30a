"""A believable sample mailbox written straight into a store: for screenshots, GUI tests and benchmarks."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account, DownloadChoices
from deskmail.engine.paths import Paths
from deskmail.engine.store.models import FolderInfo, MessageHeaders, SpecialUse
from deskmail.engine.store.writer import Store

ME = ("Anna Schmidt", "anna@example.test")
FOLDERS = [
    ("INBOX", SpecialUse.INBOX),
    ("Drafts", SpecialUse.DRAFTS),
    ("Sent", SpecialUse.SENT),
    ("Archive", SpecialUse.ARCHIVE),
    ("Junk", SpecialUse.JUNK),
    ("Trash", SpecialUse.TRASH),
    ("Family", SpecialUse.NONE),
    ("Projects", SpecialUse.NONE),
    ("Projects/Garden", SpecialUse.NONE),
    ("Projects/Renovation", SpecialUse.NONE),
]
NEWSLETTER_HTML = """<html><body style="font-family: sans-serif">
<h2 style="color:#2a6e3f">Spring is here: plant now, harvest in June</h2>
<img src="https://images.gardenclub.test/banner.jpg" width="480" height="160" alt="Garden banner">
<p>Dear Anna,</p>
<p>Our <b>spring workshop</b> on raised beds is on Saturday at 10:00.
Bring gloves; we provide seeds and soil.</p>
<ul><li>Tomatoes and peppers: start indoors</li><li>Peas and radishes: straight into the bed</li></ul>
<p><a href="https://gardenclub.test/workshop">Reserve your place</a></p>
<img src="https://track.gardenclub.test/open.gif?u=anna" width="1" height="1">
<script>alert('never runs')</script>
</body></html>"""

# (from name, from address, subject, hours ago, flags, body or None for HTML, attachment name)
INBOX = [
    ("Ben Okafor", "ben@example.test", "Dinner on Friday?", 0.4, (), None, None),
    ("Garden Club", "news@gardenclub.test", "Spring workshop: raised beds", 2, (), "html", None),
    ("Clara Jensen", "clara@example.test", "Photos from the lake", 5, ("\\Seen", "\\Flagged"), None, "lake.jpg"),
    ("City Library", "noreply@library.test", "Your books are due next week", 26, ("\\Seen",), None, None),
    ("David Müller", "david@example.test", "Re: Kitchen tiles", 30, ("\\Seen", "\\Answered"), None, None),
    (
        "Electric Co.",
        "billing@power.test",
        "Your invoice for March",
        50,
        ("\\Seen", "$Forwarded"),
        None,
        "invoice-march.pdf",
    ),
    ("Ben Okafor", "ben@example.test", "Book recommendation", 80, ("\\Seen",), None, None),
    ("Fatima Rahman", "fatima@example.test", "Choir rehearsal moved to Thursday", 120, (), None, None),
    ("Clara Jensen", "clara@example.test", "Birthday plans for Mum", 200, ("\\Seen",), None, None),
    ("Greta Lund", "greta@example.test", "Recipe you asked for", 400, ("\\Seen",), None, None),
    ("Hiro Tanaka", "hiro@example.test", "Moving boxes", 900, ("\\Seen",), None, None),
    ("Bank of Example", "service@bank.test", "Your new card is on its way", 2000, ("\\Seen",), None, None),
]
TEXT = {
    "Dinner on Friday?": "Hi Anna,\n\nWould you like to come over for dinner on Friday at 7?\n"
    "Mira is making her lasagne. Let me know: https://example.test/map shows the way.\n\nBen",
    "Photos from the lake": "Hi Anna,\n\nHere is the photo from Sunday. The light was lovely!\n\nClara",
}


def sample_account(email: str = ME[1], name: str = ME[0]) -> Account:
    return Account(
        email=email,
        display_name=name,
        incoming=ServerConfig(Protocol.IMAP, "mail.example.test", 993, Security.SSL, email),
        outgoing=ServerConfig(Protocol.SMTP, "mail.example.test", 465, Security.SSL, email),
    )


def as_pop3(account: Account) -> Account:
    """The sample account as one whose provider offers only POP3 (the choices a person may have made)."""
    incoming = ServerConfig(Protocol.POP3, "pop.example.test", 995, Security.SSL, account.email)
    return replace(account, incoming=incoming, download=DownloadChoices(True, 14), check_minutes=10)


def sample_message(
    sender: tuple[str, str], subject: str, when: float, body: str | None, attachment: str | None
) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = formataddr(ME)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.fromtimestamp(when, UTC))
    msg["Message-ID"] = f"<{int(when)}.{abs(hash(subject)) % 10**8}@example.test>"
    if body == "html":
        msg.set_content("Spring workshop on Saturday at 10:00. https://gardenclub.test/workshop")
        msg.add_alternative(NEWSLETTER_HTML, subtype="html")
    else:
        text = TEXT.get(subject, f"Hello Anna,\n\n{subject}.\n\nBest wishes,\n{sender[0].split()[0]}")
        msg.set_content(text)
    if attachment:
        kind = ("image", "jpeg") if attachment.endswith(".jpg") else ("application", "pdf")
        msg.add_attachment(b"\xff\xd8\xff\xe0 sample " * 200, maintype=kind[0], subtype=kind[1], filename=attachment)
    return msg.as_bytes()


def seed_store(paths: Paths, account: Account | None = None, *, now: float | None = None, extra: int = 0) -> Store:
    """Write the sample folders and messages (with bodies) into the account's store; `extra` adds filler mail."""
    account = account or sample_account()
    now = time.time() if now is None else now
    store = Store.open_for(paths, account.email)
    ids = {name: store.upsert_folder(FolderInfo(name, "/", use, subscribed=True)).id for name, use in FOLDERS}
    inbox = ids["INBOX"]
    headers, bodies = [], {}
    for uid, (name, address, subject, hours, flags, body, attachment) in enumerate(INBOX, start=1):
        when = now - hours * 3600
        raw = sample_message((name, address), subject, when, body, attachment)
        bodies[uid] = raw
        headers.append(
            MessageHeaders(
                uid=uid, flags=flags, subject=subject, from_name=name, from_addr=address,
                to_addrs=formataddr(ME), date=int(when), internaldate=int(when), size=len(raw),
                message_id=f"<sample-{uid}@example.test>", has_attachments=attachment is not None,
                people=[(name, address)],
            )
        )  # fmt: skip
    base = len(INBOX)
    headers += [
        MessageHeaders(
            uid=base + i + 1, flags=("\\Seen",), subject=f"Weekly note {extra - i}", from_name="Notes",
            from_addr="notes@example.test", date=int(now - 3 * 86400 - i * 3600), size=2000,
        )
        for i in range(extra)
    ]  # fmt: skip
    store.add_messages(inbox, headers)
    for uid, raw in bodies.items():
        found = store.message_by_uid(inbox, uid)
        if found is not None:
            store.save_body(found.id, raw=raw)
    store.set_previews(inbox, [(uid, _preview(raw)) for uid, raw in bodies.items()])  # as the preview pass would
    _seed_other_folders(store, ids, now)
    for folder_id in ids.values():
        store.set_folder_counts(folder_id, store.message_count(folder_id), 0)
        store.refresh_unread(folder_id)
    return store


def _seed_other_folders(store: Store, ids: dict[str, int], now: float) -> None:
    sent = [
        ("Re: Dinner on Friday?", "Ben Okafor <ben@example.test>", 0.2),
        ("Kitchen tiles", "David Müller <david@example.test>", 40),
    ]
    store.add_messages(
        ids["Sent"],
        [
            MessageHeaders(uid=i + 1, flags=("\\Seen",), subject=s, from_name=ME[0], from_addr=ME[1], to_addrs=to,
                           date=int(now - h * 3600))
            for i, (s, to, h) in enumerate(sent)
        ],
    )  # fmt: skip
    store.add_messages(
        ids["Projects/Garden"],
        [MessageHeaders(uid=1, subject="Seed order confirmed", from_name="Seeds Shop", from_addr="shop@seeds.test",
                        date=int(now - 90000))],
    )  # fmt: skip
    store.add_messages(
        ids["Family"],
        [MessageHeaders(uid=i, flags=() if i < 3 else ("\\Seen",), subject=f"Family news {i}", from_name="Clara Jensen",
                        from_addr="clara@example.test", date=int(now - i * 86400)) for i in range(1, 6)],
    )  # fmt: skip


def _preview(raw: bytes) -> str:
    from deskmail.engine.mime.parse import parse_message

    return parse_message(raw).preview


# -- extra messages for layout and script checks (added on demand: the sample Inbox stays as tests know it) --

NEWSLETTER_600 = """<html><body style="margin:0; background:#eeeeee">
<table width="600" align="center" cellpadding="16" style="background:#ffffff; font-family:sans-serif">
<tr><td style="background:#1f5f8b; color:#ffffff"><h2>Lakeside Rowing Club · April news</h2></td></tr>
<tr><td><p>Dear members,</p><p>The boathouse opens on Saturday. Our new coach, Jonas, starts the beginners' course
on 12 April; the course is six Saturday mornings and the club lends boats and life jackets.</p>
<p><a href="https://rowing.example.test/course">Sign up for the beginners' course</a></p>
<p>Log in to your account at <a href="https://rowing-club-login.example.net/">rowing.example.test</a>
to renew your membership.</p></td></tr>
<tr><td style="color:#666666; font-size:12px">You receive this because you are a member.</td></tr>
</table></body></html>"""


def _letter(sender: tuple[str, str], subject: str, when: float, message_id: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = formataddr(ME)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.fromtimestamp(when, UTC))
    msg["Message-ID"] = message_id
    msg.set_content(text)
    return msg


def attachments_message(count: int = 10, when: float | None = None) -> bytes:
    """A message with `count` photo attachments (the case that once made the window 4,148 px wide)."""
    text = "Hi Anna,\n\nHere are all the photos from Saturday. Enjoy! 🎉💐\n\nClara"
    msg = _letter(("Clara Jensen", "clara@example.test"), "All the photos from the wedding",
                  when or time.time() - 1800, "<wedding-photos@example.test>", text)  # fmt: skip
    for i in range(1, count + 1):
        data = b"\xff\xd8\xff\xe0 photo " * (6000 + 900 * i)
        msg.add_attachment(data, maintype="image", subtype="jpeg", filename=f"wedding-2026-06-13-photo-{i:02}.jpg")
    return msg.as_bytes()


def japanese_message(when: float | None = None) -> bytes:
    """An ISO-2022-JP mail as Japanese mailers write it, with NEC extension characters (①) Python's codec refuses."""
    subject = "=?ISO-2022-JP?B?" + base64.b64encode(b"\x1b$B2q5D$N;qNA-!\x1b(B").decode() + "?="  # 会議の資料①
    body = "田中さん\n\n明日の会議の資料を送ります。\n① 予算\n② 日程\n\nよろしくお願いします。\n佐藤\n"
    raw = (
        f"From: =?ISO-2022-JP?B?GyRAOjRGI0stGyhK?= <sato@example.jp>\r\n"
        f"To: {formataddr(ME)}\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(datetime.fromtimestamp(when or time.time() - 3000, UTC))}\r\n"
        "Message-ID: <kaigi@example.jp>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    ).encode("ascii")
    return raw + _jis(body)


def _jis(text: str) -> bytes:
    """Text as ISO-2022-JP, with NEC row 13 for circled numbers (as Windows mailers write them)."""
    out = bytearray()
    for line in text.split("\n"):
        encoded = line.replace("①", "\x00A").replace("②", "\x00B").encode("iso2022_jp")
        out += encoded.replace(b"\x00A", b"\x1b$B-!\x1b(B").replace(b"\x00B", b'\x1b$B-"\x1b(B') + b"\r\n"
    return bytes(out)


def newsletter_message(when: float | None = None) -> bytes:
    """A typical 600 px wide HTML newsletter, with one honest link and one whose text names another site."""
    sender, subject = (
        ("Lakeside Rowing Club", "news@rowing.example.test"),
        "April news: the boathouse opens on Saturday",
    )
    when = when or time.time() - 600
    msg = _letter(sender, subject, when, "<april-news@rowing.example.test>", "The boathouse opens on Saturday.")
    msg.add_alternative(NEWSLETTER_600, subtype="html")
    return msg.as_bytes()


def add_to_inbox(paths: Paths, account: Account, raws: list[bytes], first_uid: int = 500) -> None:
    """Parse `raws` as the header sync would and put them, with their bodies, into the account's Inbox."""
    from deskmail.engine.mime.parse import parse_message

    store = Store.open_for(paths, account.email)
    try:
        inbox = store.upsert_folder(FolderInfo("INBOX", "/", SpecialUse.INBOX, subscribed=True)).id
        headers = []
        for uid, raw in enumerate(raws, start=first_uid):
            message = parse_message(raw)
            sender = message.sender[0] if message.sender else None
            headers.append(
                MessageHeaders(
                    uid=uid, subject=message.subject, from_name=sender.name if sender else "",
                    from_addr=sender.email if sender else "", to_addrs=formataddr(ME),
                    date=int(message.date.timestamp()) if message.date else 0,
                    size=len(raw), has_attachments=bool(message.attachments),
                )
            )  # fmt: skip
        store.add_messages(inbox, headers)
        for uid, raw in enumerate(raws, start=first_uid):
            found = store.message_by_uid(inbox, uid)
            if found is not None:
                store.save_body(found.id, raw=raw)
        store.set_previews(inbox, [(uid, _preview(raw)) for uid, raw in enumerate(raws, start=first_uid)])
        store.refresh_unread(inbox)
    finally:
        store.close()
