-- Version 6: stores created in the first minutes of 0001 had a per-row insert trigger into the
-- search index; Store.add_messages now indexes new rows in bulk, and both together would insert
-- every row twice (FTS5 refuses a duplicate rowid). Harmless where the trigger never existed.
DROP TRIGGER IF EXISTS messages_search_insert;
