package app

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// The offices' dashboards (issue 11): for one exam year and a scope (one
// site, or every site for the region), how many have applied, been
// confirmed, approved and paid, by state, specialty, level, unit category
// and site; day by day against the calendar; and who still has to act.
// Every count comes from a GROUP BY in the store (store/dashboard.go),
// computed per request.

// Dashboard is the statistics of one exam year and scope as of an instant.
type Dashboard struct {
	Year     *policy.Year
	Site     string // the site's code; "" for every site
	SiteName string // the site's name, or 全部考点
	AsOf     time.Time

	Totals DashboardTotals
	// States counts the applications in each state, in the order of the
	// application's life.
	States []StateCount
	// Groups count the applications by where they stand, per specialty,
	// level, unit category and (every site only) site.
	Specialties, Levels, Categories, Sites []GroupRow

	Daily        []DailyRow
	PreviousYear int
	// HasPrevious says whether the previous exam year has applications
	// stored to compare with; without them the comparison is left out.
	HasPrevious bool
	// OutsideWindow counts first submissions outside the application
	// window (none, unless the window was changed).
	OutsideWindow int

	Confirmation []ConfirmationRow
	Payment      PaymentProgress
	Seats        []SeatRow

	// Who still has to act.
	Unconfirmed []UnitTodo // submitted, awaiting the desk
	Returned    []UnitTodo // returned, awaiting the candidate
	Unpaid      []UnitTodo // approved, awaiting payment
	// ConfirmationWindow and PaymentWindow are the windows the to-do
	// lists run against.
	ConfirmationWindow, PaymentWindow kaowu.Window
}

// DashboardTotals are the headline numbers. Confirmed, Approved and Paid
// are cumulative: an application paid was confirmed and approved before.
type DashboardTotals struct {
	Applied       int // submitted at least once (or entered by a military unit)
	Drafts        int // not submitted, or withdrawn
	Pending       int // submitted or returned: awaiting on-site confirmation
	Confirmed     int // confirmed or any later state
	AutoConfirmed int // of Confirmed, confirmed automatically (二（一）)
	Approved      int // approved or any later state but rejected
	Paid          int // paid, ticketed or scored
	Closed        int // void, rejected or forfeited
	Military      int // registered by military units (二（三）)
}

// StateCount is the number of applications in one state.
type StateCount struct {
	State kaowu.ApplicationState
	N     int
}

// Funnel counts applications by where they stand now; each applied
// application is in exactly one of Pending, Review, Unpaid, Paid, Closed.
type Funnel struct {
	Draft   int // draft (not counted as applied)
	Pending int // submitted or returned: awaiting on-site confirmation
	Review  int // confirmed: awaiting the region's review
	Unpaid  int // approved: awaiting payment
	Paid    int // paid, ticketed or scored
	Closed  int // void, rejected or forfeited
}

// Applied returns the number of applications submitted at least once.
func (f Funnel) Applied() int { return f.Pending + f.Review + f.Unpaid + f.Paid + f.Closed }

func (f *Funnel) add(st kaowu.ApplicationState, n int) {
	switch st {
	case kaowu.StateDraft:
		f.Draft += n
	case kaowu.StateSubmitted, kaowu.StateReturned:
		f.Pending += n
	case kaowu.StateConfirmed:
		f.Review += n
	case kaowu.StateApproved:
		f.Unpaid += n
	case kaowu.StatePaid, kaowu.StateTicketed, kaowu.StateScored:
		f.Paid += n
	default:
		f.Closed += n
	}
}

// FunnelSegments are the Funnel's parts of an applied application, in
// order, with their Chinese names.
var FunnelSegments = []struct{ Key, Label string }{
	{"pending", "待现场确认"}, {"review", "待资格审核"}, {"unpaid", "待缴费"}, {"paid", "已缴费"}, {"closed", "无效/未通过/放弃"},
}

// Segments returns the Funnel's applied parts in FunnelSegments' order.
func (f Funnel) Segments() []int { return []int{f.Pending, f.Review, f.Unpaid, f.Paid, f.Closed} }

// GroupRow is one group (a specialty, level, unit category or site) with
// its applications by where they stand.
type GroupRow struct {
	Key   string
	Label string
	Funnel
}

// DailyRow is one day of the online application window: first submissions
// that day and so far, this year and on the same day of last year's
// window. This year's counts are nil for the days still to come.
type DailyRow struct {
	Index         int // 1 for the window's first day
	Date          kaowu.Date
	N, Cumulative *int
	PrevDate      kaowu.Date
	PrevN         int
	PrevCum       int
}

// ConfirmationRow is one scheduled on-site confirmation day of a site
// (二（二）): the applications expected from units of that day's
// categories, and where they stand; and what the desk did on that day.
type ConfirmationRow struct {
	Site                        string
	SiteName                    string
	Date                        kaowu.Date // zero for the desk's work on other days (exceptions)
	Categories                  []string   // the categories' names
	Expected                    int        // submitted at least once, from units of these categories
	Confirmed                   int        // confirmed or any later state (rejected included)
	Auto                        int        // of Confirmed, confirmed automatically
	Waiting                     int        // submitted, not yet confirmed
	Returned                    int        // returned for correction
	Void                        int        // not confirmed by the deadline
	DeskConfirmed, DeskReturned int        // the desk's decisions on that day
}

// PaymentProgress is online payment inside the payment window (三): per
// day, and against the orders of the approved.
type PaymentProgress struct {
	Window    kaowu.Window
	Days      []PaymentDay
	Orders    int   // approved online: one order each
	OrdersFen int64 // the fees they ask
	Paid      int   // orders paid (within the window or not)
	PaidFen   int64
	Outside   int // payments made on a day outside the window
}

// PaymentDay is one day of the payment window; nil for the days to come.
type PaymentDay struct {
	Date       kaowu.Date
	N          *int
	Fen        *int64
	Cumulative *int
}

// SeatRow is one room on one exam day (or, for a paper room, every paper
// session): candidates seated against the seats it has.
type SeatRow struct {
	Site     string
	Venue    string
	Room     string
	Kind     kaowu.RoomKind
	Day      kaowu.Date // zero for the paper sessions
	Assigned int
	Usable   int
}

// UnitTodo is one unit's applications that wait for someone to act.
type UnitTodo struct {
	Site     string
	SiteName string
	UnitID   string
	Unit     string // the unit's name, or 未填写单位
	Category string // the category's name
	Day      kaowu.Date
	N        int
}

// SiteDashboard returns the dashboard of a site for its office: site staff
// their own site (another site asked for is refused), administrators the
// one asked for (by default the first site with a confirmation
// arrangement).
func (a *App) SiteDashboard(ctx context.Context, actor Actor, askedSite string) (*Dashboard, error) {
	if actor.Role == kaowu.RoleSiteStaff && askedSite != "" {
		me, err := a.actorAccount(ctx, actor)
		if err != nil {
			return nil, err
		}
		if askedSite != me.Site {
			return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "您只能查看本考点的统计，不能查看其他考点的统计：请从“我的”页面进入本考点的统计看板")
		}
	}
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return nil, err
	}
	return a.cachedDashboard(ctx, y, site.Code)
}

// RegionDashboard returns the dashboard of the region office (region staff
// and administrators): every site, or the one asked for.
func (a *App) RegionDashboard(ctx context.Context, actor Actor, askedSite string) (*Dashboard, error) {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以查看全部考点的统计")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	if askedSite != "" {
		if _, ok := y.Site(askedSite); !ok {
			return nil, kaowu.FieldError("site", fmt.Sprintf("考点 %s 不在%d年度的考点中，请从列表中选择", askedSite, y.Year))
		}
	}
	return a.cachedDashboard(ctx, y, askedSite)
}

// DefaultDashboardTTL is how long a computed dashboard is served (App's
// DashboardTTL): its counts read every application of the year, about a
// second at 100 000 (docs/dashboard.md), so the offices opening it at once
// share one computation, and the page shows when it was made.
const DefaultDashboardTTL = 30 * time.Second

// DashboardMaxAge returns how long a dashboard is served once computed (0:
// computed for each request).
func (a *App) DashboardMaxAge() time.Duration {
	switch {
	case a.DashboardTTL == 0:
		return DefaultDashboardTTL
	case a.DashboardTTL < 0:
		return 0
	}
	return a.DashboardTTL
}

// dashboardCache holds each scope's last dashboard, or the one being
// computed, which every request for that scope waits for.
type dashboardCache struct {
	mu sync.Mutex
	m  map[dashboardKey]*dashboardEntry
}

type dashboardKey struct {
	year int
	site string
}

type dashboardEntry struct {
	done chan struct{} // closed when d and err are set
	d    *Dashboard
	err  error
	at   time.Time // when it was made, real time
}

// fresh reports whether a finished entry may still be served at now (the
// App's clock): younger than ttl in real time and by the clock, so that a
// clock set forward (--now, tests) never sees an old one.
func (e *dashboardEntry) fresh(now time.Time, ttl time.Duration) bool {
	return e.err == nil && time.Since(e.at) < ttl && !now.Before(e.d.AsOf) && now.Sub(e.d.AsOf) < ttl
}

// cachedDashboard returns the dashboard of exam year y at site ("" for
// all), computed at most once per DashboardTTL per process, whoever asks.
// The computation does not stop when the request that started it goes
// away: others may be waiting for it.
func (a *App) cachedDashboard(ctx context.Context, y *policy.Year, site string) (*Dashboard, error) {
	ttl := a.DashboardMaxAge()
	if ttl == 0 {
		return a.dashboard(ctx, y, site)
	}
	k := dashboardKey{y.Year, site}
	c := &a.dashboards
	c.mu.Lock()
	if c.m == nil {
		c.m = map[dashboardKey]*dashboardEntry{}
	}
	if e, ok := c.m[k]; ok {
		select {
		case <-e.done:
			if e.fresh(a.Clock.Now(), ttl) {
				c.mu.Unlock()
				return e.d, nil
			}
		default:
			c.mu.Unlock()
			select {
			case <-e.done:
				return e.d, e.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	e := &dashboardEntry{done: make(chan struct{})}
	c.m[k] = e
	c.mu.Unlock()
	e.d, e.err = a.dashboard(context.WithoutCancel(ctx), y, site)
	e.at = time.Now()
	close(e.done)
	return e.d, e.err
}

// dashboard computes the statistics of exam year y at site ("" for all).
// They decide nothing and are kept for DashboardTTL anyway, so they read a
// read replica when there is one (Store.ReadReplica, docs/scale.md).
func (a *App) dashboard(ctx context.Context, y *policy.Year, site string) (*Dashboard, error) {
	var d *Dashboard
	err := a.Store.ReadReplica(ctx, func(ctx context.Context, st store.Reader) error {
		var err error
		d, err = a.dashboardOn(ctx, st, y, site)
		return err
	})
	return d, err
}

// dashboardOn computes the statistics of exam year y at site with st's
// reads.
func (a *App) dashboardOn(ctx context.Context, st store.Reader, y *policy.Year, site string) (*Dashboard, error) {
	d := &Dashboard{Year: y, Site: site, SiteName: "全部考点", AsOf: a.Clock.Now(), PreviousYear: y.Year - 1}
	if s, ok := y.Site(site); ok {
		d.SiteName = s.Name
	}
	d.ConfirmationWindow, _ = y.Window(kaowu.WindowConfirmation)
	d.PaymentWindow, _ = y.Window(kaowu.WindowPayment)
	groups, err := st.ApplicationStats(ctx, y.Year, site)
	if err != nil {
		return nil, err
	}
	d.counts(groups)
	if err := d.daily(ctx, a, st); err != nil {
		return nil, err
	}
	desk, err := st.DeskDecisionsByHour(ctx, y.Year, site)
	if err != nil {
		return nil, err
	}
	d.confirmation(groups, desk)
	if err := d.payment(ctx, st); err != nil {
		return nil, err
	}
	if err := d.seats(ctx, st); err != nil {
		return nil, err
	}
	pending, err := st.PendingByUnit(ctx, y.Year, site, kaowu.StateSubmitted, kaowu.StateReturned, kaowu.StateApproved)
	if err != nil {
		return nil, err
	}
	d.todo(pending)
	return d, nil
}

// stateOrder is the order of the states in the application's life.
var stateOrder = []kaowu.ApplicationState{kaowu.StateDraft, kaowu.StateSubmitted, kaowu.StateReturned, kaowu.StateConfirmed,
	kaowu.StateVoid, kaowu.StateApproved, kaowu.StateRejected, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored}

// unitCategoryLabel returns the Chinese name of a unit category of y; "" is
// a candidate without a unit, military candidates apart.
func unitCategoryLabel(y *policy.Year, key string, military bool) string {
	switch {
	case military:
		return "军队考生"
	case key == "":
		return "未填写单位"
	}
	if c, ok := y.UnitCategory(key); ok {
		return c.Name
	}
	return key
}

func (d *Dashboard) counts(groups []store.StatsGroup) {
	y := d.Year
	states := map[kaowu.ApplicationState]int{}
	bySpecialty, byLevel, byCategory, bySite := map[string]*GroupRow{}, map[string]*GroupRow{}, map[string]*GroupRow{}, map[string]*GroupRow{}
	row := func(m map[string]*GroupRow, key, label string) *GroupRow {
		r, ok := m[key]
		if !ok {
			r = &GroupRow{Key: key, Label: label}
			m[key] = r
		}
		return r
	}
	for _, g := range groups {
		states[g.State] += g.N
		sp, ok := y.Specialty(g.Specialty)
		label := g.Specialty + " " + sp.Name + "（" + sp.Level.Label() + "）"
		if !ok {
			label = g.Specialty + "（不在本年度专业目录中）"
		}
		if g.Specialty == "" {
			label = "尚未选择专业"
		}
		row(bySpecialty, g.Specialty, label).add(g.State, g.N)
		level := string(g.Level)
		levelLabel := g.Level.Label()
		if level == "" {
			levelLabel = "尚未选择专业"
		}
		row(byLevel, level, levelLabel).add(g.State, g.N)
		ck := g.UnitCategory
		if g.Military {
			ck = "military"
		}
		row(byCategory, ck, unitCategoryLabel(y, g.UnitCategory, g.Military)).add(g.State, g.N)
		s, _ := y.Site(g.Site)
		siteLabel := s.Name
		if siteLabel == "" {
			siteLabel = "尚未选择考点"
		}
		row(bySite, g.Site, siteLabel).add(g.State, g.N)

		t := &d.Totals
		switch g.State {
		case kaowu.StateDraft:
			t.Drafts += g.N
			continue
		case kaowu.StateSubmitted, kaowu.StateReturned:
			t.Pending += g.N
		case kaowu.StateVoid, kaowu.StateRejected, kaowu.StateForfeited:
			t.Closed += g.N
		}
		t.Applied += g.N
		if g.Military {
			t.Military += g.N
		}
		switch g.State {
		case kaowu.StateConfirmed, kaowu.StateApproved, kaowu.StateRejected, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored:
			t.Confirmed += g.N
			if g.AutoConfirmed {
				t.AutoConfirmed += g.N
			}
		}
		switch g.State {
		case kaowu.StateApproved, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored:
			t.Approved += g.N
		}
		switch g.State {
		case kaowu.StatePaid, kaowu.StateTicketed, kaowu.StateScored:
			t.Paid += g.N
		}
	}
	for _, s := range stateOrder {
		d.States = append(d.States, StateCount{State: s, N: states[s]})
	}
	// Every level, unit category and site of the year has its row, none
	// applied or not: "nobody from X yet" is news too.
	for _, l := range kaowu.Levels {
		row(byLevel, string(l), l.Label())
	}
	for _, c := range y.UnitCategories {
		row(byCategory, c.Key, c.Name)
	}
	for _, s := range y.Sites {
		if d.Site == "" || s.Code == d.Site {
			row(bySite, s.Code, s.Name)
		}
	}
	// Specialties by code, levels in ascending order, categories and
	// sites in the year's order; groups the year does not know last.
	d.Specialties = sortedGroups(bySpecialty, func(k string) (int, bool) {
		n, err := strconv.Atoi(k)
		return n, err == nil
	})
	d.Levels = sortedGroups(byLevel, func(k string) (int, bool) {
		i := slices.Index(kaowu.Levels, kaowu.Level(k))
		return i, i >= 0
	})
	d.Categories = sortedGroups(byCategory, func(k string) (int, bool) {
		for i, c := range y.UnitCategories {
			if c.Key == k {
				return i, true
			}
		}
		if k == "military" {
			return len(y.UnitCategories), true
		}
		return 0, false
	})
	if d.Site == "" {
		d.Sites = sortedGroups(bySite, func(k string) (int, bool) {
			for i, s := range y.Sites {
				if s.Code == k {
					return i, true
				}
			}
			return 0, false
		})
	}
}

// sortedGroups returns the groups of m ordered by rank; those without one
// last, by key.
func sortedGroups(m map[string]*GroupRow, rank func(string) (int, bool)) []GroupRow {
	out := make([]GroupRow, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, oki := rank(out[i].Key)
		rj, okj := rank(out[j].Key)
		if oki != okj {
			return oki
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// beijingDay returns the Beijing date of a UTC hour.
func beijingDay(t time.Time) kaowu.Date { return kaowu.DateOf(t.In(kaowu.Shanghai)) }

// daysFrom returns the number of calendar days from a to b.
func daysFrom(a, b kaowu.Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// addDays returns the date n days after d.
func addDays(d kaowu.Date, n int) kaowu.Date { return kaowu.DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// daily lays out first submissions per day of the application window
// beside the previous year's, aligned by the day of the window.
func (d *Dashboard) daily(ctx context.Context, a *App, st store.Reader) error {
	y := d.Year
	w, ok := y.Window(kaowu.WindowApplication)
	if !ok {
		return nil
	}
	first, last := kaowu.DateOf(w.Start.In(kaowu.Shanghai)), w.LastDay()
	today := beijingDay(d.AsOf)
	hours, err := st.FirstSubmissionsByHour(ctx, y.Year, d.Site)
	if err != nil {
		return err
	}
	n := daysFrom(first, last) + 1
	this := make([]int, n)
	for _, h := range hours {
		i := daysFrom(first, beijingDay(h.Hour))
		if i < 0 || i >= n {
			d.OutsideWindow += h.N
			continue
		}
		this[i] += h.N
	}
	// Last year's window: from its stored data, or this year's moved back
	// a year.
	prevFirst := kaowu.DateOf(w.Start.AddDate(-1, 0, 0).In(kaowu.Shanghai))
	if py, err := a.Year(ctx, d.PreviousYear); err == nil {
		if pw, ok := py.Window(kaowu.WindowApplication); ok {
			prevFirst = kaowu.DateOf(pw.Start.In(kaowu.Shanghai))
		}
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return err
	}
	if d.HasPrevious, err = st.HasApplications(ctx, d.PreviousYear, d.Site); err != nil {
		return err
	}
	prev := make([]int, n)
	if d.HasPrevious {
		ph, err := st.FirstSubmissionsByHour(ctx, d.PreviousYear, d.Site)
		if err != nil {
			return err
		}
		for _, h := range ph {
			if i := daysFrom(prevFirst, beijingDay(h.Hour)); i >= 0 && i < n {
				prev[i] += h.N
			}
		}
	}
	cum, pcum := 0, 0
	for i := range n {
		day := addDays(first, i)
		r := DailyRow{Index: i + 1, Date: day, PrevDate: addDays(prevFirst, i), PrevN: prev[i]}
		pcum += prev[i]
		r.PrevCum = pcum
		if !day.After(today) {
			cum += this[i]
			v, c := this[i], cum
			r.N, r.Cumulative = &v, &c
		}
		d.Daily = append(d.Daily, r)
	}
	return nil
}

// confirmation lays out each scheduled confirmation day of the sites in
// scope: the applications of units of that day's categories by where they
// stand, and the desk's decisions of the day.
func (d *Dashboard) confirmation(groups []store.StatsGroup, desk []store.HourCount) {
	y := d.Year
	type siteDay struct {
		site string
		day  kaowu.Date
	}
	confirms, returns := map[siteDay]int{}, map[siteDay]int{}
	for _, h := range desk {
		k := siteDay{h.Site, beijingDay(h.Hour)}
		if h.Key == store.DeskConfirm {
			confirms[k] += h.N
		} else {
			returns[k] += h.N
		}
	}
	for _, s := range y.Sites {
		if (d.Site != "" && s.Code != d.Site) || s.Confirmation == nil {
			continue
		}
		for _, cd := range s.Confirmation.Days {
			r := ConfirmationRow{Site: s.Code, SiteName: s.Name, Date: cd.Date}
			for _, c := range cd.Categories {
				r.Categories = append(r.Categories, unitCategoryLabel(y, c, false))
			}
			for _, g := range groups {
				if g.Site != s.Code || g.Military || !slices.Contains(cd.Categories, g.UnitCategory) || g.State == kaowu.StateDraft {
					continue
				}
				r.Expected += g.N
				switch g.State {
				case kaowu.StateSubmitted:
					r.Waiting += g.N
				case kaowu.StateReturned:
					r.Returned += g.N
				case kaowu.StateVoid:
					r.Void += g.N
				default:
					r.Confirmed += g.N
					if g.AutoConfirmed {
						r.Auto += g.N
					}
				}
			}
			k := siteDay{s.Code, cd.Date}
			r.DeskConfirmed, r.DeskReturned = confirms[k], returns[k]
			delete(confirms, k)
			delete(returns, k)
			d.Confirmation = append(d.Confirmation, r)
		}
	}
	// The desk's work on other days (exceptions opened for a unit), one
	// row per site.
	other := map[string]*ConfirmationRow{}
	add := func(m map[siteDay]int, confirm bool) {
		for k, n := range m {
			r, ok := other[k.site]
			if !ok {
				s, _ := y.Site(k.site)
				r = &ConfirmationRow{Site: k.site, SiteName: s.Name}
				other[k.site] = r
			}
			if confirm {
				r.DeskConfirmed += n
			} else {
				r.DeskReturned += n
			}
		}
	}
	add(confirms, true)
	add(returns, false)
	for _, s := range y.Sites {
		if r, ok := other[s.Code]; ok {
			d.Confirmation = append(d.Confirmation, *r)
		}
	}
}

// payment lays out the payments of each day of the payment window with
// the cumulative number paid, against the orders of the approved.
func (d *Dashboard) payment(ctx context.Context, st store.Reader) error {
	p := &d.Payment
	p.Window = d.PaymentWindow
	var err error
	if p.Orders, p.OrdersFen, err = st.OrderTotals(ctx, d.Year.Year, d.Site); err != nil {
		return err
	}
	hours, err := st.PaymentsByHour(ctx, d.Year.Year, d.Site)
	if err != nil {
		return err
	}
	if p.Window.Key == "" {
		return nil
	}
	first, last := kaowu.DateOf(p.Window.Start.In(kaowu.Shanghai)), p.Window.LastDay()
	n := daysFrom(first, last) + 1
	count, fen := make([]int, n), make([]int64, n)
	for _, h := range hours {
		p.Paid += h.N
		p.PaidFen += h.Fen
		i := daysFrom(first, beijingDay(h.Hour))
		if i < 0 || i >= n {
			p.Outside += h.N
			continue
		}
		count[i] += h.N
		fen[i] += h.Fen
	}
	today := beijingDay(d.AsOf)
	cum := 0
	for i := range n {
		day := addDays(first, i)
		r := PaymentDay{Date: day}
		if !day.After(today) {
			cum += count[i]
			c, f, k := count[i], fen[i], cum
			r.N, r.Fen, r.Cumulative = &c, &f, &k
		}
		p.Days = append(p.Days, r)
	}
	return nil
}

// seats lays out every room of the sites in scope by exam day: candidates
// seated against the seats it has that day.
func (d *Dashboard) seats(ctx context.Context, st store.Reader) error {
	counts, err := st.SeatCounts(ctx, d.Year.Year, d.Site)
	if err != nil {
		return err
	}
	seated := map[[2]string]int{}
	for _, c := range counts {
		seated[[2]string{c.RoomID, c.Day}] += c.N
	}
	days := examDays(d.Year)
	for _, s := range d.Year.Sites {
		if d.Site != "" && s.Code != d.Site {
			continue
		}
		venues, err := st.Venues(ctx, s.Code)
		if err != nil {
			return err
		}
		if len(venues) == 0 {
			continue
		}
		names := map[string]string{}
		for _, v := range venues {
			names[v.ID] = v.Name
		}
		rooms, err := st.Rooms(ctx, s.Code)
		if err != nil {
			return err
		}
		for _, rm := range rooms {
			base := SeatRow{Site: s.Code, Venue: names[rm.VenueID], Room: rm.Name, Kind: rm.Kind}
			if rm.Kind == kaowu.RoomPaper {
				r := base
				r.Assigned, r.Usable = seated[[2]string{rm.ID, ""}], rm.Usable()
				delete(seated, [2]string{rm.ID, ""})
				d.Seats = append(d.Seats, r)
				continue
			}
			for _, day := range days[kaowu.RoomComputer] {
				k := [2]string{rm.ID, day.String()}
				open := len(rm.Days) == 0 || slices.Contains(rm.Days, day)
				if !open && seated[k] == 0 {
					continue
				}
				r := base
				r.Day, r.Assigned = day, seated[k]
				if open {
					r.Usable = rm.Usable()
				}
				delete(seated, k)
				d.Seats = append(d.Seats, r)
			}
		}
	}
	return nil
}

// todo lists, unit by unit, the applications that wait for someone: the
// desk (submitted), the candidate (returned, approved and unpaid).
func (d *Dashboard) todo(pending []store.UnitPending) {
	y := d.Year
	for _, p := range pending {
		s, _ := y.Site(p.Site)
		t := UnitTodo{Site: p.Site, SiteName: s.Name, UnitID: p.UnitID, Unit: p.UnitName, Category: unitCategoryLabel(y, p.UnitCategory, false), N: p.N}
		if t.Unit == "" {
			t.Unit = "未填写单位"
		}
		t.Day, _ = s.ConfirmationDay(p.UnitCategory)
		switch p.State {
		case kaowu.StateSubmitted:
			d.Unconfirmed = append(d.Unconfirmed, t)
		case kaowu.StateReturned:
			d.Returned = append(d.Returned, t)
		case kaowu.StateApproved:
			d.Unpaid = append(d.Unpaid, t)
		}
	}
	// By site, then confirmation day (units without one last), then the
	// most waiting first.
	dayKey := func(d kaowu.Date) string {
		if d.IsZero() {
			return "9999"
		}
		return d.String()
	}
	byDay := func(a, b UnitTodo) int {
		return cmp.Or(cmp.Compare(a.Site, b.Site), cmp.Compare(dayKey(a.Day), dayKey(b.Day)), cmp.Compare(b.N, a.N), cmp.Compare(a.Unit, b.Unit))
	}
	byCount := func(a, b UnitTodo) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Site, b.Site), cmp.Compare(a.Unit, b.Unit))
	}
	slices.SortFunc(d.Unconfirmed, byDay)
	slices.SortFunc(d.Returned, byDay)
	slices.SortFunc(d.Unpaid, byCount)
}

// DaysLeft says how many days a window has left as a person counts them
// (today included), or that it has not opened (-1) or has closed (0).
func DaysLeft(w kaowu.Window, now time.Time) int {
	switch w.PhaseAt(now) {
	case kaowu.PhaseBefore:
		return -1
	case kaowu.PhaseClosed:
		return 0
	}
	return daysFrom(beijingDay(now), w.LastDay()) + 1
}

// StatTable is one of the dashboard's tables, as the page shows it beside
// its chart and as its .xlsx export holds it: a header and rows of cells
// (string, int, tabular.Percent, tabular.Yuan; nil shows as empty).
type StatTable struct {
	Key    string
	Title  string
	Header []string
	Rows   [][]any
}

// Dashboard table keys, as the export's ?table= names them.
const (
	TableSummary      = "summary"
	TableStates       = "states"
	TableDaily        = "daily"
	TableConfirmation = "confirmation"
	TablePayment      = "payment"
	TableSeats        = "seats"
	TableSpecialties  = "specialties"
	TableLevels       = "levels"
	TableCategories   = "categories"
	TableSites        = "sites"
	TableUnconfirmed  = "unconfirmed"
	TableReturned     = "returned"
	TableUnpaid       = "unpaid"
)

func ratio(n, of int) any {
	if of == 0 {
		return nil
	}
	return tabular.Percent(float64(n) / float64(of))
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func groupTable(key, title, first string, rows []GroupRow) StatTable {
	t := StatTable{Key: key, Title: title, Header: []string{first, "报名人数"}}
	for _, s := range FunnelSegments {
		t.Header = append(t.Header, s.Label)
	}
	t.Header = append(t.Header, "草稿（未提交）")
	var total Funnel
	for _, r := range rows {
		row := []any{r.Label, r.Applied()}
		for _, n := range r.Segments() {
			row = append(row, n)
		}
		t.Rows = append(t.Rows, append(row, r.Draft))
		total.Draft += r.Draft
		total.Pending += r.Pending
		total.Review += r.Review
		total.Unpaid += r.Unpaid
		total.Paid += r.Paid
		total.Closed += r.Closed
	}
	row := []any{"合计", total.Applied()}
	for _, n := range total.Segments() {
		row = append(row, n)
	}
	t.Rows = append(t.Rows, append(row, total.Draft))
	return t
}

// Tables returns the dashboard's tables in the page's order.
func (d *Dashboard) Tables() []StatTable {
	var out []StatTable
	t := d.Totals
	out = append(out, StatTable{Key: TableSummary, Title: "概况", Header: []string{"项目", "数值"}, Rows: [][]any{
		{"考试年度", fmt.Sprint(d.Year.Year)},
		{"统计范围", d.SiteName},
		{"统计时间（北京时间）", d.AsOf.In(kaowu.Shanghai).Format("2006-01-02 15:04:05")},
		{"报名人数（已提交）", t.Applied},
		{"待现场确认", t.Pending},
		{"已确认（累计）", t.Confirmed},
		{"其中自动确认", t.AutoConfirmed},
		{"审核通过（累计）", t.Approved},
		{"已缴费（累计）", t.Paid},
		{"无效/未通过/放弃", t.Closed},
		{"其中军队考生", t.Military},
		{"草稿（未提交）", t.Drafts},
	}})

	st := StatTable{Key: TableStates, Title: "报名状态", Header: []string{"状态", "人数"}}
	all := 0
	for _, s := range d.States {
		st.Rows = append(st.Rows, []any{s.State.Label(), s.N})
		all += s.N
	}
	st.Rows = append(st.Rows, []any{"合计", all})
	out = append(out, st)

	prevNote := fmt.Sprintf("%d年度", d.PreviousYear)
	daily := StatTable{Key: TableDaily, Title: "每日网上报名", Header: []string{"报名第几天", "日期", "当日报名", "累计报名"}}
	if d.HasPrevious {
		daily.Title = "每日网上报名（与上一年度对比）"
		daily.Header = append(daily.Header, prevNote+"同期日期", prevNote+"当日报名", prevNote+"累计报名")
	}
	for _, r := range d.Daily {
		row := []any{r.Index, r.Date.String(), intOrNil(r.N), intOrNil(r.Cumulative)}
		if d.HasPrevious {
			row = append(row, r.PrevDate.String(), r.PrevN, r.PrevCum)
		}
		daily.Rows = append(daily.Rows, row)
	}
	out = append(out, daily)

	conf := StatTable{Key: TableConfirmation, Title: "现场确认进度", Header: []string{"确认日期", "单位类别", "应确认人数", "已确认", "其中自动确认",
		"待确认", "退回修改", "逾期无效", "确认率", "当日现场确认", "当日退回"}}
	if d.Site == "" {
		conf.Header = append([]string{"考点"}, conf.Header...)
	}
	for _, r := range d.Confirmation {
		day, cats := r.Date.String(), strings.Join(r.Categories, "、")
		if r.Date.IsZero() {
			day, cats = "其他日期（例外）", ""
		}
		row := []any{day, cats, r.Expected, r.Confirmed, r.Auto, r.Waiting, r.Returned, r.Void, ratio(r.Confirmed, r.Expected), r.DeskConfirmed, r.DeskReturned}
		if d.Site == "" {
			row = append([]any{r.SiteName}, row...)
		}
		conf.Rows = append(conf.Rows, row)
	}
	out = append(out, conf)

	p := d.Payment
	pay := StatTable{Key: TablePayment, Title: "网上缴费进度", Header: []string{"日期", "当日缴费人数", "当日缴费金额（元）", "累计缴费人数", "审核通过人数", "累计缴费率"}}
	for _, r := range p.Days {
		row := []any{r.Date.String(), intOrNil(r.N), nil, intOrNil(r.Cumulative), p.Orders, nil}
		if r.Fen != nil {
			row[2] = tabular.Yuan(*r.Fen)
		}
		if r.Cumulative != nil {
			row[5] = ratio(*r.Cumulative, p.Orders)
		}
		pay.Rows = append(pay.Rows, row)
	}
	if p.Outside > 0 {
		pay.Rows = append(pay.Rows, []any{"缴费时间不在缴费期内", p.Outside, nil, nil, nil, nil})
	}
	pay.Rows = append(pay.Rows, []any{"合计", p.Paid, tabular.Yuan(p.PaidFen), p.Paid, p.Orders, ratio(p.Paid, p.Orders)})
	out = append(out, pay)

	seats := StatTable{Key: TableSeats, Title: "考场座位使用", Header: []string{"考试地点", "考场", "类型", "考试日期", "已安排人数", "可用座位", "使用率"}}
	if d.Site == "" {
		seats.Header = append([]string{"考点"}, seats.Header...)
	}
	assigned, usable := 0, 0
	for _, r := range d.Seats {
		day := "纸笔考试各场次"
		if !r.Day.IsZero() {
			day = r.Day.String()
		}
		row := []any{r.Venue, r.Room, r.Kind.Label(), day, r.Assigned, r.Usable, ratio(r.Assigned, r.Usable)}
		if d.Site == "" {
			s, _ := d.Year.Site(r.Site)
			row = append([]any{s.Name}, row...)
		}
		seats.Rows = append(seats.Rows, row)
		assigned += r.Assigned
		usable += r.Usable
	}
	total := []any{"合计", "", "", "", assigned, usable, ratio(assigned, usable)}
	if d.Site == "" {
		total = append([]any{""}, total...)
	}
	seats.Rows = append(seats.Rows, total)
	out = append(out, seats)

	out = append(out,
		groupTable(TableSpecialties, "按专业", "专业", d.Specialties),
		groupTable(TableLevels, "按级别", "级别", d.Levels),
		groupTable(TableCategories, "按单位类别", "单位类别", d.Categories))
	if d.Site == "" {
		out = append(out, groupTable(TableSites, "按考点", "考点", d.Sites))
	}

	// todo lays out one to-do list by unit; lastHead, when set, is one
	// more column holding last on every row.
	todo := func(key, title, count string, rows []UnitTodo, withDay bool, lastHead string, last any) StatTable {
		t := StatTable{Key: key, Title: title, Header: []string{"单位", "单位类别"}}
		if withDay {
			t.Header = append(t.Header, "现场确认日期")
		}
		t.Header = append(t.Header, count)
		if lastHead != "" {
			t.Header = append(t.Header, lastHead)
		}
		if d.Site == "" {
			t.Header = append([]string{"考点"}, t.Header...)
		}
		n := 0
		for _, r := range rows {
			row := []any{r.Unit, r.Category}
			if withDay {
				day := "（该类别无确认日）"
				if !r.Day.IsZero() {
					day = r.Day.String()
				}
				row = append(row, day)
			}
			row = append(row, r.N)
			if lastHead != "" {
				row = append(row, last)
			}
			if d.Site == "" {
				row = append([]any{r.SiteName}, row...)
			}
			t.Rows = append(t.Rows, row)
			n += r.N
		}
		totalRow := []any{"合计", ""}
		if withDay {
			totalRow = append(totalRow, "")
		}
		totalRow = append(totalRow, n)
		if lastHead != "" {
			totalRow = append(totalRow, "")
		}
		if d.Site == "" {
			totalRow = append([]any{""}, totalRow...)
		}
		t.Rows = append(t.Rows, totalRow)
		return t
	}
	var payLeft any
	switch n := DaysLeft(d.PaymentWindow, d.AsOf); n {
	case -1:
		payLeft = "未开始"
	case 0:
		payLeft = "已截止"
	default:
		payLeft = n
	}
	out = append(out,
		todo(TableUnconfirmed, "待现场确认（按单位）", "待确认人数", d.Unconfirmed, true, "", nil),
		todo(TableReturned, "退回修改未重新提交（按单位）", "待重新提交人数", d.Returned, true, "", nil),
		todo(TableUnpaid, "审核通过未缴费（按单位）", "待缴费人数", d.Unpaid, false, "缴费剩余天数", payLeft))
	return out
}

// Table returns the table with the given key.
func (d *Dashboard) Table(key string) (StatTable, bool) {
	for _, t := range d.Tables() {
		if t.Key == key {
			return t, true
		}
	}
	return StatTable{}, false
}

// XLSX returns one table (key), or every table with key "" or "all" (one
// sheet each), as an .xlsx workbook. The counts are numbers; no person is
// named.
func (d *Dashboard) XLSX(key string) ([]byte, error) {
	tables := d.Tables()
	if key != "" && key != "all" {
		t, ok := d.Table(key)
		if !ok {
			return nil, kaowu.Errorf(kaowu.ENOTFOUND, "没有名为“%s”的统计表", key)
		}
		tables = []StatTable{t}
	}
	sheets := make([]tabular.Table, len(tables))
	for i, t := range tables {
		rows := [][]any{toAny(t.Header)}
		sheets[i] = tabular.Table{Name: t.Title, Rows: append(rows, t.Rows...)}
	}
	var b bytes.Buffer
	if err := tabular.WriteWorkbook(&b, sheets); err != nil {
		return nil, fmt.Errorf("dashboard xlsx: %w", err)
	}
	return b.Bytes(), nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
