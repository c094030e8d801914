-- A revision number per stored exam year, bumped on every change, so that
-- processes can cache the parsed year and check it with one small read.

-- +goose Up
ALTER TABLE exam_years ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE exam_years DROP COLUMN revision;
