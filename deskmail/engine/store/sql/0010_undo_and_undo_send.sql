-- Undo Send and Undo (branch slips-ui; the lead may renumber this file).
-- outbox.not_before: a message waits in the Outbox until then (Undo Send); 0 = at once. A message
-- still waiting when the app is killed goes out at the next start, once this time has passed.
ALTER TABLE outbox ADD COLUMN not_before REAL NOT NULL DEFAULT 0;

-- Where moved messages landed (COPYUID, RFC 4315), so Undo finds them without searching.
CREATE TABLE moved_to (
    folder        TEXT NOT NULL,              -- the server's name of the folder the message is in now
    message_id    TEXT NOT NULL,
    uid           INTEGER NOT NULL,
    uidvalidity   INTEGER NOT NULL,
    moved_at      REAL NOT NULL,
    PRIMARY KEY (folder, message_id)
);
