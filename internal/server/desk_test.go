package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// deskCandidate registers a candidate at unit through the app and submits
// a 368 application (the clock must be in the online application window).
func deskCandidate(t *testing.T, a *app.App, username string, n int, unitID string) (app.Actor, kaowu.Application) {
	t.Helper()
	return submittedCandidate(t, a, username, "李"+username, n, unitID)
}

// submittedCandidate registers a nurse called name at unitID through the
// app and submits a 368 application.
func submittedCandidate(t *testing.T, a *app.App, username, name string, n int, unitID string) (app.Actor, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	acc, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: residentID(n), Name: name, Username: username,
		Password: pw, PasswordConfirm: pw, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"})
	if err != nil {
		t.Fatal(err)
	}
	me := app.Actor{Username: username, Role: kaowu.RoleCandidate}
	form := nurseForm()
	form.Set("work.unit_id", unitID)
	p, perrs := app.ProfileFromForm(form)
	if _, err := a.SaveProfile(ctx, me, acc.ID, p, perrs); err != nil {
		t.Fatal(err, kaowu.ErrorFields(err))
	}
	if _, err := a.UploadPhoto(ctx, me, acc.ID, jpegOf(360, 480)); err != nil {
		t.Fatal(err)
	}
	if err := a.BindWeChat(ctx, me, "openid-"+username, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.StartApplication(ctx, me); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveChoices(ctx, me, app.Choices{Site: "fengtai", Specialty: "368",
		Decl: kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes"}}); err != nil {
		t.Fatal(err)
	}
	ap, err := a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return me, ap
}

// TestDeskWalk: the desk scans a form, returns it with reasons that the
// candidate sees, refuses the superseded form after the resubmission,
// confirms the new one; a unit's roster confirms with one click; an
// exception opens a unit outside its slot; another site's staff and a
// candidate cannot reach the desk.
func TestDeskWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		clock := a.Clock.(*kaowu.ManualClock)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台确认医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		for _, in := range []app.StaffInput{
			{Role: kaowu.RoleSiteStaff, Username: "desk", Name: "丰台考点", Password: pw, Site: "fengtai"},
			{Role: kaowu.RoleSiteStaff, Username: "desk-cy", Name: "朝阳考点", Password: pw, Site: "chaoyang"},
		} {
			if _, _, err := a.CreateStaff(ctx, app.System, in); err != nil {
				t.Fatal(err)
			}
		}
		_, ap := deskCandidate(t, a, "zhao", 71, unit.ID)
		_, ap2 := deskCandidate(t, a, "qian", 72, unit.ID)
		v1, _ := s.Version(ctx, ap.ID, 1)
		payload1, _ := a.FormPayload(ctx, v1)
		clock.Set(time.Date(2023, 12, 11, 9, 30, 0, 0, kaowu.Shanghai))

		desk := login(t, ts.URL, "desk")
		// The scanner types the QR code into the focused field and presses Enter.
		status, body, resp := desk.get("/staff/confirm?q=" + url.QueryEscape(payload1))
		if resp.Request.URL.Path != "/staff/confirm/applications/"+ap.ID {
			t.Fatalf("scan ends at %s (%d)\n%s", resp.Request.URL, status, excerpt(body))
		}
		desk.expect(status, body, "✓ 申报表为最终版本，签名有效", "李zhao", "丰台确认医院", "护士执业证书", "材料齐全，确认（第1版）", "申报表未盖章", "data:image/jpeg;base64,")
		// By name: two matches, a list.
		status, body, _ = desk.get("/staff/confirm?q=" + url.QueryEscape("李"))
		desk.expect(status, body, "找到 2 人", "李zhao", "李qian", "110106********")

		// Returned with reasons.
		status, body, resp = desk.post("/staff/confirm/return", url.Values{"id": {ap.ID}, "version": {"1"}, "c": {payload1}})
		if status != 422 {
			t.Errorf("return without reasons = %d", status)
		}
		desk.expect(status, body, "请至少选择一项退回原因")
		status, body, resp = desk.post("/staff/confirm/return", url.Values{"id": {ap.ID}, "version": {"1"}, "c": {payload1},
			"reasons": {"unstamped", "other"}, "note": {"联系方式栏未手工填写"}})
		desk.expect(status, body, "已退回修改", "退回修改：申报表未盖章；联系方式栏未手工填写", "操作员 desk")

		// The candidate sees the reasons and what to do, and has a reminder.
		cand := login(t, ts.URL, "zhao")
		status, body, _ = cand.get("/application")
		cand.expect(status, body, "退回修改", "考点退回修改（第1版", "申报表未盖章", "联系方式栏未手工填写", "重新提交", "二（二）")
		status, body, _ = cand.get("/me/inbox")
		cand.expect(status, body, "报名被考点退回修改")
		// Resubmits through the usual flow.
		_, body, _ = cand.post("/apply/submit", url.Values{"version": {"1"}, "photo_confirmed": {"on"}})
		cand.expect(200, body, "第2版", "已提交，待现场确认")

		// The old form is refused with the reason; the new one is confirmed.
		status, body, _ = desk.get("/staff/confirm/applications/" + ap.ID + "?c=" + url.QueryEscape(payload1))
		desk.expect(status, body, "✗ 不是最终版本", "考生后来提交了第2版", "disabled")
		status, body, _ = desk.post("/staff/confirm/confirm", url.Values{"id": {ap.ID}, "version": {"1"}, "c": {payload1}})
		if status != 409 {
			t.Errorf("confirm v1 = %d", status)
		}
		desk.expect(status, body, "后来提交了第2版")
		status, body, _ = desk.post("/staff/confirm/confirm", url.Values{"id": {ap.ID}, "version": {"2"}})
		desk.expect(status, body, "✓ 已确认", "已确认，待资格审核")
		status, body, _ = desk.post("/staff/confirm/confirm", url.Values{"id": {ap.ID}, "version": {"2"}})
		desk.expect(status, body, "已经确认")
		_, body, _ = cand.get("/application")
		cand.expect(200, body, "已确认，待资格审核")

		// The unit's roster: one click confirms the other candidate.
		status, body, _ = desk.get("/staff/confirm/roster?unit=" + unit.ID)
		desk.expect(status, body, "丰台确认医院", "待确认 1 人", `name="one" value="`+ap2.ID+`.1"`)
		status, body, _ = desk.post("/staff/confirm/roster", url.Values{"unit": {unit.ID}, "one": {ap2.ID + ".1"}})
		desk.expect(status, body, "本次确认 1 人", "待确认 0 人")

		// Lunch time: closed, unless an exception is opened for the unit.
		late := kaowu.Unit{Name: "丰台补办医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &late) })
		clock.Set(time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai))
		_, ap3 := deskCandidate(t, a, "sunqi", 73, late.ID)
		clock.Set(time.Date(2023, 12, 12, 12, 0, 0, 0, kaowu.Shanghai))
		desk, cand = login(t, ts.URL, "desk"), login(t, ts.URL, "zhao") // the sessions idled out overnight
		status, body, _ = desk.get("/staff/confirm/applications/" + ap3.ID)
		desk.expect(status, body, "现场确认日期为2023年12月11日", "二（二）")
		status, body, _ = desk.post("/staff/confirm/exceptions", url.Values{"unit": {late.ID}, "until": {"2023-12-12T18:00"}, "reason": {"单位11日未能到场"}})
		desk.expect(status, body, "丰台补办医院", "单位11日未能到场", "有效")
		status, body, _ = desk.post("/staff/confirm/roster", url.Values{"unit": {late.ID}, "pick": {ap3.ID + ".1"}})
		desk.expect(status, body, "本次确认 1 人", "按考点为本单位开放的例外办理")

		// Another site's staff: refused as for a missing id; a candidate cannot reach the desk.
		other := login(t, ts.URL, "desk-cy")
		status, body, _ = other.get("/staff/confirm/applications/" + ap2.ID)
		mStatus, mBody, _ := other.get("/staff/confirm/applications/00000000-0000-7000-8000-000000000000")
		if status != 403 || mStatus != 403 || !strings.Contains(body, "无权") || !strings.Contains(mBody, "无权") {
			t.Errorf("another site's desk: %d / missing %d", status, mStatus)
		}
		status, body, _ = other.get("/staff/confirm?q=" + url.QueryEscape("李"))
		if strings.Contains(body, "李qian") {
			t.Errorf("another site lists the candidate")
		}
		for _, path := range []string{"/staff/confirm", "/staff/confirm/roster", "/staff/confirm/applications/" + ap.ID} {
			if status, _, _ := cand.get(path); status != 403 {
				t.Errorf("candidate %s = %d", path, status)
			}
		}
	})
}
