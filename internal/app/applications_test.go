package app_test

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var nurseDecl = kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes"}

// applicant registers a nurse at a Fengtai unit with a bound WeChat, a
// profile and a photo: ready to apply.
func applicant(t *testing.T, a *app.App, s *store.Store, username string, n int) (kaowu.Account, kaowu.Unit) {
	t.Helper()
	ctx := context.Background()
	ft, _ := units(t, s)
	acc := register(t, a, username, n)
	if err := a.BindWeChat(ctx, actor(acc), "openid-"+username, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveProfile(ctx, actor(acc), acc.ID, validProfile(ft.ID), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UploadPhoto(ctx, actor(acc), acc.ID, photoJPEG(360, 480)); err != nil {
		t.Fatal(err)
	}
	return acc, ft
}

func apply(t testing.TB, a *app.App, who app.Actor, c app.Choices) kaowu.Application {
	t.Helper()
	ctx := context.Background()
	if _, err := a.StartApplication(ctx, who); err != nil {
		t.Fatal(err)
	}
	app, err := a.SaveChoices(ctx, who, c)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestApplicationLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		acc, _ := applicant(t, a, s, "nurse", 21)
		me := actor(acc)
		apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})

		d, _, err := a.Preview(ctx, me)
		if err != nil || d.Outcome != "eligible" {
			t.Fatalf("preview = %s %v %+v", d.Outcome, err, d.Reasons)
		}
		if _, err := a.Submit(ctx, me, 0, false); kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Errorf("submit without confirming the photo: %v", err)
		}
		v1, err := a.Submit(ctx, me, 0, true)
		if err != nil || v1.State != kaowu.StateSubmitted || v1.Version != 1 {
			t.Fatalf("submit = %+v %v", v1, err)
		}
		if _, err := a.Submit(ctx, me, 0, true); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second submit of the same version: %v", err)
		}
		if _, err := a.SaveChoices(ctx, me, app.Choices{Specialty: "369", Decl: nurseDecl}); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("changing a submitted application: %v", err)
		}
		// 二（一）4(6): withdraw, change, resubmit → version 2; both kept.
		if w, err := a.Withdraw(ctx, me); err != nil || w.State != kaowu.StateDraft {
			t.Fatalf("withdraw = %+v %v", w, err)
		}
		apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "369", Decl: nurseDecl})
		v2, err := a.Submit(ctx, me, 1, true)
		if err != nil || v2.Version != 2 || v2.Specialty != "369" {
			t.Fatalf("resubmit = %+v %v", v2, err)
		}
		_, versions, err := a.Application(ctx, me, v2.ID)
		if err != nil || len(versions) != 2 {
			t.Fatalf("versions = %d %v", len(versions), err)
		}

		// The printed form's QR: v2 is final, v1 superseded, a forged one refused.
		site := staff(t, a, s, kaowu.RoleSiteStaff)
		for _, c := range []struct {
			version int
			final   bool
			msg     string
		}{{1, false, "考生后来提交了第2版"}, {2, true, "最终提交的第2版"}} {
			v, _ := s.Version(ctx, v2.ID, c.version)
			payload, err := a.FormPayload(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			check, err := a.VerifyForm(ctx, site, payload)
			if err != nil || !check.Genuine || check.Final != c.final || !strings.Contains(check.Message, c.msg) {
				t.Errorf("verify v%d = %+v %v", c.version, check, err)
			}
			forged := payload[:len(payload)-2] + "AA"
			if check, _ := a.VerifyForm(ctx, site, forged); check.Genuine {
				t.Errorf("forged v%d payload accepted", c.version)
			}
		}
		if _, err := a.VerifyForm(ctx, me, "KW1.x.1.y"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("a candidate verified a form: %v", err)
		}

		// The form as PDF carries the name, the code and the version.
		b, err := a.ApplicationFormPDF(ctx, me, v2.ID, 2)
		if err != nil || !strings.HasPrefix(string(b), "%PDF") {
			t.Fatalf("pdf: %v", err)
		}
		if text, ok := pdfText(t, b); ok {
			for _, w := range []string{"张考生", "369", "第2版"} {
				if !strings.Contains(text, w) {
					t.Errorf("form text lacks %q", w)
				}
			}
		}
	})
}

func pdfText(t *testing.T, b []byte) (string, bool) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext (Debian poppler-utils) not installed: PDF text not checked")
		return "", false
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = strings.NewReader(string(b))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

func staff(t testing.TB, a *app.App, s *store.Store, role kaowu.Role) app.Actor {
	t.Helper()
	u := kaowu.User{Username: "staff-" + string(role), Name: "工作人员", Role: role, PasswordHash: "x", Site: "fengtai", CreatedAt: t0}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: u.Username, Role: role}
}

func TestApplicationWindow(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	ctx := context.Background()
	acc, _ := applicant(t, a, s, "late", 22)
	me := actor(acc)
	clock.Set(time.Date(2023, 11, 30, 23, 59, 59, 0, kaowu.Shanghai))
	if _, err := a.StartApplication(ctx, me); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "尚未开始") {
		t.Errorf("before the window: %v", err)
	}
	clock.Set(time.Date(2023, 12, 14, 23, 0, 0, 0, kaowu.Shanghai))
	apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	clock.Set(time.Date(2023, 12, 15, 0, 0, 0, 0, kaowu.Shanghai))
	_, err := a.Submit(ctx, me, 0, true)
	if kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "2023年12月14日 24:00") {
		t.Errorf("submit at 24:00: %v", err)
	}
	clock.Set(time.Date(2023, 12, 14, 23, 59, 59, 0, kaowu.Shanghai))
	if _, err := a.Submit(ctx, me, 0, true); err != nil {
		t.Errorf("submit at 23:59:59: %v", err)
	}
	clock.Set(time.Date(2023, 12, 15, 8, 0, 0, 0, kaowu.Shanghai))
	if _, err := a.Withdraw(ctx, me); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
		t.Errorf("withdraw after the window: %v", err)
	}
}

func TestApplicationRefusals(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	ctx := context.Background()
	acc, _ := applicant(t, a, s, "picky", 23)
	me := actor(acc)
	if _, err := a.StartApplication(ctx, me); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		choices app.Choices
		field   string
		msg     string
	}{
		{app.Choices{Site: "chaoyang"}, "site", "须选择丰台考点（二（一））"},
		{app.Choices{Specialty: "374"}, "specialty", "已并入 368 护理学"},
		{app.Choices{Specialty: "999"}, "specialty", "不在2024年度专业目录中"},
		{app.Choices{Decl: kaowu.Declarations{EducationRelevant: "maybe"}}, "education_relevant", "请选择"},
	} {
		_, err := a.SaveChoices(ctx, me, c.choices)
		if kaowu.ErrorFields(err)[c.field] == "" || !strings.Contains(kaowu.ErrorMessage(err), c.msg) {
			t.Errorf("%+v: %v", c.choices, err)
		}
	}
	// An ineligible decision cannot be submitted, and says why.
	apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "301", Decl: nurseDecl})
	_, err := a.Submit(ctx, me, 0, true)
	if kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorMessage(err), "一（七）") {
		t.Errorf("ineligible submit: %v", err)
	}
	// Without a WeChat binding no application starts (二（一）4(5)).
	other := register(t, a, "nowechat", 24)
	if _, err := a.StartApplication(ctx, actor(other)); err == nil || !strings.Contains(kaowu.ErrorMessage(err), "微信") {
		t.Errorf("start without WeChat: %v", err)
	}
}

// TestConcurrentSubmissions: many tabs submitting the same version at once
// make exactly one version.
func TestConcurrentSubmissions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		acc, _ := applicant(t, a, s, "racer", 25)
		me := actor(acc)
		apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, conflicts := 0, 0
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Submit(ctx, me, 0, true)
				mu.Lock()
				defer mu.Unlock()
				switch kaowu.ErrorCode(err) {
				case "":
					ok++
				case kaowu.ECONFLICT:
					conflicts++
				default:
					t.Errorf("submit: %v", err)
				}
			}()
		}
		wg.Wait()
		app, _, _ := a.MyApplication(ctx, me)
		vs, _ := s.Versions(ctx, app.ID)
		if ok != 1 || len(vs) != 1 || app.Version != 1 {
			t.Errorf("%d succeeded, %d conflicts, %d versions, version %d; want 1, 15, 1, 1", ok, conflicts, len(vs), app.Version)
		}
	})
}

// TestConcurrentStart: many tabs starting the application at once make one
// application of the year (二（一）: one application per candidate per
// year), and every tab gets that one.
func TestConcurrentStart(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		acc, _ := applicant(t, a, s, "starter", 28)
		var wg sync.WaitGroup
		ids := make([]string, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ap, err := a.StartApplication(ctx, actor(acc))
				if err != nil {
					t.Errorf("start: %v", err)
				}
				ids[i] = ap.ID
			}()
		}
		wg.Wait()
		stored, err := s.ApplicationOf(ctx, acc.ID, 2024)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if id != stored.ID {
				t.Fatalf("tabs got %v; the stored application is %s", ids, stored.ID)
			}
		}
	})
}

// TestApplicationVisibility: the candidate, their unit's HR and the site
// and region offices see an application; another candidate and another
// unit's HR do not.
func TestApplicationVisibility(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	ctx := context.Background()
	acc, ft := applicant(t, a, s, "owner", 26)
	apply(t, a, actor(acc), app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	v, err := a.Submit(ctx, actor(acc), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	other := register(t, a, "snooper", 27)
	var cy kaowu.Unit
	all, _ := s.Units(ctx)
	for _, u := range all {
		if u.District == "朝阳区" {
			cy = u
		}
	}
	mk := func(name string, role kaowu.Role, unit, site string) app.Actor {
		u := kaowu.User{Username: name, Name: name, Role: role, PasswordHash: "x", UnitID: unit, Site: site, CreatedAt: t0}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
			t.Fatal(err)
		}
		return app.Actor{Username: name, Role: role}
	}
	for _, c := range []struct {
		who  app.Actor
		sees bool
	}{
		{actor(acc), true},
		{mk("hr-ft", kaowu.RoleUnitHR, ft.ID, ""), true},
		{mk("site-ft", kaowu.RoleSiteStaff, "", "fengtai"), true},
		{mk("region", kaowu.RoleRegionStaff, "", ""), true},
		{actor(other), false},
		{mk("hr-cy", kaowu.RoleUnitHR, cy.ID, ""), false},
		{mk("site-cy", kaowu.RoleSiteStaff, "", "chaoyang"), false},
	} {
		_, _, err := a.Application(ctx, c.who, v.ID)
		_, pdfErr := a.ApplicationFormPDF(ctx, c.who, v.ID, 1)
		if (err == nil) != c.sees || (pdfErr == nil) != c.sees {
			t.Errorf("%s (%s): application err %v, pdf err %v; sees = %v", c.who.Username, c.who.Role, err, pdfErr, c.sees)
		}
	}
}

// lastYear stores a 2023 record of acc: 368 at Fengtai, two subjects
// passed, with change applied.
func lastYear(t testing.TB, s *store.Store, acc kaowu.Account, change func(*kaowu.PreviousRecord)) {
	t.Helper()
	p := validProfile("")
	r := kaowu.PreviousRecord{Year: 2023, IDType: acc.IDType, IDNumber: acc.IDNumber, Name: acc.Name, BirthDate: kaowu.NewDate(1988, 1, 1),
		ArchiveNo: "2023110000" + acc.Username[len(acc.Username)-1:], Region: "beijing", Site: "fengtai", SpecialtyCode: "368",
		Level: kaowu.LevelIntermediate, Education: p.Education, UnitName: "丰台测试医院", Post: "护理",
		Results: []kaowu.SubjectResult{
			{Subject: kaowu.SubjectBasics, Sat: true, Score: 71, Passed: true}, {Subject: kaowu.SubjectRelated, Sat: true, Score: 66, Passed: true},
			{Subject: kaowu.SubjectProfessional, Sat: true, Score: 52}, {Subject: kaowu.SubjectPractice, Sat: true, Score: 48}},
		Source: "test", ImportedAt: t0}
	if parsed, err := kaowu.ParseIDNumber(acc.IDType, string(acc.IDNumber), kaowu.Date{}); err == nil {
		r.BirthDate = parsed.Birth
	}
	if change != nil {
		change(&r)
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.ReplacePreviousRecords(ctx, 2023, []kaowu.PreviousRecord{r})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestReturningCandidates: 二（一）'s automatic confirmation.
func TestReturningCandidates(t *testing.T) {
	for _, c := range []struct {
		name      string
		record    func(*kaowu.PreviousRecord)
		specialty string
		state     kaowu.ApplicationState
		diff      string // a field label the differences must show
		reason    string
	}{
		{"unchanged", nil, "368", kaowu.StateConfirmed, "", ""},
		{"specialty changed", nil, "369", kaowu.StateSubmitted, "报考专业", ""},
		{"unit changed", func(r *kaowu.PreviousRecord) { r.UnitName = "丰台另一医院" }, "368", kaowu.StateSubmitted, "工作单位", ""},
		{"absent", func(r *kaowu.PreviousRecord) { r.Absent = true }, "368", kaowu.StateSubmitted, "", "缺考"},
		{"misconduct", func(r *kaowu.PreviousRecord) { r.Misconduct = true }, "368", kaowu.StateSubmitted, "", "违纪"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := storetest.SQLite(t)
			a, _ := newApp(t, s)
			ctx := context.Background()
			acc, _ := applicant(t, a, s, "back1", 31)
			lastYear(t, s, acc, c.record)
			apply(t, a, actor(acc), app.Choices{Site: "fengtai", Specialty: c.specialty, Decl: nurseDecl})
			got, err := a.Submit(ctx, actor(acc), 0, true)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != c.state || got.AutoConfirmed != (c.state == kaowu.StateConfirmed) {
				t.Errorf("state %s auto %v, want %s", got.State, got.AutoConfirmed, c.state)
			}
			snap, _, err := a.Snapshot(ctx, actor(acc), got.ID, 1)
			if err != nil || snap.Returning == nil {
				t.Fatalf("snapshot returning = %v %v", snap.Returning, err)
			}
			labels := ""
			for _, d := range snap.Returning.Diffs {
				labels += d.Label + "：" + d.Previous + "→" + d.Current + "；"
			}
			if c.diff != "" && !strings.Contains(labels, c.diff) {
				t.Errorf("differences %q lack %s", labels, c.diff)
			}
			if c.reason != "" && !strings.Contains(snap.Returning.Reason, c.reason) {
				t.Errorf("reason %q lacks %s", snap.Returning.Reason, c.reason)
			}
			// Last year's passes carry over: two subjects left to sit.
			if c.name == "unchanged" && (len(snap.Decision.Subjects) != 2 || len(snap.Decision.CarriedOver) != 2) {
				t.Errorf("subjects %v carried %v, want 2 and 2", snap.Decision.Subjects, snap.Decision.CarriedOver)
			}
			if got.State == kaowu.StateConfirmed {
				if _, err := a.Withdraw(ctx, actor(acc)); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
					t.Errorf("withdrawing a confirmed application: %v", err)
				}
			}
		})
	}
}

// TestIDChangedSinceLastYear: a record found by the archive number under
// another ID document tells the candidate to request a score merge.
func TestIDChangedSinceLastYear(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
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
	snap, _, _ := a.Snapshot(ctx, actor(acc), got.ID, 1)
	if got.State != kaowu.StateSubmitted || !strings.Contains(snap.IDChange, "合并") || !strings.Contains(snap.IDChange, "二（一）") {
		t.Errorf("state %s, id change %q", got.State, snap.IDChange)
	}
}

// TestReturnedCanBeResubmittedUntilConfirmationCloses: an application
// returned at the desk stays correctable after the online window, until the
// confirmation window closes (二（二）).
func TestReturnedCanBeResubmittedUntilConfirmationCloses(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	ctx := context.Background()
	acc, _ := applicant(t, a, s, "fixer", 71)
	me := actor(acc)
	apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	got, err := a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	desk := staff(t, a, s, kaowu.RoleSiteStaff)
	clock.Set(time.Date(2023, 12, 11, 10, 0, 0, 0, kaowu.Shanghai)) // the unit's confirmation day
	if _, err := a.ReturnForCorrection(ctx, desk, got.ID, 1, []string{"unstamped"}, ""); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2023, 12, 15, 10, 0, 0, 0, kaowu.Shanghai)) // online window closed, confirmation open
	if _, err := a.SaveChoices(ctx, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl}); err != nil {
		t.Fatalf("correcting a returned application on 12-15: %v", err)
	}
	if v, err := a.Submit(ctx, me, 1, true); err != nil || v.Version != 2 {
		t.Fatalf("resubmitting a returned application on 12-15: %+v %v", v, err)
	}
	// A draft (never submitted) gets no such extension.
	other := register(t, a, "toolate", 72)
	if _, err := a.StartApplication(ctx, actor(other)); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
		t.Errorf("starting on 12-15: %v", err)
	}
}
