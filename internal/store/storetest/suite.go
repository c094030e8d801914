package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// Run is the conformance suite: the behaviour every engine must show.
func Run(t *testing.T, s *store.Store) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"MigrateTwice", testMigrateTwice},
		{"Years", testYears},
		{"Units", testUnits},
		{"Users", testUsers},
		{"ConcurrentUniqueUsername", testConcurrentUniqueUsername},
		{"RollbackLeavesNothing", testRollback},
		{"Audit", testAudit},
		{"Settings", testSettings},
		{"TimesRoundTripInUTC", testTimes},
		{"Accounts", testAccounts},
		{"ConcurrentRegistration", testConcurrentRegistration},
		{"Sessions", testSessions},
		{"Throttles", testThrottles},
		{"ProfilesAndPhotos", testProfilesAndPhotos},
		{"WeChatBindings", testWeChatBindings},
		{"ChangeRequestsAndResetCodes", testChangeRequestsAndCodes},
		{"AuditBeforeAfter", testAuditBeforeAfter},
		{"AuditChain", testAuditChain},
		{"AuditChainTampering", testAuditTampering},
		{"AuditConcurrentSealers", testAuditConcurrentSealers},
		{"AuditSearch", testAuditSearch},
		{"Applications", testApplications},
		{"PreviousRecords", testPreviousRecords},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"Retention", testRetention},
		{"ConcurrentPurge", testConcurrentPurge},
		{"TaskRuns", testTaskRuns},
		// Last: it fills the store with a list's worth of rows.
		{"Lists", testLists},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

var t0 = time.Date(2023, 12, 5, 10, 0, 0, 123456000, kaowu.Shanghai)

func code(err error) string { return kaowu.ErrorCode(err) }

func testMigrateTwice(t *testing.T, s *store.Store) {
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func testYears(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, err := s.Year(ctx, 1999); code(err) != kaowu.ENOTFOUND {
		t.Fatalf("missing year: got %v, want not_found", err)
	}
	var seeded []bool
	err := s.Update(ctx, func(tx *store.Tx) error {
		for _, doc := range []string{"first", "second"} {
			ok, err := tx.SeedYear(ctx, 2024, []byte(doc), t0)
			if err != nil {
				return err
			}
			seeded = append(seeded, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !seeded[0] || seeded[1] {
		t.Errorf("seed twice = %v, want [true false]", seeded)
	}
	if doc, _ := s.Year(ctx, 2024); string(doc) != "first" {
		t.Errorf("seeded doc = %q, want first", doc)
	}
	revs, err := s.YearRevisions(ctx)
	if err != nil || len(revs) != 1 || revs[0][0] != 2024 {
		t.Fatalf("revisions = %v, %v", revs, err)
	}
	rev1 := revs[0][1]
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutYear(ctx, 2024, []byte("replaced"), t0) }); err != nil {
		t.Fatal(err)
	}
	if revs, err := s.YearRevisions(ctx); err != nil || len(revs) != 1 || revs[0][1] <= rev1 {
		t.Errorf("revisions after a change = %v (before %d), %v: caches would not see the change", revs, rev1, err)
	}
	if doc, _ := s.Year(ctx, 2024); string(doc) != "replaced" {
		t.Errorf("put doc = %q, want replaced", doc)
	}
}

func testUnits(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := kaowu.Unit{Name: "丰台区某医院", District: "丰台区", Category: "direct_hospital", Private: true, CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unit(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != u.Name || !got.Private || got.Category != u.Category || !got.CreatedAt.Equal(t0) {
		t.Errorf("unit = %+v, want %+v", got, u)
	}
	dup := kaowu.Unit{Name: u.Name, District: "朝阳区", Category: "clinic", CreatedAt: t0}
	err = s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &dup) })
	if code(err) != kaowu.ECONFLICT {
		t.Errorf("duplicate unit: got %v, want conflict", err)
	}
	if _, err := s.Unit(ctx, "nope"); code(err) != kaowu.ENOTFOUND {
		t.Errorf("missing unit: got %v, want not_found", err)
	}
}

func testUsers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := kaowu.User{Username: "site-staff-1", Name: "张三", Role: kaowu.RoleSiteStaff, PasswordHash: "h", Site: "fengtai", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByUsername(ctx, "site-staff-1")
	if err != nil || got.ID != u.ID || got.Site != "fengtai" || got.Role != kaowu.RoleSiteStaff {
		t.Errorf("user = %+v, %v", got, err)
	}
	bad := kaowu.User{Username: "x", Name: "x", Role: "emperor", PasswordHash: "h", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &bad) }); err == nil {
		t.Error("unknown role accepted by the database")
	}
	orphan := kaowu.User{Username: "y", Name: "y", Role: kaowu.RoleUnitHR, PasswordHash: "h", UnitID: "no-such-unit", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &orphan) }); err == nil {
		t.Error("user of a missing unit accepted: foreign keys are off")
	}
}

func testConcurrentUniqueUsername(t *testing.T, s *store.Store) {
	ctx := context.Background()
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := kaowu.User{Username: "racer", Name: fmt.Sprint(i), Role: kaowu.RoleCandidate, PasswordHash: "h", CreatedAt: t0}
			errs[i] = s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) })
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch code(err) {
		case "":
			ok++
		case kaowu.ECONFLICT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent creations succeeded, want exactly 1", ok, n)
	}
}

func testRollback(t *testing.T, s *store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *store.Tx) error {
		u := kaowu.Unit{Name: "回滚单位", District: "丰台区", Category: "clinic", CreatedAt: t0}
		if err := tx.CreateUnit(ctx, &u); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	units, err := s.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Name == "回滚单位" {
			t.Error("a rolled-back unit was stored")
		}
	}
}

func testAudit(t *testing.T, s *store.Store) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error {
		for i := range 3 {
			e := kaowu.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: "admin", Role: kaowu.RoleAdmin, Action: "test", Object: fmt.Sprint(i), Detail: "d"}
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Object != "2" || got[1].Object != "1" {
		t.Errorf("audit = %+v, want newest two", got)
	}
}

func testSettings(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, err := s.Setting(ctx, "k"); code(err) != kaowu.ENOTFOUND {
		t.Errorf("missing setting: %v", err)
	}
	for _, v := range []string{"a", "b"} {
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, "k", v) }); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Setting(ctx, "k"); v != "b" || err != nil {
		t.Errorf("setting = %q, %v", v, err)
	}
}

func testTimes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := kaowu.Unit{Name: "时间单位", District: "丰台区", Category: "clinic", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unit(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(t0) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at = %v, want %v in UTC", got.CreatedAt, t0)
	}
}
