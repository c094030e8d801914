package storetest

import (
	"context"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// testApplications: one application per candidate and year; submission is a
// compare-and-swap on the version; versions are unique; a submitted
// application's choices cannot change.
func testApplications(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := kaowu.User{Username: "applicant", Name: "申请人", Role: kaowu.RoleCandidate, PasswordHash: "h", CreatedAt: t0}
	upd := func(fn func(tx *store.Tx) error) error { return s.Update(ctx, fn) }
	if err := upd(func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	a := kaowu.Application{CandidateID: u.ID, Year: 2024, State: kaowu.StateDraft, Decl: kaowu.Declarations{ArchiveNo: "A1"}, CreatedAt: t0}
	if err := upd(func(tx *store.Tx) error { return tx.CreateApplication(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	dup := kaowu.Application{CandidateID: u.ID, Year: 2024, State: kaowu.StateDraft, CreatedAt: t0}
	if err := upd(func(tx *store.Tx) error { return tx.CreateApplication(ctx, &dup) }); code(err) != kaowu.ECONFLICT {
		t.Errorf("second application in a year: %v", err)
	}
	a.Site, a.Specialty, a.Level = "fengtai", "368", kaowu.LevelIntermediate
	if err := upd(func(tx *store.Tx) error { return tx.UpdateChoices(ctx, a, t0) }); err != nil {
		t.Fatal(err)
	}
	submit := func(v int) error {
		return upd(func(tx *store.Tx) error {
			return tx.SubmitApplication(ctx, a.ID, v, kaowu.StateSubmitted, "eligible", false, t0)
		})
	}
	if err := submit(2); code(err) != kaowu.ECONFLICT {
		t.Errorf("skipping a version: %v", err)
	}
	if err := submit(1); err != nil {
		t.Fatal(err)
	}
	if err := submit(1); code(err) != kaowu.ECONFLICT {
		t.Errorf("submitting version 1 twice: %v", err)
	}
	if err := upd(func(tx *store.Tx) error { return tx.UpdateChoices(ctx, a, t0) }); code(err) != kaowu.ECONFLICT {
		t.Errorf("changing a submitted application: %v", err)
	}
	v := kaowu.ApplicationVersion{ApplicationID: a.ID, Version: 1, SubmittedAt: t0, Outcome: "eligible", Snapshot: []byte(`{"a":1}`), Digest: "d", Photo: []byte("0123")}
	if err := upd(func(tx *store.Tx) error { return tx.InsertVersion(ctx, v) }); err != nil {
		t.Fatal(err)
	}
	if err := upd(func(tx *store.Tx) error { return tx.InsertVersion(ctx, v) }); code(err) != kaowu.ECONFLICT {
		t.Errorf("a version twice: %v", err)
	}
	got, err := s.Version(ctx, a.ID, 1)
	if err != nil || string(got.Snapshot) != `{"a":1}` || string(got.Photo) != "0123" || !got.SubmittedAt.Equal(t0) {
		t.Errorf("version = %+v %v", got, err)
	}
	if err := upd(func(tx *store.Tx) error {
		return tx.SetApplicationState(ctx, a.ID, kaowu.StateSubmitted, kaowu.StateDraft, t0)
	}); err != nil {
		t.Fatal(err)
	}
	if err := upd(func(tx *store.Tx) error {
		return tx.SetApplicationState(ctx, a.ID, kaowu.StateSubmitted, kaowu.StateDraft, t0)
	}); code(err) != kaowu.ECONFLICT {
		t.Errorf("a transition from a state it is no longer in: %v", err)
	}
	if err := submit(2); err != nil {
		t.Errorf("resubmitting as version 2: %v", err)
	}
	back, err := s.ApplicationOf(ctx, u.ID, 2024)
	if err != nil || back.Version != 2 || back.State != kaowu.StateSubmitted || back.Decl.ArchiveNo != "A1" || back.SubmittedAt == nil {
		t.Errorf("application = %+v %v", back, err)
	}
	if open, err := s.HasOpenApplication(ctx, u.ID, 2024); !open || err != nil {
		t.Errorf("open application not seen: %v %v", open, err)
	}

	// Scored is read, not stored: a ticketed application with scores is
	// scored, in its reads and in the lists' state filter, and no write
	// stores the state. (Exam year 2031: no other test's lists count it.)
	const year = 2031
	su := kaowu.User{Username: "scored", Name: "已有成绩", Role: kaowu.RoleCandidate, PasswordHash: "h", CreatedAt: t0}
	sa := kaowu.Application{Year: year, Site: "fengtai", Specialty: "368", State: kaowu.StateDraft, CreatedAt: t0}
	if err := upd(func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &su); err != nil {
			return err
		}
		sa.CandidateID = su.ID
		if err := tx.CreateApplication(ctx, &sa); err != nil {
			return err
		}
		if err := tx.SubmitApplication(ctx, sa.ID, 1, kaowu.StateSubmitted, "eligible", false, t0); err != nil {
			return err
		}
		return tx.SetApplicationState(ctx, sa.ID, kaowu.StateSubmitted, kaowu.StateTicketed, t0)
	}); err != nil {
		t.Fatal(err)
	}
	// check says that sa reads as want and is listed under want only.
	check := func(step string, want, other kaowu.ApplicationState) {
		t.Helper()
		if back, err := s.Application(ctx, sa.ID); err != nil || back.State != want {
			t.Errorf("%s: state %s, want %s (%v)", step, back.State, want, err)
		}
		for st, n := range map[kaowu.ApplicationState]int{want: 1, other: 0} {
			p, err := store.Applications.Page(ctx, s, store.ListQuery{Year: year, Filter: store.ListFilter{State: string(st)}})
			if err != nil || len(p.Rows) != n {
				t.Errorf("%s: listed under %s %d times, want %d (%v)", step, st, len(p.Rows), n, err)
			}
		}
	}
	check("without scores", kaowu.StateTicketed, kaowu.StateScored)
	if err := upd(func(tx *store.Tx) error { return Score(ctx, tx, sa.ID, year, "fengtai", "368", t0) }); err != nil {
		t.Fatal(err)
	}
	check("with scores", kaowu.StateScored, kaowu.StateTicketed)
	if err := upd(func(tx *store.Tx) error {
		return tx.SetApplicationState(ctx, sa.ID, kaowu.StateTicketed, kaowu.StateScored, t0)
	}); err == nil {
		t.Error("the state scored was stored")
	}
}

// Stored is the state an application in state st has in the column
// applications.state: scored is stored as ticketed, with scores (Score).
func Stored(st kaowu.ApplicationState) kaowu.ApplicationState {
	if st == kaowu.StateScored {
		return kaowu.StateTicketed
	}
	return st
}

// Score makes the application with the given id, which must be ticketed
// (stored state), scored as a score import does: it stores scores for it
// with every subject absent, under ticket number "T" and the id.
func Score(ctx context.Context, tx *store.Tx, id string, year int, site, specialty string, at time.Time) error {
	return tx.InsertScores(ctx, []store.Score{{ApplicationID: id, Year: year, Site: site, TicketNo: "T" + id, Specialty: specialty,
		Answer: []byte("{}"), ImportID: "test", UpdatedAt: at}})
}
