package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// TaskRun is one scheduled task's run for one slot (a minute), by the
// node that claimed it.
type TaskRun struct {
	Task       string
	Slot       time.Time
	Node       string
	StartedAt  time.Time
	FinishedAt *time.Time // nil: still running, or its node died
	Outcome    string     // what it did, or its error; "" for nothing
}

// ClaimTaskRun claims task's run for slot for node: it reports true when
// this call inserted the claim (the caller runs the task), false when
// another node (or an earlier call) holds it. Every node's scheduler asks
// for the same slots, so each task runs once per slot in the cluster.
func (s *Store) ClaimTaskRun(ctx context.Context, task string, slot time.Time, node string, now time.Time) (bool, error) {
	var claimed bool
	err := s.Update(ctx, func(tx *Tx) error {
		res, err := tx.q.ExecContext(ctx, `INSERT INTO task_runs (task, slot, node, started_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (task, slot) DO NOTHING`, task, utc(slot), node, utc(now))
		if err != nil {
			return fmt.Errorf("claim task %s: %w", task, err)
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// FinishTaskRun records how the claimed run of task for slot ended.
func (s *Store) FinishTaskRun(ctx context.Context, task string, slot time.Time, outcome string, now time.Time) error {
	return s.Update(ctx, func(tx *Tx) error {
		if _, err := tx.q.ExecContext(ctx, `UPDATE task_runs SET finished_at = $3, outcome = $4 WHERE task = $1 AND slot = $2`,
			task, utc(slot), utc(now), outcome); err != nil {
			return fmt.Errorf("finish task %s: %w", task, err)
		}
		return nil
	})
}

// TaskRuns returns the runs of slots from since on, oldest first.
func (r reader) TaskRuns(ctx context.Context, since time.Time) ([]TaskRun, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT task, slot, node, started_at, finished_at, outcome FROM task_runs
		WHERE slot >= $1 ORDER BY slot, task`, utc(since))
	if err != nil {
		return nil, fmt.Errorf("task runs: %w", err)
	}
	defer rows.Close()
	var out []TaskRun
	for rows.Next() {
		var t TaskRun
		var fin sql.NullTime
		if err := rows.Scan(&t.Task, &t.Slot, &t.Node, &t.StartedAt, &fin, &t.Outcome); err != nil {
			return nil, fmt.Errorf("task runs: %w", err)
		}
		t.Slot, t.StartedAt = t.Slot.UTC(), t.StartedAt.UTC()
		if fin.Valid {
			f := fin.Time.UTC()
			t.FinishedAt = &f
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PurgeTaskRuns deletes the runs of slots before before.
func (s *Store) PurgeTaskRuns(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		res, err := tx.q.ExecContext(ctx, `DELETE FROM task_runs WHERE slot < $1`, utc(before))
		if err != nil {
			return fmt.Errorf("purge task runs: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
