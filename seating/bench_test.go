package seating

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// zipf returns a sampler of 0..n-1 with weight 1/(k+1)^s.
func zipf(rng *rand.Rand, n int, s float64) func() int {
	cum := make([]float64, n)
	total := 0.0
	for k := range n {
		total += 1 / math.Pow(float64(k+1), s)
		cum[k] = total
	}
	return func() int {
		i, _ := slices.BinarySearch(cum, rng.Float64()*total)
		return min(i, n-1)
	}
}

// bigSite makes a realistic site of n candidates: 60 computer rooms of 30
// to 80 places (a few machines broken, some rooms out on one day) over the
// four Fengtai CBT days, 20 paper rooms of 30; 3 % paper candidates of
// 护理学（初级师）, the rest in 99 specialties and 400 units, both
// Zipf-distributed.
func bigSite(seed uint64, n int) Input {
	rng := rand.New(rand.NewPCG(seed, 99))
	in := Input{CBTDays: fengtaiCBT, PaperDays: fengtaiPaper}
	for i := range 60 {
		c := 30 + rng.IntN(51)
		r := Room{ID: fmt.Sprintf("S%dC%02d", seed, i), Venue: fmt.Sprintf("V%d", i/20), Kind: Computer, Capacity: c, SeatsPerRow: 8 + 2*rng.IntN(2), WorkingMachines: c - rng.IntN(4)}
		if rng.IntN(10) == 0 {
			r.Days = slices.Delete(slices.Clone(fengtaiCBT), 3, 4)
		}
		in.Rooms = append(in.Rooms, r)
	}
	for i := range 20 {
		in.Rooms = append(in.Rooms, Room{ID: fmt.Sprintf("S%dP%02d", seed, i), Kind: Paper, Capacity: 30, SeatsPerRow: 6})
	}
	spec, unit := zipf(rng, 99, 0.9), zipf(rng, 400, 1.0)
	in.Candidates = make([]Candidate, n)
	for i := range in.Candidates {
		c := Candidate{ID: fmt.Sprintf("%d%07d", seed, i), Unit: fmt.Sprintf("单位%03d", unit()), Mode: Computer}
		if rng.IntN(100) < 3 {
			c.Mode, c.Specialty = Paper, nursing
		} else {
			c.Specialty = fmt.Sprintf("专业%02d", spec())
		}
		in.Candidates[i] = c
	}
	return in
}

func BenchmarkAssign20k(b *testing.B) {
	in := bigSite(1, 20000)
	b.ReportAllocs()
	var res Result
	for b.Loop() {
		var err error
		if res, err = Assign(in); err != nil {
			b.Fatal(err)
		}
	}
	if err := check(in, res); err != nil {
		b.Fatal(err)
	}
	adjacent := 0
	for _, f := range res.Rooms {
		adjacent += f.SameUnitAdjacent
	}
	b.ReportMetric(float64(len(res.Assignments)), "seated")
	b.ReportMetric(float64(len(res.Unplaced)), "unplaced")
	b.ReportMetric(float64(mixing(res)), "mixing")
	b.ReportMetric(float64(adjacent), "adjacent")
}

// BenchmarkAssign2M seats 2 000 000 candidates as 100 sites of 20 000, site
// by site on one goroutine; generating the sites is not timed.
func BenchmarkAssign2M(b *testing.B) {
	if testing.Short() {
		b.Skip("2M candidates: skipped under -short")
	}
	const sites, perSite = 100, 20000
	b.ReportAllocs()
	seated := 0
	for b.Loop() {
		seated = 0
		for s := range sites {
			b.StopTimer()
			in := bigSite(uint64(100+s), perSite)
			b.StartTimer()
			res, err := Assign(in)
			if err != nil {
				b.Fatal(err)
			}
			seated += len(res.Assignments)
		}
	}
	b.ReportMetric(float64(seated), "seated")
	b.ReportMetric(float64(sites*perSite), "candidates")
}
