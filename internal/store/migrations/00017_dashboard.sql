-- The offices' dashboards (issue 11): applications first submitted per
-- day. An application's submitted_at is its last version's, so only those
-- submitted more than once need their version 1, whose row carries the
-- form's snapshot and photo; this index holds just what the count reads,
-- so that PostgreSQL joins it (index only) instead of reading every
-- version. See docs/dashboard.md.

-- +goose Up
CREATE INDEX application_versions_first ON application_versions (application_id, submitted_at) WHERE version = 1;

-- +goose Down
DROP INDEX application_versions_first;
