"""Hand an account's proven settings to a phone: Thunderbird's QR format, Apple's profile, a printed card. No Qt."""

from __future__ import annotations


class ExportError(Exception):
    """These settings cannot be put in this format; the message says why in plain words."""
