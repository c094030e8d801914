package eligibility

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/policy"
)

var clauseID = regexp.MustCompile(`附件\d|[一二三四五六七八](（[一二三四五六七八九十]+）(\d+(\(\d+\))?)?)?`)

// The rule code names clauses only through the year's data; any clause id
// written as a string literal in the engine must be a clause of the year.
func TestClauseLiteralsKnown(t *testing.T) {
	y := testYear(t)
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			for _, id := range clauseID.FindAllString(s, -1) {
				if !strings.ContainsAny(id, "（附") {
					continue // a lone numeral is Chinese text, not a clause
				}
				if _, ok := y.Clause(id); !ok {
					t.Errorf("%s: clause %s used in the engine is not in the year's clauses", fset.Position(lit.Pos()), id)
				}
			}
			return true
		})
	}
}

// Every material key the engine knows is in the data, and every material
// of the data is one the engine can list.
func TestMaterialKeys(t *testing.T) {
	y := testYear(t)
	var data []string
	for _, m := range y.Eligibility.Materials {
		data = append(data, m.Key)
	}
	for _, k := range materialKeys {
		if !slices.Contains(data, k) {
			t.Errorf("material %s is missing from eligibility.materials", k)
		}
	}
	for _, k := range data {
		if !slices.Contains(materialKeys, k) {
			t.Errorf("material %s of the data is listed by no rule", k)
		}
	}
}

// A refusal by years names the first exam year that qualifies: the draft
// of that year (same parameters, cut-off moved) accepts the candidate, and
// the draft of the year before does not.
func TestFirstEligibleYear(t *testing.T) {
	y := testYear(t)
	n := 0
	for _, c := range loadCases(t) {
		first := c.Expect.FirstEligibleYear
		if first == 0 {
			continue
		}
		n++
		f := c.facts(t)
		f.Today = kaowu.Date{}
		at, err := y.Draft(first)
		if err != nil {
			t.Fatal(err)
		}
		if d := Evaluate(f, at, false); d.Outcome == Ineligible {
			t.Errorf("%s: first eligible year %d, but the %d draft refuses: %s", c.Name, first, first, js(d.Reasons))
		}
		if first-1 > y.Year {
			before, _ := y.Draft(first - 1)
			if d := Evaluate(f, before, false); d.Outcome != Ineligible {
				t.Errorf("%s: first eligible year %d, but the %d draft accepts", c.Name, first, first-1)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d cases refuse by years", n)
	}
}

func TestEvaluateWithoutYear(t *testing.T) {
	d := Evaluate(Facts{}, nil, true)
	if d.Outcome != Ineligible || len(d.Reasons) != 1 {
		t.Fatalf("got %+v", d)
	}
}

func TestEvaluateEmptyFacts(t *testing.T) {
	d := Evaluate(Facts{}, testYear(t), true)
	if d.Outcome != Ineligible {
		t.Fatalf("outcome %s", d.Outcome)
	}
	fields := map[string]bool{}
	for _, r := range d.Reasons {
		fields[r.Field] = true
	}
	for _, f := range []string{"id_type", "unit.district", "target.specialty", "target.site"} {
		if !fields[f] {
			t.Errorf("no reason names %s: %s", f, js(d.Reasons))
		}
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

// An unvalidated, half-empty year must not make Evaluate panic.
func TestEvaluateBrokenYear(t *testing.T) {
	cases := loadCases(t)
	noParams := *testYear(t)
	noParams.Eligibility = policy.Eligibility{OnlineIDTypes: testYear(t).Eligibility.OnlineIDTypes}
	for _, y := range []*policy.Year{{}, {Year: 2024, Catalog: testYear(t).Catalog}, &noParams} {
		for _, c := range cases {
			_ = evaluate(&[]Facts{c.facts(t)}[0], y, true) // without the recover of Evaluate
		}
	}
}

// Evaluate is safe for concurrent use on one year, and deterministic.
func TestEvaluateConcurrent(t *testing.T) {
	y := testYear(t)
	cases := loadCases(t)
	want := make([]string, len(cases))
	facts := make([]Facts, len(cases))
	for i, c := range cases {
		facts[i] = c.facts(t)
		want[i] = js(Evaluate(facts[i], y, true))
	}
	fresh := *y // a new *Year: its index is built under contention
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range facts {
				if got := js(Evaluate(facts[i], y, true)); got != want[i] {
					t.Errorf("%s: decision differs between runs", cases[i].Name)
				}
				_ = Evaluate(facts[i], &fresh, false)
			}
		}()
	}
	wg.Wait()
}

func TestDecodeFacts(t *testing.T) {
	valid := `{"id_type":"resident_id","unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"}}`
	if _, err := DecodeFacts(strings.NewReader(valid)); err != nil {
		t.Fatalf("valid facts refused: %v", err)
	}
	for _, c := range []struct{ name, in, field string }{
		{"empty", ``, "$"},
		{"syntax", `{"id_type":`, "$"},
		{"garbage", `{"id_type" "x"}`, "$"},
		{"array", `[]`, "$"},
		{"trailing", valid + ` {}`, "$"},
		{"unknown top field", `{"idtype":"resident_id"}`, "idtype"},
		{"unknown nested field", `{"unit":{"district":"丰台区","size":3}}`, "unit.size"},
		{"unknown field in list", `{"education":[{"level":"bachelor","graduated_on":"2015-07-01"},{"levle":"master"}]}`, "education[1].levle"},
		{"case-folded name", `{"ID_TYPE":"resident_id"}`, "ID_TYPE"},
		{"bad date", `{"practice_registered_on":"2015-02-30"}`, "practice_registered_on"},
		{"bad nested date", `{"titles":[{"level":"junior","obtained_on":"2019/12/31"}]}`, "titles[0].obtained_on"},
		{"date as number", `{"today":20231205}`, "today"},
		{"wrong type", `{"military":"yes"}`, "military"},
		{"fraction", `{"social_insurance_months":2.5}`, "social_insurance_months"},
		{"huge number", `{"social_insurance_months":1e30}`, "social_insurance_months"},
		{"list as object", `{"education":{"level":"bachelor"}}`, "education"},
		{"unknown id type", `{"id_type":"passport","unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"}}`, "id_type"},
		{"unknown education level", `{"id_type":"resident_id","education":[{"level":"phd","graduated_on":"2015-07-01"}],"unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"}}`, "education[0].level"},
		{"missing graduation", `{"id_type":"resident_id","education":[{"level":"master"}],"unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"}}`, "education[0].graduated_on"},
		{"name without level", `{"id_type":"resident_id","unit":{"district":"丰台区"},"target":{"specialty":"护理学","site":"fengtai"}}`, "target.level"},
		{"missing target", `{"id_type":"resident_id","unit":{"district":"丰台区"}}`, "target.specialty"},
		{"bad subject", `{"id_type":"resident_id","unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"},"previous_exam":{"year":2023,"specialty":"368","passed":["math"]}}`, "previous_exam.passed[0]"},
		{"repeated subject", `{"id_type":"resident_id","unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"},"previous_exam":{"year":2023,"specialty":"368","passed":["basics","basics"]}}`, "previous_exam.passed[1]"},
		{"negative months", `{"id_type":"resident_id","unit":{"district":"丰台区"},"target":{"specialty":"368","site":"fengtai"},"social_insurance_months":-1}`, "social_insurance_months"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeFacts(strings.NewReader(c.in))
			var e *kaowu.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *kaowu.Error", err)
			}
			if e.Code != kaowu.EINVALID {
				t.Errorf("code = %s", e.Code)
			}
			if _, ok := e.Fields[c.field]; !ok {
				t.Errorf("fields = %v, want %s named (message %q)", e.Fields, c.field, e.Message)
			}
			if !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("message is not Chinese: %q", e.Message)
			}
		})
	}
	big := `{"unit":{"name":"` + strings.Repeat("x", MaxFactsBytes) + `"}}`
	if _, err := DecodeFacts(strings.NewReader(big)); kaowu.ErrorCode(err) != kaowu.EINVALID {
		t.Errorf("oversized input: %v", err)
	}
}

// Broken parameters are refused by policy validation with a Chinese message
// naming the field.
func TestValidateEligibility(t *testing.T) {
	for _, c := range []struct {
		name  string
		field string
		edit  func(e *policy.Eligibility)
	}{
		{"unknown clause", "eligibility.post_change.clause", func(e *policy.Eligibility) { e.PostChange.Clause = "一（十一）" }},
		{"missing clause", "eligibility.conditions[0].clause", func(e *policy.Eligibility) { e.Conditions[0].Clause = "" }},
		{"negative years", "eligibility.conditions[3].years", func(e *policy.Eligibility) { e.Conditions[3].Years = -1 }},
		{"bad education", "eligibility.conditions[0].education", func(e *policy.Eligibility) { e.Conditions[0].Education = "phd" }},
		{"title not lower", "eligibility.conditions[7].title", func(e *policy.Eligibility) { e.Conditions[7].Title = kaowu.LevelIntermediate }},
		{"duplicate row", "eligibility.conditions[1]", func(e *policy.Eligibility) { e.Conditions[1] = e.Conditions[0] }},
		{"level without rows", "eligibility.conditions", func(e *policy.Eligibility) { e.Conditions = e.Conditions[2:] }},
		{"community specialty not in catalogue", "eligibility.community.specialties[0]", func(e *policy.Eligibility) { e.Community.Specialties = []string{"全科医学（西医类）"} }},
		{"unknown unit category", "eligibility.community.unit_categories", func(e *policy.Eligibility) { e.Community.UnitCategories = []string{"village"} }},
		{"residency year", "eligibility.residency.graduated_from", func(e *policy.Eligibility) { e.Residency.GraduatedFrom = 12 }},
		{"residency category", "eligibility.residency.categories", func(e *policy.Eligibility) { e.Residency.Categories = []policy.PhysicianCategory{"western"} }},
		{"months", "eligibility.file_elsewhere.months", func(e *policy.Eligibility) { e.FileElsewhere.Months = -3 }},
		{"id type", "eligibility.online_id_types[1].id_type", func(e *policy.Eligibility) { e.OnlineIDTypes[1].IDType = "passport" }},
		{"award level", "eligibility.hubei_aid.award_levels[0]", func(e *policy.Eligibility) { e.HubeiAid.AwardLevels = []policy.AwardLevel{"city"} }},
		{"material without text", "eligibility.materials[0](pledge).text", func(e *policy.Eligibility) { e.Materials[0].Text = "" }},
		{"material clause", "eligibility.materials[2](social_insurance_record).clause", func(e *policy.Eligibility) { e.Materials[2].Clause = "二（二）12" }},
		{"rolling", "eligibility.rolling.years", func(e *policy.Eligibility) { e.Rolling.Years = 0 }},
		{"counts as lower", "eligibility.residency_as_master.counts_as", func(e *policy.Eligibility) { e.ResidencyAsMaster.CountsAs = policy.EducationCollege }},
		{"source", "eligibility.source", func(e *policy.Eligibility) { e.Source = "" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			y, err := policy.Load(policy.Embedded()[2024])
			if err != nil {
				t.Fatal(err)
			}
			c.edit(&y.Eligibility)
			err = y.Validate()
			msg, ok := kaowu.ErrorFields(err)[c.field]
			if !ok {
				t.Fatalf("fields = %v, want %s", kaowu.ErrorFields(err), c.field)
			}
			if !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("message is not Chinese: %q", msg)
			}
		})
	}
}

// The draft of next year keeps the parameters, marks them unverified and
// keeps the residency rule's 2012.
func TestDraftEligibility(t *testing.T) {
	y := testYear(t)
	d, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	e := d.Eligibility
	if e.Verified || !strings.Contains(e.Source, "草稿") {
		t.Errorf("draft not marked unverified: %v %q", e.Verified, e.Source)
	}
	if e.Residency.GraduatedFrom != 2012 {
		t.Errorf("residency year moved to %d", e.Residency.GraduatedFrom)
	}
	if !slices.Equal(e.Conditions, y.Eligibility.Conditions) {
		t.Error("conditions changed in the draft")
	}
	if d.Cutoff.Date != kaowu.NewDate(2024, 12, 31) {
		t.Errorf("cut-off %s", d.Cutoff.Date)
	}
}

// The examples of docs/eligibility.md decode and take the route their
// heading names.
func TestDocExamples(t *testing.T) {
	y := testYear(t)
	b, err := os.ReadFile("../docs/eligibility.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)#### `([^`]+)`\n.*?```json\n(.*?)```")
	ms := re.FindAllStringSubmatch(string(b), -1)
	if len(ms) < 15 {
		t.Fatalf("%d examples in the docs", len(ms))
	}
	for _, m := range ms {
		f, err := DecodeFacts(strings.NewReader(m[2]))
		if err != nil {
			t.Errorf("%s: %v", m[1], err)
			continue
		}
		d := Evaluate(f, y, false)
		if d.Route == nil || d.Route.Key != m[1] {
			t.Errorf("example %s: decision %s", m[1], js(d))
		}
	}
}

// The index of a Year that is no longer used goes with it.
func TestIndexReleased(t *testing.T) {
	count := func() (n int) {
		indexes.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	before := count()
	for i := 0; i < 20; i++ {
		y, err := policy.Default(2024)
		if err != nil {
			t.Fatal(err)
		}
		Evaluate(Facts{}, y, false)
	}
	for i := 0; i < 200 && count() > before+1; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := count(); n > before+1 {
		t.Errorf("%d indexes kept after 20 years were dropped (%d before)", n, before)
	}
}
