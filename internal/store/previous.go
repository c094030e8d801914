package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"kaowu"
)

// previousEducation is the stored form of one education row in
// previous_records.education (a JSON list): fixed here, so that a change of
// kaowu.Education does not change what is stored.
type previousEducation struct {
	Level       string `json:"level"`
	School      string `json:"school"`
	Major       string `json:"major"`
	GraduatedOn string `json:"graduated_on"`
	FullTime    bool   `json:"full_time"`
}

const previousColumns = `year, id_type, id_number, name, birth_date, archive_no, region, site, specialty_code, specialty_name, level,
	education, unit_name, post,
	basics_score, basics_passed, related_score, related_passed, professional_score, professional_passed, practice_score, practice_passed,
	absent, misconduct, qualified, source, imported_at`

// previousColumnCount is the number of previousColumns.
const previousColumnCount = 27

// previousArgs returns the values of previousColumns for r.
func previousArgs(r kaowu.PreviousRecord) ([]any, error) {
	edu := make([]previousEducation, len(r.Education))
	for i, e := range r.Education {
		edu[i] = previousEducation{Level: e.Level, School: e.School, Major: e.Major, GraduatedOn: e.GraduatedOn.String(), FullTime: e.FullTime}
	}
	b, err := json.Marshal(edu)
	if err != nil {
		return nil, err
	}
	args := []any{r.Year, string(r.IDType), kaowu.NormalizeIDNumber(string(r.IDNumber)), r.Name, r.BirthDate.String(),
		kaowu.NormalizeArchiveNo(r.ArchiveNo), r.Region, r.Site, r.SpecialtyCode, r.SpecialtyName, string(r.Level),
		string(b), r.UnitName, r.Post}
	for _, s := range kaowu.Subjects {
		res := r.Result(s)
		score := sql.NullInt64{Int64: int64(res.Score), Valid: res.Sat}
		args = append(args, score, res.Passed)
	}
	return append(args, r.Absent, r.Misconduct, r.Qualified, r.Source, utc(r.ImportedAt)), nil
}

func scanPreviousRecord(row interface{ Scan(...any) error }) (kaowu.PreviousRecord, error) {
	var r kaowu.PreviousRecord
	var idType, idNumber, birth, level, edu string
	var scores [4]sql.NullInt64
	var passed [4]bool
	err := row.Scan(&r.Year, &idType, &idNumber, &r.Name, &birth, &r.ArchiveNo, &r.Region, &r.Site, &r.SpecialtyCode, &r.SpecialtyName, &level,
		&edu, &r.UnitName, &r.Post,
		&scores[0], &passed[0], &scores[1], &passed[1], &scores[2], &passed[2], &scores[3], &passed[3],
		&r.Absent, &r.Misconduct, &r.Qualified, &r.Source, &r.ImportedAt)
	if err != nil {
		return r, err
	}
	r.IDType, r.IDNumber, r.Level = kaowu.IDType(idType), kaowu.IDNumber(idNumber), kaowu.Level(level)
	r.ImportedAt = r.ImportedAt.UTC()
	if r.BirthDate, err = kaowu.ParseDate(birth); err != nil {
		return r, fmt.Errorf("previous record %d/%s: birth date: %w", r.Year, r.ArchiveNo, err)
	}
	var stored []previousEducation
	if err := json.Unmarshal([]byte(edu), &stored); err != nil {
		return r, fmt.Errorf("previous record %d/%s: education: %w", r.Year, r.ArchiveNo, err)
	}
	for _, e := range stored {
		var d kaowu.Date
		if err := d.UnmarshalText([]byte(e.GraduatedOn)); err != nil {
			return r, fmt.Errorf("previous record %d/%s: graduation date: %w", r.Year, r.ArchiveNo, err)
		}
		r.Education = append(r.Education, kaowu.Education{Level: e.Level, School: e.School, Major: e.Major, GraduatedOn: d, FullTime: e.FullTime})
	}
	for i, s := range kaowu.Subjects {
		r.Results = append(r.Results, kaowu.SubjectResult{Subject: s, Sat: scores[i].Valid, Score: int(scores[i].Int64), Passed: passed[i]})
	}
	return r, nil
}

// PreviousRecordByID returns the record of exam year y under an ID
// document (the number is normalised first); none is ENOTFOUND.
func (r reader) PreviousRecordByID(ctx context.Context, y int, t kaowu.IDType, number kaowu.IDNumber) (kaowu.PreviousRecord, error) {
	n := kaowu.NormalizeIDNumber(string(number))
	rec, err := scanPreviousRecord(r.q.QueryRowContext(ctx, `SELECT `+previousColumns+` FROM previous_records
		WHERE year = $1 AND id_type = $2 AND id_number = $3`, y, string(t), n))
	if err != nil {
		return rec, fmt.Errorf("previous record %d by id document %s: %w", y, kaowu.MaskID(n),
			notFound(err, fmt.Sprintf("没有%d年度以该证件（%s %s）报考的记录", y, t.Label(), kaowu.MaskID(n))))
	}
	return rec, nil
}

// PreviousRecordByArchive returns the record of exam year y with an
// archive number (档案号, normalised first); none is ENOTFOUND.
func (r reader) PreviousRecordByArchive(ctx context.Context, y int, archiveNo string) (kaowu.PreviousRecord, error) {
	a := kaowu.NormalizeArchiveNo(archiveNo)
	rec, err := scanPreviousRecord(r.q.QueryRowContext(ctx, `SELECT `+previousColumns+` FROM previous_records
		WHERE year = $1 AND archive_no = $2`, y, a))
	if err != nil {
		return rec, fmt.Errorf("previous record %d by archive number %s: %w", y, a,
			notFound(err, fmt.Sprintf("没有%d年度档案号为 %s 的记录", y, a)))
	}
	return rec, nil
}

// CountPreviousRecords returns the number of records of exam year y.
func (r reader) CountPreviousRecords(ctx context.Context, y int) (int, error) {
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM previous_records WHERE year = $1`, y).Scan(&n); err != nil {
		return 0, fmt.Errorf("count previous records %d: %w", y, err)
	}
	return n, nil
}

// previousBatch is how many records one INSERT carries (27 parameters
// each, far below both engines' limits).
const previousBatch = 100

// ReplacePreviousRecords replaces the records of exam year y by recs and
// returns how many were there before. Every record must be of year y. Two
// records of one ID document or archive number are a conflict (the
// caller's transaction then rolls back, keeping the old records).
func (tx *Tx) ReplacePreviousRecords(ctx context.Context, y int, recs []kaowu.PreviousRecord) (int, error) {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM previous_records WHERE year = $1`, y)
	if err != nil {
		return 0, fmt.Errorf("replace previous records %d: %w", y, err)
	}
	removed, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("replace previous records %d: %w", y, err)
	}
	for start := 0; start < len(recs); start += previousBatch {
		batch := recs[start:min(start+previousBatch, len(recs))]
		var q strings.Builder
		q.WriteString(`INSERT INTO previous_records (` + previousColumns + `) VALUES `)
		args := make([]any, 0, len(batch)*previousColumnCount)
		for i, r := range batch {
			if r.Year != y {
				return 0, fmt.Errorf("replace previous records %d: a record of year %d", y, r.Year)
			}
			a, err := previousArgs(r)
			if err != nil {
				return 0, fmt.Errorf("replace previous records %d: %w", y, err)
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range a {
				if j > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", len(args)+j+1)
			}
			q.WriteByte(')')
			args = append(args, a...)
		}
		_, err := tx.q.ExecContext(ctx, q.String(), args...)
		switch {
		case violated(err, "previous_records_pkey", "previous_records.year, previous_records.id_type, previous_records.id_number"):
			return 0, &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("%d年度的记录中有重复的证件号码：同一证件只能有一条记录", y), Err: err}
		case violated(err, "previous_records_archive_no", "previous_records.year, previous_records.archive_no"):
			return 0, &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("%d年度的记录中有重复的档案号：同一档案号只能有一条记录", y), Err: err}
		case err != nil:
			return 0, fmt.Errorf("replace previous records %d: %w", y, err)
		}
	}
	return int(removed), nil
}
