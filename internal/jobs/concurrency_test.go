package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"kaowu"
	"kaowu/internal/jobs"
	"kaowu/internal/store"
)

// counter is a channel that counts deliveries per reminder.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounter() *counter           { return &counter{n: map[string]int{}} }
func (*counter) Name() string        { return "counter" }
func (c *counter) get(id string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.n[id] }
func (c *counter) total() (n int)    { c.mu.Lock(); defer c.mu.Unlock(); return len(c.n) }
func (c *counter) Deliver(_ context.Context, r kaowu.Reminder) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[r.ID]++
	return nil
}

// Application transactions and River's producer, elector, completer and
// maintenance run at once over SQLite's single writer connection (and the
// PostgreSQL pool) without deadlock, and every reminder is delivered once.
// Run with -race.
func TestAppTransactionsAndRiverConcurrently(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newCounter()
		cfg := testConfig()
		cfg.ReminderWorkers = 8
		j, ev := start(t, s, cfg, c)
		// A second worker process, as behind a load balancer.
		_, ev2 := start(t, s, cfg, c)
		const goroutines, each = 8, 20
		ids := make(chan string, goroutines*each)
		errs := make(chan error, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					var r kaowu.Reminder
					err := s.Update(ctx, func(tx *store.Tx) error {
						u := kaowu.User{Username: fmt.Sprintf("c%d-%d-%s", g, i, store.NewID()[24:]), Name: "李玥",
							Role: kaowu.RoleCandidate, PasswordHash: "x", CreatedAt: time.Now()}
						if err := tx.CreateUser(ctx, &u); err != nil {
							return err
						}
						if err := tx.PutSetting(ctx, fmt.Sprintf("k%d", g), fmt.Sprint(i)); err != nil {
							return err
						}
						var err error
						r, err = j.Enqueue(ctx, tx, reminder(u.ID))
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					ids <- r.ID
					// Reads on the reader pool and a write without River in
					// between.
					if _, err := s.Inbox(ctx, r.UserID, 5, true); err != nil {
						errs <- err
						return
					}
					if err := s.Update(ctx, func(tx *store.Tx) error {
						return tx.MarkReminderRead(ctx, r.UserID, r.ID, time.Now())
					}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(90 * time.Second):
			t.Fatal("application transactions did not finish in 90 s: deadlock with River?")
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		close(ids)
		deadline := time.After(60 * time.Second)
		for ev.count(river.EventKindJobCompleted)+ev2.count(river.EventKindJobCompleted) < goroutines*each {
			select {
			case <-ev.signal:
			case <-ev2.signal:
			case <-deadline:
				t.Fatalf("%d of %d deliveries completed in 60 s", ev.count(river.EventKindJobCompleted)+ev2.count(river.EventKindJobCompleted), goroutines*each)
			}
		}
		n := 0
		for id := range ids {
			n++
			if got := c.get(id); got != 1 {
				t.Errorf("reminder %s delivered %d times", id, got)
			}
			if _, ok, err := s.Delivery(ctx, id, "counter"); err != nil || !ok {
				t.Errorf("reminder %s: delivery not recorded (%v)", id, err)
			}
		}
		if n != goroutines*each || c.total() != n {
			t.Errorf("enqueued %d, delivered %d distinct", n, c.total())
		}
		t.Logf("%s: worker 1 completed %d, worker 2 completed %d", s.Engine(), ev.count(river.EventKindJobCompleted), ev2.count(river.EventKindJobCompleted))
	})
}

// Several processes starting at once on a fresh database migrate River's
// tables once, without error.
func TestConcurrentMigrate(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dsn, _ := shared(t, engine)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					s, err := store.Open(context.Background(), dsn)
					if err != nil {
						errs <- err
						return
					}
					defer s.Close()
					errs <- jobs.Migrate(context.Background(), s, nil)
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}
