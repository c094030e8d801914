-- The foundation tables. One text for SQLite and PostgreSQL: TEXT ids
-- (UUIDv7 made by the application), BIGINT integers, TIMESTAMP in UTC.

-- +goose Up
CREATE TABLE exam_years (
    year       BIGINT PRIMARY KEY,
    document   TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE units (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    district      TEXT NOT NULL,
    unit_category TEXT NOT NULL,
    private       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('candidate', 'unit_hr', 'site_staff', 'region_staff', 'military_unit', 'admin')),
    password_hash TEXT NOT NULL,
    unit_id       TEXT REFERENCES units (id),
    site          TEXT NOT NULL DEFAULT '',
    military_unit TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE audit_log (
    id     TEXT PRIMARY KEY,
    at     TIMESTAMP NOT NULL,
    actor  TEXT NOT NULL,
    role   TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE users;
DROP TABLE units;
DROP TABLE exam_years;
