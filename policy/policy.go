// Package policy holds the exam year as data: the calendar, fees, the
// specialty catalogue, the sites, the timetable and the eligibility
// parameters, each value citing the clause of the notice it comes from.
//
// Years ship embedded (years/*.yaml) and are replaceable by the region
// office; Load validates a year and refuses a broken one with messages that
// name the field.
package policy

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"kaowu"
)

//go:embed years/*.yaml
var embedded embed.FS

// Year is one exam year's data (考试年度).
type Year struct {
	Year           int               `yaml:"year" json:"year"`
	Title          string            `yaml:"title" json:"title"`
	Notice         Notice            `yaml:"notice" json:"notice"`
	Clauses        []Clause          `yaml:"clauses" json:"clauses"`
	Cutoff         Cutoff            `yaml:"cutoff" json:"cutoff"`
	Fee            Fee               `yaml:"fee" json:"fee"`
	PassLine       PassLine          `yaml:"pass_line" json:"pass_line"`
	Calendar       []kaowu.Window    `yaml:"calendar" json:"calendar"`
	Sessions       []kaowu.Session   `yaml:"sessions" json:"sessions"`
	Region         Region            `yaml:"region" json:"region"`
	Sites          []Site            `yaml:"sites" json:"sites"`
	UnitCategories []UnitCategory    `yaml:"unit_categories" json:"unit_categories"`
	LicenceRules   []LicenceRule     `yaml:"licence_rules" json:"licence_rules"`
	Eligibility    Eligibility       `yaml:"eligibility" json:"eligibility"`
	Catalog        []kaowu.Specialty `yaml:"catalog" json:"catalog"`
	// Retention, when set, is how long the year's personal data is kept;
	// a year without it (one stored before the field existed) is never
	// purged.
	Retention *Retention `yaml:"retention,omitempty" json:"retention,omitempty"`
}

// Notice identifies the document the year implements.
type Notice struct {
	Title  string     `yaml:"title" json:"title"`
	Issuer string     `yaml:"issuer" json:"issuer"`
	Date   kaowu.Date `yaml:"date" json:"date"`
	Basis  string     `yaml:"basis" json:"basis"`
}

// Clause is one numbered clause or sub-item of the notice, e.g. 一（七）,
// with its text as printed. Info, when set, says why the clause asks
// nothing of the system (information only). Help and Example explain, in
// plain Chinese, a clause that can refuse a candidate.
type Clause struct {
	ID      string `yaml:"id" json:"id"`
	Title   string `yaml:"title" json:"title"`
	Info    string `yaml:"info,omitempty" json:"info,omitempty"`
	Help    string `yaml:"help,omitempty" json:"help,omitempty"`
	Example string `yaml:"example,omitempty" json:"example,omitempty"`
	Text    string `yaml:"text" json:"text"`
}

// Cutoff is the date up to which education and years of work are counted.
type Cutoff struct {
	Date   kaowu.Date `yaml:"date" json:"date"`
	Clause string     `yaml:"clause" json:"clause"`
}

// Fee is the fee per subject, in fen.
type Fee struct {
	PerSubjectFen int64  `yaml:"per_subject_fen" json:"per_subject_fen"`
	Clause        string `yaml:"clause" json:"clause"`
}

// PassLine is the score at or above which a subject is passed.
type PassLine struct {
	Score    int    `yaml:"score" json:"score"`
	Max      int    `yaml:"max" json:"max"`
	Clause   string `yaml:"clause" json:"clause"`
	Verified bool   `yaml:"verified" json:"verified"`
	Source   string `yaml:"source" json:"source"`
}

// Region is the exam region (考区).
type Region struct {
	Code string `yaml:"code" json:"code"`
	Name string `yaml:"name" json:"name"`
}

// Site is an exam site (考点): one per district in Beijing. Candidates
// whose unit is in District must choose it, and no one else may (二（一）).
type Site struct {
	Code     string `yaml:"code" json:"code"`
	Name     string `yaml:"name" json:"name"`
	District string `yaml:"district" json:"district"`
	// AreaCode is the district's administrative area code (GB/T 2260, 丰台区
	// 110106); it is part of every ticket and archive number the site
	// issues (kaowu.TicketNo).
	AreaCode     string        `yaml:"area_code,omitempty" json:"area_code,omitempty"`
	Confirmation *Confirmation `yaml:"confirmation,omitempty" json:"confirmation,omitempty"`
}

// Confirmation is a site's on-site confirmation arrangement (二（二）).
type Confirmation struct {
	Venue  string            `yaml:"venue" json:"venue"`
	Clause string            `yaml:"clause" json:"clause"`
	Slots  []Slot            `yaml:"slots" json:"slots"`
	Days   []ConfirmationDay `yaml:"days" json:"days"`
}

// Slot is a half-day time slot, as "09:00"–"11:30".
type Slot struct {
	Name  string `yaml:"name" json:"name"`
	Start string `yaml:"start" json:"start"`
	End   string `yaml:"end" json:"end"`
}

// ConfirmationDay is the day on which units of the listed categories
// confirm their candidates.
type ConfirmationDay struct {
	Date       kaowu.Date `yaml:"date" json:"date"`
	Categories []string   `yaml:"categories" json:"categories"`
}

// UnitCategory is a kind of employer unit, which fixes its confirmation day.
type UnitCategory struct {
	Key  string `yaml:"key" json:"key"`
	Name string `yaml:"name" json:"name"`
}

// LicenceRule says which licence the codes From..To require (一（七）).
type LicenceRule struct {
	From    int           `yaml:"from" json:"from"`
	To      int           `yaml:"to" json:"to"`
	Licence kaowu.Licence `yaml:"licence" json:"licence"`
	Clause  string        `yaml:"clause" json:"clause"`
}

// Retention is how long candidates' personal data of the year (photos,
// evidence scans, contact details) is kept after the exam year closes,
// before the purge job deletes it (internal/app PurgePersonalData). The
// records the law requires (results, certificates, payments, the audit
// log) are kept regardless. Its basis is the Personal Information
// Protection Law (《个人信息保护法》第十九条), not the notice: the notice says
// nothing about retention.
type Retention struct {
	// YearCloses is the last day of the exam year's business (results
	// published, certificates handed out, refunds settled).
	YearCloses kaowu.Date `yaml:"year_closes" json:"year_closes"`
	// KeepMonths is how many months after YearCloses the data is kept.
	KeepMonths int `yaml:"keep_months" json:"keep_months"`
	// Basis is the legal provision the period rests on, as text.
	Basis string `yaml:"basis" json:"basis"`
}

// RetentionEnds returns the instant from which the year's personal data
// may be purged: the start (Beijing time) of the day after YearCloses,
// KeepMonths months later (a day the target month lacks moves forward, as
// in time.AddDate: never earlier). ok is false when the year sets no
// retention.
func (y *Year) RetentionEnds() (ends time.Time, ok bool) {
	r := y.Retention
	if r == nil || r.YearCloses.IsZero() {
		return time.Time{}, false
	}
	return r.YearCloses.In(kaowu.Shanghai).AddDate(0, 0, 1).AddDate(0, r.KeepMonths, 0), true
}

// Embedded returns the years shipped in the binary, by year, unvalidated.
func Embedded() map[int][]byte {
	out := map[int][]byte{}
	names, _ := fs.Glob(embedded, "years/*.yaml")
	for _, name := range names {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "years/"), ".yaml"))
		if err != nil {
			continue
		}
		b, _ := embedded.ReadFile(name)
		out[n] = b
	}
	return out
}

// Default returns the embedded, validated data of year y.
func Default(y int) (*Year, error) {
	b, ok := Embedded()[y]
	if !ok {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "没有%d考试年度的数据", y)
	}
	return Load(b)
}

// Load decodes and validates a year. Unknown fields are refused.
func Load(data []byte) (*Year, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var y Year
	if err := dec.Decode(&y); err != nil {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "考试年度数据格式错误：" + yamlMessage(err), Err: err}
	}
	if err := y.Validate(); err != nil {
		return nil, err
	}
	return &y, nil
}

func yamlMessage(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
	return strings.ReplaceAll(s, "not found in type", "不是已知字段，所在类型")
}

// Marshal encodes the year as YAML.
func (y *Year) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(y); err != nil {
		return nil, fmt.Errorf("marshal year %d: %w", y.Year, err)
	}
	return buf.Bytes(), nil
}

// find returns the first element of xs that match accepts.
func find[T any](xs []T, match func(T) bool) (T, bool) {
	for _, x := range xs {
		if match(x) {
			return x, true
		}
	}
	var zero T
	return zero, false
}

// Window returns the calendar window with the given key.
func (y *Year) Window(key string) (kaowu.Window, bool) {
	return find(y.Calendar, func(w kaowu.Window) bool { return w.Key == key })
}

// Specialty returns the catalogue row with the given code.
func (y *Year) Specialty(code string) (kaowu.Specialty, bool) {
	return find(y.Catalog, func(s kaowu.Specialty) bool { return s.Code == code })
}

// Site returns the site with the given code.
func (y *Year) Site(code string) (Site, bool) {
	return find(y.Sites, func(s Site) bool { return s.Code == code })
}

// SiteForDistrict returns the site that serves a district.
func (y *Year) SiteForDistrict(district string) (Site, bool) {
	return find(y.Sites, func(s Site) bool { return s.District == district })
}

// UnitCategory returns the unit category with the given key.
func (y *Year) UnitCategory(key string) (UnitCategory, bool) {
	return find(y.UnitCategories, func(c UnitCategory) bool { return c.Key == key })
}

// Clause returns the clause with the given id.
func (y *Year) Clause(id string) (Clause, bool) {
	return find(y.Clauses, func(c Clause) bool { return c.ID == id })
}

// ConfirmationDay returns the day on which units of category confirm at
// site.
func (s Site) ConfirmationDay(category string) (kaowu.Date, bool) {
	if s.Confirmation == nil {
		return kaowu.Date{}, false
	}
	for _, d := range s.Confirmation.Days {
		for _, c := range d.Categories {
			if c == category {
				return d.Date, true
			}
		}
	}
	return kaowu.Date{}, false
}

// RequiredLicence returns the licence that the licence rules require for a
// specialty code, with the rule's clause.
func (y *Year) RequiredLicence(code int) (kaowu.Licence, string) {
	for _, r := range y.LicenceRules {
		if code >= r.From && code <= r.To {
			return r.Licence, r.Clause
		}
	}
	return kaowu.LicenceNone, ""
}

// CatalogCounts returns the number of active and removed specialties.
func (y *Year) CatalogCounts() (active, removed int) {
	for _, s := range y.Catalog {
		if s.Active() {
			active++
		} else {
			removed++
		}
	}
	return active, removed
}

// CatalogByLevel returns the catalogue grouped by level, each group sorted
// by code.
func (y *Year) CatalogByLevel() map[kaowu.Level][]kaowu.Specialty {
	out := map[kaowu.Level][]kaowu.Specialty{}
	for _, s := range y.Catalog {
		out[s.Level] = append(out[s.Level], s)
	}
	for _, g := range out {
		sort.Slice(g, func(i, j int) bool { return g[i].Code < g[j].Code })
	}
	return out
}

// Draft returns a draft of exam year next made from y: every instant and
// date moved by next-y years, the cut-off moved, everything else copied. The
// region office edits the draft against the new notice before loading it.
func (y *Year) Draft(next int) (*Year, error) {
	b, err := y.Marshal()
	if err != nil {
		return nil, err
	}
	var d Year
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("draft %d: %w", next, err)
	}
	n := next - y.Year
	d.Year = next
	d.Title = strings.ReplaceAll(d.Title, strconv.Itoa(y.Year), strconv.Itoa(next))
	d.Notice = Notice{Title: "（待填写：" + strconv.Itoa(next) + "年度通知）", Issuer: y.Notice.Issuer, Basis: "（待填写）"}
	d.Cutoff.Date = d.Cutoff.Date.AddYears(n)
	for i := range d.Calendar {
		d.Calendar[i].Start = d.Calendar[i].Start.AddDate(n, 0, 0)
		d.Calendar[i].End = d.Calendar[i].End.AddDate(n, 0, 0)
	}
	for i := range d.Sessions {
		d.Sessions[i].Start = d.Sessions[i].Start.AddDate(n, 0, 0)
		d.Sessions[i].End = d.Sessions[i].End.AddDate(n, 0, 0)
	}
	for _, s := range d.Sites {
		if s.Confirmation == nil {
			continue
		}
		for i := range s.Confirmation.Days {
			s.Confirmation.Days[i].Date = s.Confirmation.Days[i].Date.AddYears(n)
		}
	}
	d.Eligibility = d.Eligibility.shifted(n)
	if d.Retention != nil {
		r := *d.Retention
		r.YearCloses = r.YearCloses.AddYears(n)
		d.Retention = &r
	}
	return &d, nil
}
