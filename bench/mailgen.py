"""Generate realistic-looking messages quickly, written straight into a Maildir's cur/."""

from __future__ import annotations

import os
import random
import time
from email.utils import formatdate
from pathlib import Path

NAMES = ["Ana Lima", "Bob Stone", "Chen Wei", "Dana Król", "Émile Zola", "Farah Ali", "Gus Grün", "Hana Sato"]
WORDS = [
    "budget",
    "meeting",
    "report",
    "invoice",
    "lunch",
    "trip",
    "photos",
    "draft",
    "review",
    "plan",
    "update",
    "question",
    "hello",
]


def message(n: int, rng: random.Random, base_time: int = 1_600_000_000) -> bytes:
    """One plausible message; subjects sometimes encoded-word, some replies with References."""
    name = rng.choice(NAMES)
    local = name.split()[0].lower().encode("ascii", "ignore").decode() or "x"
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
    if n % 7 == 0:
        subject = "=?utf-8?q?Gr=C3=BC=C3=9Fe_" + subject.replace(" ", "_") + "?="
    refs = ""
    if n > 1 and n % 3 == 0:
        refs = f"In-Reply-To: <m{n - 1}@gen.test>\r\nReferences: <m{n - 2}@gen.test> <m{n - 1}@gen.test>\r\n"
    body = (" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 200))) + "\r\n").encode()
    head = (
        f"Return-Path: <{local}@example.test>\r\n"
        f"Received: from mx.example.test by mail.example.test with LMTP id {n}; {formatdate(base_time + n * 60)}\r\n"
        f"From: {name} <{local}@example.test>\r\n"
        f"To: Alice <alice@example.test>\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {formatdate(base_time + n * 60)}\r\n"
        f"Message-ID: <m{n}@gen.test>\r\n{refs}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode("utf-8") + body


def fill_maildir(cur: Path, count: int, *, seed: int = 1, uid: int | None = None) -> None:
    """Write `count` messages into `cur` (every third unread); chown to `uid` if given."""
    cur.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for n in range(1, count + 1):
        flags = "" if n % 3 == 0 else "S"
        path = cur / f"{1_600_000_000 + n}.M{n}P1.gen:2,{flags}"
        path.write_bytes(message(n, rng))
        if uid is not None:
            os.chown(path, uid, uid)
    # Dovecot rescans a Maildir on every SELECT while cur/ was modified in the last moments
    # ("dirty"); a real mailbox was not just written, so date the directories back an hour.
    past = time.time() - 3600
    for directory in (cur, cur.parent / "new", cur.parent):
        if directory.exists():
            os.utime(directory, (past, past))
