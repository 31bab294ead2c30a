-- Version 8: a folder deleted while offline (engine/imap/folderops.py) is hidden at once and kept,
-- with its messages, until the server confirms; if the server refuses, it simply shows again.
ALTER TABLE folders ADD COLUMN deleting INTEGER NOT NULL DEFAULT 0;
