-- Version 3: unread counts without touching message rows.
-- refresh_unread() counts (folder_id, seen = 0, hidden = 0); with `hidden` in the index the count
-- is answered from the index alone (at 100k messages: one index range instead of 33k row reads).
DROP INDEX messages_unseen;
CREATE INDEX messages_unseen ON messages (folder_id, seen, hidden);
