package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// The retention tests work in exam years 2019–2021, long before the other
// tests' data (t0, 2023-12), so that purging 2020 touches only their rows.
var (
	r2020     = time.Date(2020, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
	r2021     = time.Date(2021, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
	rCutoff   = time.Date(2021, 1, 1, 0, 0, 0, 0, kaowu.Shanghai) // 2020 closes on 2020-12-31
	rNow      = time.Date(2023, 1, 1, 0, 0, 1, 0, kaowu.Shanghai)
	rScope    = store.PurgeScope{Years: []int{2019, 2020}, Cutoff: rCutoff}
	jpegBytes = []byte{0xff, 0xd8, 0xff, 0xd9}
)

// scrubMobile blanks "mobile" in a snapshot, as the app's scrub does.
func scrubMobile(b []byte) ([]byte, error) {
	s := string(b)
	i := strings.Index(s, `"mobile":"`)
	if i < 0 || strings.HasPrefix(s[i:], `"mobile":""`) {
		return nil, nil
	}
	j := strings.Index(s[i+10:], `"`)
	return []byte(s[:i] + `"mobile":""` + s[i+10+j+1:]), nil
}

// retentionPerson is a candidate made for the retention tests: created in
// 2020 with a photo, a WeChat binding and a mobile number, and an
// application in year (none when 0) with one submitted version.
type retentionPerson struct {
	acc kaowu.Account
	app kaowu.Application
}

func retentionCandidate(t *testing.T, s *store.Store, name string, n, year int, at time.Time) retentionPerson {
	t.Helper()
	ctx := context.Background()
	p := retentionPerson{acc: candidate(name, n)}
	p.acc.CreatedAt = r2020
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, &p.acc); err != nil {
			return err
		}
		if err := tx.PutPhoto(ctx, p.acc.ID, jpegBytes, 295, 413, at); err != nil {
			return err
		}
		if err := tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: p.acc.ID, OpenID: "openid-" + name, BoundAt: at}); err != nil {
			return err
		}
		if year == 0 {
			return nil
		}
		p.app = kaowu.Application{CandidateID: p.acc.ID, Year: year, Site: "fengtai", Specialty: "368", State: kaowu.StateDraft, CreatedAt: at}
		if err := tx.CreateApplication(ctx, &p.app); err != nil {
			return err
		}
		snap := fmt.Sprintf(`{"name":"%s","mobile":"%s","year":%d}`, p.acc.Name, p.acc.Mobile, year)
		return tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: p.app.ID, Version: 1, SubmittedAt: at, Outcome: "eligible",
			Snapshot: []byte(snap), Digest: "d", Photo: jpegBytes})
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// purgeAll runs the purges batch by batch, one transaction each, as the
// app does, and sums what they did; a failure is reported with t.Error
// (it may run on another goroutine).
func purgeAll(t *testing.T, s *store.Store, sc store.PurgeScope) (store.AccountPurge, store.ApplicationPurge, int, [2]int) {
	t.Helper()
	acc, apps, evidence, builds, err := purgeAllErr(s, sc)
	if err != nil {
		t.Error(err)
	}
	return acc, apps, evidence, builds
}

func purgeAllErr(s *store.Store, sc store.PurgeScope) (acc store.AccountPurge, apps store.ApplicationPurge, evidence int, builds [2]int, err error) {
	ctx := context.Background()
	for after := ""; ; {
		var c store.AccountPurge
		err := s.Update(ctx, func(tx *store.Tx) (err error) {
			c, after, err = tx.PurgeAccounts(ctx, sc, after, rNow)
			return err
		})
		if err != nil {
			return acc, apps, evidence, builds, err
		}
		acc.Accounts, acc.Photos, acc.WeChat, acc.Mobiles = acc.Accounts+c.Accounts, acc.Photos+c.Photos, acc.WeChat+c.WeChat, acc.Mobiles+c.Mobiles
		if after == "" {
			break
		}
	}
	for after := ""; ; {
		var c store.ApplicationPurge
		err := s.Update(ctx, func(tx *store.Tx) (err error) {
			c, after, err = tx.PurgeApplications(ctx, sc.Years, after, rNow, scrubMobile)
			return err
		})
		if err != nil {
			return acc, apps, evidence, builds, err
		}
		apps.Applications, apps.Photos, apps.Snapshots = apps.Applications+c.Applications, apps.Photos+c.Photos, apps.Snapshots+c.Snapshots
		if after == "" {
			break
		}
	}
	for after := ""; ; {
		var n int
		err := s.Update(ctx, func(tx *store.Tx) (err error) {
			n, after, err = tx.PurgeChangeEvidence(ctx, sc.Cutoff, after, rNow)
			return err
		})
		if err != nil {
			return acc, apps, evidence, builds, err
		}
		evidence += n
		if after == "" {
			break
		}
	}
	err = s.Update(ctx, func(tx *store.Tx) (err error) {
		builds[0], builds[1], err = tx.PurgeTicketBuilds(ctx, sc.Years, rNow)
		return err
	})
	return acc, apps, evidence, builds, err
}

// testRetention: the purge deletes what the scope releases and nothing
// else, marks what it purged, and a second run finds nothing.
func testRetention(t *testing.T, s *store.Store) {
	ctx := context.Background()
	defer func(n int) { store.PurgeBatch = n }(store.PurgeBatch)
	store.PurgeBatch = 2 // several batches of every kind

	gone := retentionCandidate(t, s, "ret-gone", 7001, 2020, r2020)   // only in 2020: purged
	gone2 := retentionCandidate(t, s, "ret-gone2", 7002, 2019, r2020) // only in 2019: purged
	noApp := retentionCandidate(t, s, "ret-noapp", 7003, 0, r2020)    // registered in 2020, never applied: purged
	active := retentionCandidate(t, s, "ret-active", 7004, 2021, r2020)
	fresh := retentionCandidate(t, s, "ret-fresh", 7005, 0, r2021) // photo and binding after the cutoff
	both := retentionCandidate(t, s, "ret-both", 7006, 2020, r2020)
	err := s.Update(ctx, func(tx *store.Tx) error { // and in 2021 too: the account is kept, the 2020 application purged
		a := kaowu.Application{CandidateID: both.acc.ID, Year: 2021, State: kaowu.StateDraft, CreatedAt: r2021}
		return tx.CreateApplication(ctx, &a)
	})
	if err != nil {
		t.Fatal(err)
	}
	profiled := retentionCandidate(t, s, "ret-profiled", 7007, 0, r2020) // profile saved after the cutoff
	if err := s.Update(ctx, func(tx *store.Tx) error {
		return tx.PutProfile(ctx, kaowu.Profile{UserID: profiled.acc.ID}, r2021)
	}); err != nil {
		t.Fatal(err)
	}

	// Change requests: decided in 2020 (purged), pending since 2020 (kept),
	// decided after the cutoff (kept).
	var decided, pending, late kaowu.ChangeRequest
	err = s.Update(ctx, func(tx *store.Tx) error {
		for _, c := range []struct {
			cr *kaowu.ChangeRequest
			by string
			at time.Time
		}{{&decided, gone.acc.ID, r2020}, {&pending, noApp.acc.ID, time.Time{}}, {&late, active.acc.ID, r2021}} {
			*c.cr = kaowu.ChangeRequest{UserID: c.by, Kind: kaowu.ChangeIdentity, NewName: "新名", Reason: "更正", Evidence: []byte("scan"), CreatedAt: r2020}
			if err := tx.CreateChangeRequest(ctx, c.cr); err != nil {
				return err
			}
			if !c.at.IsZero() {
				if err := tx.DecideChangeRequest(ctx, c.cr.ID, kaowu.ChangeRejected, "site", "不清", c.at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Ticket builds: 2020's (files deleted) and 2021's (kept).
	builds := map[int]string{}
	err = s.Update(ctx, func(tx *store.Tx) error {
		for _, y := range []int{2020, 2021} {
			b := store.TicketBuild{ID: store.NewID(), Year: y, Site: "fengtai", State: "running", Total: 2, CreatedBy: "site", CreatedAt: r2020}
			if err := tx.InsertTicketBuild(ctx, b); err != nil {
				return err
			}
			for _, name := range []string{"a.pdf", "b.pdf"} {
				if err := tx.PutTicketBuildFile(ctx, b.ID, name, 1, []byte("%PDF photo"), r2020); err != nil {
					return err
				}
			}
			if err := tx.FinishTicketBuild(ctx, b.ID, "done", "", r2020); err != nil {
				return err
			}
			builds[y] = b.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	acc, apps, evidence, files := purgeAll(t, s, rScope)
	if want := (store.AccountPurge{Accounts: 3, Photos: 3, WeChat: 3, Mobiles: 3}); acc != want {
		t.Errorf("accounts purged %+v, want %+v", acc, want)
	}
	if want := (store.ApplicationPurge{Applications: 3, Photos: 3, Snapshots: 3}); apps != want {
		t.Errorf("applications purged %+v, want %+v", apps, want)
	}
	if evidence != 1 || files != [2]int{2, 1} {
		t.Errorf("evidence purged %d, ticket files and builds %v; want 1, [2 1]", evidence, files)
	}

	// What was purged: the photo, binding and mobile gone, the identity kept.
	for _, p := range []retentionPerson{gone, gone2, noApp} {
		got, err := s.Account(ctx, p.acc.ID)
		if err != nil || got.Mobile != "" || got.WeChatBound || got.Name != p.acc.Name || got.IDNumber != p.acc.IDNumber || got.Username != p.acc.Username {
			t.Errorf("%s after the purge: %+v %v", p.acc.Username, got, err)
		}
		if _, _, err := s.Photo(ctx, p.acc.ID); code(err) != kaowu.ENOTFOUND {
			t.Errorf("%s: photo still there (%v)", p.acc.Username, err)
		}
		if prof, err := s.Profile(ctx, p.acc.ID); err != nil || prof.Photo != nil || prof.PurgedAt == nil || !prof.PurgedAt.Equal(rNow) {
			t.Errorf("%s: profile %+v %v, want purged at %v", p.acc.Username, prof, err, rNow)
		}
	}
	// What was kept: accounts active after the cutoff keep everything.
	for _, p := range []retentionPerson{active, fresh, both, profiled} {
		got, err := s.Account(ctx, p.acc.ID)
		if err != nil || got.Mobile == "" || !got.WeChatBound {
			t.Errorf("%s was purged: %+v %v", p.acc.Username, got, err)
		}
		if prof, _ := s.Profile(ctx, p.acc.ID); prof.Photo == nil || prof.PurgedAt != nil {
			t.Errorf("%s: profile %+v, want the photo kept", p.acc.Username, prof)
		}
	}
	// Applications: 2019/2020 versions lose their photo and mobile, keep the rest.
	for _, p := range []retentionPerson{gone, gone2, both} {
		v, err := s.Version(ctx, p.app.ID, 1)
		if err != nil || v.Photo != nil || v.PurgedAt == nil || strings.Contains(string(v.Snapshot), p.acc.Mobile) ||
			!strings.Contains(string(v.Snapshot), p.acc.Name) || v.Digest != "d" {
			t.Errorf("%s's version after the purge: %+v %s %v", p.acc.Username, v, v.Snapshot, err)
		}
		if a, err := s.Application(ctx, p.app.ID); err != nil || a.State != kaowu.StateDraft {
			t.Errorf("%s's application: %+v %v", p.acc.Username, a, err)
		}
	}
	if v, err := s.Version(ctx, active.app.ID, 1); err != nil || !bytes.Equal(v.Photo, jpegBytes) || v.PurgedAt != nil ||
		!strings.Contains(string(v.Snapshot), active.acc.Mobile) {
		t.Errorf("the 2021 version was touched: %+v %v", v, err)
	}
	// Change requests: only the one decided before the cutoff.
	for _, c := range []struct {
		cr     kaowu.ChangeRequest
		purged bool
	}{{decided, true}, {pending, false}, {late, false}} {
		got, err := s.ChangeRequest(ctx, c.cr.ID)
		if err != nil || (got.EvidencePurgedAt != nil) != c.purged || (len(got.Evidence) == 0) != c.purged || got.Reason != "更正" {
			t.Errorf("change request (purged %v): %+v evidence %q %v", c.purged, got, got.Evidence, err)
		}
	}
	// Ticket builds: 2020's files gone and the build marked; 2021's intact.
	for y, want := range map[int]int{2020: 0, 2021: 2} {
		b, err := s.TicketBuild(ctx, builds[y])
		names, _ := s.TicketBuildFileNames(ctx, builds[y])
		if err != nil || len(names) != want || (b.PurgedAt != nil) != (y == 2020) || b.State != "done" {
			t.Errorf("build of %d: %+v, %d files, %v", y, b, len(names), err)
		}
	}

	// Again: nothing left to do.
	acc, apps, evidence, files = purgeAll(t, s, rScope)
	if acc != (store.AccountPurge{}) || apps != (store.ApplicationPurge{}) || evidence != 0 || files != [2]int{} {
		t.Errorf("second purge did %+v %+v %d %v, want nothing", acc, apps, evidence, files)
	}
	// A person purged who comes back (a new photo after the cutoff) keeps it.
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutPhoto(ctx, gone.acc.ID, jpegBytes, 295, 413, r2021) }); err != nil {
		t.Fatal(err)
	}
	if acc, _, _, _ := purgeAll(t, s, rScope); acc != (store.AccountPurge{}) {
		t.Errorf("a photo uploaded after the cutoff was purged: %+v", acc)
	}
	if prof, _ := s.Profile(ctx, gone.acc.ID); prof.Photo == nil {
		t.Error("the new photo is gone")
	}
}

// testConcurrentPurge: two purges at once (two nodes) purge every row
// once and, between them, count it once.
func testConcurrentPurge(t *testing.T, s *store.Store) {
	defer func(n int) { store.PurgeBatch = n }(store.PurgeBatch)
	store.PurgeBatch = 3
	const n = 12
	for i := range n {
		retentionCandidate(t, s, fmt.Sprintf("ret-conc%02d", i), 7100+i, 2019, r2020)
	}
	var mu sync.Mutex
	var acc store.AccountPurge
	var apps store.ApplicationPurge
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			a, p, _, _ := purgeAll(t, s, store.PurgeScope{Years: []int{2019}, Cutoff: rCutoff})
			mu.Lock()
			defer mu.Unlock()
			acc.Accounts, acc.Photos, acc.WeChat, acc.Mobiles = acc.Accounts+a.Accounts, acc.Photos+a.Photos, acc.WeChat+a.WeChat, acc.Mobiles+a.Mobiles
			apps.Applications, apps.Photos, apps.Snapshots = apps.Applications+p.Applications, apps.Photos+p.Photos, apps.Snapshots+p.Snapshots
		})
	}
	wg.Wait()
	if want := (store.AccountPurge{Accounts: n, Photos: n, WeChat: n, Mobiles: n}); acc != want {
		t.Errorf("two purges at once counted %+v, want %+v", acc, want)
	}
	if want := (store.ApplicationPurge{Applications: n, Photos: n, Snapshots: n}); apps != want {
		t.Errorf("two purges at once counted %+v, want %+v", apps, want)
	}
}
