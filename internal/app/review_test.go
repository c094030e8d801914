package app_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// reviewFixture is a store with confirmed applications of the current
// year: plain (unit A), review (unit B: nothing declared, so the engine
// sent it to review), auto (a returning candidate confirmed automatically,
// two subjects carried over), and one only submitted.
type reviewFixture struct {
	a                           *app.App
	s                           *store.Store
	unitA, unitB                kaowu.Unit
	plain, review, auto, submit kaowu.Application
	accounts                    map[string]kaowu.Account // by application id
	region, admin               app.Actor
}

func newReviewFixture(t testing.TB, s *store.Store) *reviewFixture {
	t.Helper()
	a, _ := newApp(t, s)
	ctx := context.Background()
	fx := &reviewFixture{a: a, s: s, accounts: map[string]kaowu.Account{}}
	fx.unitA, _ = units(t, s)
	fx.unitB = kaowu.Unit{Name: "丰台第二测试医院", District: "丰台区", Category: "direct_hospital", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &fx.unitB) }); err != nil {
		t.Fatal(err)
	}
	mk := func(username string, n int, unit kaowu.Unit, decl kaowu.Declarations, returning, confirm bool) kaowu.Application {
		t.Helper()
		acc := register(t, a, username, n)
		me := actor(acc)
		if err := a.BindWeChat(ctx, me, "openid-"+username, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SaveProfile(ctx, me, acc.ID, validProfile(unit.ID), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UploadPhoto(ctx, me, acc.ID, photoJPEG(360, 480)); err != nil {
			t.Fatal(err)
		}
		if returning {
			lastYear(t, s, acc, nil)
		}
		apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: decl})
		got, err := a.Submit(ctx, me, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		if confirm && got.State == kaowu.StateSubmitted {
			if err := s.Update(ctx, func(tx *store.Tx) error {
				return tx.SetApplicationState(ctx, got.ID, kaowu.StateSubmitted, kaowu.StateConfirmed, t0)
			}); err != nil {
				t.Fatal(err)
			}
			got.State = kaowu.StateConfirmed
		}
		fx.accounts[got.ID] = acc
		return got
	}
	fx.plain = mk("plain1", 101, fx.unitA, nurseDecl, false, true)
	fx.review = mk("review2", 102, fx.unitB, kaowu.Declarations{}, false, true)
	fx.auto = mk("auto3", 103, fx.unitA, nurseDecl, true, false)
	fx.submit = mk("submit4", 104, fx.unitA, nurseDecl, false, false)
	if fx.auto.State != kaowu.StateConfirmed || !fx.auto.AutoConfirmed || fx.review.Outcome != "review" || fx.plain.Outcome != "eligible" {
		t.Fatalf("fixture: auto %s %v, review outcome %s, plain outcome %s", fx.auto.State, fx.auto.AutoConfirmed, fx.review.Outcome, fx.plain.Outcome)
	}
	fx.region = staff(t, a, s, kaowu.RoleRegionStaff)
	fx.admin = staff(t, a, s, kaowu.RoleAdmin)
	return fx
}

func ids(rows []store.ApplicationRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

// bySubmission returns the ids of apps in the review list's order: oldest
// submission first, then by id.
func bySubmission(apps ...kaowu.Application) []string {
	slices.SortFunc(apps, func(x, y kaowu.Application) int {
		if c := x.SubmittedAt.Compare(*y.SubmittedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	out := []string{}
	for _, a := range apps {
		out = append(out, a.ID)
	}
	return out
}

func TestReviewFilters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		fx := newReviewFixture(t, s)
		ctx := context.Background()
		all := bySubmission(fx.plain, fx.review, fx.auto)
		for _, c := range []struct {
			name   string
			filter app.ReviewFilter
			want   []string
		}{
			{"all confirmed", app.ReviewFilter{}, all},
			{"site", app.ReviewFilter{Site: "fengtai"}, all},
			{"other site", app.ReviewFilter{Site: "chaoyang"}, nil},
			{"specialty", app.ReviewFilter{Specialty: "368"}, all},
			{"other specialty", app.ReviewFilter{Specialty: "369"}, nil},
			{"unit", app.ReviewFilter{UnitID: fx.unitB.ID}, []string{fx.review.ID}},
			{"outcome review", app.ReviewFilter{Outcome: "review"}, []string{fx.review.ID}},
			{"auto-confirmed", app.ReviewFilter{AutoConfirmed: true}, []string{fx.auto.ID}},
			{"unit and auto", app.ReviewFilter{UnitID: fx.unitA.ID, AutoConfirmed: true}, []string{fx.auto.ID}},
		} {
			p, _, err := fx.a.ReviewList(ctx, fx.region, c.filter)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := ids(p.Rows); !slices.Equal(got, append([]string{}, c.want...)) || p.Next != "" {
				t.Errorf("%s: %v (next %q), want %v", c.name, got, p.Next, c.want)
			}
		}
		// Keyset pages, there and back.
		p1, _, err := fx.a.ReviewList(ctx, fx.region, app.ReviewFilter{Limit: 2})
		if err != nil || p1.Next == "" || p1.Prev != "" || !slices.Equal(ids(p1.Rows), all[:2]) {
			t.Fatalf("page 1 = %v %+v %v", ids(p1.Rows), p1, err)
		}
		p2, _, err := fx.a.ReviewList(ctx, fx.region, app.ReviewFilter{Limit: 2, Cursor: p1.Next})
		if err != nil || p2.Next != "" || p2.Prev == "" || !slices.Equal(ids(p2.Rows), all[2:]) {
			t.Fatalf("page 2 = %v %+v %v", ids(p2.Rows), p2, err)
		}
		back, _, err := fx.a.ReviewList(ctx, fx.region, app.ReviewFilter{Limit: 2, Cursor: p2.Prev})
		if err != nil || back.Prev != "" || !slices.Equal(ids(back.Rows), all[:2]) {
			t.Fatalf("back to page 1 = %v %+v %v", ids(back.Rows), back, err)
		}
		if r := p1.Rows[0]; r.Name == "" || r.UnitName == "" || r.IDNumber == "" {
			t.Errorf("row lacks candidate data: %+v", r)
		}
		for _, who := range []app.Actor{actor(fx.accounts[fx.plain.ID]), staff(t, fx.a, s, kaowu.RoleSiteStaff), staff(t, fx.a, s, kaowu.RoleUnitHR)} {
			if _, _, err := fx.a.ReviewList(ctx, who, app.ReviewFilter{}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s lists the review: %v", who.Role, err)
			}
			if _, err := fx.a.Review(ctx, who, app.ReviewInput{IDs: []string{fx.plain.ID}, Approve: true}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s decides: %v", who.Role, err)
			}
		}
	})
}

func TestReviewDecisions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		fx := newReviewFixture(t, s)
		a := fx.a
		ctx := context.Background()
		state := func(id string) kaowu.ApplicationState {
			t.Helper()
			got, err := s.Application(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return got.State
		}
		// A rejection needs a reason and a clause of the year's notice.
		for _, c := range []struct {
			name  string
			in    app.ReviewInput
			field string
		}{
			{"no reason", app.ReviewInput{Clause: "一（四）"}, "reason"},
			{"no clause", app.ReviewInput{Reason: "学历不符合要求"}, "clause"},
			{"unknown clause", app.ReviewInput{Reason: "学历不符合要求", Clause: "九（九）"}, "clause"},
			{"nothing selected", app.ReviewInput{Approve: true}, "ids"},
		} {
			if c.in.IDs == nil && c.field != "ids" {
				c.in.IDs = []string{fx.review.ID}
			}
			_, err := a.Review(ctx, fx.region, c.in)
			if kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: %v %v", c.name, err, kaowu.ErrorFields(err))
			}
		}
		if state(fx.review.ID) != kaowu.StateConfirmed {
			t.Fatal("a refused decision changed the application")
		}

		// Approve one: the fee of four subjects, in the payment window.
		res, err := a.Review(ctx, fx.region, app.ReviewInput{IDs: []string{fx.plain.ID}, Approve: true})
		if err != nil || len(res) != 1 || !res[0].Done {
			t.Fatalf("approve = %+v %v", res, err)
		}
		if state(fx.plain.ID) != kaowu.StateApproved {
			t.Errorf("plain is %s", state(fx.plain.ID))
		}
		d, err := s.ReviewDecisionOf(ctx, fx.plain.ID)
		if err != nil || d.FeeFen != 20000 || len(d.Subjects) != 4 || d.DecidedBy != fx.region.Username {
			t.Errorf("decision = %+v %v", d, err)
		}
		inbox := func(id string) kaowu.Reminder {
			t.Helper()
			rs, err := s.Inbox(ctx, fx.accounts[id].ID, 10, false)
			if err != nil || len(rs) == 0 {
				t.Fatalf("inbox of %s: %v %v", id, rs, err)
			}
			return rs[0]
		}
		if r := inbox(fx.plain.ID); r.Kind != "application.approved" || !strings.Contains(r.Body, "2024年1月29日") ||
			!strings.Contains(r.Body, "2024年2月8日") || !strings.Contains(r.Body, "200.00元") || !strings.Contains(r.Body, "（三）") {
			t.Errorf("approval reminder = %+v", r)
		}

		// Reject one, with the reason and the clause told to the candidate.
		res, err = a.Review(ctx, fx.admin, app.ReviewInput{IDs: []string{fx.review.ID}, Reason: "所学专业与报考专业不相关", Clause: "一（四）"})
		if err != nil || !res[0].Done || state(fx.review.ID) != kaowu.StateRejected {
			t.Fatalf("reject = %+v %v, state %s", res, err, state(fx.review.ID))
		}
		if r := inbox(fx.review.ID); r.Kind != "application.rejected" || !strings.Contains(r.Body, "所学专业与报考专业不相关") || !strings.Contains(r.Body, "一（四）") {
			t.Errorf("rejection reminder = %+v", r)
		}

		// In bulk: the decided one and a missing one are reported, the
		// confirmed one is approved (two subjects carried over: 100 yuan).
		res, err = a.Review(ctx, fx.region, app.ReviewInput{IDs: []string{fx.auto.ID, fx.plain.ID, fx.submit.ID, "00000000-0000-7000-8000-000000000000"}, Approve: true})
		if err != nil || len(res) != 4 {
			t.Fatalf("bulk = %+v %v", res, err)
		}
		if !res[0].Done || res[1].Done || res[2].Done || res[3].Done || !strings.Contains(res[1].Message, "审核通过") {
			t.Errorf("bulk results = %+v", res)
		}
		if d, _ := s.ReviewDecisionOf(ctx, fx.auto.ID); d.FeeFen != 10000 {
			t.Errorf("auto's fee = %d, want 10000 (two subjects carried over)", d.FeeFen)
		}
		if state(fx.submit.ID) != kaowu.StateSubmitted {
			t.Errorf("a submitted application was decided: %s", state(fx.submit.ID))
		}
		// Every decision is audited.
		for id, action := range map[string]string{fx.plain.ID: "application.approve", fx.review.ID: "application.reject", fx.auto.ID: "application.approve"} {
			es, err := s.AuditOf(ctx, id)
			if err != nil || !slices.ContainsFunc(es, func(e kaowu.AuditEntry) bool { return e.Action == action }) {
				t.Errorf("audit of %s lacks %s: %+v %v", id, action, es, err)
			}
		}
		p, _, _ := a.ReviewList(ctx, fx.region, app.ReviewFilter{})
		if len(p.Rows) != 0 {
			t.Errorf("decided applications still listed: %v", ids(p.Rows))
		}
	})
}

// TestConcurrentReview: two reviewers deciding the same application at
// once make one decision.
func TestConcurrentReview(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		fx := newReviewFixture(t, s)
		ctx := context.Background()
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := make([][]app.ReviewResult, 2)
		errs := make([]error, 2)
		for i, in := range []struct {
			who app.Actor
			in  app.ReviewInput
		}{
			{fx.region, app.ReviewInput{IDs: []string{fx.plain.ID}, Approve: true}},
			{fx.admin, app.ReviewInput{IDs: []string{fx.plain.ID}, Reason: "证书不全", Clause: "二（二）6"}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = fx.a.Review(ctx, in.who, in.in)
			}()
		}
		close(start)
		wg.Wait()
		done := 0
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("reviewer %d: %v", i, errs[i])
			}
			if results[i][0].Done {
				done++
			}
		}
		if done != 1 {
			t.Fatalf("%d decisions made, want 1: %+v", done, results)
		}
		rs, _ := s.Inbox(ctx, fx.accounts[fx.plain.ID].ID, 10, false)
		n := 0
		for _, r := range rs {
			if r.Kind == "application.approved" || r.Kind == "application.rejected" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d decision reminders, want 1", n)
		}
	})
}
