package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var t0 = time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)

const goodPassword = "Kaowu@2024x"

func newApp(t testing.TB, s *store.Store) (*app.App, *kaowu.ManualClock) {
	t.Helper()
	if _, bench := t.(*testing.B); !bench && !strings.HasPrefix(t.Name(), "TestRegisterValidation") {
		app.UseFastHashes(t)
	}
	clock := kaowu.NewManualClock(t0)
	a := app.New(s, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, clock
}

// resident returns a valid resident ID number for serial n.
func resident(n int) string {
	s := fmt.Sprintf("1101061988%02d%02d%03d", n%12+1, n%28+1, n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

func registration(username string, n int) app.Registration {
	return app.Registration{IDType: "resident_id", IDNumber: resident(n), Name: "张考生", Username: username,
		Password: goodPassword, PasswordConfirm: goodPassword, Mobile: "13912345678",
		RecoveryQuestion: "我的出生城市？", RecoveryAnswer: "Beijing"}
}

func register(t testing.TB, a *app.App, username string, n int) kaowu.Account {
	t.Helper()
	acc, err := a.Register(context.Background(), registration(username, n))
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func actor(acc kaowu.Account) app.Actor { return app.Actor{Username: acc.Username, Role: acc.Role} }

func countCandidates(t *testing.T, s *store.Store) int {
	n, err := s.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n[kaowu.RoleCandidate]
}

func TestRegisterValidation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		born := func(date string) string { s := "110105" + date + "002"; return s + string(kaowu.GBCheckChar(s)) }
		for _, c := range []struct {
			name  string
			edit  func(r *app.Registration)
			field string
		}{
			{"bad check digit", func(r *app.Registration) { r.IDNumber = "110105194912310021" }, "id_number"},
			{"30 February", func(r *app.Registration) { r.IDNumber = born("19900230") }, "id_number"},
			{"born tomorrow", func(r *app.Registration) { r.IDNumber = born("20231206") }, "id_number"},
			{"military officer", func(r *app.Registration) { r.IDType = "military_officer"; r.IDNumber = "军字1234567" }, "id_type"},
			{"no ID type", func(r *app.Registration) { r.IDType = "" }, "id_type"},
			{"name of 31 characters", func(r *app.Registration) { r.Name = strings.Repeat("张", 31) }, "name"},
			{"HTML in name", func(r *app.Registration) { r.Name = "<script>alert(1)</script>" }, "name"},
			{"SQL in name", func(r *app.Registration) { r.Name = "x'; DROP TABLE users;--" }, "name"},
			{"invalid UTF-8 name", func(r *app.Registration) { r.Name = "张\xff三" }, "name"},
			{"digits in name", func(r *app.Registration) { r.Name = "张3" }, "name"},
			{"username shaped like an ID", func(r *app.Registration) { r.Username = "h12345678" }, "username"},
			{"short username", func(r *app.Registration) { r.Username = "ab" }, "username"},
			{"weak password", func(r *app.Registration) { r.Password, r.PasswordConfirm = "abcdefgh", "abcdefgh" }, "password"},
			{"short password", func(r *app.Registration) { r.Password, r.PasswordConfirm = "Ab1!", "Ab1!" }, "password"},
			{"password is the ID number", func(r *app.Registration) { r.Password = r.IDNumber + "Ab"; r.PasswordConfirm = r.Password }, "password"},
			{"password is the username", func(r *app.Registration) {
				r.Username = "Abc123!x"
				r.Password, r.PasswordConfirm = "abc123!X", "abc123!X"
			}, "username"},
			{"passwords differ", func(r *app.Registration) { r.PasswordConfirm = "Other@2024" }, "password_confirm"},
			{"mobile not mainland", func(r *app.Registration) { r.Mobile = "85291234567" }, "mobile"},
			{"mobile too short", func(r *app.Registration) { r.Mobile = "1391234567" }, "mobile"},
			{"markup in recovery question", func(r *app.Registration) { r.RecoveryQuestion = "<b>q</b>" }, "recovery_question"},
			{"no recovery answer", func(r *app.Registration) { r.RecoveryAnswer = "   " }, "recovery_answer"},
		} {
			r := registration("valid01", 1)
			c.edit(&r)
			_, err := a.Register(ctx, r)
			if kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: got %v (fields %v), want invalid on %s", c.name, err, kaowu.ErrorFields(err), c.field)
			}
		}
		if n := countCandidates(t, s); n != 0 {
			t.Fatalf("%d candidates stored by refused registrations", n)
		}
		// Rare characters, outside the BMP too, are names.
		r := registration("rare01", 2)
		r.Name = "吉𠮷䶮·阿依古丽"
		acc, err := a.Register(ctx, r)
		if err != nil {
			t.Fatalf("rare name: %v", err)
		}
		got, _ := s.Account(ctx, acc.ID)
		if got.Name != r.Name || got.RecoveryAnswerHash == "" || strings.Contains(got.RecoveryAnswerHash, "eijing") ||
			!strings.HasPrefix(got.PasswordHash, "$argon2id$") {
			t.Errorf("stored %+v", got)
		}
		audit, _ := s.AuditOf(ctx, acc.ID)
		if len(audit) != 1 || audit[0].Action != "account.register" || strings.Contains(audit[0].Detail+audit[0].After, string(got.IDNumber)) ||
			!strings.Contains(audit[0].After, kaowu.MaskID(string(got.IDNumber))) {
			t.Errorf("audit = %+v", audit)
		}
	})
}

func TestConcurrentRegistration(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		const n = 50
		for _, c := range []struct {
			name string
			reg  func(i int) app.Registration
			msg  string
		}{
			{"same ID number", func(i int) app.Registration { return registration(fmt.Sprintf("sameid%02d", i), 7) }, "该证件号码已注册"},
			{"same username", func(i int) app.Registration { return registration("samename", 100+i) }, "已被使用"},
		} {
			var wg sync.WaitGroup
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = a.Register(ctx, c.reg(i))
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case kaowu.ErrorCode(err) != kaowu.ECONFLICT || !strings.Contains(kaowu.ErrorMessage(err), c.msg):
					t.Errorf("%s: %v", c.name, err)
				}
			}
			if ok != 1 {
				t.Errorf("%s: %d of %d registrations succeeded, want exactly 1", c.name, ok, n)
			}
		}
		if got := countCandidates(t, s); got != 2 {
			t.Errorf("%d candidates stored, want 2", got)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		acc := register(t, a, "locker", 3)
		// Username, ID number (any case, spaces) both log in.
		for _, login := range []string{"locker", "LOCKER", " " + string(acc.IDNumber) + " "} {
			if _, err := a.Login(ctx, login, goodPassword, "10.0.0.1"); err != nil {
				t.Fatalf("login %q: %v", login, err)
			}
		}
		for i := 1; i <= 5; i++ {
			_, err := a.Login(ctx, "locker", "Wrong@2024", "10.0.0.1")
			want := kaowu.EUNAUTHORIZED
			if i == 5 {
				want = kaowu.ETOOMANY
			}
			if kaowu.ErrorCode(err) != want {
				t.Fatalf("failure %d: %v, want %s", i, err, want)
			}
			clock.Advance(time.Minute)
		}
		if _, err := a.Login(ctx, "locker", goodPassword, "10.0.0.2"); kaowu.ErrorCode(err) != kaowu.ETOOMANY || !strings.Contains(kaowu.ErrorMessage(err), "锁定") {
			t.Fatalf("right password while locked: %v", err)
		}
		// The fifth failure was at t0+4m: locked until t0+19m.
		clock.Set(t0.Add(19*time.Minute - time.Second))
		if _, err := a.Login(ctx, "locker", goodPassword, "10.0.0.2"); kaowu.ErrorCode(err) != kaowu.ETOOMANY {
			t.Fatalf("a second before the lock ends: %v", err)
		}
		clock.Set(t0.Add(19 * time.Minute))
		if _, err := a.Login(ctx, "locker", goodPassword, "10.0.0.2"); err != nil {
			t.Fatalf("after the lock expired: %v", err)
		}
		// Success reset the count: four failures do not lock.
		for range 4 {
			a.Login(ctx, "locker", "Wrong@2024", "10.0.0.3")
		}
		if _, err := a.Login(ctx, "locker", goodPassword, "10.0.0.3"); err != nil {
			t.Fatalf("after 4 failures: %v", err)
		}
		audit, _ := s.AuditOf(ctx, acc.ID)
		locked := 0
		for _, e := range audit {
			if e.Action == "account.locked" {
				locked++
			}
		}
		if locked != 1 {
			t.Errorf("%d lock audit rows, want 1", locked)
		}
		// An unknown login gives the same answer as a wrong password.
		if _, err := a.Login(ctx, "nobody", goodPassword, "10.0.0.4"); kaowu.ErrorCode(err) != kaowu.EUNAUTHORIZED {
			t.Errorf("unknown login: %v", err)
		}
	})
}

func TestLoginIPThrottle(t *testing.T) {
	a, clock := newApp(t, storetest.SQLite(t))
	ctx := context.Background()
	register(t, a, "someone", 4)
	for i := range app.IPFailures {
		if _, err := a.Login(ctx, fmt.Sprintf("ghost%03d", i), "x", "10.9.9.9"); kaowu.ErrorCode(err) != kaowu.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := a.Login(ctx, "someone", goodPassword, "10.9.9.9"); kaowu.ErrorCode(err) != kaowu.ETOOMANY {
		t.Fatalf("address not locked after %d failures: %v", app.IPFailures, err)
	}
	if _, err := a.Login(ctx, "someone", goodPassword, "10.9.9.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clock.Advance(app.IPLock)
	if _, err := a.Login(ctx, "someone", goodPassword, "10.9.9.9"); err != nil {
		t.Fatalf("after the address lock: %v", err)
	}
}

func TestRecovery(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		acc := register(t, a, "forgetful", 5)
		if q, err := a.RecoveryQuestion(ctx, string(acc.IDNumber)); err != nil || q != "我的出生城市？" {
			t.Fatalf("question = %q, %v", q, err)
		}
		const next = "Newpass#2025"
		for i := 1; i <= 5; i++ {
			err := a.Recover(ctx, "forgetful", "Shanghai", next, next, "10.0.0.1")
			if i < 5 && (kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)["answer"] == "") {
				t.Fatalf("wrong answer %d: %v", i, err)
			}
			if i == 5 && kaowu.ErrorCode(err) != kaowu.ETOOMANY {
				t.Fatalf("fifth wrong answer: %v", err)
			}
		}
		if err := a.Recover(ctx, "forgetful", "Beijing", next, next, "10.0.0.1"); kaowu.ErrorCode(err) != kaowu.ETOOMANY {
			t.Fatalf("right answer while locked: %v", err)
		}
		clock.Advance(app.AccountLock)
		if err := a.Recover(ctx, "forgetful", "  BEIJING ", "weak", "weak", "10.0.0.1"); kaowu.ErrorFields(err)["password"] == "" {
			t.Fatalf("weak new password: %v", err)
		}
		if err := a.Recover(ctx, "forgetful", "  BEIJING ", next, next, "10.0.0.1"); err != nil {
			t.Fatalf("right answer (case and spaces folded): %v", err)
		}
		if _, err := a.Login(ctx, "forgetful", goodPassword, "10.0.0.1"); err == nil {
			t.Error("the old password still works")
		}
		got, err := a.Login(ctx, "forgetful", next, "10.0.0.1")
		if err != nil || got.SessionEpoch != acc.SessionEpoch+1 {
			t.Errorf("new password: %v, epoch %d (sessions must end)", err, got.SessionEpoch)
		}
	})
}

func TestResetCode(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		acc := register(t, a, "deskvisit", 6)
		other := register(t, a, "othercand", 8)
		site := app.Actor{Username: "ft-staff", Role: kaowu.RoleSiteStaff}
		if _, _, err := a.CreateStaff(ctx, app.System, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ft-staff", Name: "丰台", Password: goodPassword, Site: "fengtai"}); err != nil {
			t.Fatal(err)
		}
		check := app.IdentityCheck{Method: app.IdentityDesk, Note: "核验居民身份证原件"}
		if _, _, err := a.IssueResetCode(ctx, actor(other), acc.ID, check); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Fatalf("candidate issuing a code: %v", err)
		}
		if _, _, err := a.IssueResetCode(ctx, site, acc.ID, app.IdentityCheck{Method: app.IdentityDesk}); kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Fatalf("code without a note: %v", err)
		}
		code, expires, err := a.IssueResetCode(ctx, site, acc.ID, check)
		if err != nil || !expires.Equal(t0.Add(24*time.Hour)) || len(code) != 14 {
			t.Fatalf("issue = %q %v %v", code, expires, err)
		}
		const next = "Desk#Reset2024"
		if err := a.ResetWithCode(ctx, "othercand", code, next, next, "10.0.0.1"); kaowu.ErrorFields(err)["code"] == "" {
			t.Fatalf("another account's login with the code: %v", err)
		}
		if err := a.ResetWithCode(ctx, "deskvisit", strings.ToLower(code), next, next, "10.0.0.1"); err != nil {
			t.Fatalf("reset: %v", err)
		}
		if err := a.ResetWithCode(ctx, "deskvisit", code, "Again#Reset2024", "Again#Reset2024", "10.0.0.1"); kaowu.ErrorFields(err)["code"] == "" {
			t.Fatalf("second use: %v", err)
		}
		if _, err := a.Login(ctx, "deskvisit", next, "10.0.0.1"); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}
		code2, _, _ := a.IssueResetCode(ctx, site, acc.ID, check)
		clock.Advance(24*time.Hour + time.Second)
		if err := a.ResetWithCode(ctx, "deskvisit", code2, next, next, "10.0.0.1"); kaowu.ErrorFields(err)["code"] == "" {
			t.Fatalf("expired code: %v", err)
		}
		audit, _ := s.AuditOf(ctx, acc.ID)
		found := false
		for _, e := range audit {
			if e.Action == "account.reset_code_issued" {
				found = true
				if e.Actor != "ft-staff" || strings.Contains(e.Detail+e.After, code) || strings.Contains(e.After, string(acc.IDNumber)) {
					t.Errorf("audit = %+v", e)
				}
			}
		}
		if !found {
			t.Error("no audit row for the issued code")
		}
	})
}

// photoJPEG returns a w×h JPEG.
func photoJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

func units(t testing.TB, s *store.Store) (fengtai, chaoyang kaowu.Unit) {
	ctx := context.Background()
	fengtai = kaowu.Unit{Name: "丰台测试医院", District: "丰台区", Category: "direct_hospital", CreatedAt: t0}
	chaoyang = kaowu.Unit{Name: "朝阳测试医院", District: "朝阳区", Category: "direct_hospital", CreatedAt: t0}
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUnit(ctx, &fengtai); err != nil {
			return err
		}
		return tx.CreateUnit(ctx, &chaoyang)
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func validProfile(unitID string) kaowu.Profile {
	return kaowu.Profile{
		Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", School: "首都医科大学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
		Work:      kaowu.Work{UnitID: unitID, Post: "护理", PracticeRegisteredOn: kaowu.NewDate(2016, 3, 1)},
		Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2018, 5, 20)}},
		Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2016, 1, 1)}},
	}
}

func TestProfileOwnership(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		ft, cy := units(t, s)
		alice, bob, carol := register(t, a, "alice", 11), register(t, a, "bobby", 12), register(t, a, "carol", 13)
		if _, err := a.SaveProfile(ctx, actor(alice), alice.ID, validProfile(ft.ID), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SaveProfile(ctx, actor(bob), bob.ID, validProfile(cy.ID), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UploadPhoto(ctx, actor(alice), alice.ID, photoJPEG(295, 413)); err != nil {
			t.Fatal(err)
		}
		staff := func(role kaowu.Role, name string, in app.StaffInput) app.Actor {
			in.Role, in.Username, in.Name, in.Password = role, name, "工作人员", goodPassword
			if _, _, err := a.CreateStaff(ctx, app.System, in); err != nil {
				t.Fatal(err)
			}
			return app.Actor{Username: name, Role: role}
		}
		hrFT := staff(kaowu.RoleUnitHR, "hr-ft", app.StaffInput{Unit: ft.Name})
		hrCY := staff(kaowu.RoleUnitHR, "hr-cy", app.StaffInput{Unit: cy.ID})
		siteFT := staff(kaowu.RoleSiteStaff, "site-ft", app.StaffInput{Site: "fengtai"})
		region := staff(kaowu.RoleRegionStaff, "region-bj", app.StaffInput{})
		mil := staff(kaowu.RoleMilitaryUnit, "mil-1", app.StaffInput{MilitaryUnit: "驻丰台某团"})
		for _, c := range []struct {
			who    string
			actor  app.Actor
			target kaowu.Account
			ok     bool
		}{
			{"alice herself", actor(alice), alice, true},
			{"bob reads alice", actor(bob), alice, false},
			{"carol reads alice", actor(carol), alice, false},
			{"HR of alice's unit", hrFT, alice, true},
			{"HR of another unit", hrCY, alice, false},
			{"Fengtai site, Fengtai unit", siteFT, alice, true},
			{"Fengtai site, Chaoyang unit", siteFT, bob, false},
			{"Fengtai site, no unit yet", siteFT, carol, true},
			{"region office", region, bob, true},
			{"military unit", mil, alice, false},
		} {
			_, err := a.Profile(ctx, c.actor, c.target.ID)
			_, perr := a.Photo(ctx, c.actor, c.target.ID)
			if c.ok && err != nil || !c.ok && kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s: profile %v", c.who, err)
			}
			if !c.ok && kaowu.ErrorCode(perr) != kaowu.EFORBIDDEN {
				t.Errorf("%s: photo %v", c.who, perr)
			}
		}
		// Nobody but alice changes alice's profile or photo.
		for _, who := range []app.Actor{actor(bob), hrFT, siteFT, region} {
			if _, err := a.SaveProfile(ctx, who, alice.ID, validProfile(cy.ID), nil); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s saving alice's profile: %v", who.Username, err)
			}
			if _, err := a.UploadPhoto(ctx, who, alice.ID, photoJPEG(295, 413)); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s uploading alice's photo: %v", who.Username, err)
			}
		}
		if p, _ := a.Profile(ctx, actor(alice), alice.ID); p.Work.UnitID != ft.ID {
			t.Errorf("alice's unit changed to %s", p.Work.UnitID)
		}
	})
}

func TestProfileValidation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		ft, _ := units(t, s)
		me := register(t, a, "profiler", 21)
		for _, c := range []struct {
			name  string
			edit  func(p *kaowu.Profile)
			field string
		}{
			{"no education", func(p *kaowu.Profile) { p.Education = nil }, "education[0].level"},
			{"unknown degree", func(p *kaowu.Profile) { p.Education[0].Level = "phd" }, "education[0].level"},
			{"graduated in the future", func(p *kaowu.Profile) { p.Education[0].GraduatedOn = kaowu.NewDate(2024, 7, 1) }, "education[0].graduated_on"},
			{"HTML in major", func(p *kaowu.Profile) { p.Education[0].Major = "<img src=x onerror=alert(1)>" }, "education[0].major"},
			{"SQL in school", func(p *kaowu.Profile) { p.Education[0].School = "x'); DELETE FROM users;--" }, "education[0].school"},
			{"no unit", func(p *kaowu.Profile) { p.Work.UnitID = "" }, "work.unit_id"},
			{"unknown unit", func(p *kaowu.Profile) { p.Work.UnitID = "nope" }, "work.unit_id"},
			{"title level", func(p *kaowu.Profile) { p.Titles[0].Level = "senior" }, "titles[0].level"},
			{"licence kind", func(p *kaowu.Profile) { p.Licences[0].Kind = "pharmacist" }, "licences[0].kind"},
			{"award", func(p *kaowu.Profile) { p.Work.HubeiAidAward = "gold" }, "work.hubei_aid_award"},
			{"social insurance", func(p *kaowu.Profile) { p.Work.SocialInsuranceMonths = -1 }, "work.social_insurance_months"},
			{"early used without appraisal", func(p *kaowu.Profile) { p.Work.FrontlineEarlyUsedBefore = true }, "work.frontline_early_used_before"},
		} {
			p := validProfile(ft.ID)
			c.edit(&p)
			_, err := a.SaveProfile(ctx, actor(me), me.ID, p, nil)
			if kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: %v (fields %v), want invalid on %s", c.name, err, kaowu.ErrorFields(err), c.field)
			}
		}
		if p, _ := s.Profile(ctx, me.ID); !p.UpdatedAt.IsZero() {
			t.Fatal("a refused profile was stored")
		}
		for _, c := range []struct {
			data  []byte
			field string
		}{{[]byte("GIF89a"), "photo"}, {photoJPEG(413, 295), "photo"}, {photoJPEG(100, 140), "photo"}, {make([]byte, 3<<20), "photo"}} {
			if _, err := a.UploadPhoto(ctx, actor(me), me.ID, c.data); kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("bad photo accepted or wrongly refused: %v", err)
			}
		}
		if _, _, err := s.Photo(ctx, me.ID); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Error("a refused photo was stored")
		}
		saved, err := a.SaveProfile(ctx, actor(me), me.ID, validProfile(ft.ID), nil)
		if err != nil || saved.Unit == nil || saved.Unit.Name != ft.Name || len(saved.Education) != 1 {
			t.Fatalf("save = %+v, %v", saved, err)
		}
		audit, _ := s.AuditOf(ctx, me.ID)
		if last := audit[len(audit)-1]; last.Action != "profile.save" || !strings.Contains(last.After, "首都医科大学") {
			t.Errorf("audit = %+v", last)
		}
	})
}

func TestProfileFromForm(t *testing.T) {
	v := map[string][]string{
		"education[0].level": {"bachelor"}, "education[0].major": {"护理学"}, "education[0].school": {"首医"},
		"education[0].graduated_on": {"2015-07-01"}, "education[0].full_time": {"on"},
		"education[1].graduated_on": {"2015-02-30"},
		"work.unit_id":              {"u1"}, "work.social_insurance_months": {"six"}, "work.file_elsewhere": {"on"},
		"titles[2].level": {"junior"}, "titles[2].obtained_on": {"2019-01-01"}, "titles[2].specialty": {"护理学"},
	}
	p, errs := app.ProfileFromForm(v)
	if len(p.Education) != 2 || !p.Education[0].FullTime || p.Education[0].GraduatedOn != kaowu.NewDate(2015, 7, 1) ||
		!p.Work.FileElsewhere || len(p.Titles) != 1 || p.Titles[0].Level != kaowu.LevelJunior {
		t.Errorf("profile = %+v", p)
	}
	if errs["education[1].graduated_on"] == "" || errs["work.social_insurance_months"] == "" || len(errs) != 2 {
		t.Errorf("errors = %v", errs)
	}
}

func TestChangeRequests(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		me := register(t, a, "changer", 31)
		taken := register(t, a, "taken", 32)
		site := app.Actor{Username: "site-ft", Role: kaowu.RoleSiteStaff}
		if _, _, err := a.CreateStaff(ctx, app.System, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "site-ft", Name: "丰台", Password: goodPassword, Site: "fengtai"}); err != nil {
			t.Fatal(err)
		}
		evidence := photoJPEG(600, 800)
		newID := resident(33)
		in := app.ChangeInput{Kind: kaowu.ChangeIdentity, NewName: "张改名", NewIDType: "resident_id", NewIDNumber: newID, Reason: "户籍信息更正", Evidence: evidence}
		for _, c := range []struct {
			name  string
			edit  func(*app.ChangeInput)
			field string
		}{
			{"bad new ID", func(c *app.ChangeInput) { c.NewIDNumber = "123" }, "new_id_number"},
			{"no evidence", func(c *app.ChangeInput) { c.Evidence = nil }, "evidence"},
			{"evidence not an image", func(c *app.ChangeInput) { c.Evidence = []byte("%PDF-1.4") }, "evidence"},
			{"short reason", func(c *app.ChangeInput) { c.Reason = "改" }, "reason"},
			{"nothing changes", func(c *app.ChangeInput) {
				c.NewName, c.NewIDNumber = me.Name, string(me.IDNumber)
			}, "new_name"},
		} {
			x := in
			c.edit(&x)
			if _, err := a.RequestChange(ctx, actor(me), x); kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		onto := in
		onto.NewIDNumber = string(taken.IDNumber)
		if _, err := a.RequestChange(ctx, actor(me), onto); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("onto a registered ID: %v", err)
		}
		req, err := a.RequestChange(ctx, actor(me), in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.RequestChange(ctx, actor(me), in); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second pending request: %v", err)
		}
		if err := a.DecideChange(ctx, actor(taken), req.ID, true, ""); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("a candidate deciding: %v", err)
		}
		if _, err := a.ChangeRequest(ctx, actor(taken), req.ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another candidate reading the request: %v", err)
		}
		if err := a.DecideChange(ctx, site, req.ID, false, ""); kaowu.ErrorFields(err)["decision_reason"] == "" {
			t.Errorf("rejection without reason: %v", err)
		}
		list, _ := a.ChangeRequests(ctx, site, kaowu.ChangePending)
		if len(list) != 1 || list[0].Account.ID != me.ID {
			t.Fatalf("pending = %+v", list)
		}
		if err := a.DecideChange(ctx, site, req.ID, true, "材料齐全"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Account(ctx, me.ID)
		if got.Name != "张改名" || string(got.IDNumber) != newID {
			t.Errorf("after approval: %+v", got)
		}
		audit, _ := s.AuditOf(ctx, me.ID)
		last := audit[len(audit)-1]
		if last.Action != "change_request.approve" || !strings.Contains(last.Before, kaowu.MaskID(string(me.IDNumber))) ||
			!strings.Contains(last.After, kaowu.MaskID(newID)) || strings.Contains(last.Before+last.After, newID) || last.Actor != "site-ft" {
			t.Errorf("audit = %+v", last)
		}
		// The old number is free again; the new one is taken.
		if _, err := a.Register(ctx, registration("reuse01", 31)); err != nil {
			t.Errorf("registering the freed number: %v", err)
		}
		if _, err := a.Register(ctx, registration("reuse02", 33)); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("registering the new number: %v", err)
		}
		// Deletion.
		del, err := a.RequestChange(ctx, actor(me), app.ChangeInput{Kind: kaowu.ChangeDelete, Reason: "证件类型注册错误", Evidence: evidence})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DecideChange(ctx, site, del.ID, true, "同意删除"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Login(ctx, "changer", goodPassword, "10.0.0.1"); kaowu.ErrorCode(err) != kaowu.EUNAUTHORIZED {
			t.Errorf("a deleted account logs in: %v", err)
		}
		again := registration("changer", 33)
		if _, err := a.Register(ctx, again); err != nil {
			t.Errorf("registering again after deletion: %v", err)
		}
	})
}

func TestWeChatBinding(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		one, two := register(t, a, "wxone", 41), register(t, a, "wxtwo", 42)
		if err := a.RequireBinding(ctx, one.ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "二（一）4(5)") {
			t.Fatalf("unbound: %v", err)
		}
		if err := a.BindWeChat(ctx, actor(one), "openid-A", ""); err != nil {
			t.Fatal(err)
		}
		if err := a.RequireBinding(ctx, one.ID); err != nil {
			t.Errorf("bound: %v", err)
		}
		if err := a.BindWeChat(ctx, actor(two), "openid-A", ""); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("same WeChat on a second account: %v", err)
		}
		if err := a.BindWeChat(ctx, actor(one), "openid-B", ""); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second WeChat on one account: %v", err)
		}
		if err := a.UnbindWeChat(ctx, actor(one)); err != nil {
			t.Fatal(err)
		}
		if err := a.RequireBinding(ctx, one.ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("after unbinding: %v", err)
		}
		if err := a.BindWeChat(ctx, actor(two), "openid-A", ""); err != nil {
			t.Errorf("freed WeChat on another account: %v", err)
		}
		audit, _ := s.AuditOf(ctx, one.ID)
		actions := []string{}
		for _, e := range audit {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "account.register,wechat.bind,wechat.unbind" {
			t.Errorf("audit = %v", actions)
		}
	})
}

func TestCreateStaff(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		ft, _ := units(t, s)
		cand := register(t, a, "notadmin", 51)
		if _, _, err := a.CreateStaff(ctx, actor(cand), app.StaffInput{Role: kaowu.RoleAdmin, Username: "evil", Name: "x"}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("candidate creating staff: %v", err)
		}
		for _, in := range []app.StaffInput{
			{Role: kaowu.RoleUnitHR, Username: "hr-x", Name: "人事"},
			{Role: kaowu.RoleUnitHR, Username: "hr-x", Name: "人事", Unit: "不存在的单位"},
			{Role: kaowu.RoleSiteStaff, Username: "site-x", Name: "考点", Site: "atlantis"},
			{Role: kaowu.RoleMilitaryUnit, Username: "mil-x", Name: "军"},
			{Role: kaowu.RoleCandidate, Username: "cand-x", Name: "考生"},
			{Role: "emperor", Username: "emp-x", Name: "皇"},
			{Role: kaowu.RoleAdmin, Username: "adm-x", Name: "管理", Site: "fengtai"},
		} {
			if _, _, err := a.CreateStaff(ctx, app.System, in); kaowu.ErrorCode(err) != kaowu.EINVALID {
				t.Errorf("%+v: %v", in, err)
			}
		}
		acc, pw, err := a.CreateStaff(ctx, app.System, app.StaffInput{Role: kaowu.RoleUnitHR, Username: "HR-Ok", Name: "人事", Unit: ft.Name})
		if err != nil || acc.UnitID != ft.ID || acc.Username != "hr-ok" || len(pw) != 16 {
			t.Fatalf("create = %+v %q %v", acc, pw, err)
		}
		if _, err := a.Login(ctx, "hr-ok", pw, "10.0.0.1"); err != nil {
			t.Errorf("generated password does not log in: %v", err)
		}
		users, err := a.Users(ctx, app.System, store.AccountFilter{Role: kaowu.RoleUnitHR})
		if err != nil || len(users) != 1 {
			t.Errorf("users = %v, %v", users, err)
		}
		if _, err := a.Users(ctx, actor(cand), store.AccountFilter{}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("candidate listing users: %v", err)
		}
	})
}

// BenchmarkLogin measures successful logins (argon2id verification, the
// account and throttle reads, clearing the counter) per second.
func BenchmarkLogin(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			a, _ := newApp(b, e.open(b))
			register(b, a, "bencher", 61)
			ctx := context.Background()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := a.Login(ctx, "bencher", goodPassword, "10.0.0.1"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}
