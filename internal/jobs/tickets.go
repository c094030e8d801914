package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"kaowu/internal/store"
)

// TicketQueue is the queue of ticket builds: one at a time per process, so
// that a build does not starve the reminders of the CPU.
const TicketQueue = "tickets"

// ticketSlice is how long one job makes ticket files before it hands the
// rest of the build to a new job: well inside the rescue time, so that a
// build of any size never looks stuck.
const ticketSlice = 90 * time.Second

// TicketBuildArgs is the job that makes the files of one ticket build
// (app.RunTicketBuild).
type TicketBuildArgs struct {
	BuildID string `json:"build_id"`
}

// Kind implements river.JobArgs.
func (TicketBuildArgs) Kind() string { return "tickets.build" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (TicketBuildArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: TicketQueue} }

// BuildRunner makes a ticket build's missing files until ctx ends; it
// reports true when the build is done (app.RunTicketBuild).
type BuildRunner func(ctx context.Context, buildID string) (bool, error)

type ticketWorker struct {
	river.WorkerDefaults[TicketBuildArgs]
	run    BuildRunner
	client func() *river.Client[sqlTx]
}

// Timeout bounds one slice of a build, with room to store the last file.
func (w *ticketWorker) Timeout(*river.Job[TicketBuildArgs]) time.Duration {
	return ticketSlice + time.Minute
}

func (w *ticketWorker) Work(ctx context.Context, job *river.Job[TicketBuildArgs]) error {
	slice, cancel := context.WithTimeout(ctx, ticketSlice)
	defer cancel()
	done, err := w.run(slice, job.Args.BuildID)
	switch {
	case err != nil:
		return fmt.Errorf("ticket build %s: %w", job.Args.BuildID, err)
	case done:
		return nil
	case ctx.Err() != nil: // the process stops: River runs this job again
		return ctx.Err()
	}
	// The slice ended: the next job goes on from the files made.
	if _, err := w.client().Insert(ctx, TicketBuildArgs{BuildID: job.Args.BuildID}, nil); err != nil {
		return fmt.Errorf("ticket build %s: continue: %w", job.Args.BuildID, err)
	}
	return nil
}

// EnqueueTicketBuild writes the job that makes a build's files, in tx.
func (j *Jobs) EnqueueTicketBuild(ctx context.Context, tx *store.Tx, buildID string) error {
	if _, err := j.client.InsertTx(ctx, tx.SQLTx(), TicketBuildArgs{BuildID: buildID}, nil); err != nil {
		return fmt.Errorf("enqueue ticket build: %w", err)
	}
	return nil
}
