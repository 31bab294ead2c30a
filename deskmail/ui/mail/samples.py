"""A believable sample mailbox written straight into a store: for screenshots, GUI tests and benchmarks."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account
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
