-- Indexes for release day: the result import writes a region's million
-- scores and changes as many applications, and every look-up checks its
-- throttles. See docs/scores.md.

-- +goose Up
-- applications_year_state_id (year, state, id) answers every query that
-- applications_year_state (year, state) did.
DROP INDEX applications_year_state;
-- The certificate list reads only passed rows: index only those.
DROP INDEX scores_year_passed;
CREATE INDEX scores_passed ON scores (year, site, ticket_no) WHERE passed;
-- Each node reads the locked look-up throttles once a second.
CREATE INDEX login_throttles_locked ON login_throttles (locked_until);

-- +goose Down
DROP INDEX login_throttles_locked;
DROP INDEX scores_passed;
CREATE INDEX scores_year_passed ON scores (year, passed, site, ticket_no);
CREATE INDEX applications_year_state ON applications (year, state);
