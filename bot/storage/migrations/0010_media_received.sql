-- Files people sent that the bot fetched (issue 12), for the per-person daily quota
-- (bot/limits.py MEDIA_MAX_FILES_PER_DAY / MEDIA_MAX_BYTES_PER_DAY). Sizes only: the
-- files are answers or attachments, stored where the answer points; rows older than a
-- day are deleted when the person sends the next file.
CREATE TABLE media_received (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    bytes INTEGER NOT NULL
);
CREATE INDEX media_received_contact ON media_received (contact_id, at);
