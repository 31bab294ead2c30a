-- Version 4: the mail window's list: count and page through a folder's visible messages, newest first,
-- straight from one index (no temporary sort of the whole folder for every 200-row page).
CREATE INDEX messages_list_order ON messages (folder_id, hidden, date DESC, uid DESC);
