package scoring

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"

	"kaowu"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	show   = flag.String("show", "", "log the results of the cases whose name contains this")
)

// caseFile is testdata/cases.yaml.
type caseFile struct {
	Defaults caseInput `yaml:"defaults"`
	Cases    []tcase   `yaml:"cases"`
}

// tcase is one case: an input (defaults merged in) and what the result,
// or the error, must be.
type tcase struct {
	Name   string    `yaml:"name"`
	Desc   string    `yaml:"desc"`
	Golden string    `yaml:"golden"`
	Input  caseInput `yaml:"input"`
	Expect texpect   `yaml:"expect"`
}

type caseInput struct {
	Year      *int                 `yaml:"year"`
	Specialty *string              `yaml:"specialty"`
	PassScore *int                 `yaml:"pass_score"`
	MaxScore  *int                 `yaml:"max_score"`
	Window    *int                 `yaml:"window"`
	Merged    *map[string][]string `yaml:"merged"`
	Records   []trecord            `yaml:"records"`
}

type trecord struct {
	Year       int                   `yaml:"year"`
	Specialty  string                `yaml:"specialty"`
	ArchiveNo  string                `yaml:"archive_no"`
	Province   string                `yaml:"province"`
	Absent     bool                  `yaml:"absent"`
	Misconduct bool                  `yaml:"misconduct"`
	Scores     map[string]any        `yaml:"scores"`
	Passed     map[string]bool       `yaml:"passed"`
	Results    []kaowu.SubjectResult `yaml:"results"`
}

type texpect struct {
	Passed        bool                  `yaml:"passed"`
	Remaining     []kaowu.Subject       `yaml:"remaining"`
	Counted       map[kaowu.Subject]int `yaml:"counted"`
	Merged        []kaowu.Subject       `yaml:"merged"`
	CarryUntil    int                   `yaml:"carry_until"`
	NextRemaining *[]kaowu.Subject      `yaml:"next_remaining"`
	Excluded      []texcl               `yaml:"excluded"`
	Reasons       []string              `yaml:"reasons"`
	Error         []string              `yaml:"error"`
	Fields        []string              `yaml:"fields"`
}

type texcl struct {
	Kind      ExclusionKind    `yaml:"kind"`
	Year      int              `yaml:"year"`
	Specialty string           `yaml:"specialty"`
	Clause    string           `yaml:"clause"`
	Whole     *bool            `yaml:"whole"`
	Subjects  *[]kaowu.Subject `yaml:"subjects"`
}

func loadCases(t testing.TB) (caseFile, []tcase) {
	t.Helper()
	b, err := os.ReadFile("testdata/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f caseFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("testdata/cases.yaml: %v", err)
	}
	names := map[string]bool{}
	for _, c := range f.Cases {
		if c.Name == "" || names[c.Name] || strings.TrimSpace(c.Desc) == "" {
			t.Fatalf("case %q: name empty or repeated, or no desc", c.Name)
		}
		names[c.Name] = true
	}
	return f, f.Cases
}

// input builds the case's Input, the defaults filling what it leaves out.
// Pass flags default to what the scores give, as an import would set them.
func (c *tcase) input(t testing.TB, d caseInput) Input {
	t.Helper()
	pick := func(v, def *int) int {
		if v != nil {
			return *v
		}
		if def != nil {
			return *def
		}
		return 0
	}
	in := Input{
		Year:      pick(c.Input.Year, d.Year),
		PassScore: pick(c.Input.PassScore, d.PassScore),
		MaxScore:  pick(c.Input.MaxScore, d.MaxScore),
		Window:    pick(c.Input.Window, d.Window),
	}
	if c.Input.Specialty != nil {
		in.Specialty = *c.Input.Specialty
	}
	switch {
	case c.Input.Merged != nil:
		in.Merged = maps.Clone(*c.Input.Merged)
	case d.Merged != nil:
		in.Merged = maps.Clone(*d.Merged)
	}
	for _, tr := range c.Input.Records {
		r := Record{Year: tr.Year, Specialty: tr.Specialty, ArchiveNo: tr.ArchiveNo, Province: tr.Province,
			Absent: tr.Absent, Misconduct: tr.Misconduct, Results: slices.Clone(tr.Results)}
		names := slices.Collect(maps.Keys(tr.Scores))
		sort.Slice(names, func(i, j int) bool { // exam order, then unknown subjects by name
			a, b := subjectIndex(kaowu.Subject(names[i])), subjectIndex(kaowu.Subject(names[j]))
			if (a < 0) != (b < 0) {
				return a >= 0
			}
			if a != b {
				return a < b
			}
			return names[i] < names[j]
		})
		for _, n := range names {
			sr := kaowu.SubjectResult{Subject: kaowu.Subject(n)}
			switch v := tr.Scores[n].(type) {
			case int:
				sr.Sat, sr.Score = true, v
			case string:
				if v != "absent" {
					t.Fatalf("%s: score %q of %s: want a number or absent", c.Name, v, n)
				}
			default:
				t.Fatalf("%s: score %v of %s: want a number or absent", c.Name, v, n)
			}
			sr.Passed = Passed(sr.Score, in.PassScore, sr.Sat)
			if p, ok := tr.Passed[n]; ok {
				sr.Passed = p
			}
			r.Results = append(r.Results, sr)
		}
		in.Records = append(in.Records, r)
	}
	return in
}

func TestCases(t *testing.T) {
	f, cases := loadCases(t)
	if len(cases) < 40 {
		t.Errorf("%d cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			in := c.input(t, f.Defaults)
			res, err := Evaluate(in, true)
			if *show != "" && strings.Contains(c.Name, *show) {
				t.Log(js(res), err)
			}
			if len(c.Expect.Error) > 0 {
				checkError(t, &c, err)
				return
			}
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			defer func() {
				if t.Failed() {
					t.Logf("%s\nresult:\n%s", c.Desc, js(withoutTrace(res)))
				}
			}()
			check(t, &c, res)
			if err := invariants(in, res); err != nil {
				t.Error(err)
			}
			// The order of the records does not matter.
			rev := in
			rev.Records = slices.Clone(in.Records)
			slices.Reverse(rev.Records)
			if again, err := Evaluate(rev, true); err != nil || !reflect.DeepEqual(again, res) {
				t.Errorf("result depends on the order of the records (err %v):\n%s", err, js(again))
			}
			// Without a trace the decision is the same.
			if quiet, err := Evaluate(in, false); err != nil || !reflect.DeepEqual(quiet, withoutTrace(res)) {
				t.Errorf("result without a trace differs (err %v):\n%s", err, js(quiet))
			}
			if c.Golden != "" {
				golden(t, c.Golden, in, res)
			}
		})
	}
}

func check(t *testing.T, c *tcase, res Result) {
	t.Helper()
	x := c.Expect
	if res.Passed != x.Passed {
		t.Errorf("passed = %v, want %v", res.Passed, x.Passed)
	}
	if !slices.Equal(res.Remaining, orEmpty(x.Remaining)) {
		t.Errorf("remaining = %v, want %v", res.Remaining, x.Remaining)
	}
	counted := map[kaowu.Subject]int{}
	var merged []kaowu.Subject
	for _, st := range res.Subjects {
		if st.Pass != nil {
			counted[st.Subject] = st.Pass.Year
			if st.Pass.Merged {
				merged = append(merged, st.Subject)
			}
		}
	}
	if !maps.Equal(counted, x.Counted) && !(len(counted) == 0 && len(x.Counted) == 0) {
		t.Errorf("counted years = %v, want %v", counted, x.Counted)
	}
	if !slices.Equal(orEmpty(merged), orEmpty(x.Merged)) {
		t.Errorf("counted under 一（十） = %v, want %v", merged, x.Merged)
	}
	if res.CarryUntil != x.CarryUntil {
		t.Errorf("carry_until = %d, want %d", res.CarryUntil, x.CarryUntil)
	}
	if x.NextRemaining != nil && !slices.Equal(res.NextRemaining, orEmpty(*x.NextRemaining)) {
		t.Errorf("next_remaining = %v, want %v", res.NextRemaining, *x.NextRemaining)
	}
	if len(res.Excluded) != len(x.Excluded) {
		t.Errorf("%d exclusions, want %d", len(res.Excluded), len(x.Excluded))
	}
	for i := 0; i < len(res.Excluded) && i < len(x.Excluded); i++ {
		g, w := res.Excluded[i], x.Excluded[i]
		if g.Kind != w.Kind || g.Year != w.Year || g.Specialty != w.Specialty || g.Clause != w.Clause {
			t.Errorf("exclusion %d = %s %d/%s %s, want %s %d/%s %s", i, g.Kind, g.Year, g.Specialty, g.Clause, w.Kind, w.Year, w.Specialty, w.Clause)
		}
		if w.Whole != nil && g.Whole != *w.Whole {
			t.Errorf("exclusion %d: whole = %v, want %v", i, g.Whole, *w.Whole)
		}
		if w.Subjects != nil && !slices.Equal(g.Subjects, orEmpty(*w.Subjects)) {
			t.Errorf("exclusion %d: subjects = %v, want %v", i, g.Subjects, *w.Subjects)
		}
	}
	if len(x.Reasons) == 0 {
		t.Error("case must list the clauses of its reasons")
	}
	var clauses []string
	for _, r := range res.Reasons {
		clauses = append(clauses, r.Clause)
	}
	if got, want := uniqSorted(clauses), uniqSorted(x.Reasons); !slices.Equal(got, want) {
		t.Errorf("reasons' clauses = %v, want %v", got, want)
	}
}

func checkError(t *testing.T, c *tcase, err error) {
	t.Helper()
	var e *kaowu.Error
	if !errors.As(err, &e) || e.Code != kaowu.EINVALID {
		t.Fatalf("error = %v, want an EINVALID *kaowu.Error", err)
	}
	for _, s := range c.Expect.Error {
		if !strings.Contains(e.Message, s) {
			t.Errorf("message does not contain %q:\n%s", s, e.Message)
		}
	}
	for _, f := range c.Expect.Fields {
		if _, ok := e.Fields[f]; !ok {
			t.Errorf("fields %v lack %s", slices.Sorted(maps.Keys(e.Fields)), f)
		}
	}
	if len(c.Expect.Fields) == 0 {
		t.Error("an error case must list its fields")
	}
	for f, m := range e.Fields {
		if !hasHan(m) || !strings.Contains(e.Message, m) {
			t.Errorf("field %s: message %q not in Chinese or not in the error's message", f, m)
		}
	}
}

var clauses = map[string]bool{ClauseRolling: true, ClauseMerged: true}

// invariants checks what holds of every result: the property tests use it
// too.
func invariants(in Input, res Result) error {
	if res.Year != in.Year || res.Specialty != in.Specialty || res.From != in.Year-in.Window+1 || res.To != in.Year {
		return fmt.Errorf("year/specialty/window = %d %s %d-%d", res.Year, res.Specialty, res.From, res.To)
	}
	if len(res.Subjects) != len(kaowu.Subjects) {
		return fmt.Errorf("%d subjects", len(res.Subjects))
	}
	if res.Remaining == nil || res.NextRemaining == nil || res.Excluded == nil || res.Reasons == nil || res.Subjects == nil {
		return fmt.Errorf("nil slice in result")
	}
	var remaining []kaowu.Subject
	minUntil := 0
	for i, st := range res.Subjects {
		if st.Subject != kaowu.Subjects[i] {
			return fmt.Errorf("subject %d is %s", i, st.Subject)
		}
		if !clauses[st.Clause] || !strings.Contains(st.Text, "（"+st.Clause+"）") || !hasHan(st.Text) {
			return fmt.Errorf("subject %s: clause %q, text %q", st.Subject, st.Clause, st.Text)
		}
		p := st.Pass
		if p == nil {
			remaining = append(remaining, st.Subject)
			continue
		}
		if p.Year < in.Year-in.Window+1 || p.Year > in.Year || p.ValidUntil != p.Year+in.Window-1 {
			return fmt.Errorf("subject %s: pass of %d valid until %d outside the window", st.Subject, p.Year, p.ValidUntil)
		}
		if (st.Clause == ClauseMerged) != p.Merged {
			return fmt.Errorf("subject %s: clause %s, merged %v", st.Subject, st.Clause, p.Merged)
		}
		if minUntil == 0 || p.ValidUntil < minUntil {
			minUntil = p.ValidUntil
		}
		found := false
		for _, r := range in.Records {
			if r.Year != p.Year || r.Specialty != p.Specialty || r.Misconduct || r.Absent || r.Province != p.Province || r.ArchiveNo != p.ArchiveNo {
				continue
			}
			if p.Merged != (r.Specialty != in.Specialty) || p.Merged && (r.Year != in.Year-1 || !slices.Contains(in.Merged[r.Specialty], in.Specialty)) {
				continue
			}
			for _, x := range r.Results {
				found = found || x.Subject == st.Subject && Passed(x.Score, in.PassScore, x.Sat) && x.Score == p.Score
			}
		}
		if !found {
			return fmt.Errorf("subject %s: counted pass %+v is not a pass of the input", st.Subject, *p)
		}
		for _, ex := range res.Excluded {
			if ex.Whole && ex.Year == p.Year && ex.Specialty == p.Specialty {
				return fmt.Errorf("subject %s: counted pass from an excluded record", st.Subject)
			}
		}
	}
	if !slices.Equal(res.Remaining, orEmpty(remaining)) {
		return fmt.Errorf("remaining %v, subjects without pass %v", res.Remaining, remaining)
	}
	if res.Passed != (len(remaining) == 0) {
		return fmt.Errorf("passed %v with remaining %v", res.Passed, remaining)
	}
	switch {
	case res.Passed && (res.CarryUntil != 0 || len(res.NextRemaining) != 0):
		return fmt.Errorf("passed with carry_until %d, next %v", res.CarryUntil, res.NextRemaining)
	case !res.Passed && res.CarryUntil != minUntil:
		return fmt.Errorf("carry_until %d, want %d", res.CarryUntil, minUntil)
	}
	for _, s := range res.Remaining {
		if !slices.Contains(res.NextRemaining, s) {
			return fmt.Errorf("next_remaining %v lacks remaining %s", res.NextRemaining, s)
		}
	}
	if len(res.Reasons) == 0 {
		return fmt.Errorf("no reason")
	}
	for _, r := range res.Reasons {
		if !clauses[r.Clause] || !strings.Contains(r.Text, "（"+r.Clause+"）") || !hasHan(r.Text) {
			return fmt.Errorf("reason %+v", r)
		}
	}
	for _, ex := range res.Excluded {
		if !clauses[ex.Clause] || !strings.Contains(ex.Text, "（"+ex.Clause+"）") || !hasHan(ex.Text) || ex.Subjects == nil {
			return fmt.Errorf("exclusion %+v", ex)
		}
		if !ex.Whole && (ex.Kind != ExcludedAbsent || len(ex.Subjects) == 0) {
			return fmt.Errorf("partial exclusion %+v", ex)
		}
	}
	if n := len(res.Trace); n == 0 || res.Trace[0].Rule != "window" || res.Trace[n-1].Rule != "outcome" {
		return fmt.Errorf("trace does not run from window to outcome")
	}
	return nil
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func uniqSorted(xs []string) []string {
	out := slices.Clone(xs)
	sort.Strings(out)
	return slices.Compact(out)
}

func js(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func withoutTrace(r Result) Result {
	r.Trace = nil
	return r
}

// golden compares the input and the whole result, trace included, with
// testdata/golden/name.json; -update rewrites it.
func golden(t *testing.T, name string, in Input, res Result) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".json")
	got := []byte(js(struct {
		Input  Input  `json:"input"`
		Result Result `json:"result"`
	}{in, res}) + "\n")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("result differs from %s (run go test -update after checking the change):\n%s", file, got)
	}
}

// Every golden file belongs to a case: a file no case writes is stale.
func TestGoldenFilesUsed(t *testing.T) {
	_, cases := loadCases(t)
	used := map[string]bool{}
	for _, c := range cases {
		if c.Golden != "" {
			used[c.Golden+".json"] = true
		}
	}
	files, _ := filepath.Glob("testdata/golden/*.json")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		if !used[filepath.Base(f)] {
			t.Errorf("%s is used by no case", f)
		}
	}
}

// Every kind of exclusion and both clauses are exercised by some case.
func TestEveryKindExercised(t *testing.T) {
	f, cases := loadCases(t)
	seen := map[string]bool{}
	for _, c := range cases {
		res, err := Evaluate(c.input(t, f.Defaults), true)
		if err != nil {
			continue
		}
		for _, ex := range res.Excluded {
			seen[string(ex.Kind)] = true
			seen[ex.Clause] = true
		}
		for _, r := range res.Reasons {
			seen[r.Clause] = true
		}
	}
	for _, k := range []ExclusionKind{ExcludedExpired, ExcludedOtherSpecialty, ExcludedMergedElsewhere, ExcludedMergedYear,
		ExcludedMisconduct, ExcludedAbsent, ExcludedArchiveNo} {
		if !seen[string(k)] {
			t.Errorf("no case excludes a record as %s", k)
		}
	}
	for c := range clauses {
		if !seen[c] {
			t.Errorf("no case cites %s", c)
		}
	}
}

// The cases' merged map and pass line are the 2024 catalogue's: the
// merge targets are data of the year, read here from the year's file.
func TestDefaultsMatchCatalogue(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "policy", "years", "2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var y struct {
		Year     int `yaml:"year"`
		PassLine struct {
			Score  int    `yaml:"score"`
			Max    int    `yaml:"max"`
			Clause string `yaml:"clause"`
		} `yaml:"pass_line"`
		Eligibility struct {
			Rolling struct {
				Years        int    `yaml:"years"`
				Clause       string `yaml:"clause"`
				MergedClause string `yaml:"merged_clause"`
			} `yaml:"rolling"`
		} `yaml:"eligibility"`
		Catalog []kaowu.Specialty `yaml:"catalog"`
	}
	if err := yaml.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	f, _ := loadCases(t)
	d := f.Defaults
	if *d.Year != y.Year || *d.PassScore != y.PassLine.Score || *d.MaxScore != y.PassLine.Max || *d.Window != y.Eligibility.Rolling.Years {
		t.Errorf("defaults %d %d/%d window %d, catalogue %d %d/%d window %d", *d.Year, *d.PassScore, *d.MaxScore, *d.Window,
			y.Year, y.PassLine.Score, y.PassLine.Max, y.Eligibility.Rolling.Years)
	}
	if y.PassLine.Clause != ClauseRolling || y.Eligibility.Rolling.Clause != ClauseRolling || y.Eligibility.Rolling.MergedClause != ClauseMerged {
		t.Errorf("clauses of the year: pass line %s, rolling %s, merged %s", y.PassLine.Clause, y.Eligibility.Rolling.Clause, y.Eligibility.Rolling.MergedClause)
	}
	merged := map[string][]string{}
	for _, s := range y.Catalog {
		if !s.Active() {
			merged[s.Code] = s.MergedInto
		}
	}
	if len(merged) == 0 || !maps.EqualFunc(merged, *d.Merged, slices.Equal[[]string]) {
		t.Errorf("catalogue merged_into = %v, cases' defaults = %v", merged, *d.Merged)
	}
}
