-- Issue 15: the two-way inbox. A stakeholder's question, suggestion, complaint or privacy
-- complaint ("about my data") is an item of their cluster; the messages of both directions
-- and every status change are rows of their own, so the report can time the first answer.
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY,                  -- the reference number the person is given
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    -- The sender, also of an anonymous item: kept only to deliver the reply and to block;
    -- NULL once they are erased (/forget).
    contact_id INTEGER REFERENCES contacts(id),
    kind TEXT NOT NULL CHECK (kind IN ('question', 'suggestion', 'complaint', 'privacy')),
    anonymous INTEGER NOT NULL DEFAULT 0,
    -- For the report's split, copied at sending; NULL for anonymous items (a split by
    -- gender and role of a small cluster could point at the sender).
    sender_role TEXT,
    sender_gender TEXT,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'answered', 'closed')),
    text TEXT NOT NULL,                      -- '' once the sender is erased
    media_kind TEXT CHECK (media_kind IN ('photo', 'audio')),
    media_path TEXT,
    created_at TEXT NOT NULL,
    taken_by INTEGER REFERENCES contacts(id),  -- the CDA who has it
    taken_at TEXT,
    first_answer_at TEXT,
    closed_at TEXT,
    update_id INTEGER REFERENCES updates(id),  -- published as a public answer
    published_at TEXT
);
CREATE INDEX inbox_items_cluster ON inbox_items (cluster_id, status, created_at);
CREATE INDEX inbox_items_contact ON inbox_items (contact_id, status);

CREATE TABLE inbox_messages (
    id INTEGER PRIMARY KEY,                  -- an outgoing one is the outbox row's ref
    item_id INTEGER NOT NULL REFERENCES inbox_items(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    author INTEGER REFERENCES contacts(id),  -- the CDA of an 'out' message
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX inbox_messages_item ON inbox_messages (item_id, id);

CREATE TABLE inbox_changes (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES inbox_items(id),
    at TEXT NOT NULL,
    actor INTEGER REFERENCES contacts(id),
    action TEXT NOT NULL,                    -- sent, opened, taken, answered, closed, published
    status TEXT NOT NULL                     -- the item's status after the change
);
CREATE INDEX inbox_changes_item ON inbox_changes (item_id, id);

-- A person blocked by a CDA of the cluster cannot open items there (reversible).
CREATE TABLE inbox_blocks (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    blocked_by INTEGER REFERENCES contacts(id),
    at TEXT NOT NULL,
    PRIMARY KEY (cluster_id, contact_id)
);

-- The reply and the CDA's digest are outbox kinds of their own (a WhatsApp template each;
-- a reply comes even after /stop: the person asked). SQLite cannot change a CHECK
-- constraint, so the outbox is rebuilt as in 0012, with the same columns and indexes.
DROP TRIGGER outbox_forget;
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    chat_id TEXT,                    -- NULL once the contact is erased (/forget)
    kind TEXT NOT NULL CHECK (kind IN
        ('broadcast', 'invitation', 'reminder', 'notice', 'survey_reminder',
         'inbox_reply', 'inbox_digest')),
    ref TEXT NOT NULL,               -- what it belongs to, e.g. the broadcast id
    payload_id INTEGER NOT NULL REFERENCES outbox_payloads(id),
    priority INTEGER NOT NULL DEFAULT 0,  -- higher first: a reminder must not queue behind a broadcast
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
        ('queued', 'in_flight', 'sent', 'failed', 'blocked', 'opted_out', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    platform_message_id TEXT,
    delivered_at TEXT,
    read_at TEXT,
    UNIQUE (contact_id, kind, ref)
);
INSERT INTO outbox_new (id, channel, contact_id, chat_id, kind, ref, payload_id, priority,
    status, attempts, next_attempt_at, last_error, created_at, sent_at, platform_message_id,
    delivered_at, read_at)
SELECT id, channel, contact_id, chat_id, kind, ref, payload_id, priority, status, attempts,
    next_attempt_at, last_error, created_at, sent_at, platform_message_id, delivered_at,
    read_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (channel, priority DESC, next_attempt_at, id)
    WHERE status = 'queued';
CREATE INDEX outbox_ref ON outbox (kind, ref, status);
CREATE INDEX outbox_platform_message ON outbox (platform_message_id)
    WHERE platform_message_id IS NOT NULL;
CREATE TRIGGER outbox_forget AFTER UPDATE OF chat_id ON contacts
WHEN NEW.chat_id IS NULL
BEGIN
    UPDATE outbox SET chat_id = NULL,
        status = CASE WHEN status IN ('queued', 'in_flight') THEN 'skipped' ELSE status END,
        last_error = CASE WHEN status IN ('queued', 'in_flight') THEN 'erased' ELSE last_error END
    WHERE contact_id = NEW.id;
END;
