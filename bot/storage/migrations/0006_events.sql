-- Meetings and exposure visits (SPEC §5 /newmeeting /newvisit /events /attendance) and
-- their reminders (SPEC §8). Timestamps are UTC ISO-8601 text; shown in the cluster's zone.

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'visit')),
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',      -- a meeting's place, a visit's destination
    purpose TEXT NOT NULL DEFAULT '',
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    seats INTEGER CHECK (seats IS NULL OR seats > 0),   -- NULL: no limit (meetings)
    -- Who is invited / eligible, as a broadcast audience: {} whole cluster,
    -- {"roles": [...]} (a visit's eligible roles). JSON.
    audience TEXT NOT NULL DEFAULT '{}',
    register_by TEXT,                    -- registration deadline (visits)
    contribution_paise INTEGER NOT NULL DEFAULT 0 CHECK (contribution_paise >= 0),
    reminder_offsets TEXT NOT NULL DEFAULT '[1440, 120]',  -- JSON minutes before start
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by TEXT NOT NULL,            -- 'telegram:123' (the CDA)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX events_upcoming ON events (cluster_id, status, starts_at);

-- Meeting answers: one per person, the latest wins.
CREATE TABLE rsvps (
    event_id INTEGER NOT NULL REFERENCES events(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'maybe')),
    at TEXT NOT NULL,
    PRIMARY KEY (event_id, contact_id)
);

-- Visit registrations. `seq` orders the waiting list (first come, first promoted); a
-- person who cancels and registers again goes to the back. A waiting person's position
-- is derived (waiting rows with a smaller seq, plus one), so it moves up by itself.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (event_id, contact_id)
);
CREATE INDEX registrations_event ON registrations (event_id, status, seq);

-- Seats are never over-booked, whatever the caller does: the repository counts and
-- inserts inside the engine's single IMMEDIATE transaction, and these triggers refuse a
-- confirmed row beyond the event's seats as a last line of defence.
CREATE TRIGGER registrations_seats_insert BEFORE INSERT ON registrations
WHEN NEW.status = 'confirmed' AND (SELECT seats FROM events WHERE id = NEW.event_id) IS NOT NULL
    AND (SELECT COUNT(*) FROM registrations WHERE event_id = NEW.event_id AND status = 'confirmed')
        >= (SELECT seats FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'no seat left');
END;
CREATE TRIGGER registrations_seats_update BEFORE UPDATE OF status ON registrations
WHEN NEW.status = 'confirmed' AND OLD.status != 'confirmed'
    AND (SELECT seats FROM events WHERE id = NEW.event_id) IS NOT NULL
    AND (SELECT COUNT(*) FROM registrations WHERE event_id = NEW.event_id AND status = 'confirmed')
        >= (SELECT seats FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'no seat left');
END;

-- One row per reminder of an event. The scheduler's alarm is the scheduled_jobs row
-- 'reminder:<event>:<offset>m' (re-armed at start); this row says what became of it.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    offset_minutes INTEGER NOT NULL CHECK (offset_minutes > 0),
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'skipped', 'cancelled')),
    note TEXT,
    done_at TEXT,
    UNIQUE (event_id, offset_minutes)
);

-- Who came (/attendance). Only people marked are stored; rates are derived.
CREATE TABLE attendance (
    event_id INTEGER NOT NULL REFERENCES events(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    marked_by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (event_id, contact_id)
);
