-- Indexes that cost every write more than they give: the result import
-- writes a region's million scores and changes as many applications.

-- +goose Up
-- applications_year_state_id (year, state, id) answers every query that
-- applications_year_state (year, state) did.
DROP INDEX applications_year_state;
-- The certificate list reads only passed rows: index only those.
DROP INDEX scores_year_passed;
CREATE INDEX scores_passed ON scores (year, site, ticket_no) WHERE passed;

-- +goose Down
DROP INDEX scores_passed;
CREATE INDEX scores_year_passed ON scores (year, passed, site, ticket_no);
CREATE INDEX applications_year_state ON applications (year, state);
