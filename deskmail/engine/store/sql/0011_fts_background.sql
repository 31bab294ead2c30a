-- The full-text index is built behind the header sync (branch fts; the lead may renumber this file).
-- Rows with an id above indexed_to are not in message_search yet: Store.index_backlog adds them in
-- small batches, and StoreReader.search matches them one by one until then (store/fulltext.py).
-- Every row of a store made before this version was indexed as it was stored.
CREATE TABLE search_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_to    INTEGER NOT NULL
);
INSERT INTO search_state (id, indexed_to) SELECT 1, coalesce(max(id), 0) FROM messages;
