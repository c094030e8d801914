// Package jobs runs kaowu's background work on River
// (github.com/riverqueue/river) over the project's own database/sql pools,
// on both engines: riversqlite over SQLite's single writer connection,
// riverdatabasesql over the PostgreSQL pool. Jobs are inserted with InsertTx
// inside the business transaction, claimed from the database (so several
// `serve` processes never work the same job at once) and retried with
// exponential backoff.
//
// On SQLite the job client shares the store's single writer connection with
// the application: inside Store.Update use only the Tx forms (Enqueue,
// Client().InsertTx with tx.SQLTx()); a non-Tx call there would wait
// forever for the connection the transaction holds.
//
// Workers registered here: reminder delivery (notify.Worker), ticket
// builds and the staff lists' exports when the Config gives their runners.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"kaowu"
	"kaowu/internal/notify"
	"kaowu/internal/store"
)

// Config sizes and tunes the job client. The zero value is the production
// setting for a 2-core machine, working jobs.
type Config struct {
	// InsertOnly makes a client that inserts jobs but works none (serve
	// --worker=false).
	InsertOnly bool
	// ReminderWorkers is how many reminder deliveries run at once in this
	// process; 16 when zero. Deliveries wait on SMTP and HTTP, not the CPU;
	// on a 2-core machine 16 also beat 8 and 32 for trivial jobs (see
	// BenchmarkThroughput and docs/reminders.md).
	ReminderWorkers int
	// PollInterval is how often an idle process looks for jobs; 250 ms
	// when zero. On SQLite new jobs are also noticed within ~50 ms through
	// River's notification table; on PostgreSQL (database/sql has no
	// LISTEN) the poll is what picks them up.
	PollInterval time.Duration
	// FetchCooldown is the least time between two fetches; 20 ms when
	// zero. With few workers it bounds throughput: at most workers/cooldown
	// jobs per second.
	FetchCooldown time.Duration
	// RetryPolicy decides when a failed job runs again; Backoff{2 s, 1 h}
	// when nil.
	RetryPolicy river.ClientRetryPolicy
	// MaxAttempts is how many times a job runs before it is discarded; 20
	// when zero (about 10 hours with the default backoff).
	MaxAttempts int
	// JobTimeout bounds one run of a job; 1 minute when zero.
	JobTimeout time.Duration
	// RescueAfter is when a job still running (its process died) is given
	// to another; 5 minutes when zero. It must exceed JobTimeout.
	RescueAfter time.Duration
	// ID names this process's client; River makes one up when empty.
	ID string
	// LeaderElectionDisabled keeps this client out of leader election (the
	// leader runs River's maintenance: rescuing, scheduling, cleaning).
	LeaderElectionDisabled bool
	// TicketBuilds, when set, works ticket builds (TicketBuildArgs) in
	// this process, one at a time.
	TicketBuilds BuildRunner
	// ListExports, when set, works the staff lists' background exports
	// (ListExportArgs) in this process, one at a time.
	ListExports ExportRunner
}

func (c Config) withDefaults() Config {
	if c.ReminderWorkers <= 0 {
		c.ReminderWorkers = 16
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 250 * time.Millisecond
	}
	if c.FetchCooldown <= 0 {
		c.FetchCooldown = 20 * time.Millisecond
	}
	if c.RetryPolicy == nil {
		c.RetryPolicy = Backoff{Base: 2 * time.Second, Max: time.Hour}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 20
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = time.Minute
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = 5 * time.Minute
	}
	return c
}

// Backoff is exponential backoff with 10 % jitter: the n-th retry waits
// Base·2^(n-1), at most Max.
type Backoff struct {
	Base, Max time.Duration
}

// NextRetry implements river.ClientRetryPolicy.
func (b Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.Base
	for i := 0; i < len(job.Errors) && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return time.Now().UTC().Add(max(d, time.Millisecond))
}

// sqlTx is the transaction type of both River drivers.
type sqlTx = *sql.Tx

// Jobs is the job client of one process.
type Jobs struct {
	client   *river.Client[sqlTx]
	outbox   *notify.Outbox
	log      *slog.Logger
	working  bool
	started  bool
	stopping context.CancelFunc
}

// NewDriver returns the River driver for s's engine, over s's writer pool.
func NewDriver(s *store.Store) riverdriver.Driver[*sql.Tx] {
	if s.Engine() == store.SQLite {
		return riversqlite.New(s.SQLDB())
	}
	return riverdatabasesql.New(s.SQLDB())
}

// Migrate applies River's own migrations (river_job and its companions),
// after the application's. On SQLite they run in one write transaction, so
// that processes starting at once migrate one after the other. On
// PostgreSQL each version runs in a transaction of its own (version 006
// adds an enum value and uses it, which PostgreSQL refuses in a single
// transaction), under a session advisory lock held on a separate
// connection, so that several processes starting at once migrate once.
func Migrate(ctx context.Context, s *store.Store, log *slog.Logger) error {
	m, err := rivermigrate.New(NewDriver(s), &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	if s.Engine() == store.SQLite {
		return s.Update(ctx, func(tx *store.Tx) error {
			if _, err := m.MigrateTx(ctx, tx.SQLTx(), rivermigrate.DirectionUp, nil); err != nil {
				return fmt.Errorf("river migrate %s: %w", s.Engine(), err)
			}
			return nil
		})
	}
	conn, err := s.SQLDB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	defer conn.Close()
	// The key is "kaow" and 1: River's migrations.
	const lock, unlock = `SELECT pg_advisory_lock(1801547639, 1)`, `SELECT pg_advisory_unlock(1801547639, 1)`
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		return fmt.Errorf("river migrate lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), unlock)
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate %s: %w", s.Engine(), err)
	}
	return nil
}

// quiet keeps River's informational chatter (each migration, each leader
// election) at debug level in kaowu's log.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(levelShift{log.Handler()}).With("component", "river")
}

type levelShift struct{ slog.Handler }

func (h levelShift) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, shift(l))
}

func (h levelShift) Handle(ctx context.Context, r slog.Record) error {
	r.Level = shift(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h levelShift) WithAttrs(a []slog.Attr) slog.Handler { return levelShift{h.Handler.WithAttrs(a)} }
func (h levelShift) WithGroup(n string) slog.Handler      { return levelShift{h.Handler.WithGroup(n)} }

func shift(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}

// New migrates River's tables and returns the job client for s. channels
// are the external reminder channels (email, WeChat); every process must be
// given the same ones, since the outbox enqueues one job per channel. Call
// Start to work jobs (unless cfg.InsertOnly) and Stop before closing s.
func New(ctx context.Context, s *store.Store, clock kaowu.Clock, log *slog.Logger, cfg Config, channels ...notify.Channel) (*Jobs, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("jobs: RescueAfter %s must exceed JobTimeout %s", cfg.RescueAfter, cfg.JobTimeout)
	}
	if err := Migrate(ctx, s, log); err != nil {
		return nil, err
	}
	rc := &river.Config{
		ID:                     cfg.ID,
		Logger:                 quiet(log),
		MaxAttempts:            cfg.MaxAttempts,
		RetryPolicy:            cfg.RetryPolicy,
		JobTimeout:             cfg.JobTimeout,
		RescueStuckJobsAfter:   cfg.RescueAfter,
		FetchPollInterval:      cfg.PollInterval,
		FetchCooldown:          cfg.FetchCooldown,
		LeaderElectionDisabled: cfg.LeaderElectionDisabled,
		// database/sql cannot LISTEN: PostgreSQL runs poll-only. SQLite
		// has River's own notification table.
		PollOnly: s.Engine() == store.Postgres,
	}
	names := make([]string, len(channels))
	for i, c := range channels {
		names[i] = c.Name()
	}
	j := &Jobs{log: log, working: !cfg.InsertOnly}
	if !cfg.InsertOnly {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, notify.NewWorker(s, clock, log, channels...)); err != nil {
			return nil, err
		}
		rc.Queues = map[string]river.QueueConfig{notify.Queue: {MaxWorkers: cfg.ReminderWorkers}}
		if cfg.TicketBuilds != nil {
			w := &ticketWorker{run: cfg.TicketBuilds, client: func() *river.Client[sqlTx] { return j.client }}
			if err := river.AddWorkerSafely(workers, w); err != nil {
				return nil, err
			}
			rc.Queues[TicketQueue] = river.QueueConfig{MaxWorkers: 1}
		}
		if cfg.ListExports != nil {
			if err := river.AddWorkerSafely(workers, &exportWorker{run: cfg.ListExports}); err != nil {
				return nil, err
			}
			rc.Queues[ExportQueue] = river.QueueConfig{MaxWorkers: 1}
		}
		rc.Workers = workers
	}
	client, err := river.NewClient(NewDriver(s), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	j.client = client
	j.outbox = notify.NewOutbox(client, clock, names...)
	return j, nil
}

// Client returns the River client, for inserting other jobs and for
// subscribing to job events.
func (j *Jobs) Client() *river.Client[*sql.Tx] { return j.client }

// Outbox returns the reminder outbox.
func (j *Jobs) Outbox() *notify.Outbox { return j.outbox }

// Enqueue writes reminder r in tx: the inbox row and its delivery jobs. See
// notify.Outbox.Enqueue.
func (j *Jobs) Enqueue(ctx context.Context, tx *store.Tx, r kaowu.Reminder) (kaowu.Reminder, error) {
	return j.outbox.Enqueue(ctx, tx, r)
}

// Start starts working jobs in the background; an insert-only client does
// nothing. Cancelling ctx does not stop the work: Stop does, draining it.
func (j *Jobs) Start(ctx context.Context) error {
	if !j.working {
		return nil
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := j.client.Start(runCtx); err != nil {
		cancel()
		return fmt.Errorf("jobs: start: %w", err)
	}
	j.started, j.stopping = true, cancel
	j.log.Info("jobs started")
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish, until
// ctx is done; then it cancels them (their jobs run again later: a
// cancelled delivery has recorded nothing) and waits for them to return.
func (j *Jobs) Stop(ctx context.Context) error {
	if !j.started {
		return nil
	}
	defer j.stopping()
	err := j.client.Stop(ctx)
	if err == nil {
		j.log.Info("jobs stopped")
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	j.log.Warn("jobs: running jobs did not finish in time; cancelling them")
	hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := j.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("jobs: stop and cancel: %w", err)
	}
	return nil
}
