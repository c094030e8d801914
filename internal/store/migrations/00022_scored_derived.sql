-- An application is scored when it is ticketed and has scores: the score
-- import writes the scores rows and leaves the applications alone (state
-- is indexed, so every move rewrote a region's million applications and
-- all their indexes: 10 to 30 s of a million-row import on PostgreSQL).
-- The store reads the state as stateOf does (internal/store/
-- applications.go). Rows stored as scored before become ticketed again.
-- See docs/scores.md.

-- +goose Up
UPDATE applications SET state = 'ticketed' WHERE state = 'scored';

-- +goose Down
UPDATE applications SET state = 'scored'
WHERE state = 'ticketed' AND EXISTS (SELECT 1 FROM scores s WHERE s.application_id = applications.id);
