package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaowu/internal/store"
)

// testTaskRuns: a scheduled task's slot is claimed once, however many
// nodes ask at once; the claim records who ran it and how it ended.
func testTaskRuns(t *testing.T, s *store.Store) {
	ctx := context.Background()
	slot := t0.Truncate(time.Minute)
	var won atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			node := fmt.Sprintf("node%d", i)
			ok, err := s.ClaimTaskRun(ctx, "void-unconfirmed", slot, node, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
				winner.Store(node)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d nodes claimed the slot, want 1", won.Load())
	}
	if ok, err := s.ClaimTaskRun(ctx, "void-unconfirmed", slot, "late", t0); ok || err != nil {
		t.Errorf("a claimed slot was claimed again: %v %v", ok, err)
	}
	// Another task, or the next minute, is another claim.
	for _, c := range []struct {
		task string
		slot time.Time
	}{{"remind-payment", slot}, {"void-unconfirmed", slot.Add(time.Minute)}} {
		if ok, err := s.ClaimTaskRun(ctx, c.task, c.slot, "node0", t0); !ok || err != nil {
			t.Errorf("claim %s at %v: %v %v", c.task, c.slot, ok, err)
		}
	}
	if err := s.FinishTaskRun(ctx, "void-unconfirmed", slot, "3 份报名已置为无效", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	runs, err := s.TaskRuns(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("runs %+v", runs)
	}
	r := runs[1] // ordered by slot, then task: remind-payment, void-unconfirmed, then the next minute's
	if runs[0].Task != "remind-payment" || r.Task != "void-unconfirmed" || !r.Slot.Equal(slot) || r.Node != winner.Load() ||
		r.FinishedAt == nil || !r.FinishedAt.Equal(t0.Add(time.Second)) || r.Outcome != "3 份报名已置为无效" {
		t.Errorf("runs %+v", runs)
	}
	if runs[2].FinishedAt != nil {
		t.Errorf("an unfinished run has an end: %+v", runs[2])
	}
	if n, err := s.PurgeTaskRuns(ctx, slot.Add(time.Minute)); n != 2 || err != nil {
		t.Errorf("purge: %d %v", n, err)
	}
	if runs, _ := s.TaskRuns(ctx, time.Time{}); len(runs) != 1 {
		t.Errorf("after the purge %+v", runs)
	}
}
