package eligibility

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"kaowu"
)

// FuzzDecodeAndEvaluate feeds random JSON through DecodeFacts and the
// engine. Input DecodeFacts refuses must be refused as EINVALID naming a
// field; it is then decoded leniently and evaluated anyway, so that odd
// values reach the rules. The engine runs without Evaluate's recover, so a
// panic is a crash.
func FuzzDecodeAndEvaluate(f *testing.F) {
	for _, c := range loadCases(f) {
		b, err := json.Marshal(c.Facts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"education":[null]}`, `{"previous_exam":{}}`, `{"target":{"specialty":"护理学"}}`} {
		f.Add([]byte(s))
	}
	y := testYear(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := DecodeFacts(bytes.NewReader(data))
		if err != nil {
			var e *kaowu.Error
			if !errors.As(err, &e) || e.Code != kaowu.EINVALID || len(e.Fields) == 0 || e.Message == "" {
				t.Fatalf("DecodeFacts error %#v is not an EINVALID *kaowu.Error naming a field", err)
			}
			facts = Facts{}
			_ = json.Unmarshal(data, &facts)
		}
		d := evaluate(&facts, y, true)
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("decision does not marshal: %v", err)
		}
		kinds := map[ReasonKind]bool{}
		for _, r := range d.Reasons {
			kinds[r.Kind] = true
		}
		switch d.Outcome {
		case Ineligible:
			if !kinds[KindRefusal] || len(d.Subjects) > 0 || len(d.Materials) > 0 {
				t.Fatalf("ineligible without refusal, or with subjects or materials: %s", js(withoutTrace(d)))
			}
		case Review:
			if !kinds[KindReview] || kinds[KindRefusal] {
				t.Fatalf("review inconsistent: %s", js(withoutTrace(d)))
			}
		case Eligible:
			if kinds[KindRefusal] || kinds[KindReview] || d.Route == nil || len(d.Subjects) == 0 {
				t.Fatalf("eligible inconsistent: %s", js(withoutTrace(d)))
			}
		default:
			t.Fatalf("outcome %q", d.Outcome)
		}
		for _, s := range d.Subjects {
			if !slices.Contains(kaowu.Subjects, s) {
				t.Fatalf("subject %q", s)
			}
		}
	})
}
