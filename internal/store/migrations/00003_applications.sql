-- Applications (网上报名) and their submitted versions. One application per
-- candidate per exam year; every submission is a numbered version, kept.

-- +goose Up
CREATE TABLE applications (
    id             TEXT PRIMARY KEY,
    candidate_id   TEXT NOT NULL REFERENCES users (id),
    year           BIGINT NOT NULL,
    site           TEXT NOT NULL DEFAULT '',
    specialty      TEXT NOT NULL DEFAULT '',
    level          TEXT NOT NULL DEFAULT '',
    declarations   TEXT NOT NULL DEFAULT '{}',
    state          TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'confirmed', 'returned', 'void', 'approved', 'rejected', 'paid', 'forfeited', 'ticketed', 'scored')),
    version        BIGINT NOT NULL DEFAULT 0,
    outcome        TEXT NOT NULL DEFAULT '',
    auto_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    submitted_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (candidate_id, year)
);
CREATE INDEX applications_year_state ON applications (year, state);
CREATE INDEX applications_year_site ON applications (year, site);

CREATE TABLE application_versions (
    application_id TEXT NOT NULL REFERENCES applications (id),
    version        BIGINT NOT NULL,
    submitted_at   TIMESTAMP NOT NULL,
    outcome        TEXT NOT NULL,
    snapshot       TEXT NOT NULL,
    digest         TEXT NOT NULL,
    photo          BYTEA,
    PRIMARY KEY (application_id, version)
);

-- +goose Down
DROP TABLE application_versions;
DROP TABLE applications;
