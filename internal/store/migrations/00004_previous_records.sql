-- Previous-year records (上一年度考生记录): one row per candidate and exam
-- year, imported by the region office, read by the automatic confirmation
-- of returning candidates and the ID-change score merge (二（一）) and by the
-- two-year rolling results (七). See docs/previous-records.md.
--
-- One text for SQLite and PostgreSQL. Dates are 'YYYY-MM-DD' TEXT like the
-- profile's. The four subjects' results are columns (fixed shape, checked by
-- the database, countable in SQL); the education rows are one JSON TEXT
-- column, a list of {level, school, major, graduated_on, full_time}: a
-- variable-length list that is always read whole with its record and never
-- queried by its parts, so a child table would buy nothing.

-- +goose Up
CREATE TABLE previous_records (
    year                BIGINT NOT NULL,
    id_type             TEXT NOT NULL CHECK (id_type IN ('resident_id', 'hk_macao_pass', 'hk_macao_taiwan_residence', 'taiwan_pass', 'foreign_permanent_residence', 'military_officer')),
    id_number           TEXT NOT NULL,
    name                TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    archive_no          TEXT NOT NULL,
    region              TEXT NOT NULL,
    site                TEXT NOT NULL,
    specialty_code      TEXT NOT NULL,
    specialty_name      TEXT NOT NULL DEFAULT '',
    level               TEXT NOT NULL CHECK (level IN ('assistant', 'junior', 'intermediate')),
    education           TEXT NOT NULL,
    unit_name           TEXT NOT NULL,
    post                TEXT NOT NULL DEFAULT '',
    -- NULL score: the subject was not sat. A pass needs a score.
    basics_score        BIGINT CHECK (basics_score BETWEEN 0 AND 100),
    basics_passed       BOOLEAN NOT NULL DEFAULT FALSE CHECK (NOT basics_passed OR basics_score IS NOT NULL),
    related_score       BIGINT CHECK (related_score BETWEEN 0 AND 100),
    related_passed      BOOLEAN NOT NULL DEFAULT FALSE CHECK (NOT related_passed OR related_score IS NOT NULL),
    professional_score  BIGINT CHECK (professional_score BETWEEN 0 AND 100),
    professional_passed BOOLEAN NOT NULL DEFAULT FALSE CHECK (NOT professional_passed OR professional_score IS NOT NULL),
    practice_score      BIGINT CHECK (practice_score BETWEEN 0 AND 100),
    practice_passed     BOOLEAN NOT NULL DEFAULT FALSE CHECK (NOT practice_passed OR practice_score IS NOT NULL),
    absent              BOOLEAN NOT NULL DEFAULT FALSE,
    misconduct          BOOLEAN NOT NULL DEFAULT FALSE,
    qualified           BOOLEAN NOT NULL DEFAULT FALSE,
    source              TEXT NOT NULL DEFAULT '',
    imported_at         TIMESTAMP NOT NULL,
    -- One record per ID document and per archive number in a year.
    CONSTRAINT previous_records_pkey PRIMARY KEY (year, id_type, id_number),
    CONSTRAINT previous_records_archive_no UNIQUE (year, archive_no)
);

-- +goose Down
DROP TABLE previous_records;
