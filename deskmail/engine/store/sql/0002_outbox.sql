-- Outgoing mail waits here until the server has taken it (final 250) and a copy is filed in Sent.
-- state: queued (not yet tried or failed before DATA) | sending (DATA under way: after a crash,
-- look for the Message-ID in Sent before sending again) | sent (250 received; Sent copy still
-- to file) | failed (refused; waits for the user). A row is deleted once the Sent copy is filed.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT NOT NULL,              -- "<...@...>", to find the message in Sent
    raw           BLOB NOT NULL,              -- the complete message, Bcc included (dropped on the wire)
    sender        TEXT NOT NULL,              -- envelope MAIL FROM
    recipients    TEXT NOT NULL,              -- JSON list: envelope RCPT TO (To + Cc + Bcc)
    state         TEXT NOT NULL DEFAULT 'queued',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',   -- JSON of the UserFacingError of the last attempt
    created_at    REAL NOT NULL,
    sent_at       REAL NOT NULL DEFAULT 0
);
CREATE INDEX outbox_by_message_id ON outbox (message_id);

-- The newest local version of each draft, and which UID holds it in the server's Drafts folder.
CREATE TABLE drafts (
    message_id    TEXT PRIMARY KEY,           -- stays the same across saves of one composition
    raw           BLOB NOT NULL,
    saved_at      REAL NOT NULL,
    server_uid    INTEGER NOT NULL DEFAULT 0, -- 0: this version is not on the server yet
    uidvalidity   INTEGER NOT NULL DEFAULT 0
);
