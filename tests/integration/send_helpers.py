"""Connections to the test bed for the send tests, usable from pytest and from a child process."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

import imapclient

from deskmail.core.cancel import CancelToken
from deskmail.engine.smtp.drafts import DraftManager
from deskmail.engine.smtp.outbox import LocalDrafts, Outbox
from deskmail.engine.smtp.sender import Checkpoint, Sender
from deskmail.engine.store import Store


def tls_context(ca_path: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_path))


def imap_login(ip: str, ca_path: Path, user: str, password: str) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient(ip, port=993, ssl=True, ssl_context=tls_context(ca_path), timeout=10)
    client.login(user, password)
    return client


def smtp_login(ip: str, ca_path: Path, user: str, password: str, implicit_tls: bool = False) -> smtplib.SMTP:
    context = tls_context(ca_path)
    if implicit_tls:
        session: smtplib.SMTP = smtplib.SMTP_SSL(ip, 465, context=context, timeout=10)
    else:
        session = smtplib.SMTP(ip, 587, timeout=10)
        session.starttls(context=context)
    session.login(user, password)
    return session


def make_sender(
    store_file: Path, ip: str, ca_path: Path, user: str, password: str, checkpoint: Checkpoint | None = None
) -> Sender:
    def smtp(cancel: CancelToken) -> smtplib.SMTP:
        return smtp_login(ip, ca_path, user, password)

    def imap(cancel: CancelToken) -> imapclient.IMAPClient:
        return imap_login(ip, ca_path, user, password)

    return Sender(Outbox(Store.open(store_file)), smtp, imap, checkpoint=checkpoint)


def make_drafts(store_file: Path, ip: str, ca_path: Path, user: str, password: str) -> DraftManager:
    def imap(cancel: CancelToken) -> imapclient.IMAPClient:
        return imap_login(ip, ca_path, user, password)

    return DraftManager(LocalDrafts(Store.open(store_file)), imap)
