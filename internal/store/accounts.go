package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"kaowu"
)

// violated reports whether err is a unique violation of the constraint or
// index named name (PostgreSQL), or of the listed columns (SQLite names the
// columns, "UNIQUE constraint failed: users.username").
func violated(err error, name string, sqliteColumns string) bool {
	if !isUnique(err) {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName == name
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return strings.Contains(lite.Error(), sqliteColumns)
	}
	return false
}

// Unique-violation messages of the users table, shared by registration,
// change requests and staff creation.
var (
	// ErrIDRegistered is returned when an ID document is registered already.
	ErrIDRegistered = &kaowu.Error{Code: kaowu.ECONFLICT,
		Message: "该证件号码已注册（相同证件号码只能注册一次，二（一）4(1)）。请用已注册的用户名或证件号码登录；忘记密码可找回密码。",
		Fields:  map[string]string{"id_number": "该证件号码已注册"}}
)

func usernameTaken(username string) *kaowu.Error {
	return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("用户名“%s”已被使用，请换一个", username),
		Fields: map[string]string{"username": "用户名已被使用，请换一个"}}
}

func withCause(e *kaowu.Error, err error) *kaowu.Error {
	c := *e
	c.Err = err
	return &c
}

const accountColumns = `u.id, u.username, u.name, u.role, u.password_hash, u.unit_id, u.site, u.military_unit, u.created_at,
	u.id_type, u.id_number, u.mobile, u.recovery_question, u.recovery_answer_hash, u.session_epoch, u.deleted_at,
	EXISTS (SELECT 1 FROM wechat_bindings w WHERE w.user_id = u.id)`

func scanAccount(row interface{ Scan(...any) error }) (kaowu.Account, error) {
	var a kaowu.Account
	var unit, idType, idNumber sql.NullString
	var deleted sql.NullTime
	err := row.Scan(&a.ID, &a.Username, &a.Name, &a.Role, &a.PasswordHash, &unit, &a.Site, &a.MilitaryUnit, &a.CreatedAt,
		&idType, &idNumber, &a.Mobile, &a.RecoveryQuestion, &a.RecoveryAnswerHash, &a.SessionEpoch, &deleted, &a.WeChatBound)
	a.UnitID = unit.String
	a.IDType = kaowu.IDType(idType.String)
	a.IDNumber = kaowu.IDNumber(idNumber.String)
	a.CreatedAt = a.CreatedAt.UTC()
	if deleted.Valid {
		t := deleted.Time.UTC()
		a.DeletedAt = &t
	}
	return a, err
}

// Account returns the account with the given id.
func (r reader) Account(ctx context.Context, id string) (kaowu.Account, error) {
	a, err := scanAccount(r.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("account %s: %w", id, notFound(err, "账号不存在"))
	}
	return a, nil
}

// AccountsByLogin returns the live accounts a login name designates: the
// account of that username, else those registered with that ID number
// (normally one; two only when two ID types share a number).
func (r reader) AccountsByLogin(ctx context.Context, login string) ([]kaowu.Account, error) {
	for _, q := range []struct{ text, arg string }{
		{`SELECT ` + accountColumns + ` FROM users u WHERE u.username = $1 AND u.deleted_at IS NULL`, strings.ToLower(strings.TrimSpace(login))},
		{`SELECT ` + accountColumns + ` FROM users u WHERE u.id_number = $1 AND u.deleted_at IS NULL ORDER BY u.created_at`, kaowu.NormalizeIDNumber(login)},
	} {
		rows, err := r.q.QueryContext(ctx, q.text, q.arg)
		if err != nil {
			return nil, fmt.Errorf("account by login: %w", err)
		}
		var out []kaowu.Account
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("account by login: %w", err)
			}
			out = append(out, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("account by login: %w", err)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, nil
}

// AccountByID returns the live account registered with an ID document.
func (r reader) AccountByID(ctx context.Context, t kaowu.IDType, number kaowu.IDNumber) (kaowu.Account, error) {
	a, err := scanAccount(r.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM users u WHERE u.id_type = $1 AND u.id_number = $2`,
		string(t), string(number)))
	if err != nil {
		return a, fmt.Errorf("account by id document: %w", notFound(err, "没有以该证件号码注册的账号"))
	}
	return a, nil
}

// AccountFilter selects accounts for listings.
type AccountFilter struct {
	Role   kaowu.Role
	UnitID string
	Query  string // a username, a name, or an ID number, matched exactly
	Limit  int
}

// Accounts returns live accounts matching f, newest first.
func (r reader) Accounts(ctx context.Context, f AccountFilter) ([]kaowu.Account, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q := `SELECT ` + accountColumns + ` FROM users u WHERE u.deleted_at IS NULL
		AND ($1 = '' OR u.role = $1) AND ($2 = '' OR u.unit_id = $2)
		AND ($3 = '' OR u.username = $3 OR u.name = $3 OR u.id_number = $4)
		ORDER BY u.created_at DESC, u.id DESC LIMIT $5`
	rows, err := r.q.QueryContext(ctx, q, string(f.Role), f.UnitID, f.Query, kaowu.NormalizeIDNumber(f.Query), f.Limit)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateAccount inserts a, giving it an id when it has none. A taken
// username or a registered ID document is a conflict, decided by the
// database's unique constraints (never by a check before the insert).
func (tx *Tx) CreateAccount(ctx context.Context, a *kaowu.Account) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	a.CreatedAt = utc(a.CreatedAt)
	_, err := tx.q.ExecContext(ctx, `INSERT INTO users (id, username, name, role, password_hash, unit_id, site, military_unit, created_at,
		id_type, id_number, mobile, recovery_question, recovery_answer_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.Username, a.Name, a.Role, a.PasswordHash, nullString(a.UnitID), a.Site, a.MilitaryUnit, a.CreatedAt,
		nullString(string(a.IDType)), nullString(string(a.IDNumber)), a.Mobile, a.RecoveryQuestion, a.RecoveryAnswerHash)
	switch {
	case violated(err, "users_id_document", "users.id_type, users.id_number"):
		return withCause(ErrIDRegistered, err)
	case violated(err, "users_username_key", "users.username"):
		return withCause(usernameTaken(a.Username), err)
	case err != nil:
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// SetPassword replaces the password hash of an account and moves its
// session epoch, so that every session of the account ends.
func (tx *Tx) SetPassword(ctx context.Context, userID, hash string) error {
	return tx.execOne(ctx, "set password", `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1`, userID, hash)
}

// SetMobile changes an account's mobile number.
func (tx *Tx) SetMobile(ctx context.Context, userID, mobile string) error {
	return tx.execOne(ctx, "set mobile", `UPDATE users SET mobile = $2 WHERE id = $1`, userID, mobile)
}

// BumpSessionEpoch ends every session of an account.
func (tx *Tx) BumpSessionEpoch(ctx context.Context, userID string) error {
	return tx.execOne(ctx, "bump session epoch", `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, userID)
}

// SetIdentity changes the identity fields of an account (name, ID type, ID
// number); a document registered to another account is a conflict.
func (tx *Tx) SetIdentity(ctx context.Context, userID, name string, t kaowu.IDType, number kaowu.IDNumber) error {
	err := tx.execOne(ctx, "set identity", `UPDATE users SET name = $2, id_type = $3, id_number = $4 WHERE id = $1`,
		userID, name, string(t), string(number))
	if violated(err, "users_id_document", "users.id_type, users.id_number") {
		return withCause(ErrIDRegistered, err)
	}
	return err
}

// SetUnit sets the unit an account belongs to ("" for none).
func (tx *Tx) SetUnit(ctx context.Context, userID, unitID string) error {
	return tx.execOne(ctx, "set unit", `UPDATE users SET unit_id = $2 WHERE id = $1`, userID, nullString(unitID))
}

// DeleteAccount deletes a registration: the identity document and username
// are freed (so that the person may register again), the password, profile,
// photo and WeChat binding are removed; the row stays, marked deleted, for
// the audit trail and the requests that refer to it.
func (tx *Tx) DeleteAccount(ctx context.Context, userID string, now time.Time) error {
	for _, q := range []string{
		`DELETE FROM wechat_bindings WHERE user_id = $1`,
		`DELETE FROM photos WHERE user_id = $1`,
		`DELETE FROM profile_educations WHERE user_id = $1`,
		`DELETE FROM profile_titles WHERE user_id = $1`,
		`DELETE FROM profile_licences WHERE user_id = $1`,
		`DELETE FROM profile_post_changes WHERE user_id = $1`,
		`DELETE FROM profiles WHERE user_id = $1`,
		`DELETE FROM login_throttles WHERE key LIKE '%:' || $1`,
	} {
		if _, err := tx.q.ExecContext(ctx, q, userID); err != nil {
			return fmt.Errorf("delete account: %w", err)
		}
	}
	return tx.execOne(ctx, "delete account", `UPDATE users SET deleted_at = $2, id_type = NULL, id_number = NULL,
		username = 'deleted:' || id, password_hash = '', recovery_answer_hash = '', mobile = '',
		session_epoch = session_epoch + 1 WHERE id = $1 AND deleted_at IS NULL`, userID, utc(now))
}

// execOne runs a statement that must change exactly one row; none is
// ENOTFOUND.
func (tx *Tx) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := tx.q.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n != 1 {
		return &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "账号不存在", Err: fmt.Errorf("%s: %d rows", what, n)}
	}
	return nil
}

// BindWeChat binds a WeChat identity to an account. An account that has
// one already, or an identity bound to another account, is a conflict.
func (tx *Tx) BindWeChat(ctx context.Context, b kaowu.WeChatBinding) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO wechat_bindings (user_id, openid, unionid, bound_at) VALUES ($1, $2, $3, $4)`,
		b.UserID, b.OpenID, b.UnionID, utc(b.BoundAt))
	switch {
	case violated(err, "wechat_bindings_openid_key", "wechat_bindings.openid"):
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "该微信号已绑定其他考生账号：一个微信号只能绑定一名考生（二（一）4(5)）。请换用本人的微信号，或先在原账号中解除绑定。", Err: err}
	case violated(err, "wechat_bindings_pkey", "wechat_bindings.user_id"):
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "本账号已绑定微信；如需更换，请先解除绑定。", Err: err}
	case err != nil:
		return fmt.Errorf("bind wechat: %w", err)
	}
	return nil
}

// UnbindWeChat removes the binding of an account and returns it; no
// binding is ENOTFOUND.
func (tx *Tx) UnbindWeChat(ctx context.Context, userID string) (kaowu.WeChatBinding, error) {
	b, err := tx.WeChatBinding(ctx, userID)
	if err != nil {
		return b, err
	}
	_, err = tx.q.ExecContext(ctx, `DELETE FROM wechat_bindings WHERE user_id = $1`, userID)
	if err != nil {
		return b, fmt.Errorf("unbind wechat: %w", err)
	}
	return b, nil
}

// WeChatBinding returns the binding of an account.
func (r reader) WeChatBinding(ctx context.Context, userID string) (kaowu.WeChatBinding, error) {
	var b kaowu.WeChatBinding
	err := r.q.QueryRowContext(ctx, `SELECT user_id, openid, unionid, bound_at FROM wechat_bindings WHERE user_id = $1`, userID).
		Scan(&b.UserID, &b.OpenID, &b.UnionID, &b.BoundAt)
	if err != nil {
		return b, fmt.Errorf("wechat binding: %w", notFound(err, "尚未绑定微信"))
	}
	b.BoundAt = b.BoundAt.UTC()
	return b, nil
}

// ResetCode is a one-time password reset code as stored: only its hash.
type ResetCode struct {
	ID        string
	UserID    string
	CodeHash  string
	Method    string
	IssuedBy  string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// IssueResetCode stores a reset code, first retiring the account's unused
// ones (only the newest code works).
func (tx *Tx) IssueResetCode(ctx context.Context, c ResetCode) error {
	if c.ID == "" {
		c.ID = NewID()
	}
	if _, err := tx.q.ExecContext(ctx, `UPDATE reset_codes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, c.UserID, utc(c.IssuedAt)); err != nil {
		return fmt.Errorf("retire reset codes: %w", err)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO reset_codes (id, user_id, code_hash, method, issued_by, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.UserID, c.CodeHash, c.Method, c.IssuedBy, utc(c.IssuedAt), utc(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("issue reset code: %w", err)
	}
	return nil
}

// UseResetCode marks the account's code of that hash used, if it is unused
// and unexpired at now, and reports whether it was.
func (tx *Tx) UseResetCode(ctx context.Context, userID, codeHash string, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE reset_codes SET used_at = $3
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3`, userID, codeHash, utc(now))
	if err != nil {
		return false, fmt.Errorf("use reset code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
