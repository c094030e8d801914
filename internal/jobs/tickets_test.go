package jobs_test

import (
	"context"
	"sync"
	"testing"

	"github.com/riverqueue/river"

	"kaowu/internal/jobs"
	"kaowu/internal/store"
)

// TestTicketBuildJob: a build enqueued in a transaction is worked by the
// job queue; a slice that ends before the build is done hands it on to a
// new job, which goes on; the build's id reaches every slice.
func TestTicketBuildJob(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		var mu sync.Mutex
		var calls []string
		cfg := testConfig()
		cfg.TicketBuilds = func(ctx context.Context, id string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, id)
			return len(calls) >= 3, nil // two slices end unfinished
		}
		j, ev := start(t, s, cfg)
		if err := s.Update(context.Background(), func(tx *store.Tx) error {
			return j.EnqueueTicketBuild(context.Background(), tx, "build-1")
		}); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, river.EventKindJobCompleted, 3)
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 3 || calls[0] != "build-1" || calls[2] != "build-1" {
			t.Errorf("slices ran for %v, want build-1 three times", calls)
		}
		for _, row := range ev.completed() {
			if row.Kind != (jobs.TicketBuildArgs{}).Kind() || row.Queue != jobs.TicketQueue {
				t.Errorf("job %s in %s", row.Kind, row.Queue)
			}
		}
	})
}
