-- The tamper-evident audit log and its search (issue 11). See docs/audit.md.
--
-- Appends stay as they were: a new row has no seq. The sealer (app.SealAudit,
-- run every minute by serve and by `kaowu audit seal`) takes unsealed rows in
-- (at, id) order and gives each the next seq, the hash of the entry before
-- it (prev_hash) and its own hash over prev_hash and every field, seq
-- included (kaowu.AuditChainHash). The head of the chain (last seq and hash)
-- is kept in settings too, under 'audit.head', so that removing the newest
-- rows is detected.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash BYTEA;
ALTER TABLE audit_log ADD COLUMN hash BYTEA;
-- One entry per position: two sealers can never give a seq twice. Partial,
-- so that an append (a million at once in the score import) does not add
-- an entry for its NULL.
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq) WHERE seq IS NOT NULL;
-- The sealer's work list: only the unsealed rows, in the order it seals them.
CREATE INDEX audit_log_unsealed ON audit_log (at, id) WHERE seq IS NULL;
-- The search's filters, newest first (keyset on (at, id)).
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_action ON audit_log (action, at, id);

-- +goose Down
DROP INDEX audit_log_action;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_unsealed;
DROP INDEX audit_log_seq;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
ALTER TABLE audit_log DROP COLUMN seq;
