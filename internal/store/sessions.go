package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FindSession returns the data of an unexpired session at now, and when it
// expires.
func (r reader) FindSession(ctx context.Context, token string, now time.Time) ([]byte, time.Time, bool, error) {
	var b []byte
	var expires time.Time
	err := r.q.QueryRowContext(ctx, `SELECT data, expires_at FROM sessions WHERE token = $1 AND expires_at > $2`, token, utc(now)).Scan(&b, &expires)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, time.Time{}, false, nil
		}
		return nil, time.Time{}, false, fmt.Errorf("find session: %w", err)
	}
	return b, expires, true, nil
}

// PutSession stores a session's data, replacing the earlier data of the
// same token.
func (tx *Tx) PutSession(ctx context.Context, token string, data []byte, expires time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO sessions (token, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, token, data, utc(expires))
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// DeleteSession removes a session; a missing one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, token string) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now and returns how
// many there were.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, utc(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
