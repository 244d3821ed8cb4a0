-- The durable outbox (SPEC §8), CDA broadcasts, the public updates log (SPEC §5), and the
-- scheduled jobs the scheduler re-arms at start. Timestamps are UTC ISO-8601 text; the
-- outbox keeps milliseconds because retries are due sub-second apart.

-- What a broadcast says: a serialised Outbound (text, buttons, media file path) as JSON.
-- Kept apart from the outbox rows so that a broadcast to 100,000 people stores its text
-- once per language, not 100,000 times (a 4,096-character Telugu text is 12 kB).
CREATE TABLE outbox_payloads (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);

-- One row per bot-initiated message to one person: the delivery ledger.
--   queued -> in_flight -> sent
--                       -> queued again (retry: 5xx, timeout, 429) -> ... -> failed
--                       -> blocked (403: the person blocked the bot; contact unreachable)
--                       -> failed (400 chat not found, bad request, attempts used up)
--   queued -> opted_out / blocked / skipped without a send (decided at fan-out or just
--             before sending: /stop, unreachable, erased with /forget)
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    chat_id TEXT,                    -- NULL once the contact is erased (/forget)
    kind TEXT NOT NULL CHECK (kind IN ('broadcast', 'invitation', 'reminder', 'notice')),
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
    -- Fan-out is idempotent: one row per (kind, ref, person). Leading with contact_id lets
    -- the same index serve the /forget trigger below.
    UNIQUE (contact_id, kind, ref)
);
-- The sender's queue: only queued rows are in it, in the order they go out.
CREATE INDEX outbox_due ON outbox (channel, priority DESC, next_attempt_at, id)
    WHERE status = 'queued';
-- The ledger: counts by status per broadcast (/deliveries) from the index alone.
CREATE INDEX outbox_ref ON outbox (kind, ref, status);

-- /forget nulls the contact's chat id; the ledger must not keep it either, and nothing
-- still queued for the person may go out.
CREATE TRIGGER outbox_forget AFTER UPDATE OF chat_id ON contacts
WHEN NEW.chat_id IS NULL
BEGIN
    UPDATE outbox SET chat_id = NULL,
        status = CASE WHEN status IN ('queued', 'in_flight') THEN 'skipped' ELSE status END,
        last_error = CASE WHEN status IN ('queued', 'in_flight') THEN 'erased' ELSE last_error END
    WHERE contact_id = NEW.id;
END;

CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    author TEXT NOT NULL,            -- 'telegram:123' (the CDA)
    audience TEXT NOT NULL DEFAULT '{}',  -- JSON: {} whole cluster, {"roles": [...]}, {"gender": "female"}
    texts TEXT NOT NULL,             -- JSON: {"en": "...", "hi": "..."}
    default_language TEXT NOT NULL,  -- whose text goes to people with no version of their own
    media_kind TEXT CHECK (media_kind IN ('photo', 'document')),
    media_path TEXT,
    media_name TEXT,
    scheduled_at TEXT,               -- when to send (UTC); NULL = at once
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sent', 'cancelled', 'missed')),
    created_at TEXT NOT NULL,
    sent_at TEXT,                    -- when it was fanned out into the outbox
    recipients INTEGER               -- outbox rows written at fan-out
);
CREATE INDEX broadcasts_cluster ON broadcasts (cluster_id, id);

-- The cluster's public log (/updates): every broadcast, once sent.
CREATE TABLE updates (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    broadcast_id INTEGER REFERENCES broadcasts(id),
    published_at TEXT NOT NULL,
    texts TEXT NOT NULL,             -- JSON, as broadcasts.texts
    default_language TEXT NOT NULL
);
CREATE INDEX updates_cluster ON updates (cluster_id, id);

-- Everything the scheduler runs at a time (scheduled broadcasts; later event reminders).
-- The scheduler is rebuilt from the pending rows at start, one job per row, job id = id.
CREATE TABLE scheduled_jobs (
    id TEXT PRIMARY KEY,             -- 'broadcast:42'
    kind TEXT NOT NULL,              -- which function runs it (bot.scheduler kinds)
    ref TEXT NOT NULL,               -- its argument, e.g. the broadcast id
    run_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled', 'missed')),
    created_at TEXT NOT NULL,
    done_at TEXT,
    note TEXT
);
CREATE INDEX scheduled_jobs_pending ON scheduled_jobs (status, run_at);
