package store

import (
	"context"
	"database/sql"
	"fmt"

	"kaowu"
)

// The reads of a person's data export (internal/app ExportPerson) that no
// other use case needs: everything of one person, across the years.

// ApplicationsOf returns every application of a candidate, oldest year
// first.
func (r reader) ApplicationsOf(ctx context.Context, candidateID string) ([]kaowu.Application, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+applicationColumns("a")+` FROM applications a WHERE a.candidate_id = $1 ORDER BY a.year, a.id`, candidateID)
	if err != nil {
		return nil, fmt.Errorf("applications of %s: %w", candidateID, err)
	}
	defer rows.Close()
	var out []kaowu.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("applications of %s: %w", candidateID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ScoreMergesOfUser returns every score merge of an account, oldest first.
func (r reader) ScoreMergesOfUser(ctx context.Context, userID string) ([]ScoreMerge, error) {
	var out []ScoreMerge
	err := r.each(ctx, `SELECT `+mergeColumns+` FROM score_merges WHERE user_id = $1 ORDER BY previous_year, id`, userID, func(rows *sql.Rows) error {
		m, err := scanMerge(rows)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("score merges of %s: %w", userID, err)
	}
	return out, nil
}

// PreviousRecordsOf returns the previous-year records imported under an
// ID document, oldest year first.
func (r reader) PreviousRecordsOf(ctx context.Context, t kaowu.IDType, number kaowu.IDNumber) ([]kaowu.PreviousRecord, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+previousColumns+` FROM previous_records WHERE id_type = $1 AND id_number = $2 ORDER BY year`,
		string(t), string(number))
	if err != nil {
		return nil, fmt.Errorf("previous records: %w", err)
	}
	defer rows.Close()
	var out []kaowu.PreviousRecord
	for rows.Next() {
		p, err := scanPreviousRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("previous records: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
