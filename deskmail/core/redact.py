"""Keep secrets out of logs: every password the process handles is registered here.

A logging filter replaces registered secrets in every record, so even a careless
`log.debug(repr(obj))` or a server echoing a password cannot leak it.
"""

from __future__ import annotations

import logging
import threading

MASK = "********"
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(secret: str) -> None:
    if secret and len(secret) >= 3:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with registered secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
