package scoring

import (
	"fmt"
	"testing"

	"kaowu"
)

// typicalInput is the typical candidate: two subjects passed last year,
// the other two sat this year, one archive number.
func typicalInput() Input {
	res := func(s kaowu.Subject, score int) kaowu.SubjectResult {
		return kaowu.SubjectResult{Subject: s, Sat: true, Score: score, Passed: score >= 60}
	}
	return Input{
		Year: 2024, Specialty: "368", PassScore: 60, MaxScore: 100, Window: 2, Merged: catalogue2024,
		Records: []Record{
			{Year: 2024, Specialty: "368", ArchiveNo: "110106-2023-0042", Results: []kaowu.SubjectResult{
				res(kaowu.SubjectProfessional, 66), res(kaowu.SubjectPractice, 58)}},
			{Year: 2023, Specialty: "368", ArchiveNo: "110106-2023-0042", Results: []kaowu.SubjectResult{
				res(kaowu.SubjectBasics, 71), res(kaowu.SubjectRelated, 63), res(kaowu.SubjectProfessional, 49), res(kaowu.SubjectPractice, 55)}},
		},
	}
}

// BenchmarkEvaluate measures one candidate of two records on one
// goroutine, without a trace (the import) and with one (the offices' page).
func BenchmarkEvaluate(b *testing.B) {
	in := typicalInput()
	for _, trace := range []bool{false, true} {
		b.Run(fmt.Sprintf("trace=%v", trace), func(b *testing.B) {
			if _, err := Evaluate(in, trace); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(in, trace); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
