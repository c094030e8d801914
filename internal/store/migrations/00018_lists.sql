-- Staff lists that scale (issue 11): candidates, applications, units,
-- payments and scores, each sorted by a few named keys with the row's id as
-- tie-breaker and paged by keyset. Each sort has an index whose columns
-- are the list's fixed equalities, then the sort key, then the id, so that
-- a page is a range scan of LIMIT rows however deep it is; and the
-- background exports of large lists, stored in the database so that every
-- node serves the file. See docs/lists.md.

-- +goose Up
-- Candidates: by registration date and by name (also the name sort of the
-- applications, payments and scores lists, which join the candidate).
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_name ON users (name, id);

-- Applications: by submission (a military application, imported at
-- confirmed, has no online submission: its import instant stands in), in
-- the region and per site; by specialty. By state: applications_year_state_id
-- (00008).
CREATE INDEX applications_year_submitted ON applications (year, (COALESCE(submitted_at, created_at)), id);
CREATE INDEX applications_year_site_submitted ON applications (year, site, (COALESCE(submitted_at, created_at)), id);
CREATE INDEX applications_year_specialty ON applications (year, specialty, id);

-- Units: by district and by category (by name: the unique name).
CREATE INDEX units_district_name ON units (district, name, id);
CREATE INDEX units_category_name ON units (unit_category, name, id);

-- Payments: by the instant paid and by amount.
CREATE INDEX payments_paid ON payments (paid_at, id);
CREATE INDEX payments_amount ON payments (amount_fen, id);

-- Scores: by ticket number in a year, and by specialty.
CREATE INDEX scores_year_ticket ON scores (year, ticket_no);
CREATE INDEX scores_year_specialty ON scores (year, specialty, ticket_no);

-- A background export of a list (more rows than a download at once): the
-- list query fixed when it started (its filter, sort and the exporter's
-- scope, as JSON), its progress, and the finished .xlsx file.
CREATE TABLE list_exports (
    id          TEXT PRIMARY KEY,
    list        TEXT NOT NULL,
    query       TEXT NOT NULL,
    description TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    total       BIGINT NOT NULL DEFAULT 0,
    done        BIGINT NOT NULL DEFAULT 0,
    runs        BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    file_name   TEXT NOT NULL DEFAULT '',
    file        BYTEA,
    file_bytes  BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX list_exports_created ON list_exports (created_at);

-- +goose Down
DROP INDEX list_exports_created;
DROP TABLE list_exports;
DROP INDEX scores_year_specialty;
DROP INDEX scores_year_ticket;
DROP INDEX payments_amount;
DROP INDEX payments_paid;
DROP INDEX units_category_name;
DROP INDEX units_district_name;
DROP INDEX applications_year_specialty;
DROP INDEX applications_year_site_submitted;
DROP INDEX applications_year_submitted;
DROP INDEX users_name;
DROP INDEX users_created;
