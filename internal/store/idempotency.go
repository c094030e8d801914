package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"kaowu"
)

// IdempotencyTTL is how long a POST's answer is kept for its
// Idempotency-Key.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyAbandoned is how long a claim may stay in flight: longer than
// any request can run (the server's write timeout is 2 minutes), so a
// claim older than this belongs to a process that died, and a retry may
// take it over.
const IdempotencyAbandoned = 5 * time.Minute

// StoredAnswer is the answer kept for an Idempotency-Key.
type StoredAnswer struct {
	Status      int
	Location    string
	ContentType string
	Body        []byte
}

// ClaimIdempotencyKey starts the request key of actor: it returns nil when
// this request may run (the key is new, its answer has expired, or its
// first request was abandoned), the stored answer when the same request
// ran before, and ECONFLICT when the first request is still in flight or
// the key was used for another request.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, actor, key, request string, now time.Time) (*StoredAnswer, error) {
	var stored *StoredAnswer
	err := s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor = $1 AND idem_key = $2
			AND (created_at < $3 OR (state = 'pending' AND created_at < $4))`,
			actor, key, utc(now.Add(-IdempotencyTTL)), utc(now.Add(-IdempotencyAbandoned))); err != nil {
			return fmt.Errorf("expire idempotency key: %w", err)
		}
		res, err := tx.q.ExecContext(ctx, `INSERT INTO idempotency_keys (actor, idem_key, request, state, created_at) VALUES ($1, $2, $3, 'pending', $4)
			ON CONFLICT (actor, idem_key) DO NOTHING`, actor, key, request, utc(now))
		if err != nil {
			return fmt.Errorf("claim idempotency key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var a StoredAnswer
		var req, state, body string
		if err := tx.q.QueryRowContext(ctx, `SELECT request, state, status, location, ctype, body FROM idempotency_keys WHERE actor = $1 AND idem_key = $2`,
			actor, key).Scan(&req, &state, &a.Status, &a.Location, &a.ContentType, &body); err != nil {
			return fmt.Errorf("read idempotency key: %w", err)
		}
		switch {
		case req != request:
			return kaowu.Errorf(kaowu.ECONFLICT, "Idempotency-Key 已用于另一个请求：请为新的请求使用新的键")
		case state == "pending":
			return kaowu.Errorf(kaowu.ECONFLICT, "同一请求正在处理中，请稍候刷新查看结果，不要重复提交")
		}
		if a.Body, err = base64.StdEncoding.DecodeString(body); err != nil {
			return fmt.Errorf("read idempotency key: body: %w", err)
		}
		stored = &a
		return nil
	})
	return stored, err
}

// CompleteIdempotencyKey stores the answer of the request that claimed key.
// The body is kept base64-encoded, so that any answer (a PDF as well as
// JSON) fits the text column on both engines.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, actor, key string, a StoredAnswer) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.q.ExecContext(ctx, `UPDATE idempotency_keys SET state = 'done', status = $3, location = $4, ctype = $5, body = $6
			WHERE actor = $1 AND idem_key = $2`, actor, key, a.Status, a.Location, a.ContentType, base64.StdEncoding.EncodeToString(a.Body))
		if err != nil {
			return fmt.Errorf("complete idempotency key: %w", err)
		}
		return nil
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed on the
// server's side, so that a retry runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, actor, key string) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor = $1 AND idem_key = $2 AND state = 'pending'`, actor, key)
		if err != nil {
			return fmt.Errorf("release idempotency key: %w", err)
		}
		return nil
	})
}

// PurgeIdempotencyKeys deletes the answers older than IdempotencyTTL and
// returns how many it deleted.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		res, err := tx.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, utc(now.Add(-IdempotencyTTL)))
		if err != nil {
			return fmt.Errorf("purge idempotency keys: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
