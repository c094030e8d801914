package store_test

import (
	"context"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Engines(t, storetest.Run)
}

// BenchmarkRoundTrip measures one write transaction (insert a unit) plus a
// read of it by key.
func BenchmarkRoundTrip(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			ctx := context.Background()
			now := time.Now()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				u := kaowu.Unit{Name: store.NewID(), District: "丰台区", Category: "clinic", CreatedAt: now}
				if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Unit(ctx, u.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
