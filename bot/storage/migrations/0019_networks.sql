-- Networks and linkages (issue 19): the groups a cluster forms or revives (SHGs, producer
-- groups, consortia, ...), who belongs to them over time, and who buys from, supplies,
-- trains, lends to or advises whom. Timestamps are UTC ISO-8601; *_on are local dates.

CREATE TABLE networks (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    kind TEXT NOT NULL CHECK (kind IN
        ('shg', 'producer_group', 'consortium', 'association', 'credit_group', 'cooperative',
         'other')),
    -- The seed counts networks the programme helped form and old ones it revived apart
    -- from those that were there before it.
    origin TEXT NOT NULL CHECK (origin IN ('formed', 'revived', 'existing')),
    founded_on TEXT,                      -- 'YYYY-MM-DD' (revived: the revival's date)
    created_by TEXT NOT NULL,             -- 'telegram:123' or 'cli'
    created_at TEXT NOT NULL,
    UNIQUE (cluster_id, name)
);

-- One row per spell of membership (or invitation): a person who leaves and joins again
-- gets a second row, so members can be counted at any past date. At most one live row
-- (invited or member) per person and network.
CREATE TABLE network_members (
    id INTEGER PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL CHECK (status IN ('invited', 'member', 'declined', 'left')),
    contact_person INTEGER NOT NULL DEFAULT 0 CHECK (contact_person IN (0, 1)),
    invited_at TEXT,                      -- NULL: added directly by the CDA
    joined_at TEXT,                       -- NULL until a member
    left_at TEXT,                         -- when they left, declined or were removed
    added_by TEXT NOT NULL,
    CHECK (contact_person = 0 OR status = 'member'),
    CHECK (status != 'member' OR joined_at IS NOT NULL)
);
CREATE UNIQUE INDEX network_members_live ON network_members (network_id, contact_id)
    WHERE status IN ('invited', 'member');
CREATE INDEX network_members_contact ON network_members (contact_id, status);
-- One contact person per network at a time.
CREATE UNIQUE INDEX network_members_contact_person ON network_members (network_id)
    WHERE contact_person = 1;

-- A linkage between two actors of a cluster: an actor type (a role key) or a network (its
-- id as text). Recorded by the CDA, or reported in a survey answer (then it goes with the
-- response). `since`/`until` are local dates, so the map can be drawn at any date.
CREATE TABLE linkages (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    from_kind TEXT NOT NULL CHECK (from_kind IN ('role', 'network')),
    from_ref TEXT NOT NULL,
    to_kind TEXT NOT NULL CHECK (to_kind IN ('role', 'network')),
    to_ref TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN
        ('buys_from', 'sells_to', 'supplies', 'trains', 'lends_to', 'advises')),
    since TEXT NOT NULL,
    until TEXT,
    source TEXT NOT NULL CHECK (source IN ('cda', 'survey')),
    reported_by INTEGER REFERENCES contacts(id),
    response_id INTEGER REFERENCES responses(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (until IS NULL OR until >= since),
    CHECK (from_kind != to_kind OR from_ref != to_ref OR from_kind = 'role')
);
CREATE INDEX linkages_cluster ON linkages (cluster_id, since);
CREATE INDEX linkages_reporter ON linkages (reported_by);
CREATE INDEX linkages_response ON linkages (response_id);

-- The action plan's activities may belong to a network, so the beneficiaries' share of
-- the budget can be counted by network (the resources its members committed).
ALTER TABLE activities ADD COLUMN network_id INTEGER REFERENCES networks(id) ON DELETE SET NULL;
