package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"kaowu/internal/store"
)

// ExportQueue is the queue of the staff lists' background exports: one at
// a time per process.
const ExportQueue = "exports"

// exportTimeout bounds one run of an export, within the rescue time: a
// list of 100 000 rows takes seconds.
const exportTimeout = 4 * time.Minute

// ListExportArgs is the job that makes a background export's file
// (app.RunListExport).
type ListExportArgs struct {
	ExportID string `json:"export_id"`
}

// Kind implements river.JobArgs.
func (ListExportArgs) Kind() string { return "lists.export" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ListExportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: ExportQueue} }

// ExportRunner makes an export's file until ctx ends; it reports true when
// the export is done (app.RunListExport).
type ExportRunner func(ctx context.Context, exportID string) (bool, error)

type exportWorker struct {
	river.WorkerDefaults[ListExportArgs]
	run ExportRunner
}

// Timeout bounds one run of an export.
func (w *exportWorker) Timeout(*river.Job[ListExportArgs]) time.Duration { return exportTimeout }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ListExportArgs]) error {
	done, err := w.run(ctx, job.Args.ExportID)
	switch {
	case err != nil:
		return fmt.Errorf("list export %s: %w", job.Args.ExportID, err)
	case !done:
		// Stopped (the process stops, or the run timed out): River runs
		// the job again, and the export starts over.
		return fmt.Errorf("list export %s: stopped before the end", job.Args.ExportID)
	}
	return nil
}

// EnqueueListExport writes the job that makes an export's file, in tx.
func (j *Jobs) EnqueueListExport(ctx context.Context, tx *store.Tx, exportID string) error {
	if _, err := j.client.InsertTx(ctx, tx.SQLTx(), ListExportArgs{ExportID: exportID}, nil); err != nil {
		return fmt.Errorf("enqueue list export: %w", err)
	}
	return nil
}
