-- Erasure (issue 12, bot/erasure.py): the audit log is searched by actor and subject to
-- replace an erased person's channel id or phone number with `contact:<id>`. Without
-- these indexes each /forget scanned the whole log (~150 ms at 100,000 entries), holding
-- the single writer meanwhile.
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_subject ON audit_log (subject);
