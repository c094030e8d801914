-- Personal data retention (个人信息保存期限, 《个人信息保护法》第十九条):
-- when the purge job (internal/app PurgePersonalData) deleted what it
-- deletes, so that pages can say "照片已按保存期限删除" instead of "not
-- uploaded", and each row is purged once. See docs/operations.md.

-- +goose Up
-- The account's photo, mobile number and WeChat binding were deleted (the
-- account, its name and ID document stay: results need them).
ALTER TABLE users ADD COLUMN purged_at TIMESTAMP;
-- The photos of the application's versions and the contact details in
-- their snapshots were deleted (the application and versions stay).
ALTER TABLE applications ADD COLUMN purged_at TIMESTAMP;
-- The scanned evidence of a decided change request was deleted (the
-- request and its decision stay).
ALTER TABLE change_requests ADD COLUMN evidence_purged_at TIMESTAMP;
-- The stored ticket PDFs of a build (with photos) were deleted.
ALTER TABLE ticket_builds ADD COLUMN purged_at TIMESTAMP;
-- The purge reads the applications of a closed year not purged yet: once
-- purged, a year costs nothing to check again.
CREATE INDEX applications_unpurged ON applications (year, id) WHERE purged_at IS NULL;

-- +goose Down
DROP INDEX applications_unpurged;
ALTER TABLE ticket_builds DROP COLUMN purged_at;
ALTER TABLE change_requests DROP COLUMN evidence_purged_at;
ALTER TABLE applications DROP COLUMN purged_at;
ALTER TABLE users DROP COLUMN purged_at;
