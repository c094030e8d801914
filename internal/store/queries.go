package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaowu"
)

// Year returns the stored document of exam year y.
func (r reader) Year(ctx context.Context, y int) ([]byte, error) {
	var doc string
	err := r.q.QueryRowContext(ctx, `SELECT document FROM exam_years WHERE year = $1`, y).Scan(&doc)
	if err != nil {
		return nil, fmt.Errorf("year %d: %w", y, notFound(err, fmt.Sprintf("没有%d考试年度的数据", y)))
	}
	return []byte(doc), nil
}

// YearRevisions returns the stored exam years with their revisions, newest
// year first.
func (r reader) YearRevisions(ctx context.Context) ([][2]int64, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT year, revision FROM exam_years ORDER BY year DESC`)
	if err != nil {
		return nil, fmt.Errorf("year revisions: %w", err)
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var y [2]int64
		if err := rows.Scan(&y[0], &y[1]); err != nil {
			return nil, fmt.Errorf("year revisions: %w", err)
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// PutYear stores the document of exam year y, replacing any earlier one
// and bumping its revision.
func (tx *Tx) PutYear(ctx context.Context, y int, doc []byte, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO exam_years (year, document, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at, revision = exam_years.revision + 1`,
		y, string(doc), utc(now))
	if err != nil {
		return fmt.Errorf("put year %d: %w", y, err)
	}
	return nil
}

// SeedYear stores the document of exam year y unless one is stored already,
// and reports whether it did.
func (tx *Tx) SeedYear(ctx context.Context, y int, doc []byte, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO exam_years (year, document, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO NOTHING`, y, string(doc), utc(now))
	if err != nil {
		return false, fmt.Errorf("seed year %d: %w", y, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const unitColumns = `id, name, district, unit_category, private, created_at`

func scanUnit(row interface{ Scan(...any) error }) (kaowu.Unit, error) {
	var u kaowu.Unit
	err := row.Scan(&u.ID, &u.Name, &u.District, &u.Category, &u.Private, &u.CreatedAt)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// Unit returns the unit with the given id.
func (r reader) Unit(ctx context.Context, id string) (kaowu.Unit, error) {
	u, err := scanUnit(r.q.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, id))
	if err != nil {
		return u, fmt.Errorf("unit %s: %w", id, notFound(err, "单位不存在"))
	}
	return u, nil
}

// Units returns every unit ordered by district and name.
func (r reader) Units(ctx context.Context) ([]kaowu.Unit, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+unitColumns+` FROM units ORDER BY district, name`)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUnit inserts u, giving it an id when it has none. A unit of the
// same name is a conflict.
func (tx *Tx) CreateUnit(ctx context.Context, u *kaowu.Unit) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	u.CreatedAt = utc(u.CreatedAt)
	_, err := tx.q.ExecContext(ctx, `INSERT INTO units (`+unitColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Name, u.District, u.Category, u.Private, u.CreatedAt)
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("单位“%s”已存在", u.Name), Err: err}
	}
	if err != nil {
		return fmt.Errorf("create unit: %w", err)
	}
	return nil
}

const userColumns = `id, username, name, role, password_hash, unit_id, site, military_unit, created_at`

func scanUser(row interface{ Scan(...any) error }) (kaowu.User, error) {
	var u kaowu.User
	var unit sql.NullString
	err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.PasswordHash, &unit, &u.Site, &u.MilitaryUnit, &u.CreatedAt)
	u.UnitID = unit.String
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// User returns the user with the given id.
func (r reader) User(ctx context.Context, id string) (kaowu.User, error) {
	u, err := scanUser(r.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return u, fmt.Errorf("user %s: %w", id, notFound(err, "用户不存在"))
	}
	return u, nil
}

// UserByUsername returns the user with the given username.
func (r reader) UserByUsername(ctx context.Context, username string) (kaowu.User, error) {
	u, err := scanUser(r.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if err != nil {
		return u, fmt.Errorf("user %q: %w", username, notFound(err, "用户名不存在"))
	}
	return u, nil
}

// CountUsers returns the number of users by role.
func (r reader) CountUsers(ctx context.Context) (map[kaowu.Role]int, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT role, COUNT(*) FROM users GROUP BY role`)
	if err != nil {
		return nil, fmt.Errorf("count users: %w", err)
	}
	defer rows.Close()
	out := map[kaowu.Role]int{}
	for rows.Next() {
		var role kaowu.Role
		var n int
		if err := rows.Scan(&role, &n); err != nil {
			return nil, fmt.Errorf("count users: %w", err)
		}
		out[role] = n
	}
	return out, rows.Err()
}

// CreateUser inserts u, giving it an id when it has none. A taken username
// is a conflict.
func (tx *Tx) CreateUser(ctx context.Context, u *kaowu.User) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	u.CreatedAt = utc(u.CreatedAt)
	var unit sql.NullString
	if u.UnitID != "" {
		unit = sql.NullString{String: u.UnitID, Valid: true}
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.Username, u.Name, u.Role, u.PasswordHash, unit, u.Site, u.MilitaryUnit, u.CreatedAt)
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("用户名“%s”已被使用，请换一个", u.Username),
			Fields: map[string]string{"username": "用户名已被使用"}, Err: err}
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// AppendAudit appends e to the audit log, giving it an id when it has none.
func (tx *Tx) AppendAudit(ctx context.Context, e kaowu.AuditEntry) error {
	return tx.AppendAudits(ctx, []kaowu.AuditEntry{e})
}

// AppendAudits appends audit entries, ID numbers masked, in as few
// statements as the engine takes well (insertRows).
func (tx *Tx) AppendAudits(ctx context.Context, es []kaowu.AuditEntry) error {
	rows := make([][]any, len(es))
	for i, e := range es {
		if e.ID == "" {
			e.ID = NewID()
		}
		rows[i] = []any{e.ID, utc(e.At), e.Actor, e.Role, e.Action, e.Object, kaowu.MaskIDsIn(e.Detail), kaowu.MaskIDsIn(e.Before), kaowu.MaskIDsIn(e.After)}
	}
	if err := tx.insertRows(ctx, "audit_log", auditColumns, rows); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

var auditColumns = []string{"id", "at", "actor", "role", "action", "object", "detail", "before_state", "after_state"}

// Audit returns the newest limit audit entries, newest first.
func (r reader) Audit(ctx context.Context, limit int) ([]kaowu.AuditEntry, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, at, actor, role, action, object, detail, before_state, after_state FROM audit_log ORDER BY at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []kaowu.AuditEntry
	for rows.Next() {
		var e kaowu.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Detail, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Setting returns the value of a setting.
func (r reader) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := r.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, notFound(err, "设置项不存在"))
	}
	return v, nil
}

// PutSetting sets a setting.
func (tx *Tx) PutSetting(ctx context.Context, key, value string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("put setting %s: %w", key, err)
	}
	return nil
}

// SeedSetting sets a setting unless it is set already, and returns the
// value in force: of two processes seeding at once, both get the same.
func (tx *Tx) SeedSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := tx.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", fmt.Errorf("seed setting %s: %w", key, err)
	}
	return tx.Setting(ctx, key)
}

// Lock makes the transactions that take the same lock name run one after
// the other, from here to their commit: on PostgreSQL by the row lock of
// an upsert (portable, unlike advisory locks), on SQLite by its single
// writer anyway. For work that reads, decides and replaces a whole set
// (a site's seats, its ticket numbers).
func (tx *Tx) Lock(ctx context.Context, name string) error {
	if _, err := tx.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, '') ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		"lock:"+name); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return nil
}
