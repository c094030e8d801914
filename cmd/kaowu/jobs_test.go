package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// nodes opens n Apps on one database, as n serve processes would: each
// its own pools and caches.
func nodes(t *testing.T, dsn string, n int, clock kaowu.Clock) []*app.App {
	t.Helper()
	var out []*app.App
	for range n {
		s, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		a := app.New(s, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := a.Bootstrap(context.Background()); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// TestTasksRunOncePerCluster: several nodes on one database tick in the
// same minute at once, and each scheduled task runs on one of them only;
// the next minute runs again, once.
func TestTasksRunOncePerCluster(t *testing.T) {
	clock := kaowu.NewManualClock(time.Date(2023, 12, 15, 16, 30, 0, 0, kaowu.Shanghai))
	for _, engine := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() + "/k.db" }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			dsn := engine.dsn(t)
			apps := nodes(t, dsn, 6, clock)
			var mu sync.Mutex
			ran := map[string][]string{} // task@slot → nodes
			var list []task
			for _, name := range []string{"a", "b", "c"} {
				list = append(list, task{name: name, run: func(ctx context.Context, a *app.App, now time.Time) (string, error) {
					mu.Lock()
					defer mu.Unlock()
					k := name + "@" + taskSlot(now).Format("15:04")
					for i, other := range apps {
						if other == a {
							ran[k] = append(ran[k], fmt.Sprint(i))
						}
					}
					return "done " + name, nil
				}})
			}
			for minute := range 3 {
				slot := taskSlot(clock.Now())
				var wg sync.WaitGroup
				for i, a := range apps {
					wg.Go(func() { runTasks(context.Background(), a, fmt.Sprintf("node%d", i), slot, list) })
				}
				wg.Wait()
				for _, name := range []string{"a", "b", "c"} {
					k := name + "@" + slot.Format("15:04")
					if got := ran[k]; len(got) != 1 {
						t.Errorf("minute %d: task %s ran on nodes %v, want one", minute, k, got)
					}
				}
				clock.Advance(time.Minute)
			}
			runs, err := apps[0].Store.TaskRuns(context.Background(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 9 {
				t.Fatalf("%d runs recorded, want 9: %+v", len(runs), runs)
			}
			for _, r := range runs {
				if r.FinishedAt == nil || r.Outcome != "done "+r.Task {
					t.Errorf("run not finished or without its outcome: %+v", r)
				}
			}
		})
	}
}

// TestTaskOfADeadNodeRunsAtTheNextSlot: the node that claimed a slot dies
// in the middle of the task; the slot stays claimed (nobody runs it twice
// in that minute) and unfinished, and at the next minute another node
// runs the task.
func TestTaskOfADeadNodeRunsAtTheNextSlot(t *testing.T) {
	clock := kaowu.NewManualClock(time.Date(2023, 12, 15, 16, 30, 0, 0, kaowu.Shanghai))
	apps := nodes(t, storetest.PostgresURL(t), 2, clock)
	var mu sync.Mutex
	var ranOn []int
	dying := apps[0]
	list := []task{{name: "void-unconfirmed", run: func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		mu.Lock()
		ranOn = append(ranOn, map[bool]int{true: 0, false: 1}[a == dying])
		mu.Unlock()
		if a == dying {
			runtime.Goexit() // the node is gone mid-task: nothing after this runs
		}
		return "voided", nil
	}}}
	ctx := context.Background()
	slot := taskSlot(clock.Now())
	done := make(chan struct{})
	go func() { defer close(done); runTasks(ctx, apps[0], "node0", slot, list) }()
	<-done
	runTasks(ctx, apps[1], "node1", slot, list) // same minute: claimed by the dead node
	if len(ranOn) != 1 {
		t.Fatalf("ran on %v in the first minute, want only the node that died", ranOn)
	}
	clock.Advance(time.Minute)
	next := taskSlot(clock.Now())
	runTasks(ctx, apps[1], "node1", next, list)
	if len(ranOn) != 2 || ranOn[1] != 1 {
		t.Fatalf("ran on %v, want node 1 at the next minute", ranOn)
	}
	runs, err := apps[1].Store.TaskRuns(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Node != "node0" || runs[0].FinishedAt != nil || runs[1].Node != "node1" || runs[1].FinishedAt == nil || runs[1].Outcome != "voided" {
		t.Errorf("runs %+v", runs)
	}
}

// TestScheduledTasksClaimed: the real tasks, run by four nodes at once,
// are each recorded once for the minute.
func TestScheduledTasksClaimed(t *testing.T) {
	clock := kaowu.NewManualClock(time.Date(2023, 12, 15, 16, 30, 0, 0, kaowu.Shanghai))
	apps := nodes(t, storetest.PostgresURL(t), 4, clock)
	slot := taskSlot(clock.Now())
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Go(func() { runTasks(context.Background(), a, fmt.Sprintf("node%d", i), slot, tasks) })
	}
	wg.Wait()
	runs, err := apps[0].Store.TaskRuns(context.Background(), slot)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range runs {
		seen[r.Task]++
		if r.FinishedAt == nil {
			t.Errorf("%s did not finish: %+v", r.Task, r)
		}
	}
	for _, tk := range tasks {
		if seen[tk.name] != 1 {
			t.Errorf("%s recorded %d times, want 1", tk.name, seen[tk.name])
		}
	}
}
