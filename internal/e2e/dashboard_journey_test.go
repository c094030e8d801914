package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/demo"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// newDemoSite is a running kaowu with the demo data (internal/demo: units of
// every category, staff of every role, 300 candidates in many states, the
// Fengtai rooms), paying through the sandbox provider as serve --demo does.
func newDemoSite(t *testing.T) site {
	t.Helper()
	a, clock := newApp(t)
	if _, _, err := demo.Seed(context.Background(), a, 300); err != nil {
		t.Fatal(err)
	}
	return start(t, a, clock)
}

// demoSeason takes the demo's applications through the season as the
// offices and candidates would, through the use cases: on each unit's
// confirmation day the desk confirms most of its candidates, returns one in
// eight and misses one in ten, which become void at the deadline; the
// region approves the confirmed, rejecting one in fifteen; and the
// approved pay on the payment window's first days, a fifth of them not yet
// by the end (2024-02-01).
func demoSeason(t *testing.T, st site) {
	t.Helper()
	ctx := context.Background()
	office := app.Actor{Username: "fengtai", Role: kaowu.RoleSiteStaff}
	region := app.Actor{Username: "region", Role: kaowu.RoleRegionStaff}
	y, err := st.App.CurrentYear(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fengtai, _ := y.Site("fengtai")
	units, err := st.App.Store.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		day, ok := fengtai.ConfirmationDay(u.Category)
		if u.District != "丰台区" || !ok {
			continue
		}
		st.Clock.Set(day.In(kaowu.Shanghai).Add(9*time.Hour + 5*time.Minute))
		rows, err := st.App.Store.UnitRoster(ctx, y.Year, "fengtai", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if r.State != kaowu.StateSubmitted {
				continue
			}
			st.Clock.Set(st.Clock.Now().Add(2 * time.Minute))
			switch {
			case i%10 == 9:
			case i%8 == 3:
				if _, err := st.App.ReturnForCorrection(ctx, office, r.ID, r.Version, []string{"unstamped"}, ""); err != nil {
					t.Fatalf("return %s: %v", r.Name, err)
				}
			default:
				if _, err := st.App.Confirm(ctx, office, r.ID, r.Version); err != nil {
					t.Fatalf("confirm %s: %v", r.Name, err)
				}
			}
		}
	}
	if _, err := st.App.VoidUnconfirmed(ctx, time.Date(2023, 12, 16, 0, 0, 0, 0, kaowu.Shanghai)); err != nil {
		t.Fatal(err)
	}
	st.Clock.Set(time.Date(2024, 1, 10, 10, 0, 0, 0, kaowu.Shanghai))
	var approve, reject []string
	for f := (app.ReviewFilter{Limit: 100}); ; {
		page, _, err := st.App.ReviewList(ctx, region, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rows {
			if (len(approve)+len(reject))%15 == 7 {
				reject = append(reject, r.ID)
			} else {
				approve = append(approve, r.ID)
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if _, err := st.App.Review(ctx, region, app.ReviewInput{IDs: approve, Approve: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.Review(ctx, region, app.ReviewInput{IDs: reject, Reason: "任职年限不足", Clause: "一（四）"}); err != nil {
		t.Fatal(err)
	}
	days := []time.Time{time.Date(2024, 1, 29, 9, 0, 0, 0, kaowu.Shanghai), time.Date(2024, 1, 29, 14, 0, 0, 0, kaowu.Shanghai),
		time.Date(2024, 1, 30, 10, 0, 0, 0, kaowu.Shanghai), time.Date(2024, 1, 31, 20, 0, 0, 0, kaowu.Shanghai),
		time.Date(2024, 2, 1, 11, 0, 0, 0, kaowu.Shanghai)}
	for i, id := range approve {
		if i%5 == 4 && i%2 == 0 {
			continue // not yet
		}
		ap, err := st.App.Store.Application(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := st.App.Store.Account(ctx, ap.CandidateID)
		if err != nil {
			t.Fatal(err)
		}
		who := app.Actor{Username: acc.Username, Role: kaowu.RoleCandidate}
		st.Clock.Set(days[i%len(days)].Add(time.Duration(i) * time.Minute))
		if _, err := st.App.StartPayment(ctx, who); err != nil {
			t.Fatalf("pay %s: %v", acc.Username, err)
		}
		o, err := st.App.Store.OrderOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		at, err := st.App.Store.Attempts(ctx, o.ID)
		if err != nil || len(at) == 0 {
			t.Fatal(err)
		}
		if err := st.Sandbox.Pay(at[len(at)-1].OutTradeNo); err != nil {
			t.Fatal(err)
		}
		if err := st.App.SyncMyPayment(ctx, who); err != nil {
			t.Fatal(err)
		}
	}
}

// lastYearApplications stores 2023 applications of the demo candidates
// who have none in 2024 (cand0181 on), first submitted over the 2023
// window's days, for the region's comparison with last year.
func lastYearApplications(t *testing.T, st site) {
	t.Helper()
	ctx := context.Background()
	err := st.App.Store.Update(ctx, func(tx *store.Tx) error {
		for i := 181; i <= 300; i++ {
			accs, err := tx.AccountsByLogin(ctx, fmt.Sprintf("cand%04d", i))
			if err != nil || len(accs) != 1 {
				return fmt.Errorf("cand%04d: %v", i, err)
			}
			k := (i * 7) % 13
			at := time.Date(2022, 12, 1+k*k/13, 9+i%9, 0, 0, 0, kaowu.Shanghai)
			ap := kaowu.Application{CandidateID: accs[0].ID, Year: 2023, Site: "fengtai", Specialty: "368", Level: kaowu.LevelIntermediate,
				State: kaowu.StateDraft, CreatedAt: at}
			if err := tx.CreateApplication(ctx, &ap); err != nil {
				return err
			}
			if err := tx.SubmitApplication(ctx, ap.ID, 1, kaowu.StateSubmitted, "eligible", false, at); err != nil {
				return err
			}
			if err := tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: ap.ID, Version: 1, SubmittedAt: at, Outcome: "eligible",
				Snapshot: []byte("{}"), Digest: "x"}); err != nil {
				return err
			}
			if err := tx.SetApplicationState(ctx, ap.ID, kaowu.StateSubmitted, kaowu.StateTicketed, at); err != nil {
				return err
			}
			if err := storetest.Score(ctx, tx, ap.ID, 2023, "fengtai", "368", at); err != nil { // scored
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// desktop is a desktop browser's window.
func desktop() chromedp.Action[chromedp.Void] { return chromedp.EmulateViewport(1280, 900) }

// dashboardShots saves the dashboard the browser is on at phone width and
// at desktop width, each checked by axe-core, and returns its text.
func (b *browser) dashboardShots(name string, want ...string) string {
	b.t.Helper()
	b.do(phone())
	text := b.expect(name+"-phone", want...)
	b.do(desktop())
	b.expect(name + "-desktop")
	b.do(phone())
	return text
}

// TestDashboardJourney: with the demo data taken through the season, the
// site office opens its dashboard from its work list, on a phone and on a
// desktop, and exports a table and the whole workbook; asking for another
// site is refused. The region office looks at every site, with last year's
// applications to compare, after the payment deadline and the seating, and
// picks one site.
func TestDashboardJourney(t *testing.T) {
	st := newDemoSite(t)
	demoSeason(t, st)
	st.Clock.Set(time.Date(2024, 2, 1, 15, 0, 0, 0, kaowu.Shanghai))

	b := newBrowser(t, st.URL, "dashboard")
	b.open("/login")
	b.login("fengtai", demo.Password)
	b.open("/me")
	b.submit(`a[href="/staff/dashboard"]`)
	if p := b.path(); p != "/staff/dashboard" {
		t.Fatalf("the work list's link leads to %s", p)
	}
	page := b.dashboardShots("site", "统计看板 · 丰台考点", "统计时间：2024年2月1日 15:00", "各阶段时间与截止", "网上缴费", "进行中，还剩 8 天",
		"待现场确认（按单位）", "审核通过未缴费（按单位）", "每日网上报名", "系统中没有2023年度的报名数据，无法与上一年度对比",
		"现场确认进度", "网上缴费进度", "考场座位使用", "按专业", "按单位类别", "全部导出")
	if strings.Contains(page, "按考点") {
		t.Error("the site's dashboard has the region's table by site")
	}
	if n := b.count("svg.chart[role=img] title"); n != 8 {
		t.Errorf("the site's dashboard has %d charts with a title, want 8", n)
	}
	if n := b.count(`a[href^="/staff/dashboard.xlsx?table="]`); n != 13 {
		t.Errorf("the site's dashboard has %d export links, want 13 (12 tables and all)", n)
	}

	// One table, and the whole workbook.
	f := b.fetch(b.href(`#confirmation a[href*="table=confirmation"]`), "confirmation.xlsx")
	if f.Status != 200 || !strings.Contains(f.Type, "spreadsheetml") || !strings.Contains(f.Disposition, "dashboard-2024-fengtai-confirmation-") {
		t.Fatalf("confirmation.xlsx: %d %s %s", f.Status, f.Type, f.Disposition)
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("现场确认进度")
	if len(rows) != 6 || rows[0][0] != "确认日期" || rows[1][0] != "2023-12-11" {
		t.Errorf("confirmation.xlsx rows: %q", rows)
	}
	x.Close()
	f = b.fetch(b.href(`a[href$="table=all"]`), "dashboard.xlsx")
	if f.Status != 200 {
		t.Fatalf("dashboard.xlsx: %d", f.Status)
	}
	if x, err = excelize.OpenReader(bytes.NewReader(f.Body)); err != nil {
		t.Fatal(err)
	}
	if sheets := x.GetSheetList(); len(sheets) != 12 || sheets[0] != "概况" {
		t.Errorf("the workbook's sheets: %q", sheets)
	}
	x.Close()

	// Another site's numbers are refused, on the page and in the export.
	b.open("/staff/dashboard?site=chaoyang")
	b.expect("other-site-refused", "您只能查看本考点的统计")
	if f := b.fetch("/staff/dashboard.xlsx?site=chaoyang&table=all", "refused.html"); f.Status != 403 {
		t.Errorf("another site's export: %d", f.Status)
	}

	// The region, after the payment deadline and the seating, with last
	// year to compare.
	ctx := context.Background()
	after := time.Date(2024, 3, 20, 10, 0, 0, 0, kaowu.Shanghai)
	st.Clock.Set(after)
	if _, err := st.App.ForfeitUnpaid(ctx, after); err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.Seat(ctx, app.Actor{Username: "fengtai", Role: kaowu.RoleSiteStaff}, "", false); err != nil {
		t.Fatal(err)
	}
	lastYearApplications(t, st)
	r := b.fresh("region")
	r.open("/login")
	r.login("region", demo.Password)
	r.open("/me")
	r.submit(`a[href="/review/dashboard"]`)
	page = r.dashboardShots("region", "统计看板 · 全部考点", "统计时间：2024年3月20日 10:00", "按考点", "丰台考点",
		"2023年度（按报名第几天对齐）", "视为放弃报名", "已结束")
	if strings.Contains(page, "系统中没有2023年度的报名数据") {
		t.Error("the region's dashboard says there is no last year to compare with")
	}
	r.do(chromedp.SetValue(chromedp.CSS(`select[name="site"]`), "fengtai"))
	r.submit(`form[action="/review/dashboard"] button[type="submit"]`)
	if p := r.path(); p != "/review/dashboard?site=fengtai" {
		t.Fatalf("the site filter leads to %s", p)
	}
	r.dashboardShots("region-fengtai", "统计看板 · 丰台考点", "考场座位使用")
	if f := r.fetch(r.href(`a[href$="table=all"]`), "region-fengtai.xlsx"); f.Status != 200 || !strings.Contains(f.Disposition, "dashboard-2024-fengtai-all-") {
		t.Errorf("the region's export of fengtai: %d %s", f.Status, f.Disposition)
	}
}
