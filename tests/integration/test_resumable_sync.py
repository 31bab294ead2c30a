"""A first sync cut again and again by the network keeps what arrived and, resumed, fetches only the rest:
a TCP proxy between Deskmail and the real Dovecot cuts each connection after N bytes."""

from __future__ import annotations

import imaplib
import itertools
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from deskmail.core.cancel import CancelToken
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.session import ImapSession
from deskmail.engine.imap.wire import ImapError
from deskmail.engine.store import Store
from tests.integration.cutproxy import CutProxy, cut_proxy
from tests.integration.imaptools import PASSWORD, Mailbox, assert_converged, new_mailbox
from tests.servers.bed import Testbed

MESSAGES = 1200


@pytest.fixture
def mailbox(testbed: Testbed) -> Mailbox:
    box = new_mailbox(testbed.mail, testbed.ca_path)
    box.fill(MESSAGES)
    return box


@pytest.fixture
def proxy(mailbox: Mailbox) -> Iterator[CutProxy]:
    with cut_proxy((mailbox.server.ip, mailbox.server.imaps_port or 993)) as running:
        yield running


def through(proxy: CutProxy, mailbox: Mailbox) -> ImapSession:
    context = ssl.create_default_context(cafile=str(mailbox.ca_path))
    context.check_hostname = False  # the proxy's address is not in the certificate; the chain is still checked

    def connect(cancel: CancelToken) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=proxy.port, ssl=True, ssl_context=context, timeout=10)
        client.login(mailbox.email, PASSWORD)
        return client

    return open_session(connect)


def run(proxy: CutProxy, mailbox: Mailbox, store: Store) -> bool:
    """One sync of INBOX through the proxy; True if it finished, False if the network cut it."""
    try:
        session = through(proxy, mailbox)
    except (OSError, imaplib.IMAP4.error):
        return False
    try:
        report = sync_account(session, store, folders=["INBOX"], refresh_counts=False)
    except (OSError, ImapError, imaplib.IMAP4.error):
        session.close()
        return False
    session.logout()
    assert report.ok, report.to_json()  # a cut is a broken connection, never a bad answer to skip
    return True


def test_cut_first_sync_keeps_what_arrived_and_refetches_little(
    mailbox: Mailbox, proxy: CutProxy, tmp_path: Path
) -> None:
    clean = Store.open(tmp_path / "clean.sqlite3")
    assert run(proxy, mailbox, clean)
    clean_bytes, proxy.received = proxy.received, 0
    clean.close()

    store = Store.open(tmp_path / "store.sqlite3")
    proxy.cut_after = 40_000  # well under the 110 KB that used to keep nothing
    kept: list[int] = []
    for _ in range(40):
        if run(proxy, mailbox, store):
            break
        inbox = store.folder("INBOX")
        kept.append(store.stored_count(inbox.id) if inbox else 0)
        if len(kept) == 2:  # meanwhile another program changes messages already held
            other = mailbox.connect()
            other.select_folder("INBOX")
            held = sorted(store.uids(inbox.id))[:3] if inbox else []
            other.add_flags(held, [b"\\Flagged"])
            other.logout()
    else:
        pytest.fail(f"the sync never finished; kept after each cut: {kept}")
    assert proxy.cuts >= 3 and kept[0] > 0, kept
    assert all(later > earlier for earlier, later in itertools.pairwise(kept)), kept
    assert_converged(store, mailbox)
    # Everything sent over all the cut connections together, against one clean sync: the extra is
    # the login and folder list of each new connection and the few messages each cut loses
    # (not whole batches, nor the flags of every message held).
    print(
        f"clean sync {clean_bytes} B; {proxy.cuts} cuts at {proxy.cut_after} B, {proxy.received} B in all; kept {kept}"
    )
    overhead = proxy.received - clean_bytes
    per_cut = overhead / proxy.cuts
    assert per_cut < 20_000, (proxy.received, clean_bytes, proxy.cuts, kept)
    store.close()
