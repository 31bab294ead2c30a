-- Version 9 (branch pop3): POP3 accounts (engine/pop3/). Their folders are local only: the store is
-- the only copy, UIDs are handed out by Deskmail from folders.uidnext and never reused in a folder
-- (UIDVALIDITY stays 1). This table remembers which server messages were downloaded, by UIDL (or a
-- header fingerprint on servers without UIDL), and when Deskmail first saw each one: "remove from
-- the server after N days" counts from then. A row is written in the same transaction as the
-- message and its body, so a message is either stored and recorded, or neither.
CREATE TABLE pop3_uidls (
    uidl          TEXT PRIMARY KEY,
    message_row   INTEGER NOT NULL DEFAULT 0,  -- messages.id of the local copy when downloaded (may be gone since)
    first_seen    REAL NOT NULL,
    state         TEXT NOT NULL DEFAULT 'kept'  -- kept: still on the server | deleted: DELE confirmed by QUIT
);
