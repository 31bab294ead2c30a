-- Which local version of a draft the server copy (server_uid) holds: drafts saved while offline,
-- or newer than the last upload, are uploaded by the next sync (uploaded_version != saved_at).
ALTER TABLE drafts ADD COLUMN uploaded_version REAL NOT NULL DEFAULT 0;
