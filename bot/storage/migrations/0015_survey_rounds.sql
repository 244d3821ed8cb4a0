-- Issue 18: a survey can be run again for the same people. A round belongs to a survey key
-- (every version of the form: answers are matched by question name), and each response to
-- one round. Answers before rounds existed form each key's "Baseline".
CREATE TABLE survey_rounds (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,                  -- NULL: the round new responses join
    UNIQUE (key, name)
);
CREATE INDEX survey_rounds_key ON survey_rounds (key, id);

ALTER TABLE responses ADD COLUMN round_id INTEGER REFERENCES survey_rounds(id);

INSERT INTO survey_rounds (key, name, opened_at)
SELECT key, 'Baseline', min(imported_at) FROM surveys GROUP BY key;

UPDATE responses SET round_id = (
    SELECT r.id FROM survey_rounds r JOIN surveys s ON s.key = r.key
    WHERE s.id = responses.survey_id
);
CREATE INDEX responses_round ON responses (round_id, status);

-- Outcome indicators of a survey key: questions whose change between rounds is measured
-- per enterprise (an `indicator` column in the XLSForm, or `clusterbot survey indicators`).
CREATE TABLE survey_indicators (
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (key, name)
) WITHOUT ROWID;
