package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"kaowu/internal/jobs"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkThroughput measures reminders delivered per second end to end
// through a trivial channel: each one enqueued in its own business
// transaction (inbox row + job), fetched, "delivered", and recorded with
// the job's completion in one transaction. Run with a fixed count, e.g.
//
//	go test -run '^$' -bench Throughput -benchtime 2000x ./internal/jobs/
func BenchmarkThroughput(b *testing.B) {
	configs := []struct {
		name string
		cfg  jobs.Config
	}{
		{"default", jobs.Config{}}, // 16 workers, 250 ms poll, 20 ms cooldown
		{"w4-poll100ms-cool100ms", jobs.Config{ReminderWorkers: 4, PollInterval: 100 * time.Millisecond, FetchCooldown: 100 * time.Millisecond}}, // River's defaults as in stack.md
		{"w8", jobs.Config{ReminderWorkers: 8}},
		{"w32-cool5ms", jobs.Config{ReminderWorkers: 32, FetchCooldown: 5 * time.Millisecond}},
	}
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		for _, c := range configs {
			b.Run(string(engine)+"/"+c.name, func(b *testing.B) {
				var s *store.Store
				if engine == store.SQLite {
					s = storetest.SQLite(b)
				} else {
					s = storetest.Postgres(b)
				}
				ctx := context.Background()
				user := newUser(b, s)
				counter := newCounter()
				j, ev := start(b, s, c.cfg, counter)
				r := reminder(user)
				b.ResetTimer()
				begin := time.Now()
				for range b.N {
					if err := s.Update(ctx, func(tx *store.Tx) error {
						_, err := j.Enqueue(ctx, tx, r)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
				enqueued := time.Since(begin)
				deadline := time.After(5 * time.Minute)
				for ev.count(river.EventKindJobCompleted) < b.N {
					select {
					case <-ev.signal:
					case <-deadline:
						b.Fatalf("%d of %d done in 5 minutes", ev.count(river.EventKindJobCompleted), b.N)
					}
				}
				elapsed := time.Since(begin)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
				b.ReportMetric(float64(b.N)/enqueued.Seconds(), "enqueues/s")
				if counter.total() != b.N {
					b.Fatalf("delivered %d distinct, want %d", counter.total(), b.N)
				}
			})
		}
	}
}
