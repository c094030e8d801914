package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// freshStore returns a new, empty store of the same engine as s, for tests
// that break the audit chain on purpose.
func freshStore(t *testing.T, s *store.Store) *store.Store {
	t.Helper()
	if s.Engine() == store.Postgres {
		return Postgres(t)
	}
	return SQLite(t)
}

// auditEntries returns n entries numbered from first, a second apart from
// t0 with sub-microsecond digits (PostgreSQL keeps microseconds, SQLite
// nanoseconds: the chain hashes what is stored), with ID-number-free
// Chinese text and before/after states.
func auditEntries(first, n int) []kaowu.AuditEntry {
	out := make([]kaowu.AuditEntry, n)
	for i := range out {
		k := first + i
		out[i] = kaowu.AuditEntry{ID: store.NewID(), At: t0.Add(time.Duration(k)*time.Second + 789*time.Nanosecond),
			Actor: fmt.Sprintf("staff%d", k%3), Role: kaowu.RoleSiteStaff, Action: "profile.save", Object: fmt.Sprintf("obj-%d", k%5),
			Detail: fmt.Sprintf("第%d条：保存基本信息", k), Before: fmt.Sprintf(`{"n":%d}`, k), After: fmt.Sprintf(`{"n":%d}`, k+1)}
	}
	return out
}

func appendEntries(t testing.TB, s *store.Store, es []kaowu.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudits(ctx, es) }); err != nil {
		t.Fatal(err)
	}
}

// sealAll seals in batches of batch until nothing is left, returning how
// many it sealed.
func sealAll(t testing.TB, s *store.Store, batch int) int {
	t.Helper()
	ctx := context.Background()
	total := 0
	for {
		var n int
		err := s.Update(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.SealAudit(ctx, batch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n == 0 {
			return total
		}
	}
}

func verifyAudit(t testing.TB, s *store.Store) store.AuditCheck {
	t.Helper()
	c, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func exec(t testing.TB, s *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.SQLDB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func testAuditChain(t *testing.T, s *store.Store) {
	s = freshStore(t, s)
	ctx := context.Background()
	if c := verifyAudit(t, s); c.Break != nil || c.Verified != 0 || c.HasHead {
		t.Fatalf("empty log: %+v", c)
	}
	// Appended out of time order in two transactions: sealing goes by (at, id).
	es := auditEntries(0, 25)
	appendEntries(t, s, es[10:])
	appendEntries(t, s, es[:10])
	if c := verifyAudit(t, s); c.Break != nil || c.Verified != 0 || c.Unsealed != 25 {
		t.Fatalf("before sealing: %+v", c)
	}
	if n := sealAll(t, s, 10); n != 25 {
		t.Fatalf("sealed %d, want 25", n)
	}
	c := verifyAudit(t, s)
	if c.Break != nil || c.Verified != 25 || c.Unsealed != 0 || !c.HasHead || c.Head.Seq != 25 {
		t.Fatalf("after sealing: %+v %+v", c, c.Break)
	}
	// Each entry sits at its place in time order, with its links.
	var prev []byte
	for i, e := range es {
		var seq int64
		var prevHash, hash []byte
		if err := s.SQLDB().QueryRowContext(ctx, `SELECT seq, prev_hash, hash FROM audit_log WHERE id = $1`, e.ID).Scan(&seq, &prevHash, &hash); err != nil {
			t.Fatal(err)
		}
		if seq != int64(i+1) {
			t.Errorf("entry %d sealed as %d", i, seq)
		}
		if i > 0 && string(prevHash) != string(prev) {
			t.Errorf("entry %d's prev_hash is not entry %d's hash", i, i-1)
		}
		prev = hash
	}
	if string(prev) != string(c.Head.Hash) {
		t.Error("the head is not the last entry's hash")
	}

	// Appended later: unsealed until the next seal, and the chain goes on.
	appendEntries(t, s, auditEntries(100, 3))
	if c := verifyAudit(t, s); c.Break != nil || c.Verified != 25 || c.Unsealed != 3 {
		t.Fatalf("with 3 unsealed: %+v", c)
	}
	if n := sealAll(t, s, 1000); n != 3 {
		t.Fatalf("sealed %d, want 3", n)
	}
	if c := verifyAudit(t, s); c.Break != nil || c.Verified != 28 || c.Head.Seq != 28 {
		t.Fatalf("after the second seal: %+v", c)
	}
	// A sealer going on from its last batch leaves an entry committed late
	// with an earlier instant to the next sealer from the start.
	appendEntries(t, s, auditEntries(300, 4))
	var after *store.AuditCursor
	seal := func(limit int) int {
		t.Helper()
		var n int
		if err := s.Update(ctx, func(tx *store.Tx) error {
			var err error
			n, after, err = tx.SealAuditAfter(ctx, limit, after)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := seal(2); n != 2 || after == nil {
		t.Fatalf("first batch: %d %v", n, after)
	}
	appendEntries(t, s, auditEntries(150, 1)) // earlier than the cursor
	if n := seal(10); n != 2 {
		t.Errorf("going on from the cursor sealed %d, want the 2 after it", n)
	}
	if c := verifyAudit(t, s); c.Break != nil || c.Unsealed != 1 {
		t.Errorf("the late entry: %+v", c)
	}
	if n := sealAll(t, s, 10); n != 1 {
		t.Errorf("the next sealer sealed %d, want the late entry", n)
	}
	if c := verifyAudit(t, s); c.Break != nil || c.Unsealed != 0 || c.Verified != 33 {
		t.Errorf("after the late entry: %+v", c)
	}

	// The search says which entries are sealed.
	appendEntries(t, s, auditEntries(400, 1))
	got, _, err := s.SearchAudit(ctx, store.AuditFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Sealed() || !got[1].Sealed() || got[1].Seq != 32 {
		t.Errorf("newest two: %+v", got)
	}
}

// sealedStore returns a fresh store with n sealed entries, in seq order.
func sealedStore(t *testing.T, s *store.Store, n int) (*store.Store, []kaowu.AuditEntry) {
	t.Helper()
	s = freshStore(t, s)
	es := auditEntries(0, n)
	appendEntries(t, s, es)
	if got := sealAll(t, s, 7); got != n {
		t.Fatalf("sealed %d, want %d", got, n)
	}
	return s, es
}

func testAuditTampering(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 20
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, s *store.Store, es []kaowu.AuditEntry)
		kind   store.AuditBreakKind
		seq    int64
		id     int // index of the entry named, -1 for none
	}{
		{"detail changed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET detail = '第7条：什么也没做' WHERE seq = 7`)
		}, store.AuditContentChanged, 7, 6},
		{"time changed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET at = $1 WHERE seq = 3`, t0.Add(-time.Hour).UTC())
		}, store.AuditContentChanged, 3, 2},
		{"before state changed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET before_state = '{"n":0}' WHERE seq = 20`)
		}, store.AuditContentChanged, 20, 19},
		{"changed and rehashed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			// Whoever knows the algorithm recomputes the changed entry's
			// hash: the next entry's link still names the old one.
			var prev []byte
			var stored time.Time
			if err := s.SQLDB().QueryRowContext(ctx, `SELECT prev_hash, at FROM audit_log WHERE seq = 10`).Scan(&prev, &stored); err != nil {
				t.Fatal(err)
			}
			e := es[9]
			e.At, e.Detail = stored, "改写"
			exec(t, s, `UPDATE audit_log SET detail = $1, hash = $2 WHERE seq = 10`, e.Detail, kaowu.AuditChainHash(prev, 10, e))
		}, store.AuditContentChanged, 10, 9},
		{"entry deleted", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `DELETE FROM audit_log WHERE seq = 7`)
		}, store.AuditEntryMissing, 7, -1},
		{"first entry deleted", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `DELETE FROM audit_log WHERE seq = 1`)
		}, store.AuditEntryMissing, 1, -1},
		{"entry unsealed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 5`)
		}, store.AuditEntryMissing, 5, -1},
		{"two entries swapped", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET seq = -1 WHERE seq = 7`)
			exec(t, s, `UPDATE audit_log SET seq = 7 WHERE seq = 12`)
			exec(t, s, `UPDATE audit_log SET seq = 12 WHERE seq = -1`)
		}, store.AuditOrderBroken, 7, 11},
		{"neighbours swapped", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `UPDATE audit_log SET seq = -1 WHERE seq = 15`)
			exec(t, s, `UPDATE audit_log SET seq = 15 WHERE seq = 16`)
			exec(t, s, `UPDATE audit_log SET seq = 16 WHERE seq = -1`)
		}, store.AuditOrderBroken, 15, 15},
		{"newest entries deleted", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `DELETE FROM audit_log WHERE seq > 17`)
		}, store.AuditHeadMismatch, 18, -1},
		{"head removed", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			exec(t, s, `DELETE FROM settings WHERE key = 'audit.head'`)
		}, store.AuditHeadMismatch, n, -1},
		{"newest entry rewritten with its hash", func(t *testing.T, s *store.Store, es []kaowu.AuditEntry) {
			var prev []byte
			var stored time.Time
			if err := s.SQLDB().QueryRowContext(ctx, `SELECT prev_hash, at FROM audit_log WHERE seq = $1`, n).Scan(&prev, &stored); err != nil {
				t.Fatal(err)
			}
			e := es[n-1]
			e.At, e.Detail = stored, "改写"
			exec(t, s, `UPDATE audit_log SET detail = $1, hash = $2 WHERE seq = $3`, e.Detail, kaowu.AuditChainHash(prev, n, e), n)
		}, store.AuditHeadMismatch, n, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, es := sealedStore(t, s, n)
			c.tamper(t, s, es)
			got := verifyAudit(t, s)
			b := got.Break
			if b == nil {
				t.Fatalf("not detected: %+v", got)
			}
			if b.Kind != c.kind || b.Seq != c.seq {
				t.Errorf("break = %s at %d (%s), want %s at %d", b.Kind, b.Seq, b.Detail, c.kind, c.seq)
			}
			if c.id >= 0 && b.ID != es[c.id].ID {
				t.Errorf("break names %s, want entry %d (%s): %s", b.ID, c.id, es[c.id].ID, b.Detail)
			}
			if got.Verified != c.seq-1 && c.kind != store.AuditHeadMismatch {
				t.Errorf("verified %d before the break at %d", got.Verified, c.seq)
			}
			if b.Detail == "" || b.Kind.Label() == string(b.Kind) {
				t.Errorf("break without its Chinese: %+v", b)
			}
		})
	}

	t.Run("truncated tail stays visible after more sealing", func(t *testing.T) {
		s, _ := sealedStore(t, s, n)
		exec(t, s, `DELETE FROM audit_log WHERE seq > 17`)
		appendEntries(t, s, auditEntries(100, 2))
		if got := sealAll(t, s, 10); got != 2 {
			t.Fatalf("sealed %d after the truncation", got)
		}
		if b := verifyAudit(t, s).Break; b == nil || b.Kind != store.AuditEntryMissing || b.Seq != 18 {
			t.Errorf("break = %+v, want entries 18 to 20 missing", b)
		}
	})
	t.Run("sealer refuses without a head", func(t *testing.T) {
		s, _ := sealedStore(t, s, 3)
		exec(t, s, `DELETE FROM settings WHERE key = 'audit.head'`)
		appendEntries(t, s, auditEntries(100, 1))
		err := s.Update(ctx, func(tx *store.Tx) error { _, err := tx.SealAudit(ctx, 10); return err })
		if code(err) != kaowu.ECONFLICT {
			t.Errorf("sealing on without a head: %v", err)
		}
	})
}

// testAuditConcurrentSealers runs 8 sealers while 4 writers append: one
// unbroken chain holds every entry exactly once.
func testAuditConcurrentSealers(t *testing.T, s *store.Store) {
	s = freshStore(t, s)
	ctx := context.Background()
	appendEntries(t, s, auditEntries(0, 300))
	const writers, perWriter, sealers = 4, 50, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers+sealers)
	var appending sync.WaitGroup
	for w := range writers {
		appending.Add(1)
		wg.Go(func() {
			defer appending.Done()
			for i := range perWriter {
				es := auditEntries(1000+w*perWriter+i, 1)
				if err := s.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudits(ctx, es) }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { appending.Wait(); close(done) }()
	var mu sync.Mutex
	sealed := 0
	for range sealers {
		wg.Go(func() {
			for {
				// Appending over: seal until nothing is left.
				finished := false
				select {
				case <-done:
					finished = true
				default:
				}
				var n int
				err := s.Update(ctx, func(tx *store.Tx) error {
					var err error
					n, err = tx.SealAudit(ctx, 13)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				sealed += n
				mu.Unlock()
				if finished && n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 300 + writers*perWriter
	c := verifyAudit(t, s)
	if c.Break != nil || c.Verified != int64(total) || c.Unsealed != 0 || c.Head.Seq != int64(total) || sealed != total {
		t.Fatalf("after concurrent sealing: sealed %d of %d, %+v %+v", sealed, total, c, c.Break)
	}
	var rows, distinct int
	if err := s.SQLDB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT seq) FROM audit_log`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != total || distinct != total {
		t.Errorf("%d rows, %d distinct seqs, want %d", rows, distinct, total)
	}
}

func testAuditSearch(t *testing.T, s *store.Store) {
	s = freshStore(t, s)
	ctx := context.Background()
	es := auditEntries(0, 23)
	// Two entries at the same instant: the page boundary between them
	// must keep both.
	es[11].At = es[12].At
	appendEntries(t, s, es)
	sealAll(t, s, 100)

	// Newest first, pages of 5 by keyset: every entry once, in order.
	var seen []string
	var after *store.AuditCursor
	for page := 0; ; page++ {
		got, more, err := s.SearchAudit(ctx, store.AuditFilter{Limit: 5, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			seen = append(seen, r.ID)
		}
		if !more {
			if len(got) != 3 {
				t.Errorf("last page has %d entries, want 3", len(got))
			}
			break
		}
		if len(got) != 5 {
			t.Fatalf("page %d has %d entries", page, len(got))
		}
		last := got[len(got)-1]
		cur, err := store.ParseAuditCursor(store.AuditCursor{At: last.At, ID: last.ID}.String())
		if err != nil {
			t.Fatal(err)
		}
		after = &cur
	}
	if len(seen) != len(es) {
		t.Fatalf("paged through %d entries, want %d", len(seen), len(es))
	}
	want := map[string]bool{}
	for i := range seen {
		if want[seen[i]] {
			t.Errorf("entry %s twice", seen[i])
		}
		want[seen[i]] = true
	}
	if seen[0] != es[22].ID || seen[len(seen)-1] != es[0].ID {
		t.Error("not newest first")
	}
	// Exactly a page: no next page.
	if got, more, _ := s.SearchAudit(ctx, store.AuditFilter{Limit: 23}); len(got) != 23 || more {
		t.Errorf("a page of all: %d entries, more %v", len(got), more)
	}

	count := func(f store.AuditFilter) int {
		t.Helper()
		f.Limit = 1000
		got, _, err := s.SearchAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	for name, c := range map[string]struct {
		f    store.AuditFilter
		want int
	}{
		"objects":     {store.AuditFilter{Objects: []string{"obj-1", "obj-2", "obj-9"}}, 10},
		"no objects":  {store.AuditFilter{Objects: []string{}}, 0},
		"actor":       {store.AuditFilter{Actor: "staff0"}, 8},
		"action":      {store.AuditFilter{Action: "profile.save"}, 23},
		"other":       {store.AuditFilter{Action: "account.register"}, 0},
		"from":        {store.AuditFilter{From: es[20].At}, 3},
		"to":          {store.AuditFilter{To: es[3].At}, 3},
		"from and to": {store.AuditFilter{From: es[5].At, To: es[8].At, Actor: "staff1"}, 1},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d entries, want %d", name, got, c.want)
		}
	}
	if _, err := store.ParseAuditCursor("yesterday~x"); err == nil {
		t.Error("a bad cursor parsed")
	}
}
