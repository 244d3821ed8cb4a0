-- The ids of the buttons offered last, so a typed number ("2") means the second button on
-- channels that show choices as numbered text (console, long WhatsApp lists). Durable, so
-- the mapping survives a restart between the question and the answer.
ALTER TABLE conversations ADD COLUMN last_choices TEXT;
