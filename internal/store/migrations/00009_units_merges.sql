-- Score merges (成绩合并, 二（一）, last paragraph): a candidate whose ID type
-- or number changed since last year asks the site office, which checks the
-- evidence and links this year's account to last year's record (by its
-- archive number, 档案号, kept across the two years). Without a link last
-- year's passes do not count (the candidate gives them up).
--
-- One link per account and previous year, and one account per previous
-- record. The units themselves live in `units` (00001).

-- +goose Up
CREATE TABLE score_merges (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    previous_year BIGINT NOT NULL,
    archive_no    TEXT NOT NULL,
    operator      TEXT NOT NULL,
    evidence_note TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CONSTRAINT score_merges_user_year UNIQUE (user_id, previous_year),
    CONSTRAINT score_merges_record UNIQUE (previous_year, archive_no)
);

-- +goose Down
DROP TABLE score_merges;
