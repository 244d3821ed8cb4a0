-- The cluster's action plan (SPEC §5 /activity): activities by category with target group,
-- responsibility, dates, budget and its contribution split, status and progress notes.
-- Money is whole paise (integers: no float rounding in sums); dates are local ISO dates.

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    title TEXT NOT NULL CHECK (length(title) > 0),
    category TEXT NOT NULL CHECK (category IN
        ('trust_building', 'pilot', 'capacity_building', 'regular', 'strategic', 'other')),
    target_group TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL DEFAULT '',   -- a person or an institution, free text
    starts_on TEXT,                         -- 'YYYY-MM-DD' in the cluster's zone, optional
    ends_on TEXT,
    -- Budget split by who pays (the seed's contribution of beneficiaries vs institutions);
    -- the total budget is their sum.
    beneficiaries_paise INTEGER NOT NULL DEFAULT 0 CHECK (beneficiaries_paise >= 0),
    agency_paise INTEGER NOT NULL DEFAULT 0 CHECK (agency_paise >= 0),
    others_paise INTEGER NOT NULL DEFAULT 0 CHECK (others_paise >= 0),
    status TEXT NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'ongoing', 'done', 'dropped')),
    created_by TEXT NOT NULL,               -- 'telegram:123' (the CDA) or 'cli'
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX activities_cluster ON activities (cluster_id, status);

-- Progress notes and status changes, oldest first. `update_id` links a note that was
-- published to the cluster's /updates log (and broadcast).
CREATE TABLE activity_notes (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    text TEXT NOT NULL DEFAULT '',
    status TEXT CHECK (status IS NULL OR status IN ('planned', 'ongoing', 'done', 'dropped')),
    update_id INTEGER REFERENCES updates(id),
    by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX activity_notes_activity ON activity_notes (activity_id, id);
