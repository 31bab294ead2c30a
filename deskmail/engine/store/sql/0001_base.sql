-- Version 1: folders, message headers, bodies, pending operations, seen addresses, search.
-- Booleans are INTEGER 0/1; times are Unix seconds (UTC).

CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,      -- the server's name, decoded from modified UTF-7
    delimiter     TEXT NOT NULL DEFAULT '/',
    special_use   TEXT NOT NULL DEFAULT '',  -- inbox|sent|drafts|trash|junk|archive|all|flagged|''
    attributes    TEXT NOT NULL DEFAULT '',  -- LIST attributes, space separated
    subscribed    INTEGER NOT NULL DEFAULT 0,
    selectable    INTEGER NOT NULL DEFAULT 1,
    uidvalidity   INTEGER NOT NULL DEFAULT 0,
    uidnext       INTEGER NOT NULL DEFAULT 0,  -- written last by a sync: the resume point
    highestmodseq INTEGER NOT NULL DEFAULT 0,  -- written last by a sync: the resume point
    exists_count  INTEGER NOT NULL DEFAULT 0,  -- messages on the server (STATUS/SELECT)
    unread        INTEGER NOT NULL DEFAULT 0,  -- unseen messages (STATUS, then the local count)
    synced_at     REAL NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    folder_id     INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid           INTEGER NOT NULL,
    modseq        INTEGER NOT NULL DEFAULT 0,
    flags         TEXT NOT NULL DEFAULT '',  -- IMAP flags and keywords, space separated
    seen          INTEGER NOT NULL DEFAULT 0,
    flagged       INTEGER NOT NULL DEFAULT 0,
    answered      INTEGER NOT NULL DEFAULT 0,
    hidden        INTEGER NOT NULL DEFAULT 0,  -- moved/deleted locally, server not yet told
    subject       TEXT NOT NULL DEFAULT '',
    from_name     TEXT NOT NULL DEFAULT '',
    from_addr     TEXT NOT NULL DEFAULT '',
    to_addrs      TEXT NOT NULL DEFAULT '',  -- "Name <a@b>, c@d" as decoded text
    cc_addrs      TEXT NOT NULL DEFAULT '',
    date          INTEGER NOT NULL DEFAULT 0,  -- Date: header, else INTERNALDATE
    internaldate  INTEGER NOT NULL DEFAULT 0,
    size          INTEGER NOT NULL DEFAULT 0,
    message_id    TEXT NOT NULL DEFAULT '',
    in_reply_to   TEXT NOT NULL DEFAULT '',
    refs          TEXT NOT NULL DEFAULT '',  -- References:, space separated message ids
    has_attachments INTEGER NOT NULL DEFAULT 0,
    preview       TEXT NOT NULL DEFAULT '',
    UNIQUE (folder_id, uid)
);
CREATE INDEX messages_by_date ON messages (folder_id, date DESC);
CREATE INDEX messages_unseen ON messages (folder_id, seen);
CREATE INDEX messages_by_message_id ON messages (message_id);

-- Raw RFC 5322 bytes, fetched on demand. Big messages live in a file instead (`path`).
CREATE TABLE bodies (
    message_id    INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    raw           BLOB,
    path          TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL DEFAULT 0,
    text          TEXT NOT NULL DEFAULT '',   -- plain text for search, filled by the MIME parser
    fetched_at    REAL NOT NULL DEFAULT 0
);

-- Changes made locally and not yet confirmed by the server, replayed in id order.
CREATE TABLE pending_ops (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,             -- flags|move|delete|expunge
    folder_id     INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uids          TEXT NOT NULL,             -- IMAP UID set, e.g. "4,7:9" (engine.uidset)
    args          TEXT NOT NULL DEFAULT '{}',  -- JSON: what to do
    undo          TEXT NOT NULL DEFAULT '{}',  -- JSON: how to restore the store if refused
    created_at    REAL NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT ''
);

-- Addresses seen in mail or written to, for the composer's autocomplete.
CREATE TABLE addresses (
    address       TEXT PRIMARY KEY,          -- lower case
    name          TEXT NOT NULL DEFAULT '',
    times_seen    INTEGER NOT NULL DEFAULT 0,
    times_sent_to INTEGER NOT NULL DEFAULT 0,
    last_seen     INTEGER NOT NULL DEFAULT 0
);

-- Local search: rowid = messages.id.
CREATE VIRTUAL TABLE message_search USING fts5 (subject, people, body, tokenize = 'unicode61 remove_diacritics 2');

-- Search rows are added in bulk by Store.add_messages (a per-row trigger into FTS5 was 5x slower);
-- deleting a message removes its search row here.
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
END;
