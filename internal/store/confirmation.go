package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

// DeskDecision is one decision of the confirmation desk on a submitted
// version (二（二）): confirmed, or returned for correction with reasons.
type DeskDecision struct {
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Version       int       `json:"version"`
	Action        string    `json:"action"` // confirm or return
	Reasons       []string  `json:"reasons,omitempty"`
	Note          string    `json:"note,omitempty"`
	Operator      string    `json:"operator"`
	At            time.Time `json:"at"`
}

// The desk's actions.
const (
	DeskConfirm = "confirm"
	DeskReturn  = "return"
)

// InsertDeskDecision records a desk decision.
func (tx *Tx) InsertDeskDecision(ctx context.Context, d *DeskDecision) error {
	if d.ID == "" {
		d.ID = NewID()
	}
	reasons, err := json.Marshal(append([]string{}, d.Reasons...))
	if err != nil {
		return fmt.Errorf("desk decision: %w", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO desk_decisions (id, application_id, version, action, reasons, note, operator, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, d.ApplicationID, d.Version, d.Action, string(reasons), d.Note, d.Operator, utc(d.At))
	if err != nil {
		return fmt.Errorf("desk decision on %s: %w", d.ApplicationID, err)
	}
	return nil
}

// DeskDecisions returns the desk's decisions on an application, newest
// first.
func (r reader) DeskDecisions(ctx context.Context, applicationID string) ([]DeskDecision, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, application_id, version, action, reasons, note, operator, at FROM desk_decisions
		WHERE application_id = $1 ORDER BY at DESC, id DESC`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("desk decisions of %s: %w", applicationID, err)
	}
	defer rows.Close()
	var out []DeskDecision
	for rows.Next() {
		var d DeskDecision
		var reasons string
		if err := rows.Scan(&d.ID, &d.ApplicationID, &d.Version, &d.Action, &reasons, &d.Note, &d.Operator, &d.At); err != nil {
			return nil, fmt.Errorf("desk decisions of %s: %w", applicationID, err)
		}
		if err := json.Unmarshal([]byte(reasons), &d.Reasons); err != nil {
			return nil, fmt.Errorf("desk decision %s: %w", d.ID, err)
		}
		d.At = d.At.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// SetStateAtVersion moves an application from one state to another only
// while it is still at version: a compare-and-swap on state and version, so
// that of two desk operators acting at once one changes it and the other
// gets ECONFLICT, and a version the candidate has since replaced is never
// confirmed.
func (tx *Tx) SetStateAtVersion(ctx context.Context, id string, version int, from, to kaowu.ApplicationState, now time.Time) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE applications SET state = $4, updated_at = $5 WHERE id = $1 AND version = $2 AND state = $3`,
		id, version, from, to, utc(now))
	if err != nil {
		return fmt.Errorf("set application %s v%d %s→%s: %w", id, version, from, to, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ECONFLICT, "报名状态已经变化，请刷新后查看")
	}
	return nil
}

// DeskRow is an application as the confirmation desk lists it: the
// application with its candidate and the candidate's current unit.
type DeskRow struct {
	kaowu.Application
	Name         string
	IDType       kaowu.IDType
	IDNumber     kaowu.IDNumber
	UnitID       string
	UnitName     string
	UnitDistrict string
	UnitCategory string
}

// Unit returns the row's unit (without its creation time).
func (d DeskRow) Unit() kaowu.Unit {
	return kaowu.Unit{ID: d.UnitID, Name: d.UnitName, District: d.UnitDistrict, Category: d.UnitCategory}
}

var deskColumns = applicationColumns("a") + `, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), COALESCE(u.unit_id, ''),
		COALESCE(un.name, ''), COALESCE(un.district, ''), COALESCE(un.unit_category, '')`

const deskFrom = ` FROM applications a JOIN users u ON u.id = a.candidate_id LEFT JOIN units un ON un.id = u.unit_id `

// withExtra scans the application columns and then extra.
type withExtra struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

func scanDeskRow(row interface{ Scan(...any) error }) (DeskRow, error) {
	var d DeskRow
	a, err := scanApplication(withExtra{row, []any{&d.Name, &d.IDType, &d.IDNumber, &d.UnitID, &d.UnitName, &d.UnitDistrict, &d.UnitCategory}})
	d.Application = a
	return d, err
}

func (r reader) deskRows(ctx context.Context, where string, args ...any) ([]DeskRow, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+deskColumns+deskFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("desk rows: %w", err)
	}
	defer rows.Close()
	var out []DeskRow
	for rows.Next() {
		d, err := scanDeskRow(rows)
		if err != nil {
			return nil, fmt.Errorf("desk rows: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeskApplication returns one application as the desk sees it.
func (r reader) DeskApplication(ctx context.Context, id string) (DeskRow, error) {
	d, err := scanDeskRow(r.q.QueryRowContext(ctx, `SELECT `+deskColumns+deskFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return d, fmt.Errorf("desk application %s: %w", id, notFound(err, "报名信息不存在"))
	}
	return d, nil
}

// DeskSearch finds the submitted applications of exam year y at a site
// whose candidate's ID number is q, or whose name contains q; at most
// limit, by name.
func (r reader) DeskSearch(ctx context.Context, y int, site, q string, limit int) ([]DeskRow, error) {
	q = strings.TrimSpace(q)
	like := "%" + strings.NewReplacer("%", "", "_", "", `\`, "").Replace(q) + "%"
	return r.deskRows(ctx, `WHERE a.year = $1 AND a.site = $2 AND a.version > 0 AND u.deleted_at IS NULL
		AND (u.id_number = $3 OR u.name LIKE $4) ORDER BY u.name, a.id LIMIT $5`, y, site, strings.ToUpper(q), like, limit)
}

// UnitRoster returns the applications of exam year y at a site whose
// candidates work at unit, submitted at least once, by specialty and name.
func (r reader) UnitRoster(ctx context.Context, y int, site, unitID string) ([]DeskRow, error) {
	return r.deskRows(ctx, `WHERE a.year = $1 AND a.site = $2 AND u.unit_id = $3 AND a.version > 0 AND u.deleted_at IS NULL
		ORDER BY a.specialty, u.name, a.id`, y, site, unitID)
}

// Unconfirmed returns up to limit applications of exam year y still
// awaiting confirmation (submitted or returned).
func (r reader) Unconfirmed(ctx context.Context, y int, limit int) ([]kaowu.Application, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+applicationColumns("a")+` FROM applications a WHERE a.year = $1 AND a.state IN ('submitted', 'returned')
		ORDER BY a.id LIMIT $2`, y, limit)
	if err != nil {
		return nil, fmt.Errorf("unconfirmed applications of %d: %w", y, err)
	}
	defer rows.Close()
	var out []kaowu.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("unconfirmed applications of %d: %w", y, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ConfirmationException lets the site office confirm a unit's candidates
// outside the unit's day and the half-day slots, until a time (二（二））.
type ConfirmationException struct {
	ID        string    `json:"id"`
	Site      string    `json:"site"`
	UnitID    string    `json:"unit_id"`
	UnitName  string    `json:"unit_name"`
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
	Operator  string    `json:"operator"`
	CreatedAt time.Time `json:"created_at"`
}

// InsertConfirmationException records an exception.
func (tx *Tx) InsertConfirmationException(ctx context.Context, e *ConfirmationException) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO confirmation_exceptions (id, site, unit_id, until, reason, operator, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.Site, e.UnitID, utc(e.Until), e.Reason, e.Operator, utc(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("confirmation exception for %s: %w", e.UnitID, err)
	}
	return nil
}

// ConfirmationExceptions returns a site's exceptions, of one unit when
// unitID is not empty, newest first.
func (r reader) ConfirmationExceptions(ctx context.Context, site, unitID string) ([]ConfirmationException, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT e.id, e.site, e.unit_id, COALESCE(un.name, ''), e.until, e.reason, e.operator, e.created_at
		FROM confirmation_exceptions e LEFT JOIN units un ON un.id = e.unit_id
		WHERE e.site = $1 AND ($2 = '' OR e.unit_id = $2) ORDER BY e.created_at DESC, e.id DESC`, site, unitID)
	if err != nil {
		return nil, fmt.Errorf("confirmation exceptions of %s: %w", site, err)
	}
	defer rows.Close()
	var out []ConfirmationException
	for rows.Next() {
		var e ConfirmationException
		var until, created sql.NullTime
		if err := rows.Scan(&e.ID, &e.Site, &e.UnitID, &e.UnitName, &until, &e.Reason, &e.Operator, &created); err != nil {
			return nil, fmt.Errorf("confirmation exceptions of %s: %w", site, err)
		}
		e.Until, e.CreatedAt = until.Time.UTC(), created.Time.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
