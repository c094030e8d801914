-- The region's eligibility review (资格审核, 二（二）) and the registration of
-- military health personnel (二（三）). See docs/military.md.

-- +goose Up
-- One decision per application: approved (with the subjects to pay for and
-- the fee due, int64 fen) or rejected (with the reason and the clause).
CREATE TABLE review_decisions (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    decision       TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reason         TEXT NOT NULL DEFAULT '',
    clause         TEXT NOT NULL DEFAULT '',
    subjects       TEXT NOT NULL DEFAULT '',
    fee_fen        BIGINT NOT NULL DEFAULT 0,
    decided_by     TEXT NOT NULL,
    decided_at     TIMESTAMP NOT NULL
);

-- The review list: confirmed applications of a year, paged by id (keyset).
CREATE INDEX applications_year_state_id ON applications (year, state, id);

-- The handover of a military unit's candidates at the site (二（三）2): the
-- letter of introduction, the officer who brought it and the fee paid.
CREATE TABLE military_handovers (
    id            TEXT PRIMARY KEY,
    military_unit TEXT NOT NULL,
    site          TEXT NOT NULL,
    letter_no     TEXT NOT NULL,
    operator      TEXT NOT NULL,
    candidates    BIGINT NOT NULL,
    subjects      BIGINT NOT NULL,
    fee_fen       BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX military_handovers_unit ON military_handovers (military_unit);

-- A military candidate's application as their unit's roster entered it
-- (二（三）1): the regiment-level unit that registered them, the
-- division-level unit that reviewed them, the subjects to sit, and the
-- handover that paid for them.
CREATE TABLE military_applications (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    military_unit  TEXT NOT NULL,
    division_unit  TEXT NOT NULL,
    subjects       BIGINT NOT NULL,
    row_no         BIGINT NOT NULL,
    source         TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    handover_id    TEXT REFERENCES military_handovers (id)
);
CREATE INDEX military_applications_unit ON military_applications (military_unit, row_no);

-- +goose Down
DROP INDEX military_applications_unit;
DROP TABLE military_applications;
DROP INDEX military_handovers_unit;
DROP TABLE military_handovers;
DROP INDEX applications_year_state_id;
DROP TABLE review_decisions;
