-- Clusters, contacts (one per channel identity), conversation state, admins, audit log.
-- Timestamps are UTC ISO-8601 text.

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A contact exists from the first message (we must remember the language and the step),
-- but nothing personal (name, role, gender, place, phone) is written before consent_at.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_user_id TEXT,            -- NULL once erased
    chat_id TEXT,                    -- NULL once erased
    language TEXT,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'registered', 'erased')),
    consent_at TEXT,
    name TEXT,
    role TEXT,
    cluster_id INTEGER REFERENCES clusters(id),
    gender TEXT,
    place TEXT,
    phone TEXT,
    opted_out INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    registered_at TEXT,
    last_inbound_at TEXT,
    erased_at TEXT,
    UNIQUE (channel, channel_user_id)
);
CREATE INDEX contacts_cluster ON contacts (cluster_id, status);

-- Where each person is in a conversation: a flow name and a step name, never a number.
CREATE TABLE conversations (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    flow TEXT NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);

-- CDAs and observers added with `clusterbot admin add`; cluster_id NULL = every cluster.
CREATE TABLE admins (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_user_id TEXT NOT NULL,
    cluster_id INTEGER REFERENCES clusters(id),
    role TEXT NOT NULL CHECK (role IN ('cda', 'observer')),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX admins_unique ON admins (channel, channel_user_id, IFNULL(cluster_id, 0), role);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,             -- 'telegram:123', 'cli', 'system'
    action TEXT NOT NULL,            -- 'admin.add', 'contact.erase', 'cluster.add', ...
    cluster_id INTEGER,
    subject TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);

-- Platform updates already handled, so a redelivery after a crash changes nothing twice.
CREATE TABLE processed_updates (
    channel TEXT NOT NULL,
    update_key TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (channel, update_key)
) WITHOUT ROWID;
