package server

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/tabular"
)

// dashboardRoutes registers the offices' dashboards (issue 11): the site
// office's of its own site, the region's of every site or one, each table
// as .xlsx and all of them as one workbook.
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	region := s.requireRole(kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/dashboard", office(s.siteDashboardPage))
	s.handleFunc(mux, "GET /staff/dashboard.xlsx", office(s.siteDashboardXLSX))
	s.handleFunc(mux, "GET /review/dashboard", region(s.regionDashboardPage))
	s.handleFunc(mux, "GET /review/dashboard.xlsx", region(s.regionDashboardXLSX))
}

func (s *Server) siteDashboardPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.App.SiteDashboard(r.Context(), actorOf(r), r.URL.Query().Get("site"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := newDashboardPage(d, "/staff/dashboard", false, r.URL.Query().Get("site"))
	p.MaxAge = int(s.App.DashboardMaxAge().Seconds())
	s.render(w, r, http.StatusOK, "dashboard", p)
}

func (s *Server) regionDashboardPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.App.RegionDashboard(r.Context(), actorOf(r), r.URL.Query().Get("site"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := newDashboardPage(d, "/review/dashboard", true, r.URL.Query().Get("site"))
	p.MaxAge = int(s.App.DashboardMaxAge().Seconds())
	s.render(w, r, http.StatusOK, "dashboard", p)
}

func (s *Server) siteDashboardXLSX(w http.ResponseWriter, r *http.Request) {
	d, err := s.App.SiteDashboard(r.Context(), actorOf(r), r.URL.Query().Get("site"))
	s.sendDashboardXLSX(w, r, d, err)
}

func (s *Server) regionDashboardXLSX(w http.ResponseWriter, r *http.Request) {
	d, err := s.App.RegionDashboard(r.Context(), actorOf(r), r.URL.Query().Get("site"))
	s.sendDashboardXLSX(w, r, d, err)
}

// sendDashboardXLSX answers with the table ?table= names (all of them
// without one) as .xlsx.
func (s *Server) sendDashboardXLSX(w http.ResponseWriter, r *http.Request, d *app.Dashboard, err error) {
	key := r.URL.Query().Get("table")
	var b []byte
	name := ""
	if err == nil {
		b, err = d.XLSX(key)
		scope := d.Site
		if scope == "" {
			scope = "all"
		}
		if key == "" {
			key = "all"
		}
		name = fmt.Sprintf("dashboard-%d-%s-%s-%s.xlsx", d.Year.Year, scope, key, d.AsOf.In(kaowu.Shanghai).Format("20060102-1504"))
	}
	if err == nil {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		name = ""
	}
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, b, err)
}

// dashPanel is one chart with its table (or a table alone), and the link
// that exports that table.
type dashPanel struct {
	// Wide is set for a table too wide to stand beside its chart.
	Wide   bool
	Key    string
	Title  string
	Note   string
	SVG    template.HTML
	Legend []legendItem
	Table  app.StatTable
	XLSX   string
}

// dashStage is one window of the calendar with where now stands.
type dashStage struct {
	Name, When, Hint, Clause string
	Phase                    kaowu.Phase
}

type dashboardPage struct {
	D       *app.Dashboard
	Region  bool
	Base    string
	Sites   []option
	Stages  []dashStage
	Summary dashPanel
	Todo    []dashPanel
	Panels  []dashPanel
	AllXLSX string
	// MaxAge is how many seconds a computed dashboard is shown to whoever
	// opens it (0: computed for each request).
	MaxAge int
}

func (p dashboardPage) PageTitle() string { return "统计看板" }

// Series of the charts: where applications stand, and the days' lines.
var (
	funnelSeries = []series{{"待现场确认", "s-wait"}, {"待资格审核", "s-info"}, {"待缴费", "s-returned"}, {"已缴费", "s-ok"},
		{"无效/未通过/放弃", "s-void"}, {"草稿（未提交）", "s-draft"}}
	confirmSeries = []series{{"已确认", "s-ok"}, {"待确认", "s-wait"}, {"退回修改", "s-returned"}, {"逾期无效", "s-void"}}
	seatSeries    = []series{{"已安排", "s-info"}}
)

// stateSegment is the funnel segment (funnelSeries) of each state.
var stateSegment = map[kaowu.ApplicationState]int{
	kaowu.StateSubmitted: 0, kaowu.StateReturned: 0, kaowu.StateConfirmed: 1, kaowu.StateApproved: 2,
	kaowu.StatePaid: 3, kaowu.StateTicketed: 3, kaowu.StateScored: 3,
	kaowu.StateVoid: 4, kaowu.StateRejected: 4, kaowu.StateForfeited: 4, kaowu.StateDraft: 5,
}

// maxChartRows is the most groups a chart draws; the table has them all.
const maxChartRows = 15

func newDashboardPage(d *app.Dashboard, base string, region bool, site string) dashboardPage {
	p := dashboardPage{D: d, Region: region, Base: base}
	q := url.Values{}
	if site != "" {
		q.Set("site", site)
	}
	xlsx := func(key string) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		v.Set("table", key)
		return base + ".xlsx?" + v.Encode()
	}
	p.AllXLSX = xlsx("all")
	if region {
		p.Sites = append(p.Sites, option{"", "全部考点", site == ""})
		for _, s := range d.Year.Sites {
			p.Sites = append(p.Sites, option{s.Code, s.Name, s.Code == site})
		}
	}
	cal := slices.Clone(d.Year.Calendar)
	slices.SortStableFunc(cal, func(a, b kaowu.Window) int { return a.Start.Compare(b.Start) })
	for _, w := range cal {
		p.Stages = append(p.Stages, dashStage{Name: w.Name, When: span(w), Hint: hint(w, d.AsOf), Clause: w.Clause, Phase: w.PhaseAt(d.AsOf)})
	}
	tables := map[string]app.StatTable{}
	for _, t := range d.Tables() {
		tables[t.Key] = t
	}
	panel := func(key, note string, svg template.HTML, legend []legendItem) dashPanel {
		t := tables[key]
		return dashPanel{Key: key, Title: t.Title, Note: note, SVG: svg, Legend: legend, Table: t, XLSX: xlsx(key), Wide: len(t.Header) > 6}
	}
	p.Summary = panel(app.TableSummary, "", "", nil)

	conf, pay := d.ConfirmationWindow, d.PaymentWindow
	p.Todo = []dashPanel{
		panel(app.TableUnconfirmed, fmt.Sprintf("已提交、待现场确认的考生，按单位及其确认日期。现场确认%s，%s；逾期未确认的，网上报名无效（%s）。",
			span(conf), hint(conf, d.AsOf), conf.Clause), "", nil),
		panel(app.TableReturned, fmt.Sprintf("现场退回修改、尚未重新提交的考生：须在现场确认截止前改正并重新提交（%s）。现场确认%s。", conf.Clause, hint(conf, d.AsOf)), "", nil),
		panel(app.TableUnpaid, fmt.Sprintf("资格审核通过、尚未缴费的考生。网上缴费%s，%s；逾期未缴费视为放弃报名（%s）。", span(pay), hint(pay, d.AsOf), pay.Clause), "", nil),
	}

	// Where applications stand.
	var stateRows []barRow
	for _, st := range d.States {
		v := make([]int, len(funnelSeries))
		v[stateSegment[st.State]] = st.N
		stateRows = append(stateRows, barRow{Label: st.State.Label(), Values: v})
	}
	p.Panels = append(p.Panels, panel(app.TableStates, "每份报名只计一次，按当前状态统计；“未提交”含撤回后尚未重新提交的。",
		barChart("chart-states", "各状态报名人数（条形图）", funnelSeries, stateRows), funnelSeries))

	// Day by day.
	var xs []string
	var this, last []*int
	for _, r := range d.Daily {
		xs = append(xs, fmt.Sprintf("%d/%d", r.Date.Month, r.Date.Day))
		this = append(this, r.N)
		n := r.PrevN
		last = append(last, &n)
	}
	daily := xyChart{ID: "chart-daily", Title: "每日网上报名人数（折线图）", X: xs, Lines: []xySeries{{series{fmt.Sprintf("%d年度", d.Year.Year), "s-this"}, this}}}
	note := "按首次提交报名的日期（北京时间）统计；撤回后重新提交的，只按首次提交计。"
	if d.HasPrevious {
		daily.Title = fmt.Sprintf("每日网上报名人数：%d年度与%d年度对比（折线图）", d.Year.Year, d.PreviousYear)
		daily.Lines = append(daily.Lines, xySeries{series{fmt.Sprintf("%d年度（按报名第几天对齐）", d.PreviousYear), "s-last"}, last})
		note += fmt.Sprintf("%d年度按网上报名开始后的同一天对齐。", d.PreviousYear)
	} else {
		note += fmt.Sprintf("系统中没有%d年度的报名数据，无法与上一年度对比。", d.PreviousYear)
	}
	if d.OutsideWindow > 0 {
		note += fmt.Sprintf("另有 %d 人的首次提交不在网上报名期内，未计入。", d.OutsideWindow)
	}
	var lineLegend []legendItem
	for _, l := range daily.Lines {
		lineLegend = append(lineLegend, l.series)
	}
	p.Panels = append(p.Panels, panel(app.TableDaily, note, daily.svg(), lineLegend))

	// On-site confirmation, day by day.
	var confRows []barRow
	for _, r := range d.Confirmation {
		label := fmt.Sprintf("%d月%d日 ", r.Date.Month, r.Date.Day)
		if r.Date.IsZero() {
			label = "其他日期（例外） "
		}
		if d.Site == "" {
			label = r.SiteName + " " + label
		}
		for i, c := range r.Categories {
			if i > 0 {
				label += "、"
			}
			label += c
		}
		confRows = append(confRows, barRow{Label: label, Values: []int{r.Confirmed, r.Waiting, r.Returned, r.Void}, Of: r.Expected,
			Text: fmt.Sprintf("已确认 %d/%d（%s）", r.Confirmed, r.Expected, percent(r.Confirmed, r.Expected))})
	}
	note = fmt.Sprintf("应确认人数：该日确认的单位类别中已提交过报名的考生（军队考生和未填写单位的不在其中）；自动确认的历史考生计入已确认。当日现场确认、当日退回为服务台当天的办理次数。现场确认%s，%s。",
		span(conf), hint(conf, d.AsOf))
	if len(d.Confirmation) == 0 {
		note = "所选考点的现场确认安排不在本系统中（由其各自的通知规定）。"
	}
	p.Panels = append(p.Panels, panel(app.TableConfirmation, note,
		barChart("chart-confirmation", "各确认日现场确认进度（进度条）", confirmSeries, confRows), confirmSeries))

	// Payment.
	var payX []string
	var payN, payCum []*int
	for _, r := range d.Payment.Days {
		payX = append(payX, fmt.Sprintf("%d/%d", r.Date.Month, r.Date.Day))
		payN = append(payN, r.N)
		payCum = append(payCum, r.Cumulative)
	}
	payChart := xyChart{ID: "chart-payment", Title: "网上缴费进度：每日缴费人数与累计缴费人数（柱状图和折线图）", X: payX,
		Bars:   &xySeries{series{"当日缴费人数", "s-info"}, payN},
		Lines:  []xySeries{{series{"累计缴费人数", "s-ok"}, payCum}},
		Target: d.Payment.Orders, TargetLabel: fmt.Sprintf("审核通过 %d 人", d.Payment.Orders)}
	p.Panels = append(p.Panels, panel(app.TablePayment,
		fmt.Sprintf("审核通过人数为已生成缴费订单的人数；军队考生由所在单位在交接时统一缴费，不在此列。网上缴费%s，%s。", span(pay), hint(pay, d.AsOf)),
		payChart.svg(), []legendItem{{"当日缴费人数", "s-info"}, {"累计缴费人数", "s-ok"}, {"审核通过人数（虚线）", "s-target"}}))

	// Seats.
	var seatRows []barRow
	for _, r := range d.Seats {
		day := "纸笔考试各场次"
		if !r.Day.IsZero() {
			day = fmt.Sprintf("%d月%d日", r.Day.Month, r.Day.Day)
		}
		seatRows = append(seatRows, barRow{Label: r.Venue + " " + r.Room + " · " + day, Values: []int{r.Assigned}, Of: r.Usable})
	}
	note = "计算机考场按每个考试日计算可用座位（可用机位数）；纸笔考场的一个座位用于全部纸笔考试场次。"
	if len(d.Seats) == 0 {
		note = "尚未导入考场。"
	}
	p.Panels = append(p.Panels, panel(app.TableSeats, note, barChart("chart-seats", "各考场座位使用（进度条）", seatSeries, seatRows), seatSeries))

	// By specialty, level, unit category, site.
	groupNote := "按当前所处阶段统计：待现场确认含退回修改；“无效/未通过/放弃”含逾期未确认、审核未通过和逾期未缴费。"
	groups := func(key, id, title string, rows []app.GroupRow) dashPanel {
		var bars []barRow
		for _, r := range rows {
			bars = append(bars, barRow{Label: r.Label, Values: r.Segments()})
		}
		note := groupNote
		if len(bars) > maxChartRows {
			slices.SortStableFunc(bars, func(a, b barRow) int { return b.total() - a.total() })
			bars = bars[:maxChartRows]
			note = fmt.Sprintf("图中为报名人数最多的 %d 个，全部见表格。", maxChartRows) + groupNote
		}
		return panel(key, note, barChart(id, title, funnelSeries[:5], bars), funnelSeries[:5])
	}
	p.Panels = append(p.Panels,
		groups(app.TableSpecialties, "chart-specialties", "各专业报名人数及所处阶段（条形图）", d.Specialties),
		groups(app.TableLevels, "chart-levels", "各级别报名人数及所处阶段（条形图）", d.Levels),
		groups(app.TableCategories, "chart-categories", "各单位类别报名人数及所处阶段（条形图）", d.Categories))
	if d.Site == "" {
		p.Panels = append(p.Panels, groups(app.TableSites, "chart-sites", "各考点报名人数及所处阶段（条形图）", d.Sites))
	}
	return p
}

func init() {
	// cell shows a table cell as the spreadsheet does.
	funcs["cell"] = func(c any) string {
		switch v := c.(type) {
		case nil:
			return "—"
		case int:
			return strconv.Itoa(v)
		case tabular.Percent:
			return strconv.FormatFloat(float64(v)*100, 'f', 1, 64) + "%"
		case tabular.Yuan:
			return kaowu.Yuan(int64(v))
		}
		return fmt.Sprint(c)
	}
	funcs["totalRow"] = func(row []any) bool { return slices.Contains(row, any("合计")) }
	// cellClass is num for numbers, long for text that may wrap.
	funcs["cellClass"] = func(c any) string {
		switch v := c.(type) {
		case nil, int, tabular.Percent, tabular.Yuan:
			return "num"
		case string:
			if utf8.RuneCountInString(v) > 10 {
				return "long"
			}
		}
		return ""
	}
	// empty reports whether a to-do table has nothing but its zero total.
	funcs["empty"] = func(t app.StatTable) bool {
		return len(t.Rows) == 1 && slices.Contains(t.Rows[0], any(0))
	}
	funcs["phaseClass"] = func(p kaowu.Phase) string {
		switch p {
		case kaowu.PhaseOpen:
			return "open"
		case kaowu.PhaseClosed:
			return "past"
		}
		return "future"
	}
}
