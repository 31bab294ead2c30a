"""Every limit on what a mail server may make Deskmail read, hold or wait for: one place, one name each.

A server can be broken or hostile. Whatever it sends, one command's answer is bounded in lines,
bytes and time, so a bad server costs a connection (closed, reopened for the next command) and a
plain message, never a hang, a memory blow-up or a crash that repeats on every sync.
"""

from __future__ import annotations

MiB = 1024 * 1024

# -- IMAP: one command's answer ----------------------------------------------------------------
IMAP_MAX_LINE = 8 * MiB  # one response line outside literals (a plain UID SEARCH of 1M UIDs fits)
IMAP_MAX_UNTAGGED = 500_000  # untagged responses kept for one command (a flags FETCH of a 500k folder)
IMAP_MAX_UNTAGGED_BYTES = 128 * MiB  # what those responses may hold in memory, text and literals together
IMAP_UNTAGGED_OVERHEAD = 100  # bytes counted per response on top of its text: the objects holding it
IMAP_MAX_LITERAL = 16 * MiB  # a literal read into memory where no caller streams it (names, small items)
IMAP_MAX_HEADER_LITERAL = 64 * 1024  # of one message's list header fields; the rest is read and dropped
IMAP_MAX_DEPTH = 24  # nesting of parenthesised lists (BODYSTRUCTURE; real mail rarely goes past 8)
IMAP_MAX_NUMBER = 2**32 - 1  # UIDs, message numbers, UIDVALIDITY, UIDNEXT (RFC 3501 nz-number)
IMAP_MAX_MODSEQ = 2**63 - 1  # RFC 7162 mod-sequence; also the most SQLite can store
IMAP_MAX_MESSAGES = 2_000_000  # UIDs one answer's UID set may stand for ("1:4294967295" would be 4 billion)

# -- bodies ------------------------------------------------------------------------------------
BODY_IN_MEMORY = 1 * MiB  # a fetched message larger than this (as sent, not as declared) goes to a file
BODY_MAX = 1024 * MiB  # a message literal larger than this is refused (no mail program shows it)

# -- time --------------------------------------------------------------------------------------
IDLE_TIMEOUT = 30.0  # seconds without a single byte before a connection counts as dead
COMMAND_DEADLINE = 120.0  # seconds one IMAP command (or one SMTP reply) may take in total
BODY_MIN_RATE = 16 * 1024  # bytes per second a message download may not fall below, on average
CONNECT_DEADLINE = 60.0  # seconds from connecting to logged in (TCP, TLS, greeting, login)
KEYRING_OVERLAP = 5.0  # seconds an open connection waits for the keyring (longer: it asks to be unlocked)

# -- SMTP: one reply ---------------------------------------------------------------------------
SMTP_MAX_LINE = 8192  # bytes in one reply line (smtplib's own cap, kept)
SMTP_MAX_REPLY_LINES = 1000  # lines of one multi-line reply (an EHLO has about 10)
SMTP_MAX_REPLY_BYTES = 64 * 1024  # bytes of one whole reply


def clamp(value: int, maximum: int) -> int:
    """`value` within 0..maximum: a number a server sent, made safe to store and compute with."""
    return min(max(value, 0), maximum)
