package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

// The offices' dashboards (issue 11): counts of an exam year's
// applications, grouped in SQL, for one site or (site "") all of them.
// Each query is one text for both engines. Instants are grouped by their
// UTC hour (the first 13 characters of the stored text, the same on both:
// "2023-12-05 02"), which the caller folds into Beijing days; a GROUP BY
// returns at most 24 rows a day whatever the number of applications.

// hourOf is the SQL expression of the UTC hour of a TIMESTAMP column, as
// text "YYYY-MM-DD HH": SQLite stores "2023-12-05 02:00:00+00:00" and
// PostgreSQL casts to "2023-12-05 02:00:00" (DateStyle ISO, its default).
func hourOf(col string) string { return `SUBSTR(CAST(` + col + ` AS TEXT), 1, 13)` }

// scope returns the condition that selects the applications (alias a) of
// exam year y at a site ("" for every site), and its arguments ($1, $2).
// Equality on the site, rather than "($2 = ” OR a.site = $2)", lets both
// engines use the (year, site) index and leaves the rows unread where the
// index answers.
func scope(y int, site string) (string, []any) {
	if site == "" {
		return `a.year = $1`, []any{y}
	}
	return `a.year = $1 AND a.site = $2`, []any{y, site}
}

// parseHour reads an hourOf value as the instant that starts the hour.
func parseHour(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02 15", s, time.UTC)
	if err != nil {
		return t, fmt.Errorf("hour %q: %w", s, err)
	}
	return t, nil
}

// StatsGroup is one cell of an exam year's applications counted by site,
// specialty, level, the candidate's unit category ("" without a unit),
// whether a military unit registered it, state, and whether it was
// confirmed automatically.
type StatsGroup struct {
	Site          string
	Specialty     string
	Level         kaowu.Level
	UnitCategory  string
	Military      bool
	State         kaowu.ApplicationState
	AutoConfirmed bool
	N             int
}

// ApplicationStats counts the applications of exam year y at a site (""
// for every site) by StatsGroup's fields, drafts included.
func (r reader) ApplicationStats(ctx context.Context, y int, site string) ([]StatsGroup, error) {
	where, args := scope(y, site)
	rows, err := r.q.QueryContext(ctx, `SELECT a.site, a.specialty, a.level, COALESCE(un.unit_category, ''),
		CASE WHEN m.application_id IS NULL THEN 0 ELSE 1 END, `+stateOf("a")+`, a.auto_confirmed, COUNT(*)
		FROM applications a JOIN users u ON u.id = a.candidate_id LEFT JOIN units un ON un.id = u.unit_id
		LEFT JOIN military_applications m ON m.application_id = a.id
		WHERE `+where+`
		GROUP BY a.site, a.specialty, a.level, COALESCE(un.unit_category, ''), CASE WHEN m.application_id IS NULL THEN 0 ELSE 1 END,
			`+stateOf("a")+`, a.auto_confirmed`, args...)
	if err != nil {
		return nil, fmt.Errorf("application stats %d %s: %w", y, site, err)
	}
	defer rows.Close()
	var out []StatsGroup
	for rows.Next() {
		var g StatsGroup
		var military int
		if err := rows.Scan(&g.Site, &g.Specialty, &g.Level, &g.UnitCategory, &military, &g.State, &g.AutoConfirmed, &g.N); err != nil {
			return nil, fmt.Errorf("application stats %d %s: %w", y, site, err)
		}
		g.Military = military == 1
		out = append(out, g)
	}
	return out, rows.Err()
}

// HourCount is a count of events at a site in one UTC hour, by Key when the query
// says so, with an amount in fen where it has one.
type HourCount struct {
	Site string
	Hour time.Time
	Key  string
	N    int
	Fen  int64
}

func (r reader) hourCounts(ctx context.Context, what, q string, args ...any) ([]HourCount, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []HourCount
	for rows.Next() {
		var c HourCount
		var hour string
		if err := rows.Scan(&c.Site, &hour, &c.Key, &c.N, &c.Fen); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if c.Hour, err = parseHour(hour); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FirstSubmissionsByHour counts the applications of exam year y at a site
// ("" for all) by the hour of their first submission (version 1, kept if
// withdrawn since). An application's submitted_at is its last version's
// (SubmitApplication), so only those submitted more than once read their
// first version, whose row (with its snapshot and photo) is wide.
func (r reader) FirstSubmissionsByHour(ctx context.Context, y int, site string) ([]HourCount, error) {
	where, args := scope(y, site)
	h := hourOf("COALESCE(v.submitted_at, a.submitted_at)")
	return r.hourCounts(ctx, fmt.Sprintf("first submissions %d %s", y, site), `SELECT a.site, `+h+`, '', COUNT(*), 0
		FROM applications a LEFT JOIN application_versions v ON v.application_id = a.id AND v.version = 1 AND a.version > 1
		WHERE `+where+` AND a.version > 0
		GROUP BY a.site, `+h, args...)
}

// DeskDecisionsByHour counts the confirmation desk's decisions on the
// applications of exam year y at a site ("" for all) by hour and action
// (Key: confirm or return).
func (r reader) DeskDecisionsByHour(ctx context.Context, y int, site string) ([]HourCount, error) {
	where, args := scope(y, site)
	h := hourOf("d.at")
	return r.hourCounts(ctx, fmt.Sprintf("desk decisions %d %s", y, site), `SELECT a.site, `+h+`, d.action, COUNT(*), 0
		FROM applications a JOIN desk_decisions d ON d.application_id = a.id
		WHERE `+where+`
		GROUP BY a.site, `+h+`, d.action`, args...)
}

// PaymentsByHour counts the payments that paid an order of exam year y at
// a site ("" for all), applied or restored (not duplicates, not held), by
// the hour the payer paid, with their amount.
func (r reader) PaymentsByHour(ctx context.Context, y int, site string) ([]HourCount, error) {
	where, args := scope(y, site)
	h := hourOf("p.paid_at")
	return r.hourCounts(ctx, fmt.Sprintf("payments %d %s", y, site), `SELECT a.site, `+h+`, '', COUNT(*), COALESCE(SUM(p.amount_fen), 0)
		FROM payments p JOIN orders o ON o.id = p.order_id JOIN applications a ON a.id = o.application_id
		WHERE `+where+` AND p.disposition IN ('applied', 'restored')
		GROUP BY a.site, `+h, args...)
}

// OrderTotals returns the number of orders of exam year y at a site (""
// for all) and the fees they ask: one per application the region
// approved.
func (r reader) OrderTotals(ctx context.Context, y int, site string) (n int, fen int64, err error) {
	where, args := scope(y, site)
	err = r.q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(o.amount_fen), 0) FROM orders o JOIN applications a ON a.id = o.application_id
		WHERE `+where, args...).Scan(&n, &fen)
	if err != nil {
		return 0, 0, fmt.Errorf("order totals %d %s: %w", y, site, err)
	}
	return n, fen, nil
}

// RoomDayCount is the number of candidates seated in a room on a day (""
// for the paper seats, which hold for every paper session).
type RoomDayCount struct {
	RoomID string
	Day    string
	N      int
}

// SeatCounts counts the seat assignments of exam year y at a site (""
// for all) by room and day.
func (r reader) SeatCounts(ctx context.Context, y int, site string) ([]RoomDayCount, error) {
	where, args := scope(y, site)
	rows, err := r.q.QueryContext(ctx, `SELECT a.room_id, a.day, COUNT(*) FROM seat_assignments a
		WHERE `+where+` GROUP BY a.room_id, a.day`, args...)
	if err != nil {
		return nil, fmt.Errorf("seat counts %d %s: %w", y, site, err)
	}
	defer rows.Close()
	var out []RoomDayCount
	for rows.Next() {
		var c RoomDayCount
		if err := rows.Scan(&c.RoomID, &c.Day, &c.N); err != nil {
			return nil, fmt.Errorf("seat counts %d %s: %w", y, site, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UnitPending is the number of applications of one unit in one state that
// waits for someone to act: submitted (the desk), returned (the
// candidate), approved (the candidate's payment).
type UnitPending struct {
	Site         string
	UnitID       string // "" without a unit
	UnitName     string
	UnitCategory string
	State        kaowu.ApplicationState
	N            int
}

// PendingByUnit counts the applications of exam year y at a site (""
// for all) in the given states by site, unit and state.
func (r reader) PendingByUnit(ctx context.Context, y int, site string, states ...kaowu.ApplicationState) ([]UnitPending, error) {
	if len(states) == 0 {
		return nil, nil
	}
	where, args := scope(y, site)
	ps := make([]string, len(states))
	for i, st := range states {
		args = append(args, string(st))
		ps[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := r.q.QueryContext(ctx, `SELECT a.site, COALESCE(un.id, ''), COALESCE(un.name, ''), COALESCE(un.unit_category, ''), a.state, COUNT(*)
		FROM applications a JOIN users u ON u.id = a.candidate_id LEFT JOIN units un ON un.id = u.unit_id
		WHERE `+where+` AND a.state IN (`+strings.Join(ps, ", ")+`)
		GROUP BY a.site, COALESCE(un.id, ''), COALESCE(un.name, ''), COALESCE(un.unit_category, ''), a.state`, args...)
	if err != nil {
		return nil, fmt.Errorf("pending by unit %d %s: %w", y, site, err)
	}
	defer rows.Close()
	var out []UnitPending
	for rows.Next() {
		var p UnitPending
		if err := rows.Scan(&p.Site, &p.UnitID, &p.UnitName, &p.UnitCategory, &p.State, &p.N); err != nil {
			return nil, fmt.Errorf("pending by unit %d %s: %w", y, site, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// HasApplications reports whether exam year y has any application stored
// (at a site, or anywhere for site "").
func (r reader) HasApplications(ctx context.Context, y int, site string) (bool, error) {
	var one int
	where, args := scope(y, site)
	err := r.q.QueryRowContext(ctx, `SELECT 1 FROM applications a WHERE `+where+` LIMIT 1`, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("applications of %d %s: %w", y, site, err)
	}
	return true, nil
}
