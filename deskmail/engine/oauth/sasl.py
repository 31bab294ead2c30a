"""SASL initial responses that carry an OAuth2 bearer token: XOAUTH2 (Google, Microsoft) and
OAUTHBEARER (RFC 7628). Both are sent base64-encoded by the IMAP/SMTP layer."""

from __future__ import annotations

import base64

from deskmail.core.redact import register_secret

# Preference order: the standard one first, the older vendor one when it is all a server offers.
MECHANISMS = ("OAUTHBEARER", "XOAUTH2")


def xoauth2(user: str, token: str) -> bytes:
    """user=<user>^Aauth=Bearer <token>^A^A (Google's and Microsoft's XOAUTH2)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user: str, token: str, host: str = "", port: int = 0) -> bytes:
    """RFC 7628 3.1: gs2 header with the authorization identity, then host, port and auth key-values."""
    safe_user = user.replace("=", "=3D").replace(",", "=2C")  # RFC 5801 saslname escaping
    fields = [f"host={host}"] if host else []
    fields += [f"port={port}"] if port else []
    fields.append(f"auth=Bearer {token}")
    return (f"n,a={safe_user},\x01" + "".join(f + "\x01" for f in fields) + "\x01").encode()


def initial_response(mechanism: str, user: str, token: str, host: str, port: int) -> bytes:
    """The client's first message for `mechanism`; its base64 form is registered as a secret too."""
    raw = oauthbearer(user, token, host, port) if mechanism == "OAUTHBEARER" else xoauth2(user, token)
    register_secret(token)
    register_secret(base64.b64encode(raw).decode("ascii"))
    return raw


def abort_response(mechanism: str) -> bytes:
    """What a client answers to the server's error challenge so the server can send its final NO / 535."""
    return b"\x01" if mechanism == "OAUTHBEARER" else b""


def choose(offered: set[str]) -> str | None:
    """The mechanism to use among those a server offers (upper-case names)."""
    return next((m for m in MECHANISMS if m in offered), None)
