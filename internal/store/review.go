package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

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
