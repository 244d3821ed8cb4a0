-- Issue 17: a CDA may add a version per language of what they type for readers: an event's
-- title, place and purpose, an activity's title, a progress note. Readers get their
-- language's version, else the original. One table per kind (not one generic table) so
-- each row has a real foreign key: deleting an event, activity or note deletes its
-- versions (ON DELETE CASCADE), and a version can never point at nothing.
-- `language` on the originals says which language the CDA typed them in (NULL for rows
-- from before this migration or from an import): no version is offered in that one.

ALTER TABLE events ADD COLUMN language TEXT;
ALTER TABLE activities ADD COLUMN language TEXT;
ALTER TABLE activity_notes ADD COLUMN language TEXT;

CREATE TABLE event_versions (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('title', 'place', 'purpose')),
    language TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) > 0),
    PRIMARY KEY (event_id, field, language)
);

CREATE TABLE activity_versions (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('title')),
    language TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) > 0),
    PRIMARY KEY (activity_id, field, language)
);

CREATE TABLE note_versions (
    note_id INTEGER NOT NULL REFERENCES activity_notes(id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('text')),
    language TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) > 0),
    PRIMARY KEY (note_id, field, language)
);
