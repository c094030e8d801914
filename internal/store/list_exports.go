package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ListExport is a background export of a staff list to .xlsx: the list
// query fixed when it started (Query, JSON), its progress (Done of Total
// rows), and, once done, its file (read with ListExportFile).
type ListExport struct {
	ID          string
	List        ListKind
	Query       string
	Description string
	State       string // running, done, failed
	Total       int
	Done        int
	Runs        int // how many times a worker started it (River retries)
	Error       string
	FileName    string
	FileBytes   int64
	CreatedBy   string // the exporter's account id
	CreatedAt   time.Time
	FinishedAt  *time.Time
}

const listExportColumns = `id, list, query, description, state, total, done, runs, error, file_name, file_bytes, created_by, created_at, finished_at`

// InsertListExport records a new export, running.
func (tx *Tx) InsertListExport(ctx context.Context, e ListExport) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO list_exports (id, list, query, description, state, total, created_by, created_at)
		VALUES ($1, $2, $3, $4, 'running', $5, $6, $7)`, e.ID, string(e.List), e.Query, e.Description, e.Total, e.CreatedBy, utc(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert list export: %w", err)
	}
	return nil
}

// ListExport returns an export without its file.
func (r reader) ListExport(ctx context.Context, id string) (ListExport, error) {
	var e ListExport
	var finished sql.NullTime
	err := r.q.QueryRowContext(ctx, `SELECT `+listExportColumns+` FROM list_exports WHERE id = $1`, id).Scan(&e.ID, &e.List, &e.Query,
		&e.Description, &e.State, &e.Total, &e.Done, &e.Runs, &e.Error, &e.FileName, &e.FileBytes, &e.CreatedBy, &e.CreatedAt, &finished)
	if err != nil {
		return e, fmt.Errorf("list export %s: %w", id, notFound(err, "没有这次导出"))
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if finished.Valid {
		t := finished.Time.UTC()
		e.FinishedAt = &t
	}
	return e, nil
}

// StartListExportRun marks the start of a run of a running export: its
// total as the run counted it, nothing done yet. It reports false when
// the export is not running (done or failed already).
func (tx *Tx) StartListExportRun(ctx context.Context, id string, total int) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE list_exports SET total = $2, done = 0, runs = runs + 1 WHERE id = $1 AND state = 'running'`, id, total)
	if err != nil {
		return false, fmt.Errorf("start list export %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetListExportDone records the rows written so far.
func (tx *Tx) SetListExportDone(ctx context.Context, id string, done int) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE list_exports SET done = $2 WHERE id = $1 AND state = 'running'`, id, done); err != nil {
		return fmt.Errorf("list export %s progress: %w", id, err)
	}
	return nil
}

// FinishListExport ends a running export: done with its file, or failed
// with the reason. An export ended already is left as it is (a second run
// that finished too), and false is reported.
func (tx *Tx) FinishListExport(ctx context.Context, id, state, reason, name string, file []byte, done int, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE list_exports SET state = $2, error = $3, file_name = $4, file = $5, file_bytes = $6, done = $7,
		finished_at = $8 WHERE id = $1 AND state = 'running'`, id, state, reason, name, file, int64(len(file)), done, utc(now))
	if err != nil {
		return false, fmt.Errorf("finish list export %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ListExportFile returns a finished export's file and its name.
func (r reader) ListExportFile(ctx context.Context, id string) (string, []byte, error) {
	var name string
	var file []byte
	err := r.q.QueryRowContext(ctx, `SELECT file_name, file FROM list_exports WHERE id = $1 AND state = 'done'`, id).Scan(&name, &file)
	if err != nil {
		return "", nil, fmt.Errorf("list export file %s: %w", id, notFound(err, "导出文件尚未生成"))
	}
	return name, file, nil
}

// DeleteListExports deletes the exports started before t, with their
// files, and returns how many.
func (tx *Tx) DeleteListExports(ctx context.Context, before time.Time) (int, error) {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM list_exports WHERE created_at < $1`, utc(before))
	if err != nil {
		return 0, fmt.Errorf("delete list exports: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
