-- Issue 18: the log-frame of a cluster — goal, purpose, outputs and activities, each with
-- an indicator, a baseline, a target and a source of verification. A row is known by its
-- `ref` (the numbering people give log-frame rows: "1", "1.2", "A3"), so importing the file
-- again keeps the values entered by hand for rows that are still there.
CREATE TABLE logframe_rows (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    position INTEGER NOT NULL,       -- the row's place in the file
    level TEXT NOT NULL CHECK (level IN ('goal', 'purpose', 'output', 'activity')),
    statement TEXT NOT NULL,
    indicator TEXT NOT NULL,
    baseline REAL,
    target REAL,
    target_date TEXT,                -- YYYY-MM-DD
    source TEXT NOT NULL,            -- 'manual' or a computed source (bot/logframe/sources.py)
    since TEXT NOT NULL,             -- YYYY-MM-DD first imported: "on time" counts from here
    UNIQUE (cluster_id, ref)
);

-- Values a CDA enters by chat for a manual indicator (with the date it was measured).
CREATE TABLE logframe_values (
    id INTEGER PRIMARY KEY,
    row_id INTEGER NOT NULL REFERENCES logframe_rows(id) ON DELETE CASCADE,
    value REAL NOT NULL,
    measured_on TEXT NOT NULL,       -- YYYY-MM-DD
    note TEXT NOT NULL DEFAULT '',
    entered_by INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    entered_at TEXT NOT NULL
);
CREATE INDEX logframe_values_row ON logframe_values (row_id, measured_on, id);
