package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

// ReviewFilter selects confirmed applications of a year for the region's
// review. Empty fields do not filter. After is the id of the last row of
// the previous page (keyset paging by application id, which is time
// ordered).
type ReviewFilter struct {
	Year          int
	Site          string
	Specialty     string
	UnitID        string
	Outcome       string // "review" for the ones the engine could not decide
	AutoConfirmed bool   // only applications confirmed automatically (二（一）)
	After         string
	Limit         int
}

// ReviewRow is one application in the review list.
type ReviewRow struct {
	ApplicationID string
	CandidateID   string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	UnitID        string
	UnitName      string
	Site          string
	Specialty     string
	Level         kaowu.Level
	Outcome       string
	AutoConfirmed bool
	Version       int
	SubmittedAt   *time.Time
}

// ReviewList returns one page of the confirmed applications of f.Year
// matching f, by id, military applications excepted (their division-level
// unit reviews them, 二（三）1). More reports whether another page follows.
func (r reader) ReviewList(ctx context.Context, f ReviewFilter) (rows []ReviewRow, more bool, err error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT a.id, a.candidate_id, u.name, u.id_type, u.id_number, COALESCE(un.id, ''), COALESCE(un.name, ''),
		a.site, a.specialty, a.level, a.outcome, a.auto_confirmed, a.version, a.submitted_at
		FROM applications a JOIN users u ON u.id = a.candidate_id LEFT JOIN units un ON un.id = u.unit_id
		WHERE a.year = $1 AND a.state = 'confirmed' AND a.id > $2
		AND ($3 = '' OR a.site = $3) AND ($4 = '' OR a.specialty = $4) AND ($5 = '' OR u.unit_id = $5)
		AND ($6 = '' OR a.outcome = $6) AND ($7 = FALSE OR a.auto_confirmed = TRUE)
		AND NOT EXISTS (SELECT 1 FROM military_applications m WHERE m.application_id = a.id)
		ORDER BY a.id LIMIT $8`
	res, err := r.q.QueryContext(ctx, q, f.Year, f.After, f.Site, f.Specialty, f.UnitID, f.Outcome, f.AutoConfirmed, f.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("review list: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var x ReviewRow
		var idType, idNumber sql.NullString
		var submitted sql.NullTime
		if err := res.Scan(&x.ApplicationID, &x.CandidateID, &x.Name, &idType, &idNumber, &x.UnitID, &x.UnitName,
			&x.Site, &x.Specialty, &x.Level, &x.Outcome, &x.AutoConfirmed, &x.Version, &submitted); err != nil {
			return nil, false, fmt.Errorf("review list: %w", err)
		}
		x.IDType, x.IDNumber = kaowu.IDType(idType.String), kaowu.IDNumber(idNumber.String)
		if submitted.Valid {
			t := submitted.Time.UTC()
			x.SubmittedAt = &t
		}
		rows = append(rows, x)
	}
	if err := res.Err(); err != nil {
		return nil, false, fmt.Errorf("review list: %w", err)
	}
	if len(rows) > f.Limit {
		rows, more = rows[:f.Limit], true
	}
	return rows, more, nil
}

// ReviewDecision is the region's decision on one application.
type ReviewDecision struct {
	ApplicationID string
	Decision      kaowu.ApplicationState // approved or rejected
	Reason        string
	Clause        string
	Subjects      []kaowu.Subject // approved: the subjects to pay for
	FeeFen        int64           // approved: the fee due
	DecidedBy     string
	DecidedAt     time.Time
}

// InsertReviewDecision records a decision; a second decision on the same
// application is a conflict.
func (tx *Tx) InsertReviewDecision(ctx context.Context, d ReviewDecision) error {
	subjects := make([]string, len(d.Subjects))
	for i, s := range d.Subjects {
		subjects[i] = string(s)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO review_decisions (application_id, decision, reason, clause, subjects, fee_fen, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ApplicationID, string(d.Decision), d.Reason, d.Clause, strings.Join(subjects, ","),
		d.FeeFen, d.DecidedBy, utc(d.DecidedAt))
	if isUnique(err) {
		return kaowu.Errorf(kaowu.ECONFLICT, "该报名已由其他审核人员作出审核决定，请刷新后查看")
	}
	if err != nil {
		return fmt.Errorf("review decision %s: %w", d.ApplicationID, err)
	}
	return nil
}

// ReviewDecisionOf returns the decision on an application.
func (r reader) ReviewDecisionOf(ctx context.Context, applicationID string) (ReviewDecision, error) {
	var d ReviewDecision
	var decision, subjects string
	err := r.q.QueryRowContext(ctx, `SELECT application_id, decision, reason, clause, subjects, fee_fen, decided_by, decided_at
		FROM review_decisions WHERE application_id = $1`, applicationID).Scan(&d.ApplicationID, &decision, &d.Reason, &d.Clause,
		&subjects, &d.FeeFen, &d.DecidedBy, &d.DecidedAt)
	if err != nil {
		return d, fmt.Errorf("review decision of %s: %w", applicationID, notFound(err, "尚无审核决定"))
	}
	d.Decision, d.DecidedAt = kaowu.ApplicationState(decision), d.DecidedAt.UTC()
	if subjects != "" {
		for _, s := range strings.Split(subjects, ",") {
			d.Subjects = append(d.Subjects, kaowu.Subject(s))
		}
	}
	return d, nil
}

// IsMilitaryApplication reports whether an application came from a
// military unit's roster.
func (r reader) IsMilitaryApplication(ctx context.Context, applicationID string) (bool, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM military_applications WHERE application_id = $1`, applicationID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("military application %s: %w", applicationID, err)
	}
	return n > 0, nil
}
