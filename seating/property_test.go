package seating

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"testing/quick"

	mrand "math/rand"
)

// quickConfig runs n cases from a fixed source, so that a failure is
// reproducible; each case logs its seed.
func quickConfig(n int) *quick.Config {
	return &quick.Config{MaxCount: n, Rand: mrand.New(mrand.NewSource(20240413))}
}

// TestPropertyHardConstraints: for random sites and candidates, no room is
// over its usable capacity, no seat is shared, every computer-based
// candidate has one day, one room and one seat, paper candidates are in
// paper rooms, placed + unplaced = all, unplaced only when the mode's
// seats are exhausted, and the same input gives the same result.
func TestPropertyHardConstraints(t *testing.T) {
	f := func(seed uint64) bool {
		in := randomSite(rand.New(rand.NewPCG(seed, 1)))
		res, err := Assign(in)
		if err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		if err := check(in, res); err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		again, _ := Assign(in)
		if !reflect.DeepEqual(res, again) {
			t.Logf("seed %d: not deterministic", seed)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig(400)); err != nil {
		t.Fatal(err)
	}
}

// TestPropertyOrderIndependent: when no one is left unplaced, the order of
// the candidates and of the CBT days does not change the result.
func TestPropertyOrderIndependent(t *testing.T) {
	f := func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 2))
		in := randomSite(rng)
		res, _ := Assign(in)
		if len(res.Unplaced) > 0 {
			return true
		}
		in.Candidates = slices.Clone(in.Candidates)
		rng.Shuffle(len(in.Candidates), func(i, j int) { in.Candidates[i], in.Candidates[j] = in.Candidates[j], in.Candidates[i] })
		in.CBTDays = slices.Clone(in.CBTDays)
		slices.Reverse(in.CBTDays)
		other, _ := Assign(in)
		if !reflect.DeepEqual(res, other) {
			t.Logf("seed %d: result depends on input order", seed)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig(200)); err != nil {
		t.Fatal(err)
	}
}

// perturb returns a copy of in with random changes of the kind that happen
// between two runs: rooms cancelled, added or shrunk, machines broken, days
// of a room or a CBT day dropped, rows re-laid, candidates withdrawn, added
// or switched to the other mode.
func perturb(rng *rand.Rand, in Input) Input {
	out := in
	out.Rooms = make([]Room, len(in.Rooms))
	for i, r := range in.Rooms {
		r.Days = slices.Clone(r.Days)
		out.Rooms[i] = r
	}
	out.Candidates = slices.Clone(in.Candidates)
	out.CBTDays = slices.Clone(in.CBTDays)
	chance := func(n int) bool { return rng.IntN(n) == 0 }
	if len(out.Rooms) > 0 && chance(2) {
		i := rng.IntN(len(out.Rooms))
		out.Rooms = slices.Delete(out.Rooms, i, i+1)
	}
	for i := range out.Rooms {
		r := &out.Rooms[i]
		switch rng.IntN(12) {
		case 0:
			r.Capacity = 1 + rng.IntN(r.Capacity)
		case 1:
			r.WorkingMachines = rng.IntN(r.WorkingMachines + 1)
		case 2:
			r.Days = []string{fengtaiCBT[rng.IntN(4)]}
		case 3:
			r.SeatsPerRow = 1 + rng.IntN(10)
		case 4:
			r.Capacity += rng.IntN(10)
			r.WorkingMachines += rng.IntN(10)
		}
	}
	if chance(3) {
		kind := Paper
		if chance(2) {
			kind = Computer
		}
		c := 1 + rng.IntN(40)
		out.Rooms = append(out.Rooms, Room{ID: "NEW", Kind: kind, Capacity: c, SeatsPerRow: 5, WorkingMachines: c})
	}
	if len(out.CBTDays) > 1 && chance(4) {
		i := rng.IntN(len(out.CBTDays))
		out.CBTDays = slices.Delete(out.CBTDays, i, i+1)
	}
	out.Candidates = slices.DeleteFunc(out.Candidates, func(Candidate) bool { return chance(8) })
	for i := range out.Candidates {
		if chance(30) {
			c := &out.Candidates[i]
			if c.Mode == Paper {
				c.Mode, c.Specialty = Computer, "S0"
			} else {
				c.Mode, c.Specialty = Paper, nursing
			}
		}
	}
	for i := range rng.IntN(30) {
		c := Candidate{ID: fmt.Sprintf("N%03d", i), Mode: Computer, Specialty: fmt.Sprintf("S%d", rng.IntN(5)), Unit: fmt.Sprintf("U%d", rng.IntN(5))}
		if chance(3) {
			c.Mode, c.Specialty = Paper, nursing
		}
		out.Candidates = append(out.Candidates, c)
	}
	return out
}

// stillValid computes independently which previous assignments of the
// candidates of in are still valid: room present, same kind as the
// candidate's mode, available on the day (paper: every paper day), day a
// CBT day, seat within capacity, and within the usable capacity counting
// kept candidates from seat 1 up.
func stillValid(in Input, prev []Assignment) map[string]bool {
	rooms := make(map[string]*Room)
	for i := range in.Rooms {
		rooms[in.Rooms[i].ID] = &in.Rooms[i]
	}
	mode := make(map[string]Kind)
	for _, c := range in.Candidates {
		mode[c.ID] = c.Mode
	}
	type key struct{ room, day string }
	held := make(map[key][]Assignment)
	for _, a := range prev {
		m, ok := mode[a.CandidateID]
		r := rooms[a.RoomID]
		if !ok || r == nil || r.Kind != m || a.Seat < 1 || a.Seat > r.Capacity {
			continue
		}
		day := ""
		if m == Computer {
			if !slices.Contains(in.CBTDays, a.Day) || !availableOn(r, a.Day) {
				continue
			}
			day = a.Day
		} else {
			ok := true
			for _, d := range in.PaperDays {
				ok = ok && availableOn(r, d)
			}
			if !ok {
				continue
			}
		}
		held[key{a.RoomID, day}] = append(held[key{a.RoomID, day}], a)
	}
	valid := make(map[string]bool)
	for k, as := range held {
		sort.Slice(as, func(i, j int) bool { return as[i].Seat < as[j].Seat })
		for i, a := range as {
			if i < rooms[k.room].Usable() {
				valid[a.CandidateID] = true
			}
		}
	}
	return valid
}

// checkStable verifies a re-run against the previous assignments: every
// still-valid assignment is kept unchanged, only invalid ones move (each
// with a reason), a moved computer-based candidate changes day only when
// their day is full, and the counts add up.
func checkStable(in Input, prev []Assignment, res Result) error {
	valid := stillValid(in, prev)
	now := byCandidate(res.Assignments)
	present := make(map[string]bool)
	for _, c := range in.Candidates {
		present[c.ID] = true
	}
	moved := make(map[string]Move)
	for _, m := range res.Moved {
		moved[m.CandidateID] = m
		if m.Reason == "" {
			return fmt.Errorf("move of %s without reason", m.CandidateID)
		}
		if m.To != now[m.CandidateID] {
			return fmt.Errorf("move of %s to %+v, assigned %+v", m.CandidateID, m.To, now[m.CandidateID])
		}
	}
	lost := make(map[string]bool)
	for _, u := range res.Unplaced {
		if u.Previous != nil {
			lost[u.CandidateID] = true
		}
	}
	// Fullness of each CBT day after the re-run.
	full := make(map[string]bool)
	for _, d := range in.CBTDays {
		seated, usable := 0, 0
		for _, f := range res.Rooms {
			if f.Kind == Computer && f.Day == d {
				seated += f.Seated
				usable += f.Capacity
			}
		}
		full[d] = seated == usable
	}
	kept, withdrawn := 0, 0
	for _, a := range prev {
		id := a.CandidateID
		if !present[id] {
			withdrawn++
			continue
		}
		n, placed := now[id]
		if valid[id] {
			kept++
			if !placed || n.RoomID != a.RoomID || n.Day != a.Day || n.Seat != a.Seat {
				return fmt.Errorf("valid assignment %+v of %s changed to %+v", a, id, n)
			}
			if _, ok := moved[id]; ok {
				return fmt.Errorf("%s reported moved though still valid", id)
			}
			continue
		}
		m, ok := moved[id]
		switch {
		case ok && m.From != a:
			return fmt.Errorf("move of %s from %+v, previous %+v", id, m.From, a)
		case !ok && !lost[id]:
			return fmt.Errorf("invalid assignment %+v of %s neither moved nor unplaced", a, id)
		case ok && n.Day != "" && n.Day != a.Day && slices.Contains(in.CBTDays, a.Day) && !full[a.Day]:
			return fmt.Errorf("%s moved from %s to %s though %s has free seats", id, a.Day, n.Day, a.Day)
		}
	}
	if res.Kept != kept || res.Withdrawn != withdrawn {
		return fmt.Errorf("kept %d withdrawn %d, want %d and %d", res.Kept, res.Withdrawn, kept, withdrawn)
	}
	if got := res.Kept + len(res.Moved) + res.New; got != len(res.Assignments) {
		return fmt.Errorf("kept+moved+new = %d, %d assignments", got, len(res.Assignments))
	}
	return nil
}

// TestPropertyStable: seat a random site, change it at random, re-seat with
// the previous assignments: the hard constraints hold and only the
// assignments that became invalid move.
func TestPropertyStable(t *testing.T) {
	f := func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 3))
		in := randomSite(rng)
		first, err := Assign(in)
		if err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		next := perturb(rng, in)
		next.Previous = first.Assignments
		res, err := Assign(next)
		if err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		if err := check(next, res); err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		if err := checkStable(next, first.Assignments, res); err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig(400)); err != nil {
		t.Fatal(err)
	}
}

// TestPropertyUnitNeighbours: in a first run, where the candidates of a
// room take seats 1..m, two of one unit sit side by side only when one unit
// has more than half of them (rounded up), so that it cannot be avoided.
func TestPropertyUnitNeighbours(t *testing.T) {
	f := func(seed uint64) bool {
		in := randomSite(rand.New(rand.NewPCG(seed, 4)))
		res, err := Assign(in)
		if err != nil {
			return false
		}
		unit := make(map[string]string)
		for _, c := range in.Candidates {
			unit[c.ID] = c.Unit
		}
		type key struct{ room, day string }
		units := make(map[key]map[string]int)
		seated := make(map[key]int)
		for _, a := range res.Assignments {
			k := key{a.RoomID, a.Day}
			if units[k] == nil {
				units[k] = make(map[string]int)
			}
			if u := unit[a.CandidateID]; u != "" {
				units[k][u]++
			}
			seated[k]++
		}
		for _, r := range res.Rooms {
			k := key{r.RoomID, r.Day}
			if r.Kind == Paper {
				k.day = ""
			}
			most := 0
			for _, n := range units[k] {
				most = max(most, n)
			}
			if r.SameUnitAdjacent > 0 && most <= (seated[k]+1)/2 {
				t.Logf("seed %d: room %s %s has %d neighbour pairs, largest unit %d of %d", seed, r.RoomID, r.Day, r.SameUnitAdjacent, most, seated[k])
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig(400)); err != nil {
		t.Fatal(err)
	}
}
