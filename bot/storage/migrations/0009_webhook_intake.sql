-- Durable webhook intake (issue 12): every signature-checked WhatsApp webhook POST is
-- stored here before it is answered 200, then handled from here. A row is deleted once
-- everything in it is handled (it holds phone numbers and message text), in the same
-- transaction as the delivery statuses it carried; a row still here at start-up is
-- handled again (messages are deduplicated by wamid in processed_updates).
CREATE TABLE webhook_intake (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    received_at TEXT NOT NULL,
    payload TEXT NOT NULL,                    -- the raw JSON body
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | failed (gave up, kept for a look)
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX webhook_intake_pending ON webhook_intake (channel, status, id);
