-- Surveys (one row per imported version of a form), responses and their answers.
-- A response keeps the survey row (so the exact form version) it was answered under.

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    cluster_id INTEGER REFERENCES clusters(id),   -- NULL: every cluster
    roles TEXT,                                   -- space-separated role keys; NULL: every role
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    form TEXT NOT NULL,                           -- bot.surveys.model.form_to_json
    form_sha TEXT NOT NULL,                       -- sha256 of `form`: the parsed-form cache key
    languages TEXT NOT NULL,                      -- 'en hi te', the default first
    question_count INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',              -- the file it was imported from
    imported_at TEXT NOT NULL,
    UNIQUE (key, version)
);
CREATE INDEX surveys_key ON surveys (key, id);

-- `position` is where the respondent is: a stored path such as 'products[2]/material'
-- (or '+products[3]' for "add another product?"), never a row index, so it survives any
-- restart and means the same thing under the form version the response belongs to.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'paused', 'completed')),
    position TEXT,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX responses_contact ON responses (contact_id, survey_id);
CREATE INDEX responses_survey ON responses (survey_id, status);

-- One row per answered question instance; `value` is the XForm string (select_multiple:
-- space-separated choice names; date: YYYY-MM-DD; geopoint: 'lat lon alt accuracy').
-- Paths ending in '@count' hold how many rounds an "add another?" repeat has.
CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    value TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (response_id, path)
) WITHOUT ROWID;
