-- Version 7: the preview pass (engine/imap/previews.py) marks the messages it looked at, so a message
-- with no text (only an attachment, an empty body) is not fetched again on every sync.
ALTER TABLE messages ADD COLUMN preview_tried INTEGER NOT NULL DEFAULT 0;
