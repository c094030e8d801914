package app_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// The 2024 year's retention (policy/years/2024.yaml): closes 2024-12-31,
// kept 24 months, purged from 2027-01-01 00:00 Beijing time.
var (
	retentionEnds   = time.Date(2027, 1, 1, 0, 0, 0, 0, kaowu.Shanghai)
	beforeRetention = retentionEnds.Add(-time.Second)
)

// retentionFixture is the 2024 year of a Fengtai site as the demo has it,
// gone through to the end: candidates who registered with a mobile number,
// bound WeChat, uploaded a photo and submitted (a version with the photo
// and the mobile number), paid (an order and a payment), were seated and
// ticketed (a stored ticket build), scored (one passed: a certificate) and
// one who asked to change their name and was refused (evidence scan).
type retentionFixture struct {
	a      *app.App
	s      *store.Store
	clock  *kaowu.ManualClock
	unit   kaowu.Unit
	site   app.Actor
	region app.Actor
	// old applied in 2024 only (and passed); again applied in 2024 and
	// (retentionNextYear) again in 2025.
	old, again       kaowu.Account
	oldApp, againApp kaowu.Application
	change           string // old's change request, rejected in 2024
	build            string // the site's ticket build of 2024
}

// retApplicant registers a nurse of the fixture's unit with a mobile
// number, a WeChat binding, a profile and a photo, and submits an
// application for 368 in the current year.
func (fx *retentionFixture) retApplicant(t *testing.T, username string, n int) (kaowu.Account, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	acc := register(t, fx.a, username, n)
	me := actor(acc)
	if err := fx.a.BindWeChat(ctx, me, "openid-"+username, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.a.SaveProfile(ctx, me, acc.ID, validProfile(fx.unit.ID), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.a.UploadPhoto(ctx, me, acc.ID, photoJPEG(360, 480)); err != nil {
		t.Fatal(err)
	}
	apply(t, fx.a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	ap, err := fx.a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatalf("submit %s: %v", username, err)
	}
	acc, _ = fx.s.Account(ctx, acc.ID)
	return acc, ap
}

func newRetentionFixture(t *testing.T, s *store.Store) *retentionFixture {
	t.Helper()
	ctx := context.Background()
	a, clock := newApp(t, s)
	fx := &retentionFixture{a: a, s: s, clock: clock}
	fx.unit = kaowu.Unit{Name: "丰台留存测试医院", District: "丰台区", Category: "direct_hospital", CreatedAt: t0}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &fx.unit) }); err != nil {
		t.Fatal(err)
	}
	fx.site = siteStaff(t, s, "ret-site", "fengtai")
	fx.region = staff(t, a, s, kaowu.RoleRegionStaff)
	importRooms(t, a, fx.site, roomFile)
	fx.old, fx.oldApp = fx.retApplicant(t, "ret-old", 801)
	fx.again, fx.againApp = fx.retApplicant(t, "ret-again", 802)

	// old asks to change their name, with a scan; the office refuses.
	cr, err := a.RequestChange(ctx, actor(fx.old), app.ChangeInput{Kind: kaowu.ChangeIdentity, NewName: "王改名", NewIDType: "resident_id",
		NewIDNumber: resident(801), Reason: "户籍姓名已变更", Evidence: photoJPEG(600, 800)})
	if err != nil {
		t.Fatal(err)
	}
	fx.change = cr.ID
	if err := a.DecideChange(ctx, fx.site, cr.ID, false, "证明材料不清晰"); err != nil {
		t.Fatal(err)
	}

	// Paid: an order and a payment each (accounting records to keep).
	paidAt := time.Date(2024, 1, 30, 10, 0, 0, 0, kaowu.Shanghai)
	err = s.Update(ctx, func(tx *store.Tx) error {
		for i, ap := range []kaowu.Application{fx.oldApp, fx.againApp} {
			if err := tx.SetApplicationState(ctx, ap.ID, ap.State, kaowu.StatePaid, paidAt); err != nil {
				return err
			}
			o := kaowu.Order{ID: store.NewID(), ApplicationID: ap.ID, CandidateID: ap.CandidateID, Year: 2024,
				Subjects: kaowu.Subjects, PerSubjectFen: 5000, AmountFen: 20000, DueAt: paidAt.Add(240 * time.Hour), CreatedAt: paidAt}
			if err := tx.InsertOrder(ctx, o); err != nil {
				return err
			}
			no := fmt.Sprintf("KW2024RET%04d", i)
			if err := tx.InsertAttempt(ctx, kaowu.PaymentAttempt{OutTradeNo: no, OrderID: o.ID, CodeURL: "weixin://x", CreatedAt: paidAt, ExpiresAt: paidAt.Add(time.Hour)}); err != nil {
				return err
			}
			if _, err := tx.InsertPayment(ctx, kaowu.Payment{ID: store.NewID(), TransactionID: "4200" + no, OutTradeNo: no, OrderID: o.ID, AmountFen: 20000,
				Payer: "payer-openid", PaidAt: paidAt, Source: "notify", Disposition: kaowu.PaymentApplied, RecordedAt: paidAt}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Seated, ticketed, the site's tickets built (PDFs with photos stored).
	if _, err := a.Seat(ctx, fx.site, "", false); err != nil {
		t.Fatal(err)
	}
	b, err := a.StartTicketBuild(ctx, fx.site, "")
	if err != nil {
		t.Fatal(err)
	}
	if done, err := a.RunTicketBuild(ctx, b.ID, nil); err != nil || !done {
		t.Fatalf("ticket build: %v %v", done, err)
	}
	fx.build = b.ID
	// Scored: old passes all four (a certificate), again fails two.
	tks, err := s.Tickets(ctx, 2024, "fengtai")
	if err != nil || len(tks) != 2 {
		t.Fatalf("tickets %v %v", tks, err)
	}
	rows := [][]string{app.ScoreFileHeader}
	for _, tk := range tks {
		cells := []string{"72", "65", "80", "70"}
		n, acc := 801, fx.old
		if tk.ApplicationID == fx.againApp.ID {
			cells, n, acc = []string{"72", "65", "50", "51"}, 802, fx.again
		}
		rows = append(rows, append([]string{tk.TicketNo, "居民身份证", resident(n), acc.Name, "368"}, append(cells, "否")...))
	}
	if _, err := a.ImportScores(ctx, fx.region, 2024, rows, "scores.csv"); err != nil {
		t.Fatal(err)
	}
	if err := a.PublishScores(ctx, fx.region, 2024, time.Date(2024, 5, 20, 9, 0, 0, 0, kaowu.Shanghai)); err != nil {
		t.Fatal(err)
	}
	return fx
}

// retentionNextYear loads 2025 (the 2024 year drafted forward) and, inside
// its application window, has `again` apply once more and a new candidate
// apply for the first time.
func (fx *retentionFixture) retentionNextYear(t *testing.T) (kaowu.Account, kaowu.Application, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	y, err := fx.a.Year(ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	next, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := next.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.a.LoadYear(ctx, fx.region, doc); err != nil {
		t.Fatal(err)
	}
	fx.clock.Set(time.Date(2024, 12, 5, 10, 0, 0, 0, kaowu.Shanghai))
	me := actor(fx.again)
	apply(t, fx.a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	again2025, err := fx.a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatalf("again in 2025: %v", err)
	}
	fresh, freshApp := fx.retApplicant(t, "ret-new", 803)
	return fresh, freshApp, again2025
}

// counts are the rows the purge must leave as they are.
type retentionCounts struct {
	scores, certificates, payments, orders, tickets, versions, audit, reminders int
}

func (fx *retentionFixture) counts(t *testing.T) retentionCounts {
	t.Helper()
	ctx := context.Background()
	var c retentionCounts
	for _, ap := range []kaowu.Application{fx.oldApp, fx.againApp} {
		if _, err := fx.s.Score(ctx, ap.ID); err == nil {
			c.scores++
		}
		o, err := fx.s.OrderOf(ctx, ap.ID)
		if err == nil {
			c.orders++
			ps, _ := fx.s.PaymentsOf(ctx, o.ID)
			c.payments += len(ps)
		}
		vs, _ := fx.s.Versions(ctx, ap.ID)
		c.versions += len(vs)
	}
	certs, err := fx.a.Certificates(ctx, fx.region, 2024)
	if err != nil {
		t.Fatal(err)
	}
	c.certificates = len(certs.Items)
	tks, _ := fx.s.Tickets(ctx, 2024, "fengtai")
	c.tickets = len(tks)
	audit, _ := fx.s.Audit(ctx, 100000)
	c.audit = len(audit)
	for _, acc := range []kaowu.Account{fx.old, fx.again} {
		rs, _ := fx.s.Inbox(ctx, acc.ID, 1000, false)
		c.reminders += len(rs)
	}
	return c
}

// TestPurgePersonalData: once 2024's retention has ended, its photos,
// evidence and contact details are gone; 2025's (still kept) are
// untouched, also for a person who applied in both years; scores,
// certificates, payments, tickets and the audit log stay; the run leaves
// one audit row and sends no reminder; a second run changes nothing.
func TestPurgePersonalData(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := newRetentionFixture(t, s)
		fresh, freshApp, again2025 := fx.retentionNextYear(t)
		before := fx.counts(t)

		// A second before the retention ends: nothing.
		fx.clock.Set(beforeRetention)
		if rep, err := fx.a.PurgePersonalData(ctx, fx.clock.Now()); err != nil || !rep.Empty() || len(rep.Years) != 0 {
			t.Fatalf("purge before the end: %+v %v", rep, err)
		}

		fx.clock.Set(retentionEnds)
		rep, err := fx.a.PurgePersonalData(ctx, fx.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := app.PurgeReport{Years: []int{2024},
			Accounts:     store.AccountPurge{Accounts: 1, Photos: 1, Mobiles: 1, WeChat: 1}, // old only: again and fresh applied in 2025
			Applications: store.ApplicationPurge{Applications: 2, Photos: 2, Snapshots: 2},  // both 2024 applications
			Evidence:     1, TicketFiles: 2, TicketBuilds: 1}                                // one PDF per room and day: the two sit in two rooms
		if !reflect.DeepEqual(rep, want) {
			t.Errorf("report\n %#v\nwant\n %#v", rep, want)
		}

		// old: photo, mobile and WeChat gone; name, ID and login kept.
		acc, err := s.Account(ctx, fx.old.ID)
		if err != nil || acc.Mobile != "" || acc.WeChatBound || acc.Name != fx.old.Name || acc.IDNumber != fx.old.IDNumber || acc.PasswordHash == "" {
			t.Errorf("old after the purge: %+v %v", acc, err)
		}
		if prof, err := s.Profile(ctx, fx.old.ID); err != nil || prof.Photo != nil || prof.PurgedAt == nil || len(prof.Education) == 0 {
			t.Errorf("old's profile: %+v %v", prof, err)
		}
		if _, _, err := s.Photo(ctx, fx.old.ID); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("old's photo: %v", err)
		}
		// again and fresh apply in 2025: their account data stays.
		for _, p := range []kaowu.Account{fx.again, fresh} {
			acc, err := s.Account(ctx, p.ID)
			if err != nil || acc.Mobile != "13912345678" || !acc.WeChatBound {
				t.Errorf("%s lost account data: %+v %v", p.Username, acc, err)
			}
			if prof, _ := s.Profile(ctx, p.ID); prof.Photo == nil || prof.PurgedAt != nil {
				t.Errorf("%s lost the photo: %+v", p.Username, prof)
			}
		}
		// 2024 versions: photo and mobile gone, the rest as submitted.
		for _, ap := range []kaowu.Application{fx.oldApp, fx.againApp} {
			snap, v, err := fx.a.Snapshot(ctx, fx.site, ap.ID, 1)
			if err != nil || v.Photo != nil || v.PurgedAt == nil || snap.Mobile != "" || snap.Name == "" || snap.IDNumber == "" || snap.Specialty.Code != "368" {
				t.Errorf("2024 version of %s: %+v photo %d purged %v %v", ap.ID, snap, len(v.Photo), v.PurgedAt, err)
			}
			if got, _ := s.Application(ctx, ap.ID); got.State != kaowu.StateScored {
				t.Errorf("2024 application is %s after the purge", got.State)
			}
		}
		// 2025 versions untouched.
		for _, ap := range []kaowu.Application{again2025, freshApp} {
			snap, v, err := fx.a.Snapshot(ctx, fx.site, ap.ID, 1)
			if err != nil || len(v.Photo) == 0 || v.PurgedAt != nil || snap.Mobile != "13912345678" {
				t.Errorf("2025 version of %s touched: mobile %q photo %d %v", ap.ID, snap.Mobile, len(v.Photo), err)
			}
		}
		// The change request stays, its scan gone.
		cr, err := s.ChangeRequest(ctx, fx.change)
		if err != nil || len(cr.Evidence) != 0 || cr.EvidencePurgedAt == nil || cr.Status != kaowu.ChangeRejected || cr.Reason == "" {
			t.Errorf("change request: %+v evidence %d %v", cr, len(cr.Evidence), err)
		}
		// The ticket build's PDFs gone; its ZIP says so.
		if b, err := s.TicketBuild(ctx, fx.build); err != nil || b.PurgedAt == nil || b.Done != 0 {
			t.Errorf("ticket build: %+v %v", b, err)
		}
		if b, _ := s.TicketBuild(ctx, fx.build); !strings.Contains(kaowu.ErrorMessage(app.BuildReady(b)), "按个人信息保存期限删除") {
			t.Errorf("a purged build's ZIP: %v", app.BuildReady(b))
		}

		// What the law needs stays; one audit row more; no reminder.
		after := fx.counts(t)
		wantAfter := before
		wantAfter.audit++
		if after != wantAfter {
			t.Errorf("kept rows changed:\n before %+v\n after  %+v", before, after)
		}
		audit, _ := s.Audit(ctx, 1)
		if len(audit) != 1 || audit[0].Action != "retention.purge" || audit[0].Actor != "system" ||
			!strings.Contains(audit[0].Detail, "2024年度") || !strings.Contains(audit[0].Detail, "账号 1 个") || !strings.Contains(audit[0].Detail, "第十九条") {
			t.Errorf("audit row %+v", audit)
		}
		// The stored look-up answer (the score report) still names the person.
		if l, err := s.ScoreByTicket(ctx, mustTicket(t, s, fx.oldApp.ID)); err != nil || string(l.IDNumber) != resident(801) ||
			!strings.Contains(string(l.Answer), fx.old.Name) || !strings.Contains(string(l.Answer), `"passed":true`) {
			t.Errorf("old's score after the purge: %+v %s %v", l, l.Answer, err)
		}

		// Again: nothing to do, nothing written.
		rep, err = fx.a.PurgePersonalData(ctx, fx.clock.Now())
		if err != nil || !rep.Empty() || fmt.Sprint(rep.Years) != "[2024]" {
			t.Errorf("second purge: %+v %v", rep, err)
		}
		if again := fx.counts(t); again != after {
			t.Errorf("the second purge changed something:\n %+v\n %+v", after, again)
		}
	})
}

func mustTicket(t *testing.T, s *store.Store, applicationID string) string {
	t.Helper()
	tks, err := s.Tickets(context.Background(), 2024, "fengtai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tks {
		if tk.ApplicationID == applicationID {
			return tk.TicketNo
		}
	}
	t.Fatalf("no ticket for %s", applicationID)
	return ""
}

// TestPurgePersonalDataDue: the scheduled purge does nothing before the
// retention ends, purges at once after, and scans again only after
// PurgeInterval once it found nothing.
func TestPurgePersonalDataDue(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	a, clock := newApp(t, s)
	acc := register(t, a, "ret-due", 804)
	clock.Set(beforeRetention)
	if rep, err := a.PurgePersonalDataDue(ctx, clock.Now()); err != nil || !rep.Empty() {
		t.Fatalf("before the end: %+v %v", rep, err)
	}
	clock.Set(retentionEnds)
	if rep, err := a.PurgePersonalDataDue(ctx, clock.Now()); err != nil || rep.Accounts.Mobiles != 1 {
		t.Fatalf("at the end: %+v %v", rep, err)
	}
	if rep, err := a.PurgePersonalDataDue(ctx, clock.Now()); err != nil || !rep.Empty() {
		t.Fatalf("again: %+v %v", rep, err)
	}
	// Data due within the interval waits for it; then it goes.
	if err := s.Update(ctx, func(tx *store.Tx) error {
		return tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: acc.ID, OpenID: "late-openid", BoundAt: t0})
	}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(app.PurgeInterval - time.Minute)
	if rep, err := a.PurgePersonalDataDue(ctx, clock.Now()); err != nil || !rep.Empty() {
		t.Errorf("within the interval: %+v %v", rep, err)
	}
	clock.Advance(time.Minute)
	if rep, err := a.PurgePersonalDataDue(ctx, clock.Now()); err != nil || rep.Accounts.WeChat != 1 {
		t.Errorf("after the interval: %+v %v", rep, err)
	}
}
