-- Version 12: each folder's count of visible
-- messages, so the message list learns a folder's size from one row instead of counting an index
-- (count(*) took 10-30 ms at 100,000 messages and 0.2 s at 1,000,000, on the GUI thread, after
-- every commit of a first sync).
-- Inserts add to it in Store.add_messages, once per batch (a trigger per inserted row cost a
-- quarter more store time in a first sync); deletes and hidden/folder changes keep it by trigger.
ALTER TABLE folders ADD COLUMN visible_count INTEGER NOT NULL DEFAULT 0;

UPDATE folders SET visible_count = (SELECT count(*) FROM messages m WHERE m.folder_id = folders.id AND m.hidden = 0);

CREATE TRIGGER messages_visible_delete AFTER DELETE ON messages WHEN OLD.hidden = 0 BEGIN
    UPDATE folders SET visible_count = visible_count - 1 WHERE id = OLD.folder_id;
END;

CREATE TRIGGER messages_visible_update AFTER UPDATE OF hidden, folder_id ON messages
WHEN OLD.hidden != NEW.hidden OR OLD.folder_id != NEW.folder_id BEGIN
    UPDATE folders SET visible_count = visible_count - 1 WHERE id = OLD.folder_id AND OLD.hidden = 0;
    UPDATE folders SET visible_count = visible_count + 1 WHERE id = NEW.folder_id AND NEW.hidden = 0;
END;
