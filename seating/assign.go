package seating

import (
	"fmt"
	"slices"
	"strings"
)

// Candidate states.
const (
	stateNew       = iota // no previous assignment
	stateKept             // previous assignment still valid: kept
	stateDisplaced        // previous assignment invalid: to be moved
)

type cand struct {
	spec, unit int32 // unit is -1 when unknown
	rank       int32 // position in the order of candidate IDs
	mode       Kind
	state      uint8
	placed     bool
	pin        *Assignment
	reason     string // why the pin is invalid
	bin, seat  int32
}

// bin is one room on one day: the unit of capacity. A paper room is one
// bin with day "" that holds for every paper day.
type bin struct {
	room     int32 // index in Input.Rooms
	day      string
	dayIdx   int32 // index in cbtDays, -1 for paper
	usable   int32
	occ      []int32 // candidate index per seat (seat-1), -1 when free
	kept     int32
	free     int32 // usable seats not yet taken
	target   int32 // seats still to fill to reach the even (or early-day) load
	present  []specCount
	incoming []int32 // candidates allocated here, to be seated
}

type specCount struct{ spec, n int32 }

type binKey struct{ room, day string }

type state struct {
	in        *Input
	cands     []cand
	specNames []string
	unitNames []string
	cbtDays   []string
	paperDays []string
	bins      []bin
	binIndex  map[binKey]int32
	roomIndex map[string]int32
	paperBins []int32
	dayBins   [][]int32 // computer bins per CBT day
	cbtBins   []int32
	specBins  [][]int32 // bins where each specialty is present
	mark      []bool    // scratch: bins of the current allocation
	binding   []string
}

// Assign seats the candidates of one site. It returns an error only for
// invalid input (an *InputError naming each offending room or candidate);
// candidates who cannot be seated are reported in Result.Unplaced.
//
// Assign is deterministic: the same input gives the same result. See the
// package documentation for the algorithm.
func Assign(in Input) (Result, error) {
	pins, withdrawn, err := validate(&in)
	if err != nil {
		return Result{}, err
	}
	s := &state{in: &in}
	s.cbtDays = sortedSet(in.CBTDays)
	s.paperDays = sortedSet(in.PaperDays)
	s.indexCandidates(pins)
	s.buildBins()
	s.pin()
	var unplaced []Unplaced
	for _, mode := range []Kind{Paper, Computer} {
		unplaced = append(unplaced, s.seatMode(mode)...)
	}
	for b := range s.bins {
		s.seatIncoming(int32(b))
	}
	order := make(map[string]int, len(unplaced))
	for i := range in.Candidates {
		if !s.cands[i].placed && s.cands[i].state != stateKept {
			order[in.Candidates[i].ID] = i
		}
	}
	slices.SortFunc(unplaced, func(a, b Unplaced) int { return order[a.CandidateID] - order[b.CandidateID] })
	return s.result(unplaced, withdrawn), nil
}

func sortedSet(days []string) []string {
	out := slices.Clone(days)
	slices.Sort(out)
	return slices.Compact(out)
}

// indexCandidates numbers specialties and units in name order and ranks
// candidates by ID, so that the result does not depend on the input order
// (except who is left unplaced when seats are short).
func (s *state) indexCandidates(pins []*Assignment) {
	cs := s.in.Candidates
	s.cands = make([]cand, len(cs))
	specs := make(map[string]int32)
	units := make(map[string]int32)
	for _, c := range cs {
		specs[c.Specialty] = 0
		if c.Unit != "" {
			units[c.Unit] = 0
		}
	}
	s.specNames = number(specs)
	s.unitNames = number(units)
	order := make([]int32, len(cs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(cs[a].ID, cs[b].ID) })
	for r, i := range order {
		s.cands[i].rank = int32(r)
	}
	for i, c := range cs {
		k := &s.cands[i]
		k.spec = specs[c.Specialty]
		k.unit = -1
		if c.Unit != "" {
			k.unit = units[c.Unit]
		}
		k.mode = c.Mode
		k.pin = pins[i]
		k.bin, k.seat = -1, -1
	}
	s.specBins = make([][]int32, len(s.specNames))
}

// number gives the keys of m the numbers of their sorted order and returns
// the sorted keys.
func number(m map[string]int32) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for i, k := range names {
		m[k] = int32(i)
	}
	return names
}

// availableOn reports whether room r is available on day d.
func availableOn(r *Room, d string) bool {
	return len(r.Days) == 0 || slices.Contains(r.Days, d)
}

// buildBins makes the bins: each usable paper room once (available on
// every paper day), then each computer room on each CBT day it is
// available, day by day.
func (s *state) buildBins() {
	rooms := s.in.Rooms
	s.binIndex = make(map[binKey]int32)
	s.roomIndex = make(map[string]int32, len(rooms))
	for i := range rooms {
		s.roomIndex[rooms[i].ID] = int32(i)
	}
	add := func(ri int, day string, dayIdx int) int32 {
		r := &rooms[ri]
		b := bin{room: int32(ri), day: day, dayIdx: int32(dayIdx), usable: int32(r.Usable()), occ: make([]int32, r.Capacity)}
		for i := range b.occ {
			b.occ[i] = -1
		}
		s.bins = append(s.bins, b)
		id := int32(len(s.bins) - 1)
		s.binIndex[binKey{r.ID, day}] = id
		return id
	}
	if len(s.paperDays) > 0 {
		for ri := range rooms {
			r := &rooms[ri]
			if r.Kind != Paper {
				continue
			}
			if d, ok := s.missingPaperDay(r); !ok {
				s.binding = append(s.binding, fmt.Sprintf("纸笔考场 %s 在 %s 不可用：纸笔考生须在全部纸笔考试日使用同一座位，该考场未使用", r.ID, d))
				continue
			}
			s.paperBins = append(s.paperBins, add(ri, "", -1))
		}
	}
	s.dayBins = make([][]int32, len(s.cbtDays))
	for di, d := range s.cbtDays {
		for ri := range rooms {
			r := &rooms[ri]
			if r.Kind == Computer && availableOn(r, d) {
				id := add(ri, d, di)
				s.dayBins[di] = append(s.dayBins[di], id)
				s.cbtBins = append(s.cbtBins, id)
			}
		}
	}
	for ri := range rooms {
		r := &rooms[ri]
		if r.Kind != Computer || len(s.cbtDays) == 0 {
			continue
		}
		used := false
		for _, d := range s.cbtDays {
			used = used || availableOn(r, d)
		}
		switch {
		case !used:
			s.binding = append(s.binding, fmt.Sprintf("计算机考场 %s 的可用日期都不是人机对话考试日，该考场未使用", r.ID))
		case r.Usable() == 0:
			s.binding = append(s.binding, fmt.Sprintf("计算机考场 %s 无可用机位，该考场未使用", r.ID))
		}
	}
	s.mark = make([]bool, len(s.bins))
}

// missingPaperDay returns the first paper day the paper room r is not
// available on, and false; or "", true when it is available on all.
func (s *state) missingPaperDay(r *Room) (string, bool) {
	for _, d := range s.paperDays {
		if !availableOn(r, d) {
			return d, false
		}
	}
	return "", true
}

// pin keeps every previous assignment that is still valid and marks the
// others displaced with the reason.
func (s *state) pin() {
	rooms := s.in.Rooms
	for i := range s.cands {
		c := &s.cands[i]
		if c.pin == nil {
			continue
		}
		a := c.pin
		b, reason := s.pinBin(c, a)
		if reason == "" {
			bn := &s.bins[b]
			r := &rooms[bn.room]
			switch {
			case a.Seat < 1:
				reason = fmt.Sprintf("原座位号 %d 无效", a.Seat)
			case a.Seat > r.Capacity:
				reason = fmt.Sprintf("考场 %s 容量减少为 %d 个，原座位号 %d 已不存在", r.ID, r.Capacity, a.Seat)
			case bn.occ[a.Seat-1] >= 0:
				reason = fmt.Sprintf("原座位与考生 %s 重复", s.in.Candidates[bn.occ[a.Seat-1]].ID)
			}
		}
		if reason != "" {
			c.state, c.reason = stateDisplaced, reason
			continue
		}
		c.state, c.bin, c.seat = stateKept, b, int32(a.Seat)
		s.bins[b].occ[a.Seat-1] = int32(i)
	}
	// A room whose usable capacity fell below its kept candidates moves
	// those on the highest seat numbers.
	for b := range s.bins {
		bn := &s.bins[b]
		n := int32(0)
		for _, o := range bn.occ {
			if o >= 0 {
				n++
			}
		}
		r := &rooms[bn.room]
		for seat := len(bn.occ); seat >= 1 && n > bn.usable; seat-- {
			o := bn.occ[seat-1]
			if o < 0 {
				continue
			}
			c := &s.cands[o]
			c.state, c.bin, c.seat = stateDisplaced, -1, -1
			if r.Kind == Computer && r.WorkingMachines < r.Capacity {
				c.reason = fmt.Sprintf("考场 %s 可用机位减少为 %d 个", r.ID, bn.usable)
			} else {
				c.reason = fmt.Sprintf("考场 %s 容量减少为 %d 个", r.ID, bn.usable)
			}
			bn.occ[seat-1] = -1
			n--
		}
		bn.kept = n
		bn.free = bn.usable - n
		for _, o := range bn.occ {
			if o >= 0 {
				s.addPresent(int32(b), s.cands[o].spec, 1)
			}
		}
	}
}

// pinBin returns the bin of a previous assignment, or the reason it is no
// longer valid.
func (s *state) pinBin(c *cand, a *Assignment) (int32, string) {
	if a.RoomID == "" {
		return -1, "原安排缺少考场"
	}
	ri, ok := s.roomIndex[a.RoomID]
	if !ok {
		return -1, fmt.Sprintf("考场 %s 已取消", a.RoomID)
	}
	r := &s.in.Rooms[ri]
	if r.Kind != c.mode {
		return -1, fmt.Sprintf("报考方式已改为%s，原%s %s 不再适用", c.mode.Label(), r.Kind.RoomLabel(), r.ID)
	}
	if r.Kind == Paper {
		if d, ok := s.missingPaperDay(r); !ok {
			return -1, fmt.Sprintf("考场 %s 在 %s 不可用", r.ID, d)
		}
		return s.binIndex[binKey{r.ID, ""}], ""
	}
	switch {
	case a.Day == "":
		return -1, "原安排缺少考试日"
	case !slices.Contains(s.cbtDays, a.Day):
		return -1, fmt.Sprintf("考试日 %s 已取消", a.Day)
	}
	b, ok := s.binIndex[binKey{r.ID, a.Day}]
	if !ok {
		return -1, fmt.Sprintf("考场 %s 在 %s 不再可用", r.ID, a.Day)
	}
	return b, ""
}

func (s *state) addPresent(b, spec, n int32) {
	bn := &s.bins[b]
	for i := range bn.present {
		if bn.present[i].spec == spec {
			bn.present[i].n += n
			return
		}
	}
	bn.present = append(bn.present, specCount{spec, n})
	s.specBins[spec] = append(s.specBins[spec], b)
}

// seatMode allocates the candidates of one mode who have no kept seat and
// returns those left unplaced.
func (s *state) seatMode(mode Kind) []Unplaced {
	bins := s.paperBins
	if mode == Computer {
		bins = s.cbtBins
	}
	var free, usable, total int
	for _, b := range bins {
		free += int(s.bins[b].free)
		usable += int(s.bins[b].usable)
	}
	var queue []int32 // displaced first, then new, in input order
	for _, st := range []uint8{stateDisplaced, stateNew} {
		for i := range s.cands {
			if c := &s.cands[i]; c.mode == mode && c.state == st {
				queue = append(queue, int32(i))
			}
		}
	}
	for i := range s.cands {
		if s.cands[i].mode == mode {
			total++
		}
	}
	var unplaced []Unplaced
	if len(queue) > free {
		short := fmt.Sprintf("%s座位不足：需要 %d 个，仅有 %d 个", mode.RoomLabel(), total, usable)
		constraint := ConstraintPaperSeats
		if mode == Computer {
			constraint = ConstraintComputerSeats
		}
		s.binding = append(s.binding, fmt.Sprintf("%s，%d 名考生未安排", short, len(queue)-free))
		rest := slices.Clone(queue[free:])
		slices.Sort(rest) // input order
		for _, i := range rest {
			c := &s.cands[i]
			u := Unplaced{CandidateID: s.in.Candidates[i].ID, Mode: mode, Reason: short, Constraint: constraint}
			if c.state == stateDisplaced {
				p := *c.pin
				u.Previous = &p
				u.Reason = "原安排失效（" + c.reason + "），" + short
			}
			unplaced = append(unplaced, u)
		}
		queue = queue[:free]
	}
	s.setTargets(mode, bins, len(queue))
	if mode == Computer {
		// A displaced candidate keeps their exam day when that day has room.
		byDay := make([][]int32, len(s.cbtDays))
		var rest []int32
		for _, i := range queue {
			c := &s.cands[i]
			if c.state == stateDisplaced && c.pin.Day != "" {
				if d, ok := slices.BinarySearch(s.cbtDays, c.pin.Day); ok {
					byDay[d] = append(byDay[d], i)
					continue
				}
			}
			rest = append(rest, i)
		}
		for d, members := range byDay {
			if len(members) > 0 {
				rest = append(rest, s.allocate(s.dayBins[d], members)...)
			}
		}
		queue = rest
	}
	if left := s.allocate(bins, queue); len(left) > 0 {
		panic("seating: internal error: free seats counted but not found")
	}
	return unplaced
}
