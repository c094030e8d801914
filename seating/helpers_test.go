package seating

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

var (
	fengtaiCBT   = []string{"2024-04-13", "2024-04-14", "2024-04-20", "2024-04-21"}
	fengtaiPaper = []string{"2024-04-13", "2024-04-14"}
)

const nursing = "护理学（初级师）"

// check verifies the hard constraints of res against in, and that the
// report adds up. It returns the first violation.
func check(in Input, res Result) error {
	rooms := make(map[string]*Room)
	for i := range in.Rooms {
		rooms[in.Rooms[i].ID] = &in.Rooms[i]
	}
	cands := make(map[string]*Candidate)
	for i := range in.Candidates {
		cands[in.Candidates[i].ID] = &in.Candidates[i]
	}
	type seatKey struct {
		room, day string
		seat      int
	}
	type dayKey struct{ room, day string }
	seats := make(map[seatKey]string)
	count := make(map[dayKey]int)
	placed := make(map[string]bool)
	placedByMode := map[Kind]int{}
	for _, a := range res.Assignments {
		c, ok := cands[a.CandidateID]
		if !ok {
			return fmt.Errorf("assignment of unknown candidate %q", a.CandidateID)
		}
		if placed[a.CandidateID] {
			return fmt.Errorf("candidate %s placed twice", a.CandidateID)
		}
		placed[a.CandidateID] = true
		placedByMode[c.Mode]++
		r, ok := rooms[a.RoomID]
		if !ok {
			return fmt.Errorf("candidate %s in unknown room %q", a.CandidateID, a.RoomID)
		}
		if r.Kind != c.Mode {
			return fmt.Errorf("candidate %s (%v) in %v room %s", c.ID, c.Mode, r.Kind, r.ID)
		}
		switch c.Mode {
		case Computer:
			if !slices.Contains(in.CBTDays, a.Day) {
				return fmt.Errorf("CBT candidate %s on non-CBT day %q", c.ID, a.Day)
			}
			if !availableOn(r, a.Day) {
				return fmt.Errorf("candidate %s in room %s on %s, not available", c.ID, r.ID, a.Day)
			}
		case Paper:
			if a.Day != "" {
				return fmt.Errorf("paper candidate %s has day %q", c.ID, a.Day)
			}
			for _, d := range in.PaperDays {
				if !availableOn(r, d) {
					return fmt.Errorf("paper candidate %s in room %s, not available on %s", c.ID, r.ID, d)
				}
			}
		}
		if a.Seat < 1 || a.Seat > r.Capacity {
			return fmt.Errorf("candidate %s on seat %d of room %s (capacity %d)", c.ID, a.Seat, r.ID, r.Capacity)
		}
		if a.Row != (a.Seat-1)/r.SeatsPerRow+1 || a.Col != (a.Seat-1)%r.SeatsPerRow+1 {
			return fmt.Errorf("candidate %s seat %d row %d col %d (per row %d)", c.ID, a.Seat, a.Row, a.Col, r.SeatsPerRow)
		}
		k := seatKey{a.RoomID, a.Day, a.Seat}
		if o, ok := seats[k]; ok {
			return fmt.Errorf("seat %v shared by %s and %s", k, o, c.ID)
		}
		seats[k] = c.ID
		count[dayKey{a.RoomID, a.Day}]++
		if n := count[dayKey{a.RoomID, a.Day}]; n > r.Usable() {
			return fmt.Errorf("room %s day %q over capacity: %d > %d", r.ID, a.Day, n, r.Usable())
		}
	}
	unplacedByMode := map[Kind]int{}
	for _, u := range res.Unplaced {
		c, ok := cands[u.CandidateID]
		if !ok {
			return fmt.Errorf("unplaced unknown candidate %q", u.CandidateID)
		}
		if placed[u.CandidateID] {
			return fmt.Errorf("candidate %s both placed and unplaced", u.CandidateID)
		}
		placed[u.CandidateID] = true
		if u.Reason == "" || u.Constraint == "" || u.Mode != c.Mode {
			return fmt.Errorf("unplaced %s without reason, constraint or mode: %+v", c.ID, u)
		}
		unplacedByMode[c.Mode]++
	}
	if len(placed) != len(in.Candidates) {
		return fmt.Errorf("%d candidates, %d placed or unplaced", len(in.Candidates), len(placed))
	}
	// Unplaced only when every usable seat of the mode is taken.
	for _, mode := range []Kind{Paper, Computer} {
		if unplacedByMode[mode] == 0 {
			continue
		}
		if seats := usableSeats(in, mode); placedByMode[mode] != seats {
			return fmt.Errorf("%d %v candidates unplaced, but only %d of %d usable seats taken", unplacedByMode[mode], mode, placedByMode[mode], seats)
		}
	}
	// The fill report adds up.
	fill := 0
	for _, f := range res.Rooms {
		day := f.Day
		if f.Kind == Paper {
			day = ""
		}
		if n := count[dayKey{f.RoomID, day}]; n != f.Seated {
			return fmt.Errorf("fill of %s %s says %d, %d seated", f.RoomID, f.Day, f.Seated, n)
		}
		sum := 0
		for _, sc := range f.Specialties {
			sum += sc.Count
		}
		if sum != f.Seated {
			return fmt.Errorf("fill of %s %s: specialties add to %d, seated %d", f.RoomID, f.Day, sum, f.Seated)
		}
		if f.Kind == Computer || f.Day == in.PaperDays[0] {
			fill += f.Seated
		}
	}
	if fill != len(res.Assignments) {
		return fmt.Errorf("fills add to %d, %d assignments", fill, len(res.Assignments))
	}
	return nil
}

// usableSeats is the number of seats of the mode, computed independently.
func usableSeats(in Input, mode Kind) int {
	n := 0
	for i := range in.Rooms {
		r := &in.Rooms[i]
		if r.Kind != mode {
			continue
		}
		if mode == Paper {
			ok := len(in.PaperDays) > 0
			for _, d := range in.PaperDays {
				ok = ok && availableOn(r, d)
			}
			if ok {
				n += r.Capacity
			}
			continue
		}
		for _, d := range sortedSet(in.CBTDays) {
			if availableOn(r, d) {
				n += r.Usable()
			}
		}
	}
	return n
}

// randomSite makes a random small site: rooms of both kinds with random
// capacities, working machines and days, and random candidates.
func randomSite(rng *rand.Rand) Input {
	days := []string{"2024-04-13", "2024-04-14", "2024-04-20", "2024-04-21", "2024-04-27"}
	pick := func(from []string) []string {
		var out []string
		for _, d := range from {
			if rng.IntN(3) > 0 {
				out = append(out, d)
			}
		}
		if len(out) == 0 {
			out = append(out, from[rng.IntN(len(from))])
		}
		return out
	}
	in := Input{
		CBTDays:            pick(days[:4]),
		PaperDays:          pick(days[:2]),
		FillEarlyDaysFirst: rng.IntN(2) == 0,
	}
	for i := range rng.IntN(5) {
		r := Room{ID: fmt.Sprintf("P%02d", i), Kind: Paper, Capacity: 1 + rng.IntN(40), SeatsPerRow: 1 + rng.IntN(8)}
		if rng.IntN(4) == 0 {
			r.Days = pick(days)
		}
		in.Rooms = append(in.Rooms, r)
	}
	for i := range rng.IntN(8) {
		r := Room{ID: fmt.Sprintf("C%02d", i), Kind: Computer, Capacity: 1 + rng.IntN(50), SeatsPerRow: 1 + rng.IntN(10)}
		r.WorkingMachines = rng.IntN(r.Capacity + 10)
		if rng.IntN(3) == 0 {
			r.Days = pick(days)
		}
		in.Rooms = append(in.Rooms, r)
	}
	rng.Shuffle(len(in.Rooms), func(i, j int) { in.Rooms[i], in.Rooms[j] = in.Rooms[j], in.Rooms[i] })
	// Load between 0 and 1.3 times the seats, so that both plenty and
	// shortage occur.
	seats := usableSeats(in, Paper) + usableSeats(in, Computer)
	n := rng.IntN(1 + seats*13/10)
	nSpec, nUnit := 1+rng.IntN(8), rng.IntN(12)
	for i := range n {
		c := Candidate{ID: fmt.Sprintf("K%04d", i), Mode: Computer, Specialty: fmt.Sprintf("S%d", rng.IntN(nSpec))}
		if rng.IntN(3) == 0 {
			c.Mode, c.Specialty = Paper, nursing
		}
		if nUnit > 0 && rng.IntN(6) > 0 {
			c.Unit = fmt.Sprintf("U%d", rng.IntN(nUnit))
		}
		in.Candidates = append(in.Candidates, c)
	}
	return in
}

// site makes a Fengtai-like site: computer rooms of the capacities given
// (all machines working) and paper rooms of the capacities given, six
// seats a row.
func site(cbt, paper []int) Input {
	in := Input{CBTDays: fengtaiCBT, PaperDays: fengtaiPaper}
	for i, c := range paper {
		in.Rooms = append(in.Rooms, Room{ID: fmt.Sprintf("P%02d", i+1), Kind: Paper, Capacity: c, SeatsPerRow: 6})
	}
	for i, c := range cbt {
		in.Rooms = append(in.Rooms, Room{ID: fmt.Sprintf("A%03d", 101+i), Kind: Computer, Capacity: c, SeatsPerRow: 6, WorkingMachines: c})
	}
	return in
}

// addCandidates appends n candidates of the specialty and mode, units
// taken in turn from units ("" when none).
func addCandidates(in *Input, prefix, specialty string, mode Kind, n int, units ...string) {
	for i := range n {
		c := Candidate{ID: fmt.Sprintf("%s%04d", prefix, i), Specialty: specialty, Mode: mode}
		if len(units) > 0 {
			c.Unit = units[i%len(units)]
		}
		in.Candidates = append(in.Candidates, c)
	}
}

// byCandidate indexes assignments by candidate.
func byCandidate(as []Assignment) map[string]Assignment {
	m := make(map[string]Assignment, len(as))
	for _, a := range as {
		m[a.CandidateID] = a
	}
	return m
}
