package scoring

import (
	"errors"
	"fmt"
	mrand "math/rand"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/quick"

	"kaowu"
)

// quickConfig runs n cases from a fixed source, so that a failure is
// reproducible; a failing case logs its seed.
func quickConfig(n int) *quick.Config {
	return &quick.Config{MaxCount: n, Rand: mrand.New(mrand.NewSource(20240413))}
}

// catalogue2024 is the 2024 catalogue's merged_into (TestDefaultsMatchCatalogue
// checks the cases' copy against the year's file).
var catalogue2024 = map[string][]string{
	"204": {"203"}, "374": {"368"}, "311": {"312"}, "314": {"303"}, "360": {"325", "321"}, "363": {"362"},
}

// randomInput makes a valid input: a specialty sat in year Y, and up to 7
// records of Y-4 … Y in that specialty, its sub-specialty, the removed
// specialties (before Y only) and others, with archive numbers that
// sometimes differ, transfers, misconduct, absence and pass flags that
// lie.
func randomInput(rng *rand.Rand) Input {
	in := Input{
		Year:      2020 + rng.IntN(10),
		Specialty: []string{"303", "304", "325", "321", "368", "203", "312", "362"}[rng.IntN(8)],
		PassScore: 60,
		MaxScore:  100,
		Window:    []int{2, 2, 2, 1, 3}[rng.IntN(5)],
		Merged:    catalogue2024,
	}
	if rng.IntN(8) == 0 {
		in.Merged = nil
	}
	codes := []string{in.Specialty, in.Specialty, in.Specialty, in.Specialty, in.Specialty, "303", "304", "360", "374", "314", "204", "368"}
	type key struct {
		y int
		s string
	}
	seen := map[key]bool{}
	// A third of the candidates are the usual returning candidate: last
	// year and this year in the specialty, then maybe more.
	usual := rng.IntN(3) == 0
	for i := range rng.IntN(8) + 2*b2i(usual) {
		r := Record{Year: in.Year - rng.IntN(5), Specialty: codes[rng.IntN(len(codes))]}
		if _, removed := in.Merged[r.Specialty]; removed && r.Year == in.Year || r.Specialty == in.Specialty && rng.IntN(2) == 0 {
			r.Year = in.Year - rng.IntN(2)
			if removed {
				r.Year = in.Year - 1
			}
		}
		if usual && i < 2 {
			r.Year, r.Specialty = in.Year-i, in.Specialty
		}
		if seen[key{r.Year, r.Specialty}] {
			continue
		}
		seen[key{r.Year, r.Specialty}] = true
		r.ArchiveNo = []string{"", "A-1", "A-1", "a-1", "B-2"}[rng.IntN(5)]
		if usual && i == 1 && rng.IntN(4) > 0 {
			r.ArchiveNo = in.Records[0].ArchiveNo
		}
		if rng.IntN(5) == 0 {
			r.Province = "河北省"
		}
		r.Misconduct = rng.IntN(10) == 0
		r.Absent = rng.IntN(10) == 0
		for _, s := range kaowu.Subjects {
			k := rng.IntN(10)
			if usual && i < 2 {
				k = 3 + rng.IntN(7) // the usual candidate sits every subject it registers
			}
			switch {
			case k < 3: // not sat that year
			case k < 4 || r.Absent:
				r.Results = append(r.Results, kaowu.SubjectResult{Subject: s, Passed: rng.IntN(4) == 0})
			default:
				score := min(100, max(0, 64+int(rng.NormFloat64()*15)))
				r.Results = append(r.Results, kaowu.SubjectResult{Subject: s, Sat: true, Score: score, Passed: rng.IntN(2) == 0})
			}
		}
		rng.Shuffle(len(r.Results), func(i, j int) { r.Results[i], r.Results[j] = r.Results[j], r.Results[i] })
		in.Records = append(in.Records, r)
	}
	return in
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// oracle says, written independently of Evaluate from the rules, which
// subjects have a counted pass and the latest year of one.
func oracle(in Input) map[kaowu.Subject]int {
	var current *Record
	for i := range in.Records {
		if r := &in.Records[i]; r.Year == in.Year && r.Specialty == in.Specialty {
			current = r
		}
	}
	counts := func(r *Record) bool {
		switch {
		case r.Year < in.Year-in.Window+1 || r.Year > in.Year || r.Misconduct || r.Absent:
			return false
		case r.Specialty != in.Specialty && !(r.Year == in.Year-1 && slices.Contains(in.Merged[r.Specialty], in.Specialty)):
			return false
		case current != nil && r != current && r.Province == "" && current.Province == "" && r.ArchiveNo != "" && current.ArchiveNo != "" &&
			kaowu.NormalizeArchiveNo(r.ArchiveNo) != kaowu.NormalizeArchiveNo(current.ArchiveNo):
			return false
		}
		return true
	}
	out := map[kaowu.Subject]int{}
	for i := range in.Records {
		r := &in.Records[i]
		if !counts(r) {
			continue
		}
		for _, x := range r.Results {
			if x.Sat && x.Score >= in.PassScore && r.Year > out[x.Subject] {
				out[x.Subject] = r.Year
			}
		}
	}
	return out
}

// TestProperties: for random valid inputs, Evaluate accepts them; Passed
// implies a counted pass of every subject from a year within the window;
// Remaining and the counted subjects partition the four; the counted
// passes are those the rules give (the oracle); and the result is
// deterministic and independent of the order of the records and of their
// results.
func TestProperties(t *testing.T) {
	passed, excluded, merged := 0, 0, 0
	kinds := map[ExclusionKind]bool{}
	f := func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 1))
		in := randomInput(rng)
		res, err := Evaluate(in, true)
		if err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		if err := invariants(in, res); err != nil {
			t.Logf("seed %d: %v\n%s", seed, err, js(in))
			return false
		}
		counted := map[kaowu.Subject]bool{}
		for _, st := range res.Subjects {
			if st.Pass == nil {
				continue
			}
			counted[st.Subject] = true
			if res.Passed && (st.Pass.Year < in.Year-in.Window+1 || st.Pass.Year > in.Year) {
				t.Logf("seed %d: passed with %s of %d", seed, st.Subject, st.Pass.Year)
				return false
			}
		}
		for _, s := range res.Remaining {
			if counted[s] {
				t.Logf("seed %d: %s both remaining and counted", seed, s)
				return false
			}
		}
		if len(counted)+len(res.Remaining) != len(kaowu.Subjects) {
			t.Logf("seed %d: remaining %v and counted %v do not make the four subjects", seed, res.Remaining, counted)
			return false
		}
		want := oracle(in)
		for _, st := range res.Subjects {
			got := 0
			if st.Pass != nil {
				got = st.Pass.Year
			}
			if got != want[st.Subject] {
				t.Logf("seed %d: %s counted from %d, oracle %d\n%s", seed, st.Subject, got, want[st.Subject], js(in))
				return false
			}
		}
		again, _ := Evaluate(in, true)
		if !reflect.DeepEqual(res, again) {
			t.Logf("seed %d: not deterministic", seed)
			return false
		}
		shuffled := in
		shuffled.Records = slices.Clone(in.Records)
		rng.Shuffle(len(shuffled.Records), func(i, j int) {
			shuffled.Records[i], shuffled.Records[j] = shuffled.Records[j], shuffled.Records[i]
		})
		for i := range shuffled.Records {
			rs := slices.Clone(shuffled.Records[i].Results)
			slices.Reverse(rs)
			shuffled.Records[i].Results = rs
		}
		other, _ := Evaluate(shuffled, true)
		if !reflect.DeepEqual(res, other) {
			t.Logf("seed %d: result depends on the order of the records\n%s", seed, js(in))
			return false
		}
		if res.Passed {
			passed++
		}
		excluded += len(res.Excluded)
		for _, ex := range res.Excluded {
			kinds[ex.Kind] = true
		}
		for _, st := range res.Subjects {
			if st.Pass != nil && st.Pass.Merged {
				merged++
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig(3000)); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d passed, %d exclusions, %d passes kept under 一（十）", passed, excluded, merged)
	// The generator must reach both outcomes, every kind of exclusion and
	// the merged passes, or the properties say little.
	if passed < 200 || excluded < 1000 || merged < 50 || len(kinds) != 7 {
		t.Errorf("generator too narrow: %d passed, %d exclusions of kinds %v, %d merged passes in 3000 inputs", passed, excluded, kinds, merged)
	}
}

// TestInputNotModified: Evaluate does not change its input (it sorts
// its own copy of the records).
func TestInputNotModified(t *testing.T) {
	for seed := range uint64(200) {
		in := randomInput(rand.New(rand.NewPCG(seed, 2)))
		before := js(in)
		if _, err := Evaluate(in, true); err != nil {
			t.Fatal(err)
		}
		if js(in) != before {
			t.Fatalf("seed %d: input changed", seed)
		}
	}
}

// TestPropertyInvalidRefused: one bad value put into a random valid input
// makes Evaluate refuse it with EINVALID, the message naming the record
// at fault (第N条记录) and the field under its key.
func TestPropertyInvalidRefused(t *testing.T) {
	f := func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 3))
		in := randomInput(rng)
		in.Records = slices.Clone(in.Records)
		i := len(in.Records)
		bad := Record{Year: in.Year, Specialty: in.Specialty}
		if i > 0 && rng.IntN(2) == 0 {
			i = rng.IntN(len(in.Records))
			bad = in.Records[i]
			bad.Results = slices.Clone(bad.Results)
		} else {
			in.Records = append(in.Records, bad)
		}
		at := i // the record the message must name
		var field string
		switch rng.IntN(5) {
		case 0:
			bad.Results = append(bad.Results, kaowu.SubjectResult{Subject: "chemistry", Sat: true, Score: 70})
			field = fmt.Sprintf("records[%d].results[%d].subject", i, len(bad.Results)-1)
		case 1:
			bad.Results = []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: in.MaxScore + 1 + rng.IntN(50)}}
			bad.Absent = false
			field = fmt.Sprintf("records[%d].results[0].score", i)
		case 2:
			bad.Results = []kaowu.SubjectResult{{Subject: kaowu.SubjectPractice, Sat: true, Score: -1 - rng.IntN(50)}}
			bad.Absent = false
			field = fmt.Sprintf("records[%d].results[0].score", i)
		case 3:
			bad.Year = in.Year + 1 + rng.IntN(3)
			field = fmt.Sprintf("records[%d].year", i)
		case 4: // a second record of the same year and specialty, at the end
			in.Records = append(in.Records, bad)
			at = len(in.Records) - 1
			field = fmt.Sprintf("records[%d].year", at)
		}
		in.Records[i] = bad
		_, err := Evaluate(in, true)
		var e *kaowu.Error
		if !errors.As(err, &e) || e.Code != kaowu.EINVALID {
			t.Logf("seed %d: err = %v, want EINVALID", seed, err)
			return false
		}
		n := at + 1
		if _, ok := e.Fields[field]; !ok || !strings.Contains(e.Message, fmt.Sprintf("第%d条记录", n)) {
			t.Logf("seed %d: want field %s and 第%d条记录, got %v:\n%s", seed, field, n, e.Fields, e.Message)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig(1000)); err != nil {
		t.Fatal(err)
	}
}
