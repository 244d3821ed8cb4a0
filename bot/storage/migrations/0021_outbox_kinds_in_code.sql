-- The last rebuild of the outbox for its kinds. 0012, 0014 and 0016 each restated the whole
-- table only to widen the CHECK on `kind`, because SQLite cannot alter a CHECK in place. The
-- kinds are now checked where messages are queued (bot/outbox/queue.py refuses an unknown
-- kind before any row is written), so a new kind is a line of Python, not a table rebuild.
DROP TRIGGER outbox_forget;
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    chat_id TEXT,                    -- NULL once the contact is erased (/forget)
    kind TEXT NOT NULL,              -- one of bot.outbox.queue.KINDS, checked there
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

-- Invitations to join a network (issue 19) were queued as event invitations; they have their
-- own kind now (outside WhatsApp's window their template's button opens /mynetworks).
UPDATE outbox SET kind = 'network_invitation' WHERE kind = 'invitation' AND ref LIKE 'network:%';
