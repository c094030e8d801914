package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// bj returns an instant in Beijing time.
func bj(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, kaowu.Shanghai)
}

// dashApp is one application of the dashboard's known population: where
// it stands and what happened to it when.
type dashApp struct {
	user      string
	year      int
	site      string
	unit      string // a key of dashPopulation's units; "" for none
	specialty string
	state     kaowu.ApplicationState
	auto      bool
	first     time.Time   // first submission; zero for a draft never submitted
	again     time.Time   // a second submitted version, if any
	desk      []deskEvent // the desk's decisions
	order     bool        // approved: an order of 200 yuan
	paid      []paidEvent // payments of the order
	seat      *seatAt
	military  bool
}

type deskEvent struct {
	at     time.Time
	action string
}

type paidEvent struct {
	at          time.Time
	disposition kaowu.PaymentDisposition
}

type seatAt struct {
	room string
	day  kaowu.Date
	seat int
}

var (
	confirm = func(at time.Time) deskEvent { return deskEvent{at, store.DeskConfirm} }
	ret     = func(at time.Time) deskEvent { return deskEvent{at, store.DeskReturn} }
	applied = func(at time.Time) paidEvent { return paidEvent{at, kaowu.PaymentApplied} }
)

// dashPopulation is the known population the dashboard tests count: every
// state, three specialties of two levels, units of three categories (and
// candidates without one, and military ones), two sites, submissions on
// many days (one just after midnight Beijing time, which is the day before
// in UTC), a withdrawn and resubmitted application, desk decisions,
// orders and payments (one paid after midnight, one a duplicate), seats,
// and last year's applications.
var dashPopulation = []dashApp{
	{user: "d1", site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StateDraft},
	{user: "s1", site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StateSubmitted, first: bj(2023, 12, 1, 10, 0)},
	{user: "s2", site: "fengtai", unit: "F2", specialty: "303", state: kaowu.StateSubmitted, first: bj(2023, 12, 2, 7, 0)},
	{user: "r1", site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StateReturned, first: bj(2023, 12, 3, 9, 0),
		desk: []deskEvent{ret(bj(2023, 12, 11, 10, 0))}},
	{user: "c1", site: "fengtai", unit: "F1", specialty: "201", state: kaowu.StateConfirmed, first: bj(2023, 12, 3, 11, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 11, 10, 30))}},
	{user: "c2", site: "fengtai", unit: "F2", specialty: "303", state: kaowu.StateConfirmed, auto: true, first: bj(2023, 12, 4, 12, 0)},
	{user: "v1", site: "fengtai", unit: "F3", specialty: "368", state: kaowu.StateVoid, first: bj(2023, 12, 4, 13, 0)},
	{user: "a1", site: "fengtai", unit: "F1", specialty: "303", state: kaowu.StateApproved, first: bj(2023, 12, 5, 9, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 11, 11, 0))}, order: true},
	{user: "rj", site: "fengtai", unit: "F2", specialty: "201", state: kaowu.StateRejected, first: bj(2023, 12, 5, 16, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 12, 10, 0))}},
	{user: "p1", site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StatePaid, first: bj(2023, 12, 6, 9, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 11, 14, 0))}, order: true,
		paid: []paidEvent{applied(bj(2024, 1, 29, 10, 0)), {bj(2024, 1, 30, 8, 0), kaowu.PaymentDuplicate}},
		seat: &seatAt{"K1", kaowu.NewDate(2024, 4, 13), 1}},
	{user: "p2", site: "fengtai", unit: "F3", specialty: "201", state: kaowu.StatePaid, first: bj(2023, 12, 6, 10, 0), again: bj(2023, 12, 8, 10, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 15, 9, 30))}, order: true, paid: []paidEvent{applied(bj(2024, 1, 31, 0, 30))},
		seat: &seatAt{"K1", kaowu.NewDate(2024, 4, 14), 1}},
	{user: "fo", site: "fengtai", unit: "F2", specialty: "303", state: kaowu.StateForfeited, first: bj(2023, 12, 7, 9, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 13, 9, 30))}, order: true},
	{user: "tk", site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StateTicketed, first: bj(2023, 12, 7, 20, 0),
		desk: []deskEvent{confirm(bj(2023, 12, 11, 15, 0))}, order: true, paid: []paidEvent{applied(bj(2024, 1, 30, 9, 0))},
		seat: &seatAt{"P1", kaowu.Date{}, 1}},
	{user: "m1", site: "fengtai", specialty: "368", state: kaowu.StateConfirmed, military: true},
	{user: "m2", site: "fengtai", specialty: "368", state: kaowu.StatePaid, military: true},
	{user: "n1", site: "fengtai", specialty: "303", state: kaowu.StateSubmitted, first: bj(2023, 12, 8, 15, 0)},
	// Another site.
	{user: "ch1", site: "chaoyang", unit: "C1", specialty: "368", state: kaowu.StateSubmitted, first: bj(2023, 12, 1, 11, 0)},
	{user: "ch2", site: "chaoyang", unit: "C1", specialty: "303", state: kaowu.StatePaid, first: bj(2023, 12, 2, 11, 0),
		order: true, paid: []paidEvent{applied(bj(2024, 1, 29, 15, 0))}},
	// Last year (2023), whose window opened on 2022-12-01.
	{user: "y1", year: 2023, site: "fengtai", unit: "F1", specialty: "368", state: kaowu.StateScored, first: bj(2022, 12, 1, 9, 0)},
	{user: "y2", year: 2023, site: "fengtai", unit: "F2", specialty: "368", state: kaowu.StateScored, first: bj(2022, 12, 1, 10, 0)},
	{user: "y3", year: 2023, site: "fengtai", unit: "F1", specialty: "303", state: kaowu.StateVoid, first: bj(2022, 12, 3, 9, 0)},
	{user: "y4", year: 2023, site: "chaoyang", unit: "C1", specialty: "303", state: kaowu.StateScored, first: bj(2022, 12, 2, 9, 0)},
}

// dashAsOf is when the tests read the dashboard: the third day of the
// payment window.
var dashAsOf = bj(2024, 1, 31, 10, 0)

// buildDashPopulation writes dashPopulation into s through the store.
func buildDashPopulation(t testing.TB, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	units := map[string]*kaowu.Unit{
		"F1": {Name: "丰台第一医院", District: "丰台区", Category: "direct_hospital"},
		"F2": {Name: "丰台驻区医院", District: "丰台区", Category: "garrison_hospital"},
		"F3": {Name: "丰台某门诊部", District: "丰台区", Category: "clinic"},
		"C1": {Name: "朝阳某医院", District: "朝阳区", Category: "direct_hospital"},
	}
	err := s.Update(ctx, func(tx *store.Tx) error {
		for _, k := range []string{"F1", "F2", "F3", "C1"} {
			units[k].CreatedAt = t0
			if err := tx.CreateUnit(ctx, units[k]); err != nil {
				return err
			}
		}
		v := kaowu.Venue{Site: "fengtai", Name: "第一考试地点", UpdatedAt: t0}
		if err := tx.UpsertVenue(ctx, &v); err != nil {
			return err
		}
		rooms := map[string]*kaowu.Room{
			"P1": {Name: "P1", Kind: kaowu.RoomPaper, Capacity: 30, SeatsPerRow: 6, Active: true},
			"K1": {Name: "K1", Kind: kaowu.RoomComputer, Capacity: 40, SeatsPerRow: 8, WorkingMachines: 38, Active: true},
			"K2": {Name: "K2", Kind: kaowu.RoomComputer, Capacity: 40, SeatsPerRow: 8, WorkingMachines: 40, Active: true,
				Days: []kaowu.Date{kaowu.NewDate(2024, 4, 13)}},
		}
		for _, k := range []string{"P1", "K1", "K2"} {
			rm := rooms[k]
			rm.VenueID, rm.Site, rm.UpdatedAt = v.ID, "fengtai", t0
			if err := tx.UpsertRoom(ctx, rm); err != nil {
				return err
			}
		}
		var seats []kaowu.SeatAssignment
		for i, p := range dashPopulation {
			year := cmpOr(p.year, 2024)
			level, _ := kaowu.LevelOfCode(p.specialty)
			if p.military {
				e := store.MilitaryEntry{
					Account: kaowu.Account{User: kaowu.User{Username: p.user, Name: p.user, Role: kaowu.RoleCandidate, PasswordHash: "x"},
						IDType: kaowu.IDMilitaryOfficer, IDNumber: kaowu.IDNumber(fmt.Sprintf("军字第%06d号", i))},
					Application:  kaowu.Application{Year: year, Site: p.site, Specialty: p.specialty, Level: level, Outcome: "eligible"},
					MilitaryUnit: "某部队医院", DivisionUnit: "某师", Subjects: 4, RowNo: i, Source: "roster.csv", ImportedBy: "mil", ImportedAt: t0,
				}
				es := []store.MilitaryEntry{e}
				if err := tx.InsertMilitaryRoster(ctx, es); err != nil {
					return err
				}
				if p.state != kaowu.StateConfirmed {
					if err := tx.SetApplicationState(ctx, es[0].Application.ID, kaowu.StateConfirmed, p.state, t0); err != nil {
						return err
					}
				}
				continue
			}
			u := kaowu.User{Username: p.user, Name: p.user, Role: kaowu.RoleCandidate, PasswordHash: "x", CreatedAt: t0}
			if p.unit != "" {
				u.UnitID = units[p.unit].ID
			}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			ap := kaowu.Application{CandidateID: u.ID, Year: year, Site: p.site, Specialty: p.specialty, Level: level, State: kaowu.StateDraft, CreatedAt: t0}
			if err := tx.CreateApplication(ctx, &ap); err != nil {
				return err
			}
			if p.first.IsZero() {
				continue
			}
			versions := []time.Time{p.first}
			if !p.again.IsZero() {
				versions = append(versions, p.again)
			}
			for n, at := range versions {
				if n > 0 {
					if err := tx.SetApplicationState(ctx, ap.ID, kaowu.StateSubmitted, kaowu.StateDraft, at); err != nil {
						return err
					}
				}
				if err := tx.SubmitApplication(ctx, ap.ID, n+1, kaowu.StateSubmitted, "eligible", p.auto, at); err != nil {
					return err
				}
				if err := tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: ap.ID, Version: n + 1, SubmittedAt: at, Outcome: "eligible",
					Snapshot: []byte("{}"), Digest: "d"}); err != nil {
					return err
				}
			}
			if p.state != kaowu.StateSubmitted {
				if err := tx.SetApplicationState(ctx, ap.ID, kaowu.StateSubmitted, storetest.Stored(p.state), t0); err != nil {
					return err
				}
				if p.state == kaowu.StateScored {
					if err := storetest.Score(ctx, tx, ap.ID, year, p.site, p.specialty, t0); err != nil {
						return err
					}
				}
			}
			for _, e := range p.desk {
				if err := tx.InsertDeskDecision(ctx, &store.DeskDecision{ApplicationID: ap.ID, Version: len(versions), Action: e.action, Operator: "site", At: e.at}); err != nil {
					return err
				}
			}
			if p.order {
				o := kaowu.Order{ID: store.NewID(), ApplicationID: ap.ID, CandidateID: u.ID, Year: year, Subjects: kaowu.Subjects,
					PerSubjectFen: 5000, AmountFen: 20000, DueAt: bj(2024, 2, 9, 0, 0), CreatedAt: bj(2024, 1, 20, 10, 0)}
				if err := tx.InsertOrder(ctx, o); err != nil {
					return err
				}
				for k, pe := range p.paid {
					no := fmt.Sprintf("T%s%d", p.user, k)
					if err := tx.InsertAttempt(ctx, kaowu.PaymentAttempt{OutTradeNo: no, OrderID: o.ID, CodeURL: "x", CreatedAt: pe.at, ExpiresAt: o.DueAt}); err != nil {
						return err
					}
					if _, err := tx.InsertPayment(ctx, kaowu.Payment{ID: store.NewID(), TransactionID: "W" + no, OutTradeNo: no, OrderID: o.ID, AmountFen: 20000,
						Payer: "p", PaidAt: pe.at, Source: "notify", Disposition: pe.disposition, RecordedAt: pe.at}); err != nil {
						return err
					}
				}
			}
			if p.seat != nil {
				seats = append(seats, kaowu.SeatAssignment{ApplicationID: ap.ID, Year: year, Site: p.site, Day: p.seat.day, RoomID: rooms[p.seat.room].ID,
					Seat: p.seat.seat, Row: 1, Col: p.seat.seat, AssignedAt: t0})
			}
		}
		return tx.ReplaceAssignments(ctx, 2024, "fengtai", seats)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// dashActors creates the staff who read dashboards.
func dashActors(t testing.TB, s *store.Store) (fengtai, chaoyang, region, admin app.Actor) {
	t.Helper()
	ctx := context.Background()
	mk := func(username string, role kaowu.Role, site string) app.Actor {
		u := kaowu.User{Username: username, Name: username, Role: role, PasswordHash: "x", Site: site, CreatedAt: t0}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
			t.Fatal(err)
		}
		return app.Actor{Username: username, Role: role}
	}
	return mk("dash-fengtai", kaowu.RoleSiteStaff, "fengtai"), mk("dash-chaoyang", kaowu.RoleSiteStaff, "chaoyang"),
		mk("dash-region", kaowu.RoleRegionStaff, ""), mk("dash-admin", kaowu.RoleAdmin, "")
}

// cells renders a table's rows as text, as a spreadsheet shows them.
func cells(rows [][]any) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, c := range r {
			out[i] = append(out[i], cellText(c))
		}
	}
	return out
}

func cellText(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case int:
		return strconv.Itoa(v)
	case tabular.Percent:
		return strconv.FormatFloat(float64(v)*100, 'f', 1, 64) + "%"
	case tabular.Yuan:
		return kaowu.Yuan(int64(v))
	case string:
		return v
	}
	return fmt.Sprintf("?%T", c)
}

func tableOf(t *testing.T, d *app.Dashboard, key string) [][]string {
	t.Helper()
	tb, ok := d.Table(key)
	if !ok {
		t.Fatalf("no table %s", key)
	}
	return cells(append([][]any{toAnyRow(tb.Header)}, tb.Rows...))
}

func toAnyRow(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func wantTable(t *testing.T, d *app.Dashboard, key string, want [][]string) {
	t.Helper()
	got := tableOf(t, d, key)
	if !reflect.DeepEqual(got, want) {
		var b strings.Builder
		for i := range max(len(got), len(want)) {
			var g, w []string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			mark := "  "
			if !reflect.DeepEqual(g, w) {
				mark = "✗ "
			}
			fmt.Fprintf(&b, "%sgot  %q\n   want %q\n", mark, g, w)
		}
		t.Errorf("table %s:\n%s", key, b.String())
	}
}

// TestDashboardCounts: every number of both dashboards, on both engines,
// against the known population.
func TestDashboardCounts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		buildDashPopulation(t, s)
		fengtai, _, region, _ := dashActors(t, s)
		clock.Set(dashAsOf)
		ctx := context.Background()

		d, err := a.SiteDashboard(ctx, fengtai, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Site != "fengtai" || d.SiteName != "丰台考点" || !d.AsOf.Equal(dashAsOf) {
			t.Errorf("scope %q %q as of %v", d.Site, d.SiteName, d.AsOf)
		}
		want := app.DashboardTotals{Applied: 15, Drafts: 1, Pending: 4, Confirmed: 10, AutoConfirmed: 1, Approved: 6, Paid: 4, Closed: 3, Military: 2}
		if d.Totals != want {
			t.Errorf("totals\n got %+v\nwant %+v", d.Totals, want)
		}
		wantTable(t, d, app.TableSummary, [][]string{{"项目", "数值"}, {"考试年度", "2024"}, {"统计范围", "丰台考点"},
			{"统计时间（北京时间）", "2024-01-31 10:00:00"}, {"报名人数（已提交）", "15"}, {"待现场确认", "4"}, {"已确认（累计）", "10"},
			{"其中自动确认", "1"}, {"审核通过（累计）", "6"}, {"已缴费（累计）", "4"}, {"无效/未通过/放弃", "3"}, {"其中军队考生", "2"}, {"草稿（未提交）", "1"}})
		wantTable(t, d, app.TableStates, [][]string{{"状态", "人数"}, {"未提交", "1"}, {"已提交，待现场确认", "3"}, {"退回修改", "1"},
			{"已确认，待资格审核", "3"}, {"网上报名无效", "1"}, {"审核通过，待缴费", "1"}, {"审核未通过", "1"}, {"已缴费", "3"},
			{"视为放弃报名", "1"}, {"已生成准考证", "1"}, {"已有成绩", "0"}, {"合计", "16"}})
		groupHead := func(first string) []string {
			return []string{first, "报名人数", "待现场确认", "待资格审核", "待缴费", "已缴费", "无效/未通过/放弃", "草稿（未提交）"}
		}
		wantTable(t, d, app.TableSpecialties, [][]string{groupHead("专业"),
			{"201 药学（初级（师））", "3", "0", "1", "0", "1", "1", "0"},
			{"303 内科学（中级）", "5", "2", "1", "1", "0", "1", "0"},
			{"368 护理学（中级）", "7", "2", "1", "0", "3", "1", "1"},
			{"合计", "15", "4", "3", "1", "4", "3", "1"}})
		wantTable(t, d, app.TableLevels, [][]string{groupHead("级别"),
			{"初级（士）", "0", "0", "0", "0", "0", "0", "0"},
			{"初级（师）", "3", "0", "1", "0", "1", "1", "0"},
			{"中级", "12", "4", "2", "1", "3", "2", "1"},
			{"合计", "15", "4", "3", "1", "4", "3", "1"}})
		wantTable(t, d, app.TableCategories, [][]string{groupHead("单位类别"),
			{"直属医院", "6", "2", "1", "1", "2", "0", "1"},
			{"直属社区卫生中心", "0", "0", "0", "0", "0", "0", "0"},
			{"第五医学中心", "0", "0", "0", "0", "0", "0", "0"},
			{"驻区医院", "4", "1", "1", "0", "0", "2", "0"},
			{"一级以上社民办医院", "0", "0", "0", "0", "0", "0", "0"},
			{"其他社区卫生中心、卫生服务站", "0", "0", "0", "0", "0", "0", "0"},
			{"门诊部及以下机构", "2", "0", "0", "0", "1", "1", "0"},
			{"军队考生", "2", "0", "1", "0", "1", "0", "0"},
			{"未填写单位", "1", "1", "0", "0", "0", "0", "0"},
			{"合计", "15", "4", "3", "1", "4", "3", "1"}})
		if _, ok := d.Table(app.TableSites); ok {
			t.Error("a site's dashboard has a table by site")
		}

		daily := [][]string{{"报名第几天", "日期", "当日报名", "累计报名", "2023年度同期日期", "2023年度当日报名", "2023年度累计报名"}}
		this := []int{1, 1, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0}
		prev := []int{2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		cum, pcum := 0, 0
		for i := range 14 {
			cum += this[i]
			pcum += prev[i]
			daily = append(daily, []string{strconv.Itoa(i + 1), fmt.Sprintf("2023-12-%02d", i+1), strconv.Itoa(this[i]), strconv.Itoa(cum),
				fmt.Sprintf("2022-12-%02d", i+1), strconv.Itoa(prev[i]), strconv.Itoa(pcum)})
		}
		wantTable(t, d, app.TableDaily, daily)

		wantTable(t, d, app.TableConfirmation, [][]string{
			{"确认日期", "单位类别", "应确认人数", "已确认", "其中自动确认", "待确认", "退回修改", "逾期无效", "确认率", "当日现场确认", "当日退回"},
			{"2023-12-11", "直属医院、直属社区卫生中心、第五医学中心", "6", "4", "0", "1", "1", "0", "66.7%", "4", "1"},
			{"2023-12-12", "驻区医院", "4", "3", "1", "1", "0", "0", "75.0%", "1", "0"},
			{"2023-12-13", "一级以上社民办医院", "0", "0", "0", "0", "0", "0", "", "1", "0"},
			{"2023-12-14", "其他社区卫生中心、卫生服务站", "0", "0", "0", "0", "0", "0", "", "0", "0"},
			{"2023-12-15", "门诊部及以下机构", "2", "1", "0", "0", "0", "1", "50.0%", "1", "0"}})

		pay := [][]string{{"日期", "当日缴费人数", "当日缴费金额（元）", "累计缴费人数", "审核通过人数", "累计缴费率"},
			{"2024-01-29", "1", "200.00", "1", "5", "20.0%"},
			{"2024-01-30", "1", "200.00", "2", "5", "40.0%"},
			{"2024-01-31", "1", "200.00", "3", "5", "60.0%"}}
		for _, day := range []string{"2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04", "2024-02-05", "2024-02-06", "2024-02-07", "2024-02-08"} {
			pay = append(pay, []string{day, "", "", "", "5", ""})
		}
		pay = append(pay, []string{"合计", "3", "600.00", "3", "5", "60.0%"})
		wantTable(t, d, app.TablePayment, pay)

		wantTable(t, d, app.TableSeats, [][]string{{"考试地点", "考场", "类型", "考试日期", "已安排人数", "可用座位", "使用率"},
			{"第一考试地点", "K1", "计算机考场", "2024-04-13", "1", "38", "2.6%"},
			{"第一考试地点", "K1", "计算机考场", "2024-04-14", "1", "38", "2.6%"},
			{"第一考试地点", "K1", "计算机考场", "2024-04-20", "0", "38", "0.0%"},
			{"第一考试地点", "K1", "计算机考场", "2024-04-21", "0", "38", "0.0%"},
			{"第一考试地点", "K2", "计算机考场", "2024-04-13", "0", "40", "0.0%"},
			{"第一考试地点", "P1", "纸笔考场", "纸笔考试各场次", "1", "30", "3.3%"},
			{"合计", "", "", "", "3", "222", "1.4%"}})

		wantTable(t, d, app.TableUnconfirmed, [][]string{{"单位", "单位类别", "现场确认日期", "待确认人数"},
			{"丰台第一医院", "直属医院", "2023-12-11", "1"},
			{"丰台驻区医院", "驻区医院", "2023-12-12", "1"},
			{"未填写单位", "未填写单位", "（该类别无确认日）", "1"},
			{"合计", "", "", "3"}})
		wantTable(t, d, app.TableReturned, [][]string{{"单位", "单位类别", "现场确认日期", "待重新提交人数"},
			{"丰台第一医院", "直属医院", "2023-12-11", "1"}, {"合计", "", "", "1"}})
		wantTable(t, d, app.TableUnpaid, [][]string{{"单位", "单位类别", "待缴费人数", "缴费剩余天数"},
			{"丰台第一医院", "直属医院", "1", "9"}, {"合计", "", "1", ""}})
		if n := app.DaysLeft(d.PaymentWindow, dashAsOf); n != 9 {
			t.Errorf("payment days left on 01-31 = %d, want 9 (01-31 to 02-08)", n)
		}

		// The region: every site.
		r, err := a.RegionDashboard(ctx, region, "")
		if err != nil {
			t.Fatal(err)
		}
		want = app.DashboardTotals{Applied: 17, Drafts: 1, Pending: 5, Confirmed: 11, AutoConfirmed: 1, Approved: 7, Paid: 5, Closed: 3, Military: 2}
		if r.Site != "" || r.SiteName != "全部考点" || r.Totals != want {
			t.Errorf("region %q %q totals\n got %+v\nwant %+v", r.Site, r.SiteName, r.Totals, want)
		}
		wantTable(t, r, app.TableSites, [][]string{groupHead("考点"),
			{"丰台考点", "15", "4", "3", "1", "4", "3", "1"},
			{"东城考点", "0", "0", "0", "0", "0", "0", "0"},
			{"西城考点", "0", "0", "0", "0", "0", "0", "0"},
			{"朝阳考点", "2", "1", "0", "0", "1", "0", "0"},
			{"海淀考点", "0", "0", "0", "0", "0", "0", "0"},
			{"石景山考点", "0", "0", "0", "0", "0", "0", "0"},
			{"大兴考点", "0", "0", "0", "0", "0", "0", "0"},
			{"合计", "17", "5", "3", "1", "5", "3", "1"}})
		if got := tableOf(t, r, app.TablePayment); !reflect.DeepEqual(got[1], []string{"2024-01-29", "2", "400.00", "2", "6", "33.3%"}) {
			t.Errorf("region payments on 01-29: %q", got[1])
		}
		if got := tableOf(t, r, app.TableDaily); !reflect.DeepEqual(got[1], []string{"1", "2023-12-01", "2", "2", "2022-12-01", "2", "2"}) ||
			!reflect.DeepEqual(got[2], []string{"2", "2023-12-02", "2", "4", "2022-12-02", "1", "3"}) {
			t.Errorf("region daily: %q", got[1:3])
		}
		wantTable(t, r, app.TableUnconfirmed, [][]string{{"考点", "单位", "单位类别", "现场确认日期", "待确认人数"},
			{"朝阳考点", "朝阳某医院", "直属医院", "（该类别无确认日）", "1"},
			{"丰台考点", "丰台第一医院", "直属医院", "2023-12-11", "1"},
			{"丰台考点", "丰台驻区医院", "驻区医院", "2023-12-12", "1"},
			{"丰台考点", "未填写单位", "未填写单位", "（该类别无确认日）", "1"},
			{"", "合计", "", "", "4"}})
		// The region asking for one site sees what that site sees,
		// computed anew by another process.
		other, otherClock := newApp(t, s)
		otherClock.Set(dashAsOf)
		rf, err := other.RegionDashboard(ctx, region, "fengtai")
		if err != nil {
			t.Fatal(err)
		}
		if rf == d {
			t.Fatal("another process served this one's dashboard")
		}
		for _, key := range []string{app.TableStates, app.TableSpecialties, app.TableDaily, app.TableConfirmation, app.TablePayment, app.TableSeats, app.TableUnpaid} {
			if !reflect.DeepEqual(tableOf(t, rf, key), tableOf(t, d, key)) {
				t.Errorf("the region's view of fengtai differs from the site's in %s", key)
			}
		}
	})
}

// TestDashboardCache: a scope's dashboard is computed once per
// DashboardTTL whoever asks, concurrent requests included; a change shows
// once it has expired (by the clock: a clock set forward never sees an old
// one); with a negative TTL every request computes anew.
func TestDashboardCache(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	buildDashPopulation(t, s)
	fengtai, _, region, admin := dashActors(t, s)
	clock.Set(dashAsOf)
	ctx := context.Background()

	got := make(chan *app.Dashboard, 8)
	for range 8 {
		go func() {
			d, err := a.SiteDashboard(ctx, fengtai, "")
			if err != nil {
				t.Error(err)
			}
			got <- d
		}()
	}
	first := <-got
	for range 7 {
		if d := <-got; d != first {
			t.Fatal("concurrent requests computed the dashboard more than once")
		}
	}
	// The site's office, the region asking for that site and an
	// administrator share it; the region's every-site view is another.
	for _, d := range []func() (*app.Dashboard, error){
		func() (*app.Dashboard, error) { return a.RegionDashboard(ctx, region, "fengtai") },
		func() (*app.Dashboard, error) { return a.SiteDashboard(ctx, admin, "fengtai") },
	} {
		if x, err := d(); err != nil || x != first {
			t.Errorf("the same scope computed again: %v", err)
		}
	}
	if all, err := a.RegionDashboard(ctx, region, ""); err != nil || all == first || all.Totals.Applied != 17 {
		t.Errorf("every site's dashboard: %v", err)
	}

	// A new submission shows once the dashboard has expired.
	addSubmitted(t, s, "late", bj(2023, 12, 9, 9, 0))
	clock.Set(dashAsOf.Add(app.DefaultDashboardTTL - time.Second))
	if d, _ := a.SiteDashboard(ctx, fengtai, ""); d != first || d.Totals.Applied != 15 {
		t.Errorf("within the TTL: %d applied, want the cached 15", d.Totals.Applied)
	}
	clock.Set(dashAsOf.Add(app.DefaultDashboardTTL))
	d, err := a.SiteDashboard(ctx, fengtai, "")
	if err != nil || d == first || d.Totals.Applied != 16 || !d.AsOf.Equal(dashAsOf.Add(app.DefaultDashboardTTL)) {
		t.Errorf("after the TTL: %d applied as of %v, want 16 now (%v)", d.Totals.Applied, d.AsOf, err)
	}

	a.DashboardTTL = -1
	x, _ := a.SiteDashboard(ctx, fengtai, "")
	y, _ := a.SiteDashboard(ctx, fengtai, "")
	if x == y || x == d {
		t.Error("with a negative TTL a dashboard was served twice")
	}
}

// addSubmitted adds a candidate without a unit whose 368 application at
// the Fengtai site was submitted at a time.
func addSubmitted(t *testing.T, s *store.Store, username string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error {
		u := kaowu.User{Username: username, Name: username, Role: kaowu.RoleCandidate, PasswordHash: "x", CreatedAt: at}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		ap := kaowu.Application{CandidateID: u.ID, Year: 2024, Site: "fengtai", Specialty: "368", Level: kaowu.LevelIntermediate, State: kaowu.StateDraft, CreatedAt: at}
		if err := tx.CreateApplication(ctx, &ap); err != nil {
			return err
		}
		if err := tx.SubmitApplication(ctx, ap.ID, 1, kaowu.StateSubmitted, "eligible", false, at); err != nil {
			return err
		}
		return tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: ap.ID, Version: 1, SubmittedAt: at, Outcome: "eligible", Snapshot: []byte("{}"), Digest: "d"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDashboardWithoutPreviousYear: with no applications of last year, the
// daily table says nothing of it, and future days are empty.
func TestDashboardWithoutPreviousYear(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	fengtai, _, _, _ := dashActors(t, s)
	clock.Set(bj(2023, 12, 3, 12, 0))
	d, err := a.SiteDashboard(context.Background(), fengtai, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.HasPrevious || d.Totals != (app.DashboardTotals{}) {
		t.Errorf("empty year: previous %v, totals %+v", d.HasPrevious, d.Totals)
	}
	got := tableOf(t, d, app.TableDaily)
	if !reflect.DeepEqual(got[0], []string{"报名第几天", "日期", "当日报名", "累计报名"}) {
		t.Errorf("header without last year: %q", got[0])
	}
	if !reflect.DeepEqual(got[3], []string{"3", "2023-12-03", "0", "0"}) || !reflect.DeepEqual(got[4], []string{"4", "2023-12-04", "", ""}) {
		t.Errorf("today and tomorrow: %q %q", got[3], got[4])
	}
}

// TestDashboardScope: site staff see their own site only, and asking for
// another is refused; only the region and administrators see every site.
func TestDashboardScope(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	buildDashPopulation(t, s)
	fengtai, chaoyang, region, admin := dashActors(t, s)
	clock.Set(dashAsOf)
	ctx := context.Background()

	d, err := a.SiteDashboard(ctx, chaoyang, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Site != "chaoyang" || d.Totals.Applied != 2 || d.Totals.Paid != 1 || len(d.Seats) != 0 || len(d.Confirmation) != 0 {
		t.Errorf("chaoyang's office sees %s: %+v, %d seats, %d confirmation days", d.Site, d.Totals, len(d.Seats), len(d.Confirmation))
	}
	for _, r := range tableOf(t, d, app.TableUnconfirmed) {
		if strings.Contains(strings.Join(r, ","), "丰台") {
			t.Errorf("chaoyang's office sees a Fengtai unit: %q", r)
		}
	}
	if d, err := a.SiteDashboard(ctx, fengtai, "fengtai"); err != nil || d.Site != "fengtai" {
		t.Errorf("fengtai asking for its own site: %v", err)
	}
	for _, c := range []struct {
		name  string
		call  func() error
		want  string
		about string
	}{
		{"site staff ask for another site", func() error { _, err := a.SiteDashboard(ctx, fengtai, "chaoyang"); return err }, kaowu.EFORBIDDEN, "本考点"},
		{"site staff ask for the region's", func() error { _, err := a.RegionDashboard(ctx, fengtai, ""); return err }, kaowu.EFORBIDDEN, "考区"},
		{"site staff ask the region's for their site", func() error { _, err := a.RegionDashboard(ctx, fengtai, "fengtai"); return err }, kaowu.EFORBIDDEN, "考区"},
		{"region staff on the site's", func() error { _, err := a.SiteDashboard(ctx, region, "fengtai"); return err }, kaowu.EFORBIDDEN, ""},
		{"a candidate", func() error {
			_, err := a.SiteDashboard(ctx, app.Actor{Username: "s1", Role: kaowu.RoleCandidate}, "")
			return err
		}, kaowu.EFORBIDDEN, ""},
		{"a candidate on the region's", func() error {
			_, err := a.RegionDashboard(ctx, app.Actor{Username: "s1", Role: kaowu.RoleCandidate}, "")
			return err
		}, kaowu.EFORBIDDEN, ""},
		{"an unknown site", func() error { _, err := a.RegionDashboard(ctx, region, "nowhere"); return err }, kaowu.EINVALID, "nowhere"},
	} {
		err := c.call()
		if kaowu.ErrorCode(err) != c.want || !strings.Contains(kaowu.ErrorMessage(err)+fmtFields(err), c.about) {
			t.Errorf("%s: %v (%s), want %s about %q", c.name, err, kaowu.ErrorCode(err), c.want, c.about)
		}
	}
	// Administrators: a site's dashboard (by default the first site with a
	// confirmation arrangement) and the region's.
	if d, err := a.SiteDashboard(ctx, admin, ""); err != nil || d.Site != "fengtai" {
		t.Errorf("admin's site dashboard: %v %v", d, err)
	}
	if d, err := a.SiteDashboard(ctx, admin, "chaoyang"); err != nil || d.Totals.Applied != 2 {
		t.Errorf("admin asking for chaoyang: %v", err)
	}
	if d, err := a.RegionDashboard(ctx, admin, ""); err != nil || d.Totals.Applied != 17 {
		t.Errorf("admin's region dashboard: %v", err)
	}
}

// TestDashboardExport: each table alone and the whole workbook, read back
// with excelize (raw values and as shown) and converted to CSV by
// LibreOffice, hold exactly the tables' cells.
func TestDashboardExport(t *testing.T) {
	s := storetest.SQLite(t)
	a, clock := newApp(t, s)
	buildDashPopulation(t, s)
	_, _, region, _ := dashActors(t, s)
	clock.Set(dashAsOf)
	d, err := a.RegionDashboard(context.Background(), region, "")
	if err != nil {
		t.Fatal(err)
	}
	tables := d.Tables()
	want := map[string][][]string{}
	var titles []string
	for _, tb := range tables {
		want[tabular.SheetName(tb.Title)] = trimRows(cells(append([][]any{toAnyRow(tb.Header)}, tb.Rows...)))
		titles = append(titles, tabular.SheetName(tb.Title))
	}

	all, err := d.XLSX("all")
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(all))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, titles) {
		t.Errorf("sheets %q, want %q", got, titles)
	}
	for _, name := range titles {
		shown, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := trimRows(shown); !reflect.DeepEqual(got, want[name]) {
			t.Errorf("sheet %s as shown:\n got %q\nwant %q", name, got, want[name])
		}
	}
	// Numbers are numbers: the payment table's rate and amount, raw.
	raw, _ := f.GetRows(tabular.SheetName("网上缴费进度"), excelize.Options{RawCellValue: true})
	if rate, err := strconv.ParseFloat(raw[1][5], 64); raw[1][2] != "400" || err != nil || rate < 0.33333 || rate > 0.33334 {
		t.Errorf("raw payment cells %q, want 400 and 0.333…", raw[1])
	}
	if typ, _ := f.GetCellType(tabular.SheetName("报名状态"), "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("a count is stored as %v", typ)
	}
	f.Close()

	one, err := d.XLSX(app.TableConfirmation)
	if err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenReader(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	if got := g.GetSheetList(); len(got) != 1 || got[0] != "现场确认进度" {
		t.Errorf("one table's workbook has sheets %q", got)
	}
	g.Close()
	if _, err := d.XLSX("nothing"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		t.Errorf("an unknown table: %v", err)
	}

	// LibreOffice: every sheet to CSV, as shown.
	soffice, err := exec.LookPath("libreoffice")
	if err != nil {
		t.Skip("libreoffice not installed (apt-get install libreoffice-calc): skipping the LibreOffice check of the export")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.xlsx"), all, 0o644); err != nil {
		t.Fatal(err)
	}
	// Comma, double quote, UTF-8, … as shown, every sheet (-1) to a file
	// of its own: dashboard-<sheet>.csv.
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1", "--outdir", dir, filepath.Join(dir, "dashboard.xlsx"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	for _, name := range titles {
		b, err := os.ReadFile(filepath.Join(dir, "dashboard-"+name+".csv"))
		if err != nil {
			t.Errorf("LibreOffice wrote no CSV of sheet %s: %v", name, err)
			continue
		}
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("csv of %s: %v", name, err)
		}
		if got := trimRows(rows); !reflect.DeepEqual(got, want[name]) {
			t.Errorf("LibreOffice's CSV of %s:\n got %q\nwant %q", name, got, want[name])
		}
	}
}
