package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaowu"
)

// The five staff lists: their rows, queries, filters and sorts.

// CandidateRow is a candidate account in the candidates list, with its
// application of the list's year, if any.
type CandidateRow struct {
	ID           string
	Name         string
	Username     string
	IDType       kaowu.IDType
	IDNumber     kaowu.IDNumber
	UnitID       string
	UnitName     string
	RegisteredAt time.Time
	// ApplicationID is "" when the candidate has no application this year.
	ApplicationID string
	State         kaowu.ApplicationState
	Version       int
	Site          string
	Specialty     string
	Level         kaowu.Level
}

// Candidates is the candidates list: live candidate accounts, by
// registration date, name or username.
var Candidates = &List[CandidateRow]{
	Kind:   ListCandidates,
	Sorts:  []string{"registered", "name", "username"},
	Fields: []string{FieldName, FieldUsername, FieldIDNumber, FieldTicketNo},
	sorts: map[string][]sortKey{
		"registered": {{"u.created_at", 't'}, {"u.id", 's'}},
		"name":       {{"u.name", 's'}, {"u.id", 's'}},
		"username":   {{"u.username", 's'}, {"u.id", 's'}},
	},
	table: "users u",
	pk:    "u.id",
	joins: []join{{alias: "a", text: "LEFT JOIN applications a ON a.candidate_id = u.id AND a.year = ?"},
		{alias: "un", text: "LEFT JOIN units un ON un.id = u.unit_id"}},
	columns: `u.id, u.name, u.username, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), COALESCE(u.unit_id, ''), COALESCE(un.name, ''),
		u.created_at, COALESCE(a.id, ''), COALESCE(` + stateOf("a") + `, ''), COALESCE(a.version, 0), COALESCE(a.site, ''), COALESCE(a.specialty, ''),
		COALESCE(a.level, '')`,
	scan: func(r *CandidateRow) []any {
		return []any{&r.ID, &r.Name, &r.Username, &r.IDType, &r.IDNumber, &r.UnitID, &r.UnitName, (*utcTime)(&r.RegisteredAt),
			&r.ApplicationID, &r.State, &r.Version, &r.Site, &r.Specialty, &r.Level}
	},
	where: func(w *where, q ListQuery) {
		f := q.Filter
		w.add(`u.role = 'candidate' AND u.deleted_at IS NULL`)
		if q.Scope.Site != "" {
			w.add(`(a.site = ? OR un.district = ?)`, q.Scope.Site, q.Scope.District)
		}
		w.eq("u.unit_id", q.Scope.UnitID)
		switch f.State {
		case "":
		case StateNone:
			w.add(`a.id IS NULL`)
		default:
			w.state("a", kaowu.ApplicationState(f.State))
		}
		w.eq("a.specialty", f.Specialty)
		w.eq("a.level", string(f.Level))
		w.eq("a.site", f.Site)
		w.eq("u.unit_id", f.UnitID)
		w.eq("un.unit_category", f.UnitCategory)
		w.between("u.created_at", f.From, f.To)
		w.text(f, map[string]string{FieldName: "u.name", FieldUsername: "u.username", FieldIDNumber: "u.id_number"}, "a.id")
	},
}

// ApplicationRow is an application in the applications list, with its
// candidate, the dates of its steps and its fee.
type ApplicationRow struct {
	ID            string
	CandidateID   string
	Name          string
	Username      string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	UnitID        string
	UnitName      string
	Site          string
	Specialty     string
	Level         kaowu.Level
	State         kaowu.ApplicationState
	Outcome       string
	AutoConfirmed bool
	Version       int
	// SubmittedAt is the latest submission; a military application, which
	// its unit's roster entered at confirmed, has its import instant.
	SubmittedAt time.Time
	ConfirmedAt *time.Time // the desk's latest confirmation
	Decision    kaowu.ApplicationState
	DecidedAt   *time.Time // the region's review decision
	FeeFen      int64      // the order's amount; 0 before approval
	PaidAt      *time.Time // the payment that paid the order
}

// submittedExpr is the applications list's date: the submission, or a
// military application's import (indexed as such, 00018).
const submittedExpr = `COALESCE(a.submitted_at, a.created_at)`

// Applications is the applications list: the year's applications
// submitted at least once (and military ones), by submission, candidate
// name, specialty or state.
var Applications = &List[ApplicationRow]{
	Kind:   ListApplications,
	Sorts:  []string{"submitted", "name", "specialty", "state"},
	Fields: []string{FieldName, FieldUsername, FieldIDNumber, FieldTicketNo},
	sorts: map[string][]sortKey{
		"submitted": {{submittedExpr, 't'}, {"a.id", 's'}},
		"name":      {{"u.name", 's'}, {"u.id", 's'}},
		"specialty": {{"a.specialty", 's'}, {"a.id", 's'}},
		// The stored state first, which its index orders; scored ones are
		// stored ticketed and come before the rest of them.
		"state": {{"a.state", 's'}, {stateOf("a"), 's'}, {"a.id", 's'}},
	},
	table: "applications a",
	pk:    "a.id",
	joins: []join{{alias: "u", text: "JOIN users u ON u.id = a.candidate_id", table: "users u", pk: "u.id"},
		{alias: "un", text: "LEFT JOIN units un ON un.id = u.unit_id"},
		{alias: "rd", text: "LEFT JOIN review_decisions rd ON rd.application_id = a.id"},
		{alias: "o", text: "LEFT JOIN orders o ON o.application_id = a.id"}},
	columns: `a.id, a.candidate_id, u.name, u.username, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), COALESCE(u.unit_id, ''),
		COALESCE(un.name, ''), a.site, a.specialty, a.level, ` + stateOf("a") + `, a.outcome, a.auto_confirmed, a.version, ` + submittedExpr + `,
		(SELECT MAX(d.at) FROM desk_decisions d WHERE d.application_id = a.id AND d.action = 'confirm'),
		COALESCE(rd.decision, ''), rd.decided_at, COALESCE(o.amount_fen, 0),
		(SELECT MIN(p.paid_at) FROM payments p WHERE p.order_id = o.id AND p.disposition IN ('applied', 'restored'))`,
	scan: func(r *ApplicationRow) []any {
		return []any{&r.ID, &r.CandidateID, &r.Name, &r.Username, &r.IDType, &r.IDNumber, &r.UnitID, &r.UnitName, &r.Site, &r.Specialty,
			&r.Level, &r.State, &r.Outcome, &r.AutoConfirmed, &r.Version, (*utcTime)(&r.SubmittedAt), optTime{&r.ConfirmedAt},
			&r.Decision, optTime{&r.DecidedAt}, &r.FeeFen, optTime{&r.PaidAt}}
	},
	where: func(w *where, q ListQuery) {
		f := q.Filter
		// A draft never submitted is the candidate's own work in progress.
		w.add(`a.year = ? AND (a.version > 0 OR a.state <> 'draft')`, q.Year)
		w.eq("a.site", q.Scope.Site)
		w.eq("u.unit_id", q.Scope.UnitID)
		w.state("a", kaowu.ApplicationState(f.State))
		w.eq("a.specialty", f.Specialty)
		w.eq("a.level", string(f.Level))
		w.eq("a.site", f.Site)
		w.eq("u.unit_id", f.UnitID)
		w.eq("un.unit_category", f.UnitCategory)
		w.between(submittedExpr, f.From, f.To)
		w.eq("a.outcome", f.Outcome)
		if f.AutoConfirmed {
			w.add(`a.auto_confirmed = TRUE`)
		}
		if f.NoMilitary {
			w.add(`NOT EXISTS (SELECT 1 FROM military_applications m WHERE m.application_id = a.id)`)
		}
		w.text(f, map[string]string{FieldName: "u.name", FieldUsername: "u.username", FieldIDNumber: "u.id_number"}, "a.id")
	},
}

// UnitRow is a unit in the units list, with the number of its candidates'
// applications of the list's year by state (in the scope's site only, for
// site staff).
type UnitRow struct {
	ID       string
	Name     string
	District string
	Category string
	Private  bool
	Counts   map[kaowu.ApplicationState]int
	Total    int
}

// Units is the units list, by name, district or category.
var Units = &List[UnitRow]{
	Kind:   ListUnits,
	Sorts:  []string{"name", "district", "category"},
	Fields: []string{FieldName},
	sorts: map[string][]sortKey{
		"name":     {{"un.name", 's'}, {"un.id", 's'}},
		"district": {{"un.district", 's'}, {"un.name", 's'}, {"un.id", 's'}},
		"category": {{"un.unit_category", 's'}, {"un.name", 's'}, {"un.id", 's'}},
	},
	table:   "units un",
	pk:      "un.id",
	columns: `un.id, un.name, un.district, un.unit_category, un.private`,
	scan: func(r *UnitRow) []any {
		return []any{&r.ID, &r.Name, &r.District, &r.Category, &r.Private}
	},
	where: func(w *where, q ListQuery) {
		f := q.Filter
		w.eq("un.district", q.Scope.District)
		w.eq("un.district", f.District)
		w.eq("un.unit_category", f.UnitCategory)
		w.text(f, map[string]string{FieldName: "un.name"}, "")
	},
	fill: fillUnitCounts,
}

// fillUnitCounts counts each unit's applications of the year by state: the
// applications list's rows (submitted at least once), of the scope's site.
func fillUnitCounts(ctx context.Context, r reader, q ListQuery, rows []UnitRow) error {
	ids := make([]string, len(rows))
	at := make(map[string]int, len(rows))
	for i := range rows {
		ids[i], at[rows[i].ID] = rows[i].ID, i
		rows[i].Counts = map[kaowu.ApplicationState]int{}
	}
	// Each candidate's application is looked up by its key: a join lets
	// PostgreSQL's planner hash all the year's applications for a page's
	// units.
	site := ""
	args := []any{q.Year}
	if q.Scope.Site != "" {
		site = ` AND a.site = $2`
		args = append(args, q.Scope.Site)
	}
	query := `SELECT unit_id, state, COUNT(*) FROM (SELECT u.unit_id, (SELECT ` + stateOf("a") + ` FROM applications a
		WHERE a.candidate_id = u.id AND a.year = $1 AND (a.version > 0 OR a.state <> 'draft')` + site + `) AS state
		FROM users u WHERE u.role = 'candidate' AND u.deleted_at IS NULL AND u.unit_id IN %s) x WHERE state IS NOT NULL GROUP BY unit_id, state`
	return r.eachIn(ctx, query, ids, func(res *sql.Rows) error {
		var unit string
		var state kaowu.ApplicationState
		var n int
		if err := res.Scan(&unit, &state, &n); err != nil {
			return err
		}
		row := &rows[at[unit]]
		row.Counts[state] += n
		row.Total += n
		return nil
	}, args...)
}

// PaymentRow is a payment received (one per provider transaction) in the
// payments list, with its order and candidate.
type PaymentRow struct {
	ID            string
	OrderID       string
	ApplicationID string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	UnitName      string
	Site          string
	Specialty     string
	Level         kaowu.Level
	AmountFen     int64
	OrderFen      int64
	Disposition   kaowu.PaymentDisposition
	PaidAt        time.Time
	TransactionID string
	RefundedFen   int64 // refunds requested for it
}

// Payments is the payments list: the year's payments, by the instant paid
// or by amount.
var Payments = &List[PaymentRow]{
	Kind:   ListPayments,
	Sorts:  []string{"paid", "amount"},
	Fields: []string{FieldName, FieldUsername, FieldIDNumber, FieldTransaction},
	sorts: map[string][]sortKey{
		"paid":   {{"p.paid_at", 't'}, {"p.id", 's'}},
		"amount": {{"p.amount_fen", 'i'}, {"p.id", 's'}},
	},
	table: "payments p",
	pk:    "p.id",
	joins: []join{{alias: "o", text: "JOIN orders o ON o.id = p.order_id"}, {alias: "a", text: "JOIN applications a ON a.id = o.application_id"},
		{alias: "u", text: "JOIN users u ON u.id = o.candidate_id"}, {alias: "un", text: "LEFT JOIN units un ON un.id = u.unit_id"}},
	columns: `p.id, p.order_id, o.application_id, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), COALESCE(un.name, ''),
		a.site, a.specialty, a.level, p.amount_fen, o.amount_fen, p.disposition, p.paid_at, p.transaction_id,
		(SELECT CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) FROM refunds r WHERE r.payment_id = p.id)`,
	scan: func(r *PaymentRow) []any {
		return []any{&r.ID, &r.OrderID, &r.ApplicationID, &r.Name, &r.IDType, &r.IDNumber, &r.UnitName, &r.Site, &r.Specialty, &r.Level,
			&r.AmountFen, &r.OrderFen, &r.Disposition, (*utcTime)(&r.PaidAt), &r.TransactionID, &r.RefundedFen}
	},
	where: func(w *where, q ListQuery) {
		f := q.Filter
		w.add(`o.year = ?`, q.Year)
		w.eq("a.site", q.Scope.Site)
		w.eq("u.unit_id", q.Scope.UnitID)
		w.eq("p.disposition", f.State)
		w.eq("a.specialty", f.Specialty)
		w.eq("a.level", string(f.Level))
		w.eq("a.site", f.Site)
		w.eq("u.unit_id", f.UnitID)
		w.eq("un.unit_category", f.UnitCategory)
		w.between("p.paid_at", f.From, f.To)
		w.text(f, map[string]string{FieldName: "u.name", FieldUsername: "u.username", FieldIDNumber: "u.id_number",
			FieldTransaction: "p.transaction_id"}, "")
	},
}

// ScoreRow is a ticket's scores in the scores list. A nil subject was not
// sat (缺考).
type ScoreRow struct {
	ApplicationID string
	TicketNo      string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	UnitName      string
	Site          string
	Specialty     string
	Level         kaowu.Level
	Basics        *int
	Related       *int
	Professional  *int
	Practice      *int
	Misconduct    bool
	Passed        bool
}

// Scores is the scores list: the year's imported scores, by ticket number,
// candidate name or specialty.
var Scores = &List[ScoreRow]{
	Kind:   ListScores,
	Sorts:  []string{"ticket", "name", "specialty"},
	Fields: []string{FieldTicketNo, FieldName, FieldUsername, FieldIDNumber},
	sorts: map[string][]sortKey{
		"ticket":    {{"s.ticket_no", 's'}},
		"name":      {{"u.name", 's'}, {"u.id", 's'}},
		"specialty": {{"s.specialty", 's'}, {"s.ticket_no", 's'}},
	},
	table: "scores s",
	pk:    "s.application_id",
	joins: []join{{alias: "a", text: "JOIN applications a ON a.id = s.application_id"},
		{alias: "u", text: "JOIN users u ON u.id = a.candidate_id", table: "users u", pk: "u.id"},
		{alias: "un", text: "LEFT JOIN units un ON un.id = u.unit_id"}},
	columns: `s.application_id, s.ticket_no, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), COALESCE(un.name, ''), s.site,
		s.specialty, a.level, s.basics, s.related, s.professional, s.practice, s.misconduct, s.passed`,
	scan: func(r *ScoreRow) []any {
		return []any{&r.ApplicationID, &r.TicketNo, &r.Name, &r.IDType, &r.IDNumber, &r.UnitName, &r.Site, &r.Specialty, &r.Level,
			optInt{&r.Basics}, optInt{&r.Related}, optInt{&r.Professional}, optInt{&r.Practice}, &r.Misconduct, &r.Passed}
	},
	where: func(w *where, q ListQuery) {
		f := q.Filter
		w.add(`s.year = ?`, q.Year)
		w.eq("s.site", q.Scope.Site)
		w.eq("u.unit_id", q.Scope.UnitID)
		switch f.State {
		case ScorePassed:
			w.add(`s.passed = TRUE`)
		case ScoreFailed:
			w.add(`s.passed = FALSE AND s.misconduct = FALSE`)
		case ScoreMisconduct:
			w.add(`s.misconduct = TRUE`)
		}
		w.eq("s.specialty", f.Specialty)
		w.eq("a.level", string(f.Level))
		w.eq("s.site", f.Site)
		w.eq("u.unit_id", f.UnitID)
		w.eq("un.unit_category", f.UnitCategory)
		w.text(f, map[string]string{FieldTicketNo: "s.ticket_no", FieldName: "u.name", FieldUsername: "u.username",
			FieldIDNumber: "u.id_number"}, "")
	},
}

// utcTime scans a non-null instant (text on SQLite for a computed column).
type utcTime time.Time

// Scan implements sql.Scanner.
func (u *utcTime) Scan(src any) error {
	var a anyTime
	if err := a.Scan(src); err != nil {
		return err
	}
	if a.t.IsZero() {
		return fmt.Errorf("instant is NULL")
	}
	*u = utcTime(a.t)
	return nil
}

// optTime scans a nullable instant into *p (nil for NULL).
type optTime struct{ p **time.Time }

// Scan implements sql.Scanner.
func (o optTime) Scan(src any) error {
	var a anyTime
	if err := a.Scan(src); err != nil {
		return err
	}
	*o.p = a.ptr()
	return nil
}

// optInt scans a nullable integer into *p (nil for NULL).
type optInt struct{ p **int }

// Scan implements sql.Scanner.
func (o optInt) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*o.p = nil
	if n.Valid {
		v := int(n.Int64)
		*o.p = &v
	}
	return nil
}
