-- Question media of imported forms (media::image, media::audio, ... per language; issue 13).
-- A form's JSON names each file with the sha256 of its content (`Form.media`), so the form
-- version and its files cannot drift apart; the same file in several versions is kept once.
CREATE TABLE survey_media (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
