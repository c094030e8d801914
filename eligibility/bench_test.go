package eligibility

import "testing"

// The benchmarks evaluate the cases of testdata in turn on one goroutine:
// decisions/s is per core.
func benchmarkEvaluate(b *testing.B, trace bool) {
	y := testYear(b)
	cases := loadCases(b)
	facts := make([]Facts, len(cases))
	for i, c := range cases {
		facts[i] = c.facts(b)
	}
	Evaluate(facts[0], y, trace) // build the year's index
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Evaluate(facts[i%len(facts)], y, trace)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func BenchmarkEvaluate(b *testing.B)      { benchmarkEvaluate(b, false) }
func BenchmarkEvaluateTrace(b *testing.B) { benchmarkEvaluate(b, true) }
