-- On-site confirmation (现场确认, 二（二）): the desk's decisions on each
-- application (confirmed, or returned for correction with the reasons the
-- candidate sees), and the exceptions a site office opens for a unit to be
-- confirmed outside its day and half-day slots.

-- +goose Up
CREATE TABLE desk_decisions (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    version        BIGINT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('confirm', 'return')),
    -- reasons: JSON array of the reason keys chosen from the desk's list.
    reasons        TEXT NOT NULL DEFAULT '[]',
    note           TEXT NOT NULL DEFAULT '',
    operator       TEXT NOT NULL,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX desk_decisions_application ON desk_decisions (application_id, at);

CREATE TABLE confirmation_exceptions (
    id         TEXT PRIMARY KEY,
    site       TEXT NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    until      TIMESTAMP NOT NULL,
    reason     TEXT NOT NULL,
    operator   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX confirmation_exceptions_unit ON confirmation_exceptions (site, unit_id);

-- +goose Down
DROP TABLE confirmation_exceptions;
DROP TABLE desk_decisions;
