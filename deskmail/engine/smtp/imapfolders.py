"""The few IMAP steps sending needs: find Sent/Drafts, look a Message-ID up, append, delete by UID."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from imapclient import imapclient as imap_constants

from deskmail.core.cancel import CancelToken

ImapClient = Any  # imapclient.IMAPClient (untyped) or the checks helper's SecureIMAPClient subclass
ImapConnector = Callable[[CancelToken], ImapClient]  # returns a logged-in client

_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")
# Providers that put a copy of SMTP-submitted mail into Sent themselves: appending would duplicate it.
_FILES_SENT_HOSTS = ("gmail.com", "googlemail.com", "office365.com", "outlook.com", "hotmail.com", "live.com")


def server_files_sent(capabilities: Iterable[bytes | str], smtp_host: str = "") -> bool:
    """True for Gmail-like servers (X-GM-EXT-1, or a known provider's SMTP host)."""
    caps = {c.decode() if isinstance(c, bytes) else c for c in capabilities}
    host = smtp_host.lower().rstrip(".")
    return "X-GM-EXT-1" in {c.upper() for c in caps} or any(
        host == h or host.endswith("." + h) for h in _FILES_SENT_HOSTS
    )


def find_folder(client: ImapClient, which: bytes) -> str | None:
    """The folder with this SPECIAL-USE flag, else one with a common name within the personal namespace."""
    found = client.find_special_folder(which)
    return str(found) if found else None


def special_folder(client: ImapClient, which: bytes, fallback: str) -> str:
    """The folder with this SPECIAL-USE flag (or a common name); created as `fallback` if missing.

    Created inside the personal namespace (RFC 2342): Courier keeps every folder under "INBOX."
    and refuses a plain "Drafts"."""
    found = find_folder(client, which)
    if found:
        return found
    from deskmail.engine.imap.session import personal_prefix

    name = personal_prefix(client) + fallback
    client.create_folder(name)
    client.subscribe_folder(name)
    return name


def sent_folder(client: ImapClient) -> str:
    return special_folder(client, imap_constants.SENT, "Sent")


def drafts_folder(client: ImapClient) -> str:
    return special_folder(client, imap_constants.DRAFTS, "Drafts")


def uids_with_message_id(client: ImapClient, folder: str, message_id: str) -> list[int]:
    """UIDs in `folder` whose Message-ID header contains `message_id` (looked up read-only).

    The folder is left again afterwards: Courier refuses an APPEND to the mailbox selected
    read-only, and the next step is often exactly that (the Sent copy, a new draft version)."""
    client.select_folder(folder, readonly=True)
    uids = sorted(int(uid) for uid in client.search(["HEADER", "Message-ID", message_id]))
    leave_folder(client)  # only after an answer: on a broken connection the first error is the one to report
    return uids


def leave_folder(client: ImapClient) -> None:
    """UNSELECT, else CLOSE (which expunges nothing in a mailbox opened read-only)."""
    if client.has_capability("UNSELECT"):
        client.unselect_folder()
    else:
        client.close_folder()


def append(client: ImapClient, folder: str, raw: bytes, flags: tuple[bytes, ...]) -> tuple[int, int]:
    """APPEND and return (uidvalidity, uid) from APPENDUID, or (0, 0) if the server does not say."""
    response = client.append(folder, raw, flags=flags)
    match = _APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def append_chunks(
    client: ImapClient, folder: str, chunks: Iterable[bytes], size: int, flags: tuple[bytes, ...]
) -> tuple[int, int] | None:
    """APPEND read in pieces (a non-synchronizing literal, RFC 7888); None if the server cannot take one.

    Returns (uidvalidity, uid) from APPENDUID, or (0, 0) if the server does not say.
    """
    if not client.has_capability("LITERAL+"):
        return None
    from deskmail.engine.imap import wire
    from deskmail.engine.imap.session import mailbox

    line = b"APPEND %s (%s) {%d+}" % (mailbox(folder), b" ".join(flags), size)
    answer = wire.run(client._imap, line, then=_then_crlf(chunks))
    match = _APPENDUID.search(answer.text.encode())
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _then_crlf(chunks: Iterable[bytes]) -> Iterable[bytes]:
    yield from chunks
    yield b"\r\n"  # ends the APPEND command line after the literal


def delete_uids(client: ImapClient, folder: str, uids: list[int]) -> None:
    """Remove exactly these messages (UID EXPUNGE with UIDPLUS, else a plain EXPUNGE)."""
    if not uids:
        return
    client.select_folder(folder)
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def logout_quietly(client: ImapClient) -> None:
    try:  # closing is best effort; the work is done or already failed
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):  # a broken connection: at least close its socket
            client.shutdown()
