-- Exam venues and rooms, seating and admission tickets (四, 五). See
-- docs/tickets.md.

-- +goose Up
CREATE TABLE venues (
    id         TEXT PRIMARY KEY,
    site       TEXT NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    directions TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (site, name)
);

-- A room's days are the exam days it is available, as comma-separated
-- YYYY-MM-DD; empty is every exam day of its kind.
CREATE TABLE rooms (
    id               TEXT PRIMARY KEY,
    venue_id         TEXT NOT NULL REFERENCES venues (id),
    site             TEXT NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('paper', 'computer')),
    capacity         BIGINT NOT NULL CHECK (capacity > 0),
    seats_per_row    BIGINT NOT NULL CHECK (seats_per_row > 0),
    working_machines BIGINT NOT NULL DEFAULT 0 CHECK (working_machines >= 0),
    days             TEXT NOT NULL DEFAULT '',
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (venue_id, name)
);
CREATE INDEX rooms_site ON rooms (site, venue_id, name);

-- Where each seated candidate sits; day is '' for a paper seat, which
-- holds for every paper session. No seat of a room is given twice on a day.
CREATE TABLE seat_assignments (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    year           BIGINT NOT NULL,
    site           TEXT NOT NULL,
    day            TEXT NOT NULL,
    room_id        TEXT NOT NULL REFERENCES rooms (id),
    seat           BIGINT NOT NULL CHECK (seat > 0),
    seat_row       BIGINT NOT NULL,
    seat_col       BIGINT NOT NULL,
    assigned_at    TIMESTAMP NOT NULL,
    UNIQUE (room_id, day, seat)
);
CREATE INDEX seat_assignments_site ON seat_assignments (year, site, room_id, day, seat);

-- One row per seating run, with its report as JSON: what the office sees
-- after each run (room fill, unplaced, moved, binding constraints).
CREATE TABLE seating_runs (
    id      TEXT PRIMARY KEY,
    year    BIGINT NOT NULL,
    site    TEXT NOT NULL,
    run_by  TEXT NOT NULL,
    run_at  TIMESTAMP NOT NULL,
    report  TEXT NOT NULL
);
CREATE INDEX seating_runs_site ON seating_runs (year, site, run_at);

-- Admission tickets: the number is unique and never changes once issued;
-- the sequence counts per site and specialty. The archive number is last
-- year's when the candidate sits the subjects still to pass (七), else new.
CREATE TABLE tickets (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    year           BIGINT NOT NULL,
    site           TEXT NOT NULL,
    specialty      TEXT NOT NULL,
    ticket_no      TEXT NOT NULL UNIQUE,
    seq            BIGINT NOT NULL,
    archive_no     TEXT NOT NULL,
    issued_at      TIMESTAMP NOT NULL,
    UNIQUE (year, site, specialty, seq),
    UNIQUE (year, archive_no)
);

-- A bulk build of a site's tickets (one PDF per room and day), resumable:
-- each finished file is stored, and a build that stopped goes on from the
-- files it lacks.
CREATE TABLE ticket_builds (
    id          TEXT PRIMARY KEY,
    year        BIGINT NOT NULL,
    site        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    total       BIGINT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX ticket_builds_site ON ticket_builds (year, site, created_at);

CREATE TABLE ticket_build_files (
    build_id TEXT NOT NULL REFERENCES ticket_builds (id),
    name     TEXT NOT NULL,
    tickets  BIGINT NOT NULL,
    pdf      BYTEA NOT NULL,
    made_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (build_id, name)
);

-- +goose Down
DROP TABLE ticket_build_files;
DROP TABLE ticket_builds;
DROP TABLE tickets;
DROP TABLE seating_runs;
DROP TABLE seat_assignments;
DROP TABLE rooms;
DROP TABLE venues;
