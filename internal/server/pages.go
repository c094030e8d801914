package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"kaowu"
	"kaowu/policy"
)

type pages struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"levelLabel":   func(l kaowu.Level) string { return l.Label() },
	"modeLabel":    func(m kaowu.Mode) string { return m.Label() },
	"licenceLabel": func(l kaowu.Licence) string { return l.Label() },
	"subjectLabel": func(s kaowu.Subject) string { return s.Label() },
	"clock":        func(t time.Time) string { return t.In(kaowu.Shanghai).Format("15:04") },
	"dateCN":       func(t time.Time) string { return kaowu.DateOf(t.In(kaowu.Shanghai)).Chinese() },
	"datetimeCN": func(t time.Time) string {
		t = t.In(kaowu.Shanghai)
		return kaowu.DateOf(t).Chinese() + " " + t.Format("15:04")
	},
	// endCN formats the exclusive end of a window as a person says it:
	// midnight is 24:00 of the day before (2024年2月8日 24:00).
	"endCN": datetime,
	"yuan":  kaowu.Yuan,
}

func parsePages() (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}}
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(n.Name(), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		// Every page gets the layout and the shared partials (_*.html).
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", "templates/"+n.Name())
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// page is what every template receives.
type page struct {
	Title     string
	ClockNote string
	Now       time.Time
	Path      string
	Data      any
	// User is the logged-in account, or nil.
	User *kaowu.Account
}

// render executes a page template into a buffer first, so that a template
// error becomes an error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	t, ok := s.pages.sets[name]
	if !ok {
		panic("no template " + name)
	}
	title := ""
	if d, ok := data.(interface{ PageTitle() string }); ok {
		title = d.PageTitle()
	}
	var buf bytes.Buffer
	err := t.Execute(&buf, page{Title: title, ClockNote: s.ClockNote, Now: s.App.Clock.Now(), Path: r.URL.Path, Data: data, User: accountFrom(r.Context())})
	if err != nil {
		s.Log.Error("render", "template", name, "err", err, "request_id", requestID(r.Context()))
		if name != "error" {
			s.pageError(w, r, fmt.Errorf("render %s: %w", name, err))
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	buf.WriteTo(w)
}

// timelineEntry is one window of the calendar as the home page shows it.
type timelineEntry struct {
	kaowu.Window
	Phase    kaowu.Phase
	When     string // the span in Chinese
	Hint     string // how far away it is, or how long is left
	Days     []confirmationDay
	Sessions []sessionRow
}

// sessionRow is one subject's sittings in both modes.
type sessionRow struct {
	Subject    kaowu.Subject
	Paper, CBT string
}

type confirmationDay struct {
	Date       string
	Categories []string
	Today      bool
}

type homeData struct {
	Year     *policy.Year
	Timeline []timelineEntry
	NowIndex int // the "now" marker goes before Timeline[NowIndex]
	Open     []timelineEntry
	Next     *timelineEntry
	Venue    string
	Slots    []policy.Slot
	Active   int
	Removed  int
	CBTDays  string
}

func (homeData) PageTitle() string { return "首页" }

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.App.Clock.Now()
	d := homeData{Year: y}
	d.Active, d.Removed = y.CatalogCounts()
	cal := append([]kaowu.Window(nil), y.Calendar...)
	sort.SliceStable(cal, func(i, j int) bool { return cal[i].Start.Before(cal[j].Start) })
	site, _ := y.Site("fengtai")
	d.NowIndex = len(cal)
	for i, win := range cal {
		e := timelineEntry{Window: win, Phase: win.PhaseAt(now), When: span(win), Hint: hint(win, now)}
		if win.Key == kaowu.WindowConfirmation && site.Confirmation != nil {
			d.Venue, d.Slots = site.Confirmation.Venue, site.Confirmation.Slots
			for _, cd := range site.Confirmation.Days {
				c := confirmationDay{Date: cd.Date.Chinese(), Today: cd.Date == kaowu.DateOf(now.In(kaowu.Shanghai))}
				for _, k := range cd.Categories {
					cat, _ := y.UnitCategory(k)
					c.Categories = append(c.Categories, cat.Name)
				}
				e.Days = append(e.Days, c)
			}
		}
		if win.Key == kaowu.WindowExam {
			e.Sessions, d.CBTDays = sessionTable(y.Sessions)
		}
		if d.NowIndex == len(cal) && win.Start.After(now) {
			d.NowIndex = i
		}
		d.Timeline = append(d.Timeline, e)
		switch {
		case e.Phase == kaowu.PhaseOpen:
			d.Open = append(d.Open, e)
		case e.Phase == kaowu.PhaseBefore && d.Next == nil:
			next := e
			d.Next = &next
		}
	}
	s.render(w, r, http.StatusOK, "home", d)
}

// sessionTable lays out the timetable by subject: the paper sitting's day
// and time, and the computer-based slot's time with the days it runs on.
func sessionTable(sessions []kaowu.Session) ([]sessionRow, string) {
	var rows []sessionRow
	var days []string
	seen := map[string]bool{}
	for _, sub := range kaowu.Subjects {
		r := sessionRow{Subject: sub}
		for _, s := range sessions {
			start, end := s.Start.In(kaowu.Shanghai), s.End.In(kaowu.Shanghai)
			switch {
			case s.Subject != sub:
			case s.Mode == kaowu.ModePaper:
				r.Paper = fmt.Sprintf("%d月%d日 %s—%s", start.Month(), start.Day(), start.Format("15:04"), end.Format("15:04"))
			case s.Mode == kaowu.ModeCBT:
				r.CBT = start.Format("15:04") + "—" + end.Format("15:04")
				if day := fmt.Sprintf("%d月%d日", start.Month(), start.Day()); !seen[day] {
					seen[day] = true
					days = append(days, day)
				}
			}
		}
		rows = append(rows, r)
	}
	return rows, strings.Join(days, "、")
}

// span formats a window in Chinese: whole days as "2023年12月1日至12月14日",
// otherwise with times.
func span(w kaowu.Window) string {
	start, end := w.Start.In(kaowu.Shanghai), w.End.In(kaowu.Shanghai)
	midnight := func(t time.Time) bool { return t.Hour() == 0 && t.Minute() == 0 }
	first := kaowu.DateOf(start)
	if midnight(start) && midnight(end) {
		last := w.LastDay()
		if last == first {
			return first.Chinese()
		}
		return first.Chinese() + "至" + shortDate(first, last)
	}
	lastDay := kaowu.DateOf(end)
	return first.Chinese() + " " + start.Format("15:04") + " 至 " + shortDate(first, lastDay) + " " + end.Format("15:04")
}

func shortDate(from, d kaowu.Date) string {
	if from.Year == d.Year {
		return fmt.Sprintf("%d月%d日", d.Month, d.Day)
	}
	return d.Chinese()
}

// hint says how far a window is from now, in days as a person counts them.
func hint(w kaowu.Window, now time.Time) string {
	today := kaowu.DateOf(now.In(kaowu.Shanghai)).In(time.UTC)
	days := func(t time.Time) int {
		return int(kaowu.DateOf(t.In(kaowu.Shanghai)).In(time.UTC).Sub(today).Hours() / 24)
	}
	switch w.PhaseAt(now) {
	case kaowu.PhaseBefore:
		if n := days(w.Start); n > 0 {
			return fmt.Sprintf("%d 天后开始", n)
		}
		return "今天 " + w.Start.In(kaowu.Shanghai).Format("15:04") + " 开始"
	case kaowu.PhaseOpen:
		last := w.End.Add(-time.Nanosecond)
		if n := days(last); n > 0 {
			return fmt.Sprintf("进行中，还剩 %d 天（截止 %s）", n+1, datetime(w.End))
		}
		return "进行中，今天 " + endClock(w.End) + " 截止"
	default:
		return "已结束"
	}
}

// datetime formats an exclusive end instant as a person says it: midnight
// becomes 24:00 of the day before.
func datetime(t time.Time) string {
	return kaowu.DateOf(t.Add(-time.Nanosecond).In(kaowu.Shanghai)).Chinese() + " " + endClock(t)
}

// endClock formats the time of day of an exclusive end instant; midnight is
// 24:00.
func endClock(t time.Time) string {
	t = t.In(kaowu.Shanghai)
	if t.Hour() == 0 && t.Minute() == 0 {
		return "24:00"
	}
	return t.Format("15:04")
}

type catalogGroup struct {
	Level kaowu.Level
	Rows  []catalogRow
}

type catalogRow struct {
	kaowu.Specialty
	Merged []string // "303 内科学" for removed specialties
}

type catalogData struct {
	Year   *policy.Year
	Query  string
	Level  string
	Groups []catalogGroup
	Count  int
}

func (catalogData) PageTitle() string { return "专业目录" }

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := catalogData{Year: y, Query: strings.TrimSpace(r.URL.Query().Get("q")), Level: r.URL.Query().Get("level")}
	d.Groups = catalogGroups(y, d.Query, d.Level)
	for _, g := range d.Groups {
		d.Count += len(g.Rows)
	}
	s.render(w, r, http.StatusOK, "catalog", d)
}

// catalogGroups returns the catalogue by level, filtered by a code prefix
// or name fragment and by level; removed specialties carry the names of
// what they merged into.
func catalogGroups(y *policy.Year, q, level string) []catalogGroup {
	var out []catalogGroup
	groups := y.CatalogByLevel()
	for _, l := range kaowu.Levels {
		if level != "" && level != string(l) {
			continue
		}
		g := catalogGroup{Level: l}
		for _, sp := range groups[l] {
			if !matches(sp, q) {
				continue
			}
			row := catalogRow{Specialty: sp}
			for _, code := range sp.MergedInto {
				t, _ := y.Specialty(code)
				row.Merged = append(row.Merged, code+" "+t.Name)
			}
			g.Rows = append(g.Rows, row)
		}
		if len(g.Rows) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func matches(sp kaowu.Specialty, q string) bool {
	return q == "" || strings.HasPrefix(sp.Code, q) || strings.Contains(sp.Name, q)
}
