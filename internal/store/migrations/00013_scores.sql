-- Scores, their publication, look-up and certificates (六, 七, 八, 一（十）).
-- See docs/scores.md.

-- +goose Up
-- One row per ticketed application, as the national centre's result file
-- gives it: a subject's score, NULL when absent (缺考); misconduct (违纪)
-- voids the year. answer is the look-up's answer, made when the row is
-- written (the four subjects, pass or fail, the two-year status), so that
-- the release-day read is one indexed row; passed says the specialty is
-- passed within the two years (the certificate list, 八).
CREATE TABLE scores (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    year           BIGINT NOT NULL,
    site           TEXT NOT NULL,
    ticket_no      TEXT NOT NULL UNIQUE,
    specialty      TEXT NOT NULL,
    basics         BIGINT,
    related        BIGINT,
    professional   BIGINT,
    practice       BIGINT,
    misconduct     BOOLEAN NOT NULL DEFAULT FALSE,
    passed         BOOLEAN NOT NULL DEFAULT FALSE,
    answer         TEXT NOT NULL,
    import_id      TEXT NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX scores_year_passed ON scores (year, passed, site, ticket_no);

-- Each import of a result file: what it changed, and its digest, so that
-- the same file again changes nothing.
CREATE TABLE score_imports (
    id          TEXT PRIMARY KEY,
    year        BIGINT NOT NULL,
    source      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    rows_total  BIGINT NOT NULL,
    created     BIGINT NOT NULL,
    changed     BIGINT NOT NULL,
    unchanged   BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX score_imports_year ON score_imports (year, imported_at);

-- The instant from which a year's scores are public (六), set by the
-- region office; revision moves on with every import, so that every
-- node's cache of answers knows when to forget them.
CREATE TABLE score_publications (
    year         BIGINT PRIMARY KEY,
    publish_at   TIMESTAMP,
    set_by       TEXT NOT NULL DEFAULT '',
    revision     BIGINT NOT NULL DEFAULT 0
);

-- Results earned in another province by a candidate who moved here (七):
-- recorded by the site office from the other province's proof, and counted
-- by the two-year rule like this region's.
CREATE TABLE transfer_records (
    id           TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL REFERENCES users (id),
    province     TEXT NOT NULL,
    year         BIGINT NOT NULL,
    specialty    TEXT NOT NULL,
    archive_no   TEXT NOT NULL DEFAULT '',
    results      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    UNIQUE (candidate_id, year, specialty)
);

-- +goose Down
DROP TABLE transfer_records;
DROP TABLE score_publications;
DROP TABLE score_imports;
DROP TABLE scores;
