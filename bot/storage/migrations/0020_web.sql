-- Issue 16: the web pages. A cluster's public page is off until its CDA turns it on.
ALTER TABLE clusters ADD COLUMN public_page INTEGER NOT NULL DEFAULT 0
    CHECK (public_page IN (0, 1));

-- One-time sign-in links sent by /dashboard. Only a hash of the token is kept, so a copy of
-- the database cannot sign anyone in. Bound to the chat identity that asked.
CREATE TABLE web_links (
    token_hash TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX web_links_person ON web_links (channel, channel_user_id, created_at);

-- Dashboard sessions (the cookie holds the id; only its hash is kept). Rights are looked up
-- again at every request from the identity, so a role taken away ends access at once.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_user_id TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX web_sessions_person ON web_sessions (channel, channel_user_id);
