// Package notify delivers to-do reminders (待办事项提醒, 二（一）): after a
// candidate submits, and at every later step, a reminder goes to the in-app
// inbox and, where the user has an address there, by email and as a WeChat
// template message.
//
// Delivery is an outbox. Enqueue runs inside the business transaction of the
// state change: it writes the inbox row and one background job (River) per
// external channel, so a reminder exists if and only if the state change
// committed. The job's worker sends through its channel and then, in one
// transaction, records the delivery in reminder_deliveries (primary key
// reminder id + channel: the idempotency key) and completes the job. A job run
// again for a key already recorded sends nothing. See docs/reminders.md for
// what remains at-least-once.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"kaowu"
	"kaowu/internal/store"
)

// Channel is one way of reaching a user.
type Channel interface {
	// Name is the channel's stable identifier ("email", "wechat"); it is
	// part of the idempotency key of every delivery through the channel.
	Name() string
	// Deliver sends r. It returns nil once the provider has accepted it,
	// ErrNoAddress (wrapped) when the user has no address on this channel,
	// a Permanent error when retrying cannot help, and any other error for
	// a failure worth retrying.
	Deliver(ctx context.Context, r kaowu.Reminder) error
}

// ErrNoAddress means the user has no address on the channel (no email on
// file, WeChat not bound): the delivery is recorded as skipped.
var ErrNoAddress = errors.New("no address on this channel")

// PermanentError is a refusal that retrying cannot change.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as a refusal that retrying cannot change: the
// delivery is recorded as failed and not retried.
func Permanent(err error) error { return &PermanentError{Err: err} }

// Queue is the River queue reminder deliveries run on, apart from bulk work
// so that a long import cannot hold reminders back.
const Queue = "reminders"

// DeliverArgs is the job that delivers one reminder through one channel.
// Both fields are the job's unique key.
type DeliverArgs struct {
	ReminderID string `json:"reminder_id" river:"unique"`
	Channel    string `json:"channel" river:"unique"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "reminder.deliver" }

// InsertOpts implements river.JobArgsWithInsertOpts: unique by (reminder,
// channel) while a job for it is pending, running, retrying or completed
// (River's default unique states).
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Outbox writes reminders inside business transactions.
type Outbox struct {
	client   *river.Client[*sql.Tx]
	clock    kaowu.Clock
	channels []string
}

// NewOutbox returns an outbox that inserts its jobs with client (which may
// be an insert-only client) for the named external channels. Every process
// must be given the same channel names.
func NewOutbox(client *river.Client[*sql.Tx], clock kaowu.Clock, channels ...string) *Outbox {
	return &Outbox{client: client, clock: clock, channels: channels}
}

// Channels returns the names of the external channels the outbox enqueues
// for.
func (o *Outbox) Channels() []string { return append([]string(nil), o.channels...) }

// Enqueue writes r to its user's inbox and one delivery job per external
// channel, all in tx: they commit or roll back with the caller's state
// change. It fills in r.ID and r.CreatedAt when empty and returns r.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, r kaowu.Reminder) (kaowu.Reminder, error) {
	if r.ID == "" {
		r.ID = store.NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = o.clock.Now()
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if r.UserID == "" || strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Body) == "" {
		return r, fmt.Errorf("enqueue reminder: user, title and body are required")
	}
	if err := tx.InsertReminder(ctx, r); err != nil {
		return r, err
	}
	if len(o.channels) == 0 {
		return r, nil
	}
	params := make([]river.InsertManyParams, len(o.channels))
	for i, ch := range o.channels {
		params[i] = river.InsertManyParams{Args: DeliverArgs{ReminderID: r.ID, Channel: ch}}
	}
	if _, err := o.client.InsertManyTx(ctx, tx.SQLTx(), params); err != nil {
		return r, fmt.Errorf("enqueue reminder %s: %w", r.ID, err)
	}
	return r, nil
}

// Worker delivers DeliverArgs jobs through the configured channels.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	store    *store.Store
	clock    kaowu.Clock
	log      *slog.Logger
	channels map[string]Channel
}

// NewWorker returns the delivery worker for channels.
func NewWorker(s *store.Store, clock kaowu.Clock, log *slog.Logger, channels ...Channel) *Worker {
	w := &Worker{store: s, clock: clock, log: log, channels: map[string]Channel{}}
	for _, c := range channels {
		w.channels[c.Name()] = c
	}
	return w
}

// Work implements river.Worker.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	a := job.Args
	log := w.log.With("reminder", a.ReminderID, "channel", a.Channel, "job", job.ID, "attempt", job.Attempt)
	// A delivery already recorded (a duplicate job, or a job whose
	// completion was lost after its delivery committed) sends nothing.
	if _, done, err := w.store.Delivery(ctx, a.ReminderID, a.Channel); err != nil {
		return err
	} else if done {
		log.Info("reminder already delivered; nothing to do")
		return w.complete(ctx, job, nil)
	}
	ch, ok := w.channels[a.Channel]
	if !ok {
		return fmt.Errorf("reminder channel %q is not configured on this node", a.Channel)
	}
	r, err := w.store.Reminder(ctx, a.ReminderID)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	d := store.ReminderDelivery{ReminderID: a.ReminderID, Channel: a.Channel, Status: store.DeliverySent, Attempt: job.Attempt}
	var perm *PermanentError
	switch err := ch.Deliver(ctx, r); {
	case err == nil:
	case errors.Is(err, ErrNoAddress):
		d.Status, d.Detail = store.DeliverySkipped, err.Error()
	case errors.As(err, &perm):
		d.Status, d.Detail = store.DeliveryFailed, err.Error()
		log.Warn("reminder refused for good", "err", err)
	default:
		return err
	}
	// From here until the record commits is the at-least-once window: the
	// provider has the reminder, the database does not know yet. Keep it
	// short and do not give up on a transient error in it.
	return w.complete(ctx, job, &d)
}

// complete records d (when not nil) and completes the job in one
// transaction, trying a few times: failing here means sending again.
func (w *Worker) complete(ctx context.Context, job *river.Job[DeliverArgs], d *store.ReminderDelivery) error {
	var err error
	for i := range 5 {
		if i > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(time.Duration(i*i) * 50 * time.Millisecond):
			}
		}
		err = w.store.Update(ctx, func(tx *store.Tx) error {
			if d != nil {
				d.DeliveredAt = w.clock.Now()
				if _, err := tx.RecordDelivery(ctx, *d); err != nil {
					return err
				}
			}
			_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx.SQLTx(), job)
			if errors.Is(err, rivertype.ErrNotFound) {
				// The job is no longer running here (an earlier try
				// committed, or the rescuer took it back): the record
				// above is what keeps any other run from sending.
				return nil
			}
			return err
		})
		if err == nil {
			return nil
		}
		w.log.Warn("record reminder delivery", "reminder", job.Args.ReminderID, "channel", job.Args.Channel, "try", i+1, "err", err)
	}
	return err
}

// Link returns where a reminder's link leads: an absolute URL as is, a path
// joined to base (the site's public address) when base is set.
func Link(base, link string) string {
	if link == "" || strings.Contains(link, "://") || base == "" {
		return link
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(link, "/")
}
