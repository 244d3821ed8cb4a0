-- WhatsApp (issue 6): delivery and read receipts in the outbox ledger, and where WhatsApp
-- told us the 24-hour customer-service window had closed.

-- Status webhooks name the message by its wamid (outbox.platform_message_id).
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
ALTER TABLE outbox ADD COLUMN read_at TEXT;
CREATE INDEX outbox_platform_message ON outbox (platform_message_id)
    WHERE platform_message_id IS NOT NULL;

-- A free-form message refused with 131047 ("re-engagement message") although the person's
-- last message looked recent enough: until they write again (contacts.last_inbound_at
-- later than `at`), bot-initiated messages to them go out as approved templates.
CREATE TABLE whatsapp_window_closed (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    at TEXT NOT NULL
);
