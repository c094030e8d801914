package store_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// withSearchPath returns dsn reading schema instead.
func withSearchPath(t *testing.T, dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestReadReplica: lag-tolerant reads go to a usable replica; when the
// replica cannot be reached, fails mid-read, or is further behind than
// the bound, the read is done on the primary without an error, and the
// counters say so; an application error is an answer, not a failure.
func TestReadReplica(t *testing.T) {
	primaryURL := storetest.PostgresURL(t)
	ctx := context.Background()
	prim, err := store.Open(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := prim.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	prim.Close()
	unit := kaowu.Unit{Name: "丰台区某医院", District: "丰台区", Category: "clinic", CreatedAt: time.Now()}

	open := func(t *testing.T, o store.Options) *store.Store {
		t.Helper()
		s, err := store.OpenWith(ctx, primaryURL, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	read := func(t *testing.T, s *store.Store) (onReplica bool) {
		t.Helper()
		var units []kaowu.Unit
		err := s.ReadReplica(ctx, func(ctx context.Context, r store.Reader) error {
			var err error
			units, err = r.Units(ctx)
			onReplica = r.OnReplica()
			return err
		})
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(units) != 1 || units[0].Name != unit.Name {
			t.Fatalf("read %+v, want the one unit", units)
		}
		return onReplica
	}
	{
		s := open(t, store.Options{})
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("no replicas", func(t *testing.T) {
		s := open(t, store.Options{})
		if read(t, s) {
			t.Error("read on a replica without one")
		}
		if st := s.ReplicaStats(); len(st.Replicas) != 0 || st.OnPrimary != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("usable replica", func(t *testing.T) {
		// The primary itself, under another URL: not in recovery, so as
		// fresh as it is.
		s := open(t, store.Options{Replicas: []string{primaryURL}})
		for range 3 {
			if !read(t, s) {
				t.Error("a usable replica was not read")
			}
		}
		st := s.ReplicaStats()
		if len(st.Replicas) != 1 || !st.Replicas[0].Up || st.Replicas[0].Reads != 3 || st.OnPrimary != 0 {
			t.Errorf("stats %+v", st)
		}
		// Not found is an answer of the replica's, not a reason to ask the
		// primary.
		err := s.ReadReplica(ctx, func(ctx context.Context, r store.Reader) error {
			_, err := r.ScoreByTicket(ctx, "2411010636800001")
			return err
		})
		if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("missing ticket: %v", err)
		}
		if st := s.ReplicaStats(); st.Replicas[0].Failures != 0 || st.OnPrimary != 0 {
			t.Errorf("not found counted as a failure: %+v", st)
		}
	})
	t.Run("unreachable replica", func(t *testing.T) {
		s := open(t, store.Options{Replicas: []string{"postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1"}})
		if read(t, s) {
			t.Error("read on an unreachable replica")
		}
		st := s.ReplicaStats()
		if st.Replicas[0].Up || st.Replicas[0].Lag >= 0 || st.OnPrimary != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("replica failing mid-read", func(t *testing.T) {
		// Reachable, fresh, but its reads fail (a schema without the
		// tables, as a standby cancelling queries would): each such read
		// is done again on the primary, and the replica set aside.
		s := open(t, store.Options{Replicas: []string{withSearchPath(t, primaryURL, "no_such_schema")}, CheckEvery: time.Hour})
		if st := s.ReplicaStats(); !st.Replicas[0].Up {
			t.Fatalf("the replica should look usable before its first read: %+v", st)
		}
		if read(t, s) {
			t.Error("the failed read's answer came from the replica")
		}
		st := s.ReplicaStats()
		if st.Replicas[0].Up || st.Replicas[0].Failures != 1 || st.OnPrimary != 1 {
			t.Errorf("stats after the failure %+v", st)
		}
		read(t, s) // set aside: straight to the primary
		if st := s.ReplicaStats(); st.Replicas[0].Failures != 1 || st.OnPrimary != 2 {
			t.Errorf("stats after the second read %+v", st)
		}
	})
	t.Run("replica past the lag bound", func(t *testing.T) {
		// Fresh as of its only check; with a bound of a nanosecond and no
		// check since, it is too far behind to be read by the time it is
		// asked.
		s := open(t, store.Options{Replicas: []string{primaryURL}, MaxLag: time.Nanosecond, CheckEvery: time.Hour})
		if read(t, s) {
			t.Error("a replica past the bound was read")
		}
		if st := s.ReplicaStats(); st.Replicas[0].Up || st.Replicas[0].Lag <= 0 || st.OnPrimary != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("cancelled read", func(t *testing.T) {
		s := open(t, store.Options{Replicas: []string{primaryURL}})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		calls := 0
		err := s.ReadReplica(cctx, func(ctx context.Context, r store.Reader) error {
			calls++
			_, err := r.Units(ctx)
			return err
		})
		if err == nil || calls != 1 {
			t.Errorf("a cancelled read: %v after %d calls, want the error after one", err, calls)
		}
	})
}

func TestReplicasNeedPostgres(t *testing.T) {
	_, err := store.OpenWith(context.Background(), filepath.Join(t.TempDir(), "k.db"),
		store.Options{Replicas: []string{"postgres://postgres@127.0.0.1:5432/test"}})
	if kaowu.ErrorCode(err) != kaowu.EINVALID {
		t.Errorf("SQLite with a replica: %v", err)
	}
}
