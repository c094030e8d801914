-- Every index on applications is written again when the score import moves
-- a region's million applications from ticketed to scored (state is
-- indexed, so no update is HOT). applications_year_site (year, site) is the
-- prefix of applications_year_site_submitted (00018), which answers every
-- query it did.

-- +goose Up
DROP INDEX applications_year_site;

-- +goose Down
CREATE INDEX applications_year_site ON applications (year, site);
