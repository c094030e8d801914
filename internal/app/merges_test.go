package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// movedCandidate is a nurse whose 2023 record (two subjects passed) is
// under a residence permit while this year's account uses a resident ID;
// they gave the archive number, so their submission tells them to ask for
// a score merge (二（一）).
func movedCandidate(t *testing.T, a *app.App, s *store.Store) (kaowu.Account, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	acc, _ := applicant(t, a, s, "moved", 32)
	lastYear(t, s, acc, func(r *kaowu.PreviousRecord) {
		r.IDType, r.IDNumber = kaowu.IDHKMacaoTaiwanResidence, kaowu.IDNumber("810000"+string(acc.IDNumber)[6:17])
		r.IDNumber += kaowu.IDNumber(string(kaowu.GBCheckChar(string(r.IDNumber))))
		r.ArchiveNo = "A2023-77"
	})
	decl := nurseDecl
	decl.ArchiveNo = "A2023-77"
	apply(t, a, actor(acc), app.Choices{Site: "fengtai", Specialty: "368", Decl: decl})
	got, err := a.Submit(ctx, actor(acc), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return acc, got
}

func TestScoreMerge(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		acc, appl := movedCandidate(t, a, s)
		me := actor(acc)
		site := siteStaffOf(t, s, "fengtai")

		// Without a merge last year's passes do not count.
		d, _, err := a.Preview(ctx, me)
		if err != nil || len(d.Subjects) != 4 || len(d.CarriedOver) != 0 {
			t.Fatalf("before the merge: subjects %v carried %v %v", d.Subjects, d.CarriedOver, err)
		}
		q, err := a.MergeQueue(ctx, site)
		if err != nil || len(q) != 1 || q[0].ApplicationID != appl.ID || q[0].Merge != nil || q[0].Previous == nil ||
			q[0].ArchiveNo != "A2023-77" || q[0].PassedText() != "基础知识、相关专业知识" {
			t.Fatalf("queue = %+v %v", q, err)
		}
		if strings.Contains(q[0].IDNumber.String(), string(acc.IDNumber)) {
			t.Errorf("queue shows the ID number unmasked")
		}

		// Refusals: the evidence must be checked and described.
		if _, err := a.MergeScores(ctx, site, appl.ID, "核验居民身份证原件及证件变更证明", false); kaowu.ErrorFields(err)["verified"] == "" {
			t.Errorf("merge without verification: %v", err)
		}
		if _, err := a.MergeScores(ctx, site, appl.ID, "", true); kaowu.ErrorFields(err)["note"] == "" {
			t.Errorf("merge without a note: %v", err)
		}

		clock.Advance((24 * time.Hour))
		res, err := a.MergeScores(ctx, site, appl.ID, "核验居民身份证原件及公安机关证件变更证明", true)
		if err != nil {
			t.Fatalf("merge: %v %v", err, kaowu.ErrorFields(err))
		}
		if res.Merge.UserID != acc.ID || res.Merge.PreviousYear != 2023 || res.Merge.ArchiveNo != "A2023-77" || res.Merge.Operator != site.Username ||
			len(res.Decision.CarriedOver) != 2 || len(res.Decision.Subjects) != 2 {
			t.Errorf("merge result %+v, subjects %v carried %v", res.Merge, res.Decision.Subjects, res.Decision.CarriedOver)
		}
		if m, err := s.ScoreMergeOf(ctx, acc.ID, 2023); err != nil || m.EvidenceNote != "核验居民身份证原件及公安机关证件变更证明" || !m.CreatedAt.Equal(t0.Add((24 * time.Hour)).UTC()) {
			t.Errorf("stored merge %+v %v", m, err)
		}

		// Now last year's passes count.
		d, _, err = a.Preview(ctx, me)
		if err != nil || len(d.Subjects) != 2 || len(d.CarriedOver) != 2 {
			t.Errorf("after the merge: subjects %v carried %v %v", d.Subjects, d.CarriedOver, err)
		}
		// A resubmission finds the merged record: no ID-change prompt, no
		// automatic confirmation (the ID document still differs), two
		// subjects to sit.
		if _, err := a.Withdraw(ctx, me); err != nil {
			t.Fatal(err)
		}
		again, err := a.Submit(ctx, me, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		snap, _, err := a.Snapshot(ctx, me, again.ID, 2)
		if err != nil || snap.IDChange != "" || snap.Returning == nil || snap.Returning.Eligible || again.State != kaowu.StateSubmitted ||
			len(snap.Decision.CarriedOver) != 2 {
			t.Errorf("resubmitted: state %s id change %q returning %+v carried %v %v", again.State, snap.IDChange, snap.Returning, snap.Decision.CarriedOver, err)
		}

		// Reminder and audit, the ID numbers masked.
		inbox, err := a.Inbox(ctx, me, 10)
		if err != nil {
			t.Fatal(err)
		}
		var merged *kaowu.Reminder
		for i := range inbox {
			if inbox[i].Kind == "score.merged" {
				merged = &inbox[i]
			}
		}
		if merged == nil || !strings.Contains(merged.Body, "A2023-77") || !strings.Contains(merged.Body, "专业知识、专业实践能力") || !strings.Contains(merged.Body, "二（一）") {
			t.Errorf("reminder %+v", merged)
		}
		audit, _ := s.AuditOf(ctx, acc.ID)
		var detail string
		for _, e := range audit {
			if e.Action == "score.merge" {
				detail = e.Detail
			}
		}
		if !strings.Contains(detail, "A2023-77") || strings.Contains(detail, string(acc.IDNumber)) || detail == "" {
			t.Errorf("audit %q", detail)
		}

		// Once only.
		if _, err := a.MergeScores(ctx, site, appl.ID, "再次核验", true); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second merge: %v", err)
		}
	})
}

// TestScoreMergeAuthorization: only the site office of the candidate's
// site merges; others are refused, another site's staff exactly as for an
// application that does not exist.
func TestScoreMergeAuthorization(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		acc, appl := movedCandidate(t, a, s)
		note := "核验居民身份证原件及证件变更证明"
		other := siteStaffOf(t, s, "chaoyang")
		_, errOther := a.MergeScores(ctx, other, appl.ID, note, true)
		_, errMissing := a.MergeScores(ctx, other, "00000000-0000-7000-8000-000000000000", note, true)
		if kaowu.ErrorCode(errOther) != kaowu.EFORBIDDEN || kaowu.ErrorMessage(errOther) != kaowu.ErrorMessage(errMissing) {
			t.Errorf("another site: %v; missing: %v", errOther, errMissing)
		}
		if q, err := a.MergeQueue(ctx, other); err != nil || len(q) != 0 {
			t.Errorf("another site's queue: %+v %v", q, err)
		}
		ft, _ := s.Units(ctx)
		for _, who := range []app.Actor{actor(acc), hrOf(t, s, "hr-merge", ft[0].ID), staff(t, a, s, kaowu.RoleRegionStaff), app.System} {
			if _, err := a.MergeScores(ctx, who, appl.ID, note, true); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s merges: %v", who.Role, err)
			}
			if _, err := a.MergeQueue(ctx, who); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s reads the queue: %v", who.Role, err)
			}
		}
		if _, err := s.ScoreMergeOf(ctx, acc.ID, 2023); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("a refused merge was stored: %v", err)
		}

		// A candidate without an ID change is not merged.
		site := siteStaffOf(t, s, "fengtai")
		plain, plainApp := unitApplicant(t, a, "plain", 44, ft[0].ID, true)
		lastYear(t, s, plain, nil)
		if _, err := a.MergeScores(ctx, site, plainApp.ID, note, true); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("merge without an ID change: %v", err)
		}
	})
}
