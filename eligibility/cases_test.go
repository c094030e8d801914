package eligibility

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"kaowu"
	"kaowu/policy"
)

var (
	update = flag.Bool("update", false, "rewrite the golden trace files in testdata/golden")
	show   = flag.String("show", "", "log the decisions of the cases whose name contains this")
)

// tcase is one case of testdata/cases/*.yaml: facts (a profile of
// testdata/profiles.yaml with overrides merged in) and what the decision
// must be.
type tcase struct {
	Name    string         `yaml:"name"`
	Clause  string         `yaml:"clause"`
	Profile string         `yaml:"profile"`
	Facts   map[string]any `yaml:"facts"`
	Golden  string         `yaml:"golden"`
	Expect  struct {
		Outcome           Outcome          `yaml:"outcome"`
		Route             string           `yaml:"route"`
		Reasons           []string         `yaml:"reasons"`
		Materials         *[]string        `yaml:"materials"`
		Subjects          *[]kaowu.Subject `yaml:"subjects"`
		CarriedOver       []kaowu.Subject  `yaml:"carried_over"`
		FirstEligibleYear int              `yaml:"first_eligible_year"`
		Fields            []string         `yaml:"fields"`
	} `yaml:"expect"`

	file string
}

var (
	year2024     *policy.Year
	year2024Err  error
	year2024Once sync.Once
)

func testYear(t testing.TB) *policy.Year {
	t.Helper()
	year2024Once.Do(func() { year2024, year2024Err = policy.Default(2024) })
	if year2024Err != nil {
		t.Fatal(year2024Err)
	}
	return year2024
}

func loadCases(t testing.TB) []tcase {
	t.Helper()
	var profiles map[string]map[string]any
	readYAML(t, "testdata/profiles.yaml", &profiles)
	files, err := filepath.Glob("testdata/cases/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	var all []tcase
	names := map[string]bool{}
	for _, file := range files {
		var cs []tcase
		readYAML(t, file, &cs)
		for _, c := range cs {
			c.file = filepath.Base(file)
			if c.Name == "" || names[c.Name] {
				t.Fatalf("%s: case name %q empty or repeated", file, c.Name)
			}
			names[c.Name] = true
			c.Facts, _ = deepCopy(c.Facts).(map[string]any)
			if c.Profile != "" {
				p, ok := profiles[c.Profile]
				if !ok {
					t.Fatalf("%s: %s: unknown profile %q", file, c.Name, c.Profile)
				}
				c.Facts = merge(deepCopy(p).(map[string]any), c.Facts)
			}
			all = append(all, c)
		}
	}
	return all
}

func readYAML(t testing.TB, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// merge sets over's values into base: maps merge key by key, anything else
// replaces.
func merge(base, over map[string]any) map[string]any {
	for k, v := range over {
		if bm, ok := base[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				base[k] = merge(bm, om)
				continue
			}
		}
		base[k] = v
	}
	return base
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[k] = deepCopy(v)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, v := range x {
			s[i] = deepCopy(v)
		}
		return s
	case time.Time: // YAML reads 2015-07-01 as a timestamp
		return x.Format(time.DateOnly)
	}
	return v
}

// facts turns a case's facts into Facts through DecodeFacts, as the API
// will.
func (c *tcase) facts(t testing.TB) Facts {
	t.Helper()
	b, err := json.Marshal(c.Facts)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	f, err := DecodeFacts(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: DecodeFacts: %v", c.Name, err)
	}
	return f
}

func TestCases(t *testing.T) {
	y := testYear(t)
	cases := loadCases(t)
	if len(cases) < 60 {
		t.Errorf("%d cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			f := c.facts(t)
			d := Evaluate(f, y, true)
			if *show != "" && strings.Contains(c.Name, *show) {
				t.Log(js(withoutTrace(d)))
			}
			check(t, y, &c, d)
			// Without trace the decision is the same, trace aside.
			d2 := Evaluate(f, y, false)
			d.Trace = nil
			if !reflect.DeepEqual(d, d2) {
				t.Errorf("decision with trace differs from decision without:\n%s\n%s", js(d), js(d2))
			}
		})
	}
}

func check(t *testing.T, y *policy.Year, c *tcase, d Decision) {
	t.Helper()
	x := c.Expect
	defer func() {
		if t.Failed() {
			t.Logf("%s: decision:\n%s", c.file, js(withoutTrace(d)))
		}
	}()
	if d.Outcome != x.Outcome {
		t.Errorf("outcome = %s, want %s", d.Outcome, x.Outcome)
	}
	route := ""
	if d.Route != nil {
		route = d.Route.Key
	}
	if route != x.Route {
		t.Errorf("route = %q, want %q", route, x.Route)
	}
	if got, want := clauseSet(d.Reasons), uniqSorted(x.Reasons); !slices.Equal(got, want) {
		t.Errorf("reasons' clauses = %v, want %v", got, want)
	}
	var mats []string
	for _, m := range d.Materials {
		mats = append(mats, m.Key)
	}
	switch {
	case x.Materials != nil:
		if !slices.Equal(mats, *x.Materials) {
			t.Errorf("materials = %v, want %v", mats, *x.Materials)
		}
	case x.Outcome != Ineligible:
		t.Errorf("case must list its materials (got %v)", mats)
	case len(mats) > 0:
		t.Errorf("materials = %v, want none", mats)
	}
	wantSubjects := kaowu.Subjects
	if x.Outcome == Ineligible {
		wantSubjects = nil
	}
	if x.Subjects != nil {
		wantSubjects = *x.Subjects
	}
	if !slices.Equal(d.Subjects, wantSubjects) {
		t.Errorf("subjects = %v, want %v", d.Subjects, wantSubjects)
	}
	if !slices.Equal(d.CarriedOver, x.CarriedOver) {
		t.Errorf("carried_over = %v, want %v", d.CarriedOver, x.CarriedOver)
	}
	if d.FirstEligibleYear != x.FirstEligibleYear {
		t.Errorf("first_eligible_year = %d, want %d", d.FirstEligibleYear, x.FirstEligibleYear)
	}
	fields := map[string]bool{}
	for _, r := range d.Reasons {
		fields[r.Field] = true
	}
	for _, fld := range x.Fields {
		if !fields[fld] {
			t.Errorf("no reason names field %s", fld)
		}
	}
	// Invariants of every decision.
	if _, ok := y.Clause(c.Clause); !ok {
		t.Errorf("case clause %q is not a clause of the year", c.Clause)
	}
	if !slices.Contains(cited(d), c.Clause) {
		t.Errorf("case says it exercises %s, but the decision does not cite it", c.Clause)
	}
	for _, cl := range cited(d) {
		if _, ok := y.Clause(cl); !ok {
			t.Errorf("decision cites unknown clause %q", cl)
		}
	}
	for _, r := range d.Reasons {
		if r.Clause == "" || strings.TrimSpace(r.Text) == "" {
			t.Errorf("reason without clause or text: %+v", r)
		}
	}
	if d.Outcome == Ineligible && !slices.ContainsFunc(d.Reasons, func(r Reason) bool { return r.Kind == KindRefusal }) {
		t.Error("ineligible without a refusal")
	}
	if d.Outcome == Review && !slices.ContainsFunc(d.Reasons, func(r Reason) bool { return r.Kind == KindReview }) {
		t.Error("review without a review reason")
	}
	for _, m := range d.Materials {
		if m.Why == "" || m.Text == "" || m.Clause == "" {
			t.Errorf("material incomplete: %+v", m)
		}
	}
	if c.Golden != "" {
		golden(t, c.Golden, d)
	}
}

// cited lists every clause a decision cites: reasons, route, materials.
func cited(d Decision) []string {
	var cs []string
	for _, r := range d.Reasons {
		cs = append(cs, r.Clause)
	}
	if d.Route != nil {
		cs = append(cs, d.Route.Clauses...)
	}
	for _, m := range d.Materials {
		cs = append(cs, m.Clause)
	}
	return uniqSorted(cs)
}

func clauseSet(rs []Reason) []string {
	var cs []string
	for _, r := range rs {
		cs = append(cs, r.Clause)
	}
	return uniqSorted(cs)
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

func withoutTrace(d Decision) Decision {
	d.Trace = nil
	return d
}

func golden(t *testing.T, name string, d Decision) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".json")
	got := []byte(js(d) + "\n")
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
		t.Errorf("trace differs from %s (run go test -update after checking the change):\n%s", file, got)
	}
}

// Every clause the engine can cite — every clause in the eligibility
// parameters and the licence rules — is cited by some case's decision.
func TestEveryClauseExercised(t *testing.T) {
	y := testYear(t)
	exercised := map[string]bool{}
	for _, c := range loadCases(t) {
		for _, cl := range cited(Evaluate(c.facts(t), y, false)) {
			exercised[cl] = true
		}
	}
	for _, cl := range citable(y) {
		if !exercised[cl] {
			t.Errorf("clause %s can be cited by the engine but no case exercises it", cl)
		}
	}
}

// citable lists the clauses the parameters can make the engine cite.
func citable(y *policy.Year) []string {
	var cs []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
				if v.Field(i).Kind() == reflect.String && (tag == "clause" || strings.HasSuffix(tag, "_clause")) {
					cs = append(cs, v.Field(i).String())
				}
				walk(v.Field(i))
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(y.Eligibility))
	for _, r := range y.LicenceRules {
		cs = append(cs, r.Clause)
	}
	return uniqSorted(cs)
}

// Every parameter entry of the data is read by some rule in some case's
// trace: a parameter no rule uses is dead data.
func TestEveryParameterUsed(t *testing.T) {
	y := testYear(t)
	var read []string
	for _, c := range loadCases(t) {
		for _, s := range Evaluate(c.facts(t), y, true).Trace {
			for _, p := range s.Params {
				read = append(read, p.Name)
			}
		}
	}
	read = uniqSorted(read)
	for _, entry := range parameterEntries(reflect.ValueOf(y.Eligibility), "eligibility") {
		used := slices.ContainsFunc(read, func(r string) bool {
			return r == entry || strings.HasPrefix(entry, r+".") || strings.HasPrefix(r, entry+".") || strings.HasPrefix(r, entry+"[")
		})
		if !used {
			t.Errorf("parameter %s is used by no rule in any case", entry)
		}
	}
}

// parameterEntries lists the leaves of the parameters, one entry per
// element of the lists of rows; clauses (checked by
// TestEveryClauseExercised) and provenance are left out.
func parameterEntries(v reflect.Value, at string) []string {
	perElement := map[string]bool{"conditions": true, "licence_titles": true, "online_id_types": true, "materials": true}
	var out []string
	for i := 0; i < v.NumField(); i++ {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		name := at + "." + tag
		fv := v.Field(i)
		switch {
		case tag == "clause" || strings.HasSuffix(tag, "_clause") || tag == "verified" || tag == "source":
		case fv.Kind() == reflect.Struct:
			out = append(out, parameterEntries(fv, name)...)
		case fv.Kind() == reflect.Slice && perElement[tag]:
			for j := 0; j < fv.Len(); j++ {
				out = append(out, name+"["+itoa(j)+"]")
			}
		default:
			out = append(out, name)
		}
	}
	return out
}
