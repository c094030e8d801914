package app_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// at returns an instant in Beijing time in December 2023.
func at(day, hour, min, sec int) time.Time {
	return time.Date(2023, 12, day, hour, min, sec, 0, kaowu.Shanghai)
}

// deskUnit creates a Fengtai unit of a category (direct_hospital confirms
// on 12-11, garrison_hospital on 12-12).
func deskUnit(t testing.TB, s *store.Store, name, category string) kaowu.Unit {
	t.Helper()
	ctx := context.Background()
	u := kaowu.Unit{Name: name, District: "丰台区", Category: category, CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

// submitted registers a candidate at unit and submits a 368 application at
// t0 (inside the online application window); the clock is left at t0.
func submitted(t testing.TB, a *app.App, clock *kaowu.ManualClock, username string, n int, unit kaowu.Unit) (app.Actor, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	clock.Set(t0)
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
	apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	ap, err := a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return me, ap
}

func siteStaff(t testing.TB, s *store.Store, username, site string) app.Actor {
	t.Helper()
	ctx := context.Background()
	u := kaowu.User{Username: username, Name: username, Role: kaowu.RoleSiteStaff, PasswordHash: "x", Site: site, CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: username, Role: kaowu.RoleSiteStaff}
}

// reminders returns the titles of the candidate's reminders of a kind.
func reminders(t *testing.T, a *app.App, who app.Actor, kind string) []kaowu.Reminder {
	t.Helper()
	rs, err := a.Inbox(context.Background(), who, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []kaowu.Reminder
	for _, r := range rs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// TestConfirmationHours: the desk confirms only inside the window, on the
// unit's day and in a half-day slot (二（二）), both sides of each
// boundary; an exception opened for the unit lifts the day and the slots
// but not the window.
func TestConfirmationHours(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		direct := deskUnit(t, s, "丰台直属医院", "direct_hospital")     // 12-11
		garrison := deskUnit(t, s, "丰台驻区医院", "garrison_hospital") // 12-12
		_, apD := submitted(t, a, clock, "direct1", 31, direct)
		_, apG := submitted(t, a, clock, "garrison1", 32, garrison)
		desk := staff(t, a, s, kaowu.RoleSiteStaff)

		open := ""
		for _, c := range []struct {
			name string
			when time.Time
			ap   kaowu.Application
			want string // "" = open
		}{
			{"before the window", at(11, 8, 59, 59), apD, "尚未开始"},
			{"window opens", at(11, 9, 0, 0), apD, open},
			{"end of the morning slot", at(11, 11, 29, 59), apD, open},
			{"morning slot over", at(11, 11, 30, 0), apD, "不在现场确认时间内"},
			{"lunch", at(11, 13, 29, 59), apD, "上午9:00—11:30，下午13:30—16:30"},
			{"afternoon slot opens", at(11, 13, 30, 0), apD, open},
			{"end of the afternoon slot", at(11, 16, 29, 59), apD, open},
			{"afternoon slot over", at(11, 16, 30, 0), apD, "不在现场确认时间内"},
			{"not the unit's day", at(12, 10, 0, 0), apD, "现场确认日期为2023年12月11日"},
			{"the garrison hospital's day", at(12, 10, 0, 0), apG, open},
			{"the garrison hospital, a day early", at(11, 10, 0, 0), apG, "现场确认日期为2023年12月12日"},
			{"window closed", at(15, 16, 30, 0), apD, "已于2023年12月15日 16:30截止"},
		} {
			clock.Set(c.when)
			dc, err := a.DeskCase(ctx, desk, c.ap.ID, "")
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if c.want == open && dc.Closed != "" || c.want != open && !strings.Contains(dc.Closed, c.want) {
				t.Errorf("%s (%s): closed = %q, want %q", c.name, c.when.Format("01-02 15:04:05"), dc.Closed, c.want)
			}
			if c.want != open && !strings.Contains(dc.Closed, "二（二）") {
				t.Errorf("%s: refusal %q does not name the clause", c.name, dc.Closed)
			}
		}

		// A refused confirmation changes nothing and says the rule.
		clock.Set(at(11, 12, 0, 0))
		if _, err := a.Confirm(ctx, desk, apD.ID, 1); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "二（二）") {
			t.Errorf("confirm at lunch: %v", err)
		}
		if got, _ := s.Application(ctx, apD.ID); got.State != kaowu.StateSubmitted {
			t.Errorf("refused confirmation changed the state to %s", got.State)
		}

		// An exception for the direct hospital: lunch on 12-12 is open until 18:00, not after.
		clock.Set(at(12, 8, 0, 0))
		for _, bad := range []struct {
			until  time.Time
			reason string
			field  string
		}{
			{at(12, 7, 0, 0), "补办", "until"},
			{at(15, 17, 0, 0), "补办", "until"},
			{at(12, 18, 0, 0), " ", "reason"},
		} {
			if _, err := a.OpenException(ctx, desk, "", direct.ID, bad.until, bad.reason); kaowu.ErrorFields(err)[bad.field] == "" {
				t.Errorf("exception until %s reason %q: %v", bad.until, bad.reason, err)
			}
		}
		if _, err := a.OpenException(ctx, desk, "", direct.ID, at(12, 18, 0, 0), "单位12月11日因故未能到场，经考点同意补办"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			when time.Time
			open bool
		}{{at(12, 12, 0, 0), true}, {at(12, 17, 59, 59), true}, {at(12, 18, 0, 0), false}} {
			clock.Set(c.when)
			dc, err := a.DeskCase(ctx, desk, apD.ID, "")
			if err != nil || (dc.Closed == "") != c.open {
				t.Errorf("with the exception at %s: closed = %q %v, want open %v", c.when.Format("01-02 15:04:05"), dc.Closed, err, c.open)
			}
		}
		clock.Set(at(12, 12, 0, 0))
		if _, err := a.Confirm(ctx, desk, apD.ID, 1); err != nil {
			t.Fatalf("confirm under the exception: %v", err)
		}
		audit, _ := s.Audit(ctx, 50)
		found := map[string]bool{}
		for _, e := range audit {
			if e.Actor == desk.Username {
				found[e.Action] = true
				if e.Action == "application.confirm" && !strings.Contains(e.Detail, "例外") {
					t.Errorf("confirmation under an exception not audited as such: %s", e.Detail)
				}
			}
		}
		if !found["confirmation.exception"] || !found["application.confirm"] {
			t.Errorf("audit by the desk operator: %v", found)
		}
	})
}

// TestConfirmAndReturn: the desk returns an application with reasons,
// which the candidate sees and is reminded of; the candidate resubmits;
// the superseded printed version is refused, the new one confirmed, once.
func TestConfirmAndReturn(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		unit := deskUnit(t, s, "丰台直属医院", "direct_hospital")
		me, ap := submitted(t, a, clock, "returned1", 33, unit)
		desk := staff(t, a, s, kaowu.RoleSiteStaff)
		clock.Set(at(11, 9, 30, 0))

		// The desk's case: the checklist and the photo of the submitted version.
		dc, err := a.DeskCase(ctx, desk, ap.ID, "")
		if err != nil || len(dc.Materials) == 0 || len(dc.Photo) == 0 || dc.Snapshot.Name != "张考生" || !dc.Confirmable() {
			t.Fatalf("desk case = %d materials, photo %d bytes, %q, confirmable %v, %v", len(dc.Materials), len(dc.Photo), dc.Snapshot.Name, dc.Confirmable(), err)
		}

		for _, bad := range []struct {
			reasons []string
			note    string
			field   string
		}{{nil, "", "reasons"}, {[]string{"nope"}, "", "reasons"}, {[]string{"other"}, "", "note"}} {
			if _, err := a.ReturnForCorrection(ctx, desk, ap.ID, 1, bad.reasons, bad.note); kaowu.ErrorFields(err)[bad.field] == "" {
				t.Errorf("return %v %q: %v", bad.reasons, bad.note, err)
			}
		}
		if _, err := a.ReturnForCorrection(ctx, desk, ap.ID, 1, []string{"unstamped", "materials"}, "缺护士执业证书复印件"); err != nil {
			t.Fatal(err)
		}
		got, _, _ := a.MyApplication(ctx, me)
		if got.State != kaowu.StateReturned || !got.State.Editable() {
			t.Fatalf("after return: %s", got.State)
		}
		note, err := a.ReturnNote(ctx, me, ap.ID)
		if err != nil || note == nil || len(note.Reasons) != 2 || note.Reasons[0].Text != "申报表未盖章" || note.Note != "缺护士执业证书复印件" {
			t.Fatalf("return note = %+v %v", note, err)
		}
		rs := reminders(t, a, me, "application.returned")
		if len(rs) != 1 || !strings.Contains(rs[0].Body, "申报表未盖章；材料不全；缺护士执业证书复印件") || !strings.Contains(rs[0].Body, "二（二）") {
			t.Errorf("return reminder = %+v", rs)
		}
		if _, err := a.Confirm(ctx, desk, ap.ID, 1); kaowu.ErrorCode(err) != kaowu.ECONFLICT || !strings.Contains(kaowu.ErrorMessage(err), "已退回修改") {
			t.Errorf("confirm a returned application: %v", err)
		}

		// The candidate corrects and resubmits through the usual flow: version 2.
		if _, err := a.SaveChoices(ctx, me, app.Choices{Specialty: "368", Decl: nurseDecl}); err != nil {
			t.Fatal(err)
		}
		v2, err := a.Submit(ctx, me, 1, true)
		if err != nil || v2.Version != 2 || v2.State != kaowu.StateSubmitted {
			t.Fatalf("resubmit = %+v %v", v2, err)
		}
		if note, _ := a.ReturnNote(ctx, me, ap.ID); note != nil {
			t.Errorf("return note after resubmission: %+v", note)
		}

		// The old printed form (v1), scanned: refused with the reason.
		old, _ := s.Version(ctx, ap.ID, 1)
		payload1, _ := a.FormPayload(ctx, old)
		dc, err = a.DeskCase(ctx, desk, ap.ID, payload1)
		if err != nil || dc.Printed != 1 || dc.Confirmable() || dc.Check == nil || dc.Check.Final {
			t.Errorf("desk case for the v1 form: printed %d confirmable %v check %+v %v", dc.Printed, dc.Confirmable(), dc.Check, err)
		}
		_, err = a.Confirm(ctx, desk, ap.ID, 1)
		if kaowu.ErrorCode(err) != kaowu.ECONFLICT || !strings.Contains(kaowu.ErrorMessage(err), "后来提交了第2版") {
			t.Errorf("confirm the superseded v1: %v", err)
		}
		if _, err := a.Confirm(ctx, desk, ap.ID, 2); err != nil {
			t.Fatalf("confirm v2: %v", err)
		}
		if _, err := a.Confirm(ctx, desk, ap.ID, 2); kaowu.ErrorCode(err) != kaowu.ECONFLICT || !strings.Contains(kaowu.ErrorMessage(err), "已经确认") {
			t.Errorf("second confirmation: %v", err)
		}
		got, _, _ = a.MyApplication(ctx, me)
		if got.State != kaowu.StateConfirmed {
			t.Errorf("state = %s", got.State)
		}
		if rs := reminders(t, a, me, "application.confirmed"); len(rs) != 1 || !strings.Contains(rs[0].Body, "现场确认") {
			t.Errorf("confirmation reminders = %+v", rs)
		}
		ds, _ := s.DeskDecisions(ctx, ap.ID)
		if len(ds) != 2 || ds[0].Action != store.DeskConfirm || ds[0].Operator != desk.Username || ds[1].Action != store.DeskReturn {
			t.Errorf("decisions = %+v", ds)
		}
		// Nothing in the audit shows the full ID number.
		audit, _ := s.Audit(ctx, 100)
		for _, e := range audit {
			if strings.Contains(e.Detail, resident(33)) {
				t.Errorf("audit shows the ID number: %s", e.Detail)
			}
		}
	})
}

// TestConcurrentConfirm: operators confirming the same candidate at once
// make one confirmation; the others are told it is already confirmed.
func TestConcurrentConfirm(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		unit := deskUnit(t, s, "丰台直属医院", "direct_hospital")
		me, ap := submitted(t, a, clock, "raced", 34, unit)
		ops := []app.Actor{siteStaff(t, s, "desk-a", "fengtai"), siteStaff(t, s, "desk-b", "fengtai")}
		clock.Set(at(11, 10, 0, 0))
		var wg sync.WaitGroup
		var ok, already atomic.Int32
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Confirm(ctx, ops[i%2], ap.ID, 1)
				switch {
				case err == nil:
					ok.Add(1)
				case kaowu.ErrorCode(err) == kaowu.ECONFLICT && strings.Contains(kaowu.ErrorMessage(err), "已经确认"):
					already.Add(1)
				default:
					t.Errorf("confirm: %v", err)
				}
			}()
		}
		wg.Wait()
		ds, _ := s.DeskDecisions(ctx, ap.ID)
		if ok.Load() != 1 || already.Load() != 7 || len(ds) != 1 || len(reminders(t, a, me, "application.confirmed")) != 1 {
			t.Errorf("%d confirmed, %d told already, %d decisions; want 1, 7, 1", ok.Load(), already.Load(), len(ds))
		}
	})
}

// TestConfirmBatch: a unit's roster on one screen, the ticked rows
// confirmed; a stale row is refused without holding back the others.
func TestConfirmBatch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		unit := deskUnit(t, s, "丰台直属医院", "direct_hospital")
		other := deskUnit(t, s, "丰台另一医院", "direct_hospital")
		var aps []kaowu.Application
		for i := range 3 {
			_, ap := submitted(t, a, clock, fmt.Sprintf("roster%d", i), 40+i, unit)
			aps = append(aps, ap)
		}
		elsewhere, _ := submitted(t, a, clock, "elsewhere", 44, other)
		// One withdraws and resubmits: the roster's v1 is stale.
		if _, err := a.Withdraw(ctx, mustActor(t, s, "roster2")); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Submit(ctx, mustActor(t, s, "roster2"), 1, true); err != nil {
			t.Fatal(err)
		}
		desk := staff(t, a, s, kaowu.RoleSiteStaff)
		clock.Set(at(11, 14, 0, 0))
		r, err := a.UnitRoster(ctx, desk, "", unit.ID)
		if err != nil || len(r.Rows) != 3 || r.Pending() != 3 || r.Closed != "" || r.Day != kaowu.NewDate(2023, 12, 11) {
			t.Fatalf("roster = %d rows, %d pending, closed %q, day %v, %v", len(r.Rows), r.Pending(), r.Closed, r.Day, err)
		}
		res, err := a.ConfirmBatch(ctx, desk, []app.BatchItem{{aps[0].ID, 1}, {aps[1].ID, 1}, {aps[2].ID, 1}})
		if err != nil || len(res) != 3 {
			t.Fatal(res, err)
		}
		for i, want := range []bool{true, true, false} {
			if (res[i].Err == nil) != want {
				t.Errorf("row %d: %v", i, res[i].Err)
			}
		}
		if !strings.Contains(kaowu.ErrorMessage(res[2].Err), "后来提交了第2版") {
			t.Errorf("stale row: %v", res[2].Err)
		}
		r, _ = a.UnitRoster(ctx, desk, "", unit.ID)
		if r.Pending() != 1 {
			t.Errorf("pending after the batch = %d", r.Pending())
		}
		if got, _, _ := a.MyApplication(ctx, elsewhere); got.State != kaowu.StateSubmitted {
			t.Errorf("another unit's candidate is %s", got.State)
		}
		if _, err := a.ConfirmBatch(ctx, desk, nil); kaowu.ErrorFields(err)["pick"] == "" {
			t.Errorf("empty batch: %v", err)
		}
	})
}

func mustActor(t *testing.T, s *store.Store, username string) app.Actor {
	t.Helper()
	u, err := s.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: u.Username, Role: u.Role}
}

// TestVoidUnconfirmed: at the end of the window every application still
// submitted or returned is void with one reminder; a second run changes
// nothing; confirmed ones stay.
func TestVoidUnconfirmed(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		unit := deskUnit(t, s, "丰台直属医院", "direct_hospital")
		sub, _ := submitted(t, a, clock, "late1", 51, unit)
		ret, apR := submitted(t, a, clock, "late2", 52, unit)
		conf, apC := submitted(t, a, clock, "ontime", 53, unit)
		desk := staff(t, a, s, kaowu.RoleSiteStaff)
		clock.Set(at(11, 10, 0, 0))
		if _, err := a.ReturnForCorrection(ctx, desk, apR.ID, 1, []string{"unstamped"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Confirm(ctx, desk, apC.ID, 1); err != nil {
			t.Fatal(err)
		}

		rep, err := a.VoidUnconfirmed(ctx, at(15, 16, 29, 59))
		if err != nil || rep.Voided != 0 || len(rep.Open) != 1 {
			t.Fatalf("before the deadline: %+v %v", rep, err)
		}
		for run := range 2 {
			rep, err := a.VoidUnconfirmed(ctx, at(15, 16, 30, 0))
			want := 2
			if run == 1 {
				want = 0
			}
			if err != nil || rep.Voided != want || len(rep.Years) != 1 {
				t.Errorf("run %d: %+v %v; want %d voided", run+1, rep, err, want)
			}
		}
		for _, c := range []struct {
			who   app.Actor
			state kaowu.ApplicationState
			voids int
		}{{sub, kaowu.StateVoid, 1}, {ret, kaowu.StateVoid, 1}, {conf, kaowu.StateConfirmed, 0}} {
			got, _, _ := a.MyApplication(ctx, c.who)
			rs := reminders(t, a, c.who, "application.void")
			if got.State != c.state || len(rs) != c.voids {
				t.Errorf("%s: %s with %d void reminders; want %s, %d", c.who.Username, got.State, len(rs), c.state, c.voids)
			}
			if c.voids == 1 && !strings.Contains(rs[0].Body, "视为网上报名无效（二（二））") {
				t.Errorf("void reminder: %s", rs[0].Body)
			}
		}
		// A void application cannot be confirmed any more.
		clock.Set(at(15, 16, 31, 0))
		if _, err := a.Confirm(ctx, desk, apR.ID, 1); err == nil {
			t.Errorf("confirmed a void application")
		}
	})
}

// TestDeskAuthorization: another site's staff cannot see or confirm the
// site's candidates (refused as for a missing id); candidates, unit HR and
// the region office cannot reach the desk.
func TestDeskAuthorization(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		unit := deskUnit(t, s, "丰台直属医院", "direct_hospital")
		me, ap := submitted(t, a, clock, "guarded", 61, unit)
		clock.Set(at(11, 10, 0, 0))
		otherSite := siteStaff(t, s, "desk-chaoyang", "chaoyang")
		const missing = "00000000-0000-7000-8000-000000000000"
		_, errMine := a.DeskCase(ctx, otherSite, ap.ID, "")
		_, errMissing := a.DeskCase(ctx, otherSite, missing, "")
		if kaowu.ErrorCode(errMine) != kaowu.EFORBIDDEN || kaowu.ErrorMessage(errMine) != kaowu.ErrorMessage(errMissing) {
			t.Errorf("another site's desk case: %v / missing: %v", errMine, errMissing)
		}
		if _, err := a.Confirm(ctx, otherSite, ap.ID, 1); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site confirms: %v", err)
		}
		if _, err := a.ReturnForCorrection(ctx, otherSite, ap.ID, 1, []string{"unstamped"}, ""); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site returns: %v", err)
		}
		if found, err := a.DeskFind(ctx, otherSite, "", "张考生"); err != nil || len(found.Rows) != 0 {
			t.Errorf("another site finds %d rows %v", len(found.Rows), err)
		}
		v, _ := s.Version(ctx, ap.ID, 1)
		payload, _ := a.FormPayload(ctx, v)
		if found, err := a.DeskFind(ctx, otherSite, "", payload); err != nil || len(found.Rows) != 0 || found.Message == "" {
			t.Errorf("another site scans the form: %+v %v", found, err)
		}
		if _, err := a.UnitRoster(ctx, otherSite, "", unit.ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site's roster: %v", err)
		}
		if _, err := a.OpenException(ctx, otherSite, "", unit.ID, at(11, 18, 0, 0), "越权"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site opens an exception: %v", err)
		}
		// The site's own desk finds the candidate by name, by ID number and by the QR code.
		desk := staff(t, a, s, kaowu.RoleSiteStaff)
		for _, q := range []string{"张考", resident(61), payload} {
			if found, err := a.DeskFind(ctx, desk, "", q); err != nil || len(found.Rows) != 1 || found.Rows[0].ID != ap.ID {
				t.Errorf("find %q: %+v %v", q, found, err)
			}
		}
		for _, who := range []app.Actor{me, staff(t, a, s, kaowu.RoleUnitHR), staff(t, a, s, kaowu.RoleRegionStaff)} {
			_, e1 := a.DeskCase(ctx, who, ap.ID, "")
			_, e2 := a.Confirm(ctx, who, ap.ID, 1)
			_, e3 := a.DeskFind(ctx, who, "", "张考生")
			for _, err := range []error{e1, e2, e3} {
				if kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
					t.Errorf("%s reaches the desk: %v", who.Role, err)
				}
			}
		}
		if got, _ := s.Application(ctx, ap.ID); got.State != kaowu.StateSubmitted {
			t.Errorf("state = %s", got.State)
		}
		// The admin reaches every site.
		if _, err := a.Confirm(ctx, staff(t, a, s, kaowu.RoleAdmin), ap.ID, 1); err != nil {
			t.Errorf("admin confirms: %v", err)
		}
	})
}

// BenchmarkConfirm measures desk confirmations — load the application with
// its candidate and unit, check the state, the version and the hours, then
// one transaction moving the state, recording the decision, the reminder
// and the audit row — with 1 and with 8 desk operators at once, on SQLite
// and PostgreSQL. The submitted applications are made before the timer
// starts, straight through the store.
func BenchmarkConfirm(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		for _, ops := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/operators=%d", e.name, ops), func(b *testing.B) {
				s := e.open(b)
				a, clock := newApp(b, s)
				ids := submittedApplications(b, s, b.N)
				ctx := context.Background()
				u := kaowu.User{Username: "bench-desk", Name: "压测考点", Role: kaowu.RoleSiteStaff, PasswordHash: "x", Site: "fengtai", CreatedAt: t0}
				if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
					b.Fatal(err)
				}
				desk := app.Actor{Username: u.Username, Role: u.Role}
				clock.Set(at(11, 10, 0, 0))
				var next atomic.Int64
				confirm := func() bool {
					if _, err := a.Confirm(ctx, desk, ids[next.Add(1)-1], 1); err != nil {
						b.Error(err)
						return false
					}
					return true
				}
				b.ResetTimer()
				if ops == 1 {
					for i := 0; i < b.N && confirm(); i++ {
					}
				} else {
					b.SetParallelism(max(1, ops/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() && confirm() {
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "confirmations/s")
			})
		}
	}
}

// submittedApplications makes n submitted applications (version 1) of
// candidates at one Fengtai direct hospital.
func submittedApplications(b *testing.B, s *store.Store, n int) []string {
	b.Helper()
	ctx := context.Background()
	ft := kaowu.Unit{Name: "丰台压测医院", District: "丰台区", Category: "direct_hospital", CreatedAt: t0}
	ids := make([]string, n)
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUnit(ctx, &ft); err != nil {
			return err
		}
		for i := range n {
			acc := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("bench%06d", i), Name: "压测考生", Role: kaowu.RoleCandidate,
				PasswordHash: "x", UnitID: ft.ID, CreatedAt: t0}, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(resident(100000 + i)), Mobile: "13912345678"}
			if err := tx.CreateAccount(ctx, &acc); err != nil {
				return err
			}
			if err := tx.SetUnit(ctx, acc.ID, ft.ID); err != nil {
				return err
			}
			ap := kaowu.Application{CandidateID: acc.ID, Year: 2024, Site: "fengtai", Specialty: "368", Level: kaowu.LevelIntermediate,
				Decl: nurseDecl, State: kaowu.StateDraft, CreatedAt: t0}
			if err := tx.CreateApplication(ctx, &ap); err != nil {
				return err
			}
			if err := tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: ap.ID, Version: 1, SubmittedAt: t0, Outcome: "eligible",
				Snapshot: []byte(`{}`), Digest: "d"}); err != nil {
				return err
			}
			if err := tx.SubmitApplication(ctx, ap.ID, 1, kaowu.StateSubmitted, "eligible", false, t0); err != nil {
				return err
			}
			ids[i] = ap.ID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}
