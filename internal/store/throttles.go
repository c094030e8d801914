package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Throttle is the failure counter of one key (an account or an address)
// as stored.
type Throttle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time // zero when not locked
}

// Throttle returns the counter of key; an unknown key has no failures.
func (r reader) Throttle(ctx context.Context, key string) (Throttle, error) {
	t := Throttle{Key: key}
	var locked sql.NullTime
	err := r.q.QueryRowContext(ctx, `SELECT failures, window_start, locked_until FROM login_throttles WHERE key = $1`, key).
		Scan(&t.Failures, &t.WindowStart, &locked)
	if err == sql.ErrNoRows {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("throttle %s: %w", key, err)
	}
	t.WindowStart = t.WindowStart.UTC()
	if locked.Valid {
		t.LockedUntil = locked.Time.UTC()
	}
	return t, nil
}

// RecordFailure counts one failure of key at now, atomically (an upsert, so
// that several server processes share the count): failures older than
// window start a new count. When the count reaches limit the key is locked
// until now+lock. It returns the counter after the failure.
func (tx *Tx) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, lock time.Duration) (Throttle, error) {
	t := Throttle{Key: key}
	err := tx.q.QueryRowContext(ctx, `INSERT INTO login_throttles (key, failures, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_throttles.window_start <= $3 THEN 1 ELSE login_throttles.failures + 1 END,
			window_start = CASE WHEN login_throttles.window_start <= $3 THEN excluded.window_start ELSE login_throttles.window_start END
		RETURNING failures, window_start`, key, utc(now), utc(now.Add(-window))).Scan(&t.Failures, &t.WindowStart)
	if err != nil {
		return t, fmt.Errorf("record failure %s: %w", key, err)
	}
	t.WindowStart = t.WindowStart.UTC()
	if t.Failures >= limit {
		t.LockedUntil = utc(now.Add(lock))
		if _, err := tx.q.ExecContext(ctx, `UPDATE login_throttles SET locked_until = $2 WHERE key = $1`, key, t.LockedUntil); err != nil {
			return t, fmt.Errorf("lock %s: %w", key, err)
		}
	}
	return t, nil
}

// ClearThrottle forgets the failures of key.
func (tx *Tx) ClearThrottle(ctx context.Context, key string) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_throttles WHERE key = $1`, key); err != nil {
		return fmt.Errorf("clear throttle %s: %w", key, err)
	}
	return nil
}

// LockedThrottles returns the keys starting with prefix that are locked
// at now, with the end of each lock.
func (r reader) LockedThrottles(ctx context.Context, prefix string, now time.Time) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	rows, err := r.q.QueryContext(ctx, `SELECT key, locked_until FROM login_throttles WHERE locked_until > $1 AND key LIKE $2`, utc(now), prefix+"%")
	if err != nil {
		return nil, fmt.Errorf("locked throttles %s: %w", prefix, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var until time.Time
		if err := rows.Scan(&k, &until); err != nil {
			return nil, fmt.Errorf("locked throttles %s: %w", prefix, err)
		}
		out[k] = until.UTC()
	}
	return out, rows.Err()
}
