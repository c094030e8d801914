package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaowu"
)

const changeColumns = `id, user_id, kind, new_name, new_id_type, new_id_number, reason, status, decided_by, decision_reason, created_at, decided_at, evidence_purged_at`

func scanChange(row interface{ Scan(...any) error }) (kaowu.ChangeRequest, error) {
	var c kaowu.ChangeRequest
	var decided, purged sql.NullTime
	var number string
	err := row.Scan(&c.ID, &c.UserID, &c.Kind, &c.NewName, &c.NewIDType, &number, &c.Reason, &c.Status, &c.DecidedBy,
		&c.DecisionReason, &c.CreatedAt, &decided, &purged)
	c.EvidencePurgedAt = timePtr(purged)
	c.NewIDNumber = kaowu.IDNumber(number)
	c.CreatedAt = c.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		c.DecidedAt = &t
	}
	return c, err
}

// CreateChangeRequest stores a pending registration change request. An
// account may have one pending request at a time (a unique partial index).
func (tx *Tx) CreateChangeRequest(ctx context.Context, c *kaowu.ChangeRequest) error {
	if c.ID == "" {
		c.ID = NewID()
	}
	c.CreatedAt = utc(c.CreatedAt)
	c.Status = kaowu.ChangePending
	_, err := tx.q.ExecContext(ctx, `INSERT INTO change_requests (id, user_id, kind, new_name, new_id_type, new_id_number, reason,
		evidence, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.UserID, c.Kind, c.NewName, string(c.NewIDType), string(c.NewIDNumber), c.Reason, c.Evidence, c.Status, c.CreatedAt)
	if violated(err, "change_requests_one_pending", "change_requests.user_id") {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "您已有一份待审核的申请，请等待考点审核后再提交新的申请。", Err: err}
	}
	if err != nil {
		return fmt.Errorf("create change request: %w", err)
	}
	return nil
}

// ChangeRequest returns a request with its evidence.
func (r reader) ChangeRequest(ctx context.Context, id string) (kaowu.ChangeRequest, error) {
	c, err := scanChange(r.q.QueryRowContext(ctx, `SELECT `+changeColumns+` FROM change_requests WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("change request %s: %w", id, notFound(err, "申请不存在"))
	}
	if err := r.q.QueryRowContext(ctx, `SELECT evidence FROM change_requests WHERE id = $1`, id).Scan(&c.Evidence); err != nil {
		return c, fmt.Errorf("change request %s evidence: %w", id, err)
	}
	return c, nil
}

// ChangeRequests returns the requests of a status ("" for all) and, when
// userID is set, of that account only; newest first, without evidence.
func (r reader) ChangeRequests(ctx context.Context, status kaowu.ChangeStatus, userID string) ([]kaowu.ChangeRequest, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+changeColumns+` FROM change_requests
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR user_id = $2) ORDER BY created_at DESC, id DESC LIMIT 500`,
		string(status), userID)
	if err != nil {
		return nil, fmt.Errorf("change requests: %w", err)
	}
	defer rows.Close()
	var out []kaowu.ChangeRequest
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("change requests: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DecideChangeRequest moves a pending request to approved or rejected; a
// request no longer pending is a conflict.
func (tx *Tx) DecideChangeRequest(ctx context.Context, id string, status kaowu.ChangeStatus, by, reason string, now time.Time) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE change_requests SET status = $2, decided_by = $3, decision_reason = $4, decided_at = $5
		WHERE id = $1 AND status = 'pending'`, id, string(status), by, reason, utc(now))
	if err != nil {
		return fmt.Errorf("decide change request: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ECONFLICT, "该申请已处理过，不能重复审核")
	}
	return nil
}

// AuditOf returns the audit entries about an object, oldest first.
func (r reader) AuditOf(ctx context.Context, object string) ([]kaowu.AuditEntry, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, at, actor, role, action, object, detail, before_state, after_state
		FROM audit_log WHERE object = $1 ORDER BY at, id`, object)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", object, err)
	}
	defer rows.Close()
	var out []kaowu.AuditEntry
	for rows.Next() {
		var e kaowu.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Detail, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("audit of %s: %w", object, err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
