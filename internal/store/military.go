package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
)

// MilitaryEntry is one candidate of a military unit's roster (二（三）1): the
// account to create, the application (state confirmed) and the roster's
// own facts.
type MilitaryEntry struct {
	Account      kaowu.Account
	Application  kaowu.Application
	MilitaryUnit string
	DivisionUnit string
	Subjects     int
	RowNo        int
	Source       string
	ImportedBy   string
	ImportedAt   time.Time
}

// batchRows is the number of rows per multi-row INSERT (or per IN list)
// on the reader's engine. SQLite looks "$N" parameters up by name, at a
// cost that grows with the square of their number, so its statements stay
// at about 300 parameters (BenchmarkSiteTickets: fastest between 100 and
// 1 000); PostgreSQL takes up to 65 535 and gains from
// fewer round trips.
func (r reader) batchRows(cols int) int {
	if r.engine == Postgres {
		return max(1, 9000/cols)
	}
	return max(1, 300/cols)
}

// InsertMilitaryRoster creates the accounts and the confirmed applications
// of a roster with multi-row inserts. A registered ID document is a
// conflict (ErrIDRegistered), decided by the database's unique index.
func (tx *Tx) InsertMilitaryRoster(ctx context.Context, es []MilitaryEntry) error {
	stmts := map[int][3]*sql.Stmt{}
	defer func() {
		for _, ss := range stmts {
			for _, st := range ss {
				st.Close()
			}
		}
	}()
	prepare := func(n int) ([3]*sql.Stmt, error) {
		if ss, ok := stmts[n]; ok {
			return ss, nil
		}
		var ss [3]*sql.Stmt
		for i, q := range []string{
			`INSERT INTO users (id, username, name, role, password_hash, military_unit, created_at, id_type, id_number) VALUES ` + placeholders(n, 9),
			`INSERT INTO applications (id, candidate_id, year, site, specialty, level, state, outcome, created_at, updated_at, declarations, version) VALUES ` +
				placeholdersWith(n, 9, func(b *strings.Builder, base int) { fmt.Fprintf(b, ", $%d, '{}', 0", base+9) }),
			`INSERT INTO military_applications (application_id, military_unit, division_unit, subjects, row_no, source, imported_by, imported_at) VALUES ` + placeholders(n, 8),
		} {
			st, err := tx.tx.PrepareContext(ctx, q)
			if err != nil {
				for _, p := range ss[:i] {
					p.Close()
				}
				return ss, fmt.Errorf("prepare military roster insert: %w", err)
			}
			ss[i] = st
		}
		stmts[n] = ss
		return ss, nil
	}
	// Each statement is prepared once per roster.
	batch := tx.batchRows(9)
	for start := 0; start < len(es); start += batch {
		chunk := es[start:min(start+batch, len(es))]
		ss, err := prepare(len(chunk))
		if err != nil {
			return err
		}
		users := make([]any, 0, 9*len(chunk))
		apps := make([]any, 0, 9*len(chunk))
		mils := make([]any, 0, 8*len(chunk))
		for i := range chunk {
			e := &chunk[i]
			if e.Account.ID == "" {
				e.Account.ID = NewID()
			}
			if e.Application.ID == "" {
				e.Application.ID = NewID()
			}
			e.Application.CandidateID = e.Account.ID
			a, p, at := e.Account, e.Application, utc(e.ImportedAt)
			users = append(users, a.ID, a.Username, a.Name, string(kaowu.RoleCandidate), a.PasswordHash, a.MilitaryUnit, at,
				nullString(string(a.IDType)), nullString(string(a.IDNumber)))
			apps = append(apps, p.ID, p.CandidateID, p.Year, p.Site, p.Specialty, string(p.Level), string(kaowu.StateConfirmed), p.Outcome, at)
			mils = append(mils, p.ID, e.MilitaryUnit, e.DivisionUnit, e.Subjects, e.RowNo, e.Source, e.ImportedBy, at)
		}
		_, err = ss[0].ExecContext(ctx, users...)
		switch {
		case violated(err, "users_id_document", "users.id_type, users.id_number"):
			return withCause(ErrIDRegistered, err)
		case err != nil:
			return fmt.Errorf("insert military candidates: %w", err)
		}
		if _, err := ss[1].ExecContext(ctx, apps...); err != nil {
			return fmt.Errorf("insert military applications: %w", err)
		}
		if _, err := ss[2].ExecContext(ctx, mils...); err != nil {
			return fmt.Errorf("insert military roster: %w", err)
		}
	}
	return nil
}

// placeholders returns "($1, …, $cols), (…)" for rows rows.
func placeholders(rows, cols int) string {
	return placeholdersWith(rows, cols, nil)
}

// placeholdersWith is placeholders with extra text appended inside each
// row's parentheses by more (base is the row's first parameter number - 1).
func placeholdersWith(rows, cols int, more func(b *strings.Builder, base int)) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		base := r * cols
		for c := 1; c <= cols; c++ {
			if c > 1 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(base + c))
		}
		if more != nil {
			more(&b, base)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// RegisteredIDDocuments returns, of the given ID numbers, those already
// registered to an account, as "id_type:id_number".
func (r reader) RegisteredIDDocuments(ctx context.Context, numbers []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := r.eachIn(ctx, `SELECT id_type, id_number FROM users WHERE id_number IN %s`, numbers, func(rows *sql.Rows) error {
		var t, n sql.NullString
		if err := rows.Scan(&t, &n); err != nil {
			return err
		}
		out[t.String+":"+n.String] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("registered id documents: %w", err)
	}
	return out, nil
}

// MilitaryCandidate is one row of a military unit's roster as stored.
type MilitaryCandidate struct {
	ApplicationID string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	Specialty     string
	Level         kaowu.Level
	State         kaowu.ApplicationState
	Outcome       string
	DivisionUnit  string
	Subjects      int
	RowNo         int
	HandoverID    string
}

// MilitaryRoster returns the candidates a military unit registered for
// exam year y, in roster order.
func (r reader) MilitaryRoster(ctx context.Context, militaryUnit string, y int) ([]MilitaryCandidate, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT a.id, u.name, u.id_type, u.id_number, a.specialty, a.level, `+stateOf("a")+`, a.outcome,
		m.division_unit, m.subjects, m.row_no, COALESCE(m.handover_id, '')
		FROM military_applications m JOIN applications a ON a.id = m.application_id JOIN users u ON u.id = a.candidate_id
		WHERE m.military_unit = $1 AND a.year = $2 ORDER BY m.imported_at, m.row_no`, militaryUnit, y)
	if err != nil {
		return nil, fmt.Errorf("military roster of %s: %w", militaryUnit, err)
	}
	defer rows.Close()
	var out []MilitaryCandidate
	for rows.Next() {
		var c MilitaryCandidate
		var idType, idNumber sql.NullString
		if err := rows.Scan(&c.ApplicationID, &c.Name, &idType, &idNumber, &c.Specialty, &c.Level, &c.State, &c.Outcome,
			&c.DivisionUnit, &c.Subjects, &c.RowNo, &c.HandoverID); err != nil {
			return nil, fmt.Errorf("military roster of %s: %w", militaryUnit, err)
		}
		c.IDType, c.IDNumber = kaowu.IDType(idType.String), kaowu.IDNumber(idNumber.String)
		out = append(out, c)
	}
	return out, rows.Err()
}

// MilitaryUnitSummary is a military unit with candidates in exam year y:
// how many are confirmed (awaiting handover) and their subjects.
type MilitaryUnitSummary struct {
	MilitaryUnit string
	Confirmed    int
	Subjects     int
	Paid         int
}

// MilitaryUnits returns the military units with candidates in exam year y.
func (r reader) MilitaryUnits(ctx context.Context, y int) ([]MilitaryUnitSummary, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT m.military_unit,
		CAST(SUM(CASE WHEN a.state = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT),
		CAST(SUM(CASE WHEN a.state = 'confirmed' THEN m.subjects ELSE 0 END) AS BIGINT),
		CAST(SUM(CASE WHEN a.state = 'paid' THEN 1 ELSE 0 END) AS BIGINT)
		FROM military_applications m JOIN applications a ON a.id = m.application_id
		WHERE a.year = $1 GROUP BY m.military_unit ORDER BY m.military_unit`, y)
	if err != nil {
		return nil, fmt.Errorf("military units: %w", err)
	}
	defer rows.Close()
	var out []MilitaryUnitSummary
	for rows.Next() {
		var s MilitaryUnitSummary
		if err := rows.Scan(&s.MilitaryUnit, &s.Confirmed, &s.Subjects, &s.Paid); err != nil {
			return nil, fmt.Errorf("military units: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MilitaryHandover is the record of one handover (二（三）2).
type MilitaryHandover struct {
	ID           string
	MilitaryUnit string
	Site         string
	LetterNo     string
	Operator     string
	Candidates   int
	Subjects     int
	FeeFen       int64
	RecordedBy   string
	RecordedAt   time.Time
}

// InsertHandover records a handover.
func (tx *Tx) InsertHandover(ctx context.Context, h *MilitaryHandover) error {
	if h.ID == "" {
		h.ID = NewID()
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO military_handovers (id, military_unit, site, letter_no, operator, candidates, subjects, fee_fen, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, h.ID, h.MilitaryUnit, h.Site, h.LetterNo, h.Operator, h.Candidates, h.Subjects,
		h.FeeFen, h.RecordedBy, utc(h.RecordedAt))
	if err != nil {
		return fmt.Errorf("insert handover: %w", err)
	}
	return nil
}

// SetHandover links a military application to its handover.
func (tx *Tx) SetHandover(ctx context.Context, applicationID, handoverID string) error {
	return tx.execOne(ctx, "set handover", `UPDATE military_applications SET handover_id = $2 WHERE application_id = $1`, applicationID, handoverID)
}

// Handovers returns the handovers of a military unit, oldest first.
func (r reader) Handovers(ctx context.Context, militaryUnit string) ([]MilitaryHandover, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, military_unit, site, letter_no, operator, candidates, subjects, fee_fen, recorded_by, recorded_at
		FROM military_handovers WHERE ($1 = '' OR military_unit = $1) ORDER BY recorded_at, id`, militaryUnit)
	if err != nil {
		return nil, fmt.Errorf("handovers: %w", err)
	}
	defer rows.Close()
	var out []MilitaryHandover
	for rows.Next() {
		var h MilitaryHandover
		if err := rows.Scan(&h.ID, &h.MilitaryUnit, &h.Site, &h.LetterNo, &h.Operator, &h.Candidates, &h.Subjects, &h.FeeFen,
			&h.RecordedBy, &h.RecordedAt); err != nil {
			return nil, fmt.Errorf("handovers: %w", err)
		}
		h.RecordedAt = h.RecordedAt.UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// MilitaryUnitAccounts returns the ids of the live accounts bound to a
// military unit.
func (r reader) MilitaryUnitAccounts(ctx context.Context, militaryUnit string) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id FROM users WHERE role = 'military_unit' AND military_unit = $1 AND deleted_at IS NULL ORDER BY id`, militaryUnit)
	if err != nil {
		return nil, fmt.Errorf("accounts of %s: %w", militaryUnit, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("accounts of %s: %w", militaryUnit, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
