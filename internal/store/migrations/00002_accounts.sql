-- Accounts (issue 3): candidates' identity documents, sessions, login
-- throttles, profiles, photos, WeChat bindings, registration change
-- requests, desk reset codes, and before/after state in the audit log.
--
-- One text for SQLite and PostgreSQL. Binary columns are declared BYTEA:
-- PostgreSQL's binary type, and on SQLite a name with NUMERIC affinity, which
-- stores a bound []byte as a BLOB unchanged (affinity converts only TEXT
-- values). See docs/accounts.md.

-- +goose Up
ALTER TABLE users ADD COLUMN id_type TEXT CHECK (id_type IN ('resident_id', 'hk_macao_pass', 'hk_macao_taiwan_residence', 'taiwan_pass', 'foreign_permanent_residence', 'military_officer'));
ALTER TABLE users ADD COLUMN id_number TEXT;
ALTER TABLE users ADD COLUMN mobile TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN recovery_question TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN recovery_answer_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
-- 二（一）4(1): one registration per ID number. NULLs (staff) do not collide.
CREATE UNIQUE INDEX users_id_document ON users (id_type, id_number);
CREATE INDEX users_id_number ON users (id_number);

ALTER TABLE audit_log ADD COLUMN before_state TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN after_state TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_object ON audit_log (object, at);

CREATE TABLE sessions (
    token      TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failure counters shared by every server process: key is
-- "login:account:<user id>", "login:ip:<address>", "recover:…".
CREATE TABLE login_throttles (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE profiles (
    user_id                        TEXT PRIMARY KEY REFERENCES users (id),
    post                           TEXT NOT NULL DEFAULT '',
    specialty_started_on           TEXT NOT NULL DEFAULT '',
    practice_registered_on         TEXT NOT NULL DEFAULT '',
    community_training_certificate BOOLEAN NOT NULL DEFAULT FALSE,
    frontline_appraised            BOOLEAN NOT NULL DEFAULT FALSE,
    frontline_early_used_before    BOOLEAN NOT NULL DEFAULT FALSE,
    hubei_aid_award                TEXT NOT NULL DEFAULT '',
    residency_certificate_on       TEXT NOT NULL DEFAULT '',
    file_elsewhere                 BOOLEAN NOT NULL DEFAULT FALSE,
    social_insurance_months        BIGINT NOT NULL DEFAULT 0,
    updated_at                     TIMESTAMP NOT NULL
);

CREATE TABLE profile_educations (
    user_id         TEXT NOT NULL REFERENCES users (id),
    seq             BIGINT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('secondary', 'college', 'bachelor', 'master', 'doctorate')),
    major           TEXT NOT NULL,
    school          TEXT NOT NULL,
    graduated_on    TEXT NOT NULL,
    full_time       BOOLEAN NOT NULL,
    medical         BOOLEAN NOT NULL,
    military_school BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE profile_titles (
    user_id     TEXT NOT NULL REFERENCES users (id),
    seq         BIGINT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('assistant', 'junior', 'intermediate')),
    specialty   TEXT NOT NULL,
    obtained_on TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE profile_licences (
    user_id     TEXT NOT NULL REFERENCES users (id),
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('physician', 'assistant_physician', 'nurse')),
    category    TEXT NOT NULL DEFAULT '',
    scope       TEXT NOT NULL DEFAULT '',
    obtained_on TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE profile_post_changes (
    user_id        TEXT NOT NULL REFERENCES users (id),
    seq            BIGINT NOT NULL,
    changed_on     TEXT NOT NULL,
    from_specialty TEXT NOT NULL,
    to_specialty   TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE photos (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    jpeg        BYTEA NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);

-- 二（一）4(5): one WeChat identity per account and one account per WeChat
-- identity.
CREATE TABLE wechat_bindings (
    user_id  TEXT PRIMARY KEY REFERENCES users (id),
    openid   TEXT NOT NULL UNIQUE,
    unionid  TEXT NOT NULL DEFAULT '',
    bound_at TIMESTAMP NOT NULL
);

CREATE TABLE change_requests (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL CHECK (kind IN ('change', 'delete')),
    new_name        TEXT NOT NULL DEFAULT '',
    new_id_type     TEXT NOT NULL DEFAULT '',
    new_id_number   TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL,
    evidence        BYTEA NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by      TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP
);
-- At most one pending request per account.
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests (user_id) WHERE status = 'pending';
CREATE INDEX change_requests_status ON change_requests (status, created_at);

-- One-time password reset codes issued at the site office's desk
-- (二（一）4(3)); only a hash of the code is stored.
CREATE TABLE reset_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL UNIQUE,
    method     TEXT NOT NULL,
    issued_by  TEXT NOT NULL,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX reset_codes_user ON reset_codes (user_id);

-- +goose Down
DROP TABLE reset_codes;
DROP TABLE change_requests;
DROP TABLE wechat_bindings;
DROP TABLE photos;
DROP TABLE profile_post_changes;
DROP TABLE profile_licences;
DROP TABLE profile_titles;
DROP TABLE profile_educations;
DROP TABLE profiles;
DROP TABLE login_throttles;
DROP TABLE sessions;
DROP INDEX audit_log_object;
ALTER TABLE audit_log DROP COLUMN after_state;
ALTER TABLE audit_log DROP COLUMN before_state;
DROP INDEX users_id_number;
DROP INDEX users_id_document;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN session_epoch;
ALTER TABLE users DROP COLUMN recovery_answer_hash;
ALTER TABLE users DROP COLUMN recovery_question;
ALTER TABLE users DROP COLUMN mobile;
ALTER TABLE users DROP COLUMN id_number;
ALTER TABLE users DROP COLUMN id_type;
