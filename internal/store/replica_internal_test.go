package store

import (
	"testing"
	"time"
)

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "0/16B3748": 0x16B3748, "16/B374D848": 0x16<<32 | 0xB374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, err := parseLSN(in); err != nil || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "16", "x/1", "1/1/1", "100000000/0"} {
		if _, err := parseLSN(bad); err == nil {
			t.Errorf("parseLSN(%q) accepted", bad)
		}
	}
}

// TestFreshAsOf: a replica is complete up to the newest instant at which
// the primary's position was at or before the replica's replay position,
// whatever the primary did since (idle or busy).
func TestFreshAsOf(t *testing.T) {
	t0 := time.Date(2024, 4, 20, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	history := []lsnAt{{at(0), 100}, {at(1), 200}, {at(2), 200}, {at(3), 350}, {at(4), 900}}
	for _, c := range []struct {
		replay uint64
		want   time.Time
		ok     bool
	}{
		{99, time.Time{}, false}, // behind everything recorded: unknown
		{100, at(0), true},
		{250, at(2), true}, // the primary was idle at 200 from 1 s to 2 s
		{899, at(3), true},
		{900, at(4), true},
		{5000, at(4), true},
	} {
		got, ok := freshAsOf(history, c.replay)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("freshAsOf(%d) = %v, %v; want %v, %v", c.replay, got, ok, c.want, c.ok)
		}
	}
	if _, ok := freshAsOf(nil, 1); ok {
		t.Error("no history said fresh")
	}
}

func TestOnlyPostgresReplicas(t *testing.T) {
	// Only PostgreSQL replicas, and only with a PostgreSQL primary.
	if _, err := openReplicas(t.Context(), nil, Options{Replicas: []string{"replica.db"}}); err == nil {
		t.Error("a SQLite file was accepted as a replica")
	}
}
