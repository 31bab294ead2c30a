"""Local full-text search: the FTS5 index is built behind the header sync, and search never misses
what is not indexed yet.

A header sync only inserts rows (`Store.add_messages`); indexing them inline cost it 15-30 % of
its store time (bench/search_index.py; more as the index grows). Rows with an id above
`search_state.indexed_to` are the *backlog*: not in `message_search` yet. `index_batch` adds the
oldest of them (a first sync stores the newest mail first, so that is the newest mail) in one
short transaction; the account's worker runs batches in idle time (engine.runtime.index_search,
qtbridge.previews). Until then `StoreReader.search` matches backlog rows one by one with
`backlog_match`, which finds what the FTS5 query would (each word a prefix of a word, case and
accents ignored), so a search while the index is behind still finds every message the list shows.

Invariant: every row with id <= indexed_to has its search row, no row above has one. A deleted
row's search row goes with it (trigger, 0001); `add_messages` lowers the mark when ids of deleted
rows are handed out again (SQLite reuses the highest ids); a body's text for a row not indexed
yet waits in `bodies.text`, which the batch reads. A batch and its new mark commit together, so
an interrupted one is simply done again at the next idle time, never twice.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from functools import lru_cache

INDEX_BATCH = 2000  # rows per transaction: tens of ms, so work asked for meanwhile waits little
MATCH_FUNCTION = "deskmail_backlog_match"  # registered on every store connection (reader.connect)

# After inserting rows whose ids are all above `before`: they are the backlog (lowers the mark
# only when ids of deleted rows were handed out again; otherwise the mark is below already).
BEHIND_FROM = "UPDATE search_state SET indexed_to = ?1 WHERE indexed_to > ?1"
BACKLOG_START = "(SELECT indexed_to FROM search_state)"
PEOPLE = "m.from_name || ' ' || m.from_addr || ' ' || m.to_addrs || ' ' || m.cc_addrs"
HEADS = f"m.subject || char(10) || {PEOPLE}"  # the two header columns, one line each, for backlog_match

_BATCH = "SELECT count(*), max(id) FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)"
_INDEX = (
    f"INSERT INTO message_search (rowid, subject, people, body) SELECT m.id, m.subject, {PEOPLE}, "
    "coalesce(b.text, '') FROM messages m LEFT JOIN bodies b ON b.message_id = m.id WHERE m.id > ? AND m.id <= ?"
)

_TOKEN_CHARS = r"[^\W_]"  # FTS5's unicode61 tokens: runs of letters and digits
_TOKEN = re.compile(_TOKEN_CHARS + "+")
_BETWEEN_TOKENS = r"(?:[^\w\n]|_)+"  # never across the line between two columns


def index_batch(conn: sqlite3.Connection, limit: int = INDEX_BATCH) -> int:
    """Index up to `limit` backlog rows, oldest first; returns how many (0: the index is complete).

    Call inside a write transaction: the search rows and the new mark commit together.
    """
    assert conn.in_transaction, "call inside the transaction that moves the mark"
    mark = int(conn.execute("SELECT indexed_to FROM search_state").fetchone()[0])
    count, last = conn.execute(_BATCH, (mark, limit)).fetchone()
    if not count:
        return 0
    # A stray search row in the range would make the whole batch fail on its rowid at every try
    # (and the backlog never shrink); none should exist, and looking costs nothing when none does.
    conn.execute("DELETE FROM message_search WHERE rowid > ? AND rowid <= ?", (mark, last))
    conn.execute(_INDEX, (mark, last))
    conn.execute("UPDATE search_state SET indexed_to = ?", (last,))
    return int(count)


def backlog_count(conn: sqlite3.Connection) -> int:
    """Rows not in the index yet."""
    return int(conn.execute(f"SELECT count(*) FROM messages WHERE id > {BACKLOG_START}").fetchone()[0])


def register(conn: sqlite3.Connection) -> None:
    """Make `backlog_match` callable from SQL on this connection."""
    conn.create_function(MATCH_FUNCTION, 3, backlog_match, deterministic=True)


def backlog_match(query: str, heads: str | None, body: str | None) -> bool:
    """Whether a row matches `query` as the FTS5 query of `StoreReader.search` would match it.

    `heads` is the subject and the people, one line each (`HEADS`). Every word must match within
    one column: its tokens as consecutive tokens there, the last one as a prefix. A word with no
    letters or digits asks for nothing; a query of only such words finds nothing. Called for every
    row of the backlog (a microsecond or two each): no work a miss does not need.
    """
    phrases = _phrases(query)
    if not phrases:
        return False
    text = fold(heads) if heads else ""
    folded_body = None
    for first, phrase in phrases:
        if first in text and phrase.search(text):
            continue
        if not body:
            return False
        if folded_body is None:
            folded_body = fold(body)  # a body's text, rarely there yet: folded only when needed
        if not (first in folded_body and phrase.search(folded_body)):
            return False
    return True


_DIACRITICS = re.compile("[\u0300-\u036f]")  # the combining marks unicode61 removes


def fold(text: str) -> str:
    """Lower case without accents, as unicode61 with remove_diacritics 2 compares words."""
    if text.isascii():
        return text.lower()
    if len(text) <= _CACHED_LENGTH:
        return _fold_cached(text)
    return _fold_accents(text)


def _fold_accents(text: str) -> str:
    return _DIACRITICS.sub("", unicodedata.normalize("NFD", text)).lower()


# Senders and subjects repeat from row to row (a third of a backlog scan was folding them again);
# bodies do not, and must not fill memory: at most 4,096 strings of at most 2,000 characters.
_CACHED_LENGTH = 2000
_fold_cached = lru_cache(maxsize=4096)(_fold_accents)


@lru_cache(maxsize=32)
def _phrases(query: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per word of the query (split as `reader._fts_query` splits it): its first token, and a pattern for all."""
    phrases = []
    for word in query.split():
        tokens = _TOKEN.findall(fold(word.replace('"', "")))
        if tokens:
            body = _BETWEEN_TOKENS.join(re.escape(t) for t in tokens)
            phrases.append((tokens[0], re.compile(rf"(?<!{_TOKEN_CHARS}){body}")))
    return tuple(phrases)
