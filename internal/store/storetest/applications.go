package storetest

import (
	"context"
	"testing"

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
}
