package seating

import (
	"fmt"
	"slices"
	"strings"
)

// result assembles the Result from the seated bins.
func (s *state) result(unplaced []Unplaced, withdrawn int) Result {
	res := Result{Unplaced: unplaced, Withdrawn: withdrawn}
	rooms := s.in.Rooms
	at := make([]int32, len(s.cands)) // index in Assignments
	n := 0
	for _, bn := range s.bins {
		n += int(bn.kept) + len(bn.incoming)
	}
	res.Assignments = make([]Assignment, 0, n)
	for _, bn := range s.bins {
		r := &rooms[bn.room]
		for i, o := range bn.occ {
			if o < 0 {
				continue
			}
			seat := i + 1
			at[o] = int32(len(res.Assignments))
			res.Assignments = append(res.Assignments, Assignment{
				CandidateID: s.in.Candidates[o].ID,
				Day:         bn.day,
				RoomID:      r.ID,
				Seat:        seat,
				Row:         (seat-1)/r.SeatsPerRow + 1,
				Col:         (seat-1)%r.SeatsPerRow + 1,
			})
		}
	}
	for i := range s.cands {
		c := &s.cands[i]
		switch {
		case c.state == stateKept:
			res.Kept++
		case !c.placed:
		case c.state == stateNew:
			res.New++
		case c.state == stateDisplaced:
			res.Moved = append(res.Moved, Move{
				CandidateID: s.in.Candidates[i].ID,
				From:        *c.pin,
				To:          res.Assignments[at[i]],
				Reason:      c.reason,
			})
		}
	}
	s.fills(&res)
	return res
}

// fills reports the fill of every usable bin and the binding constraints.
func (s *state) fills(res *Result) {
	rooms := s.in.Rooms
	var mixedPaper, mixedCBT int
	mixedKept := map[Kind]bool{}
	var paperSeated, paperUsable int
	daySeated := make([]int, len(s.cbtDays))
	dayUsable := make([]int, len(s.cbtDays))
	var adjacent []string
	for b := range s.bins {
		bn := &s.bins[b]
		if bn.usable == 0 {
			continue
		}
		r := &rooms[bn.room]
		f := RoomFill{
			RoomID:   r.ID,
			Venue:    r.Venue,
			Name:     r.Name,
			Kind:     r.Kind,
			Day:      bn.day,
			Capacity: int(bn.usable),
			Kept:     int(bn.kept),
		}
		for _, p := range bn.present {
			if p.n > 0 {
				f.Specialties = append(f.Specialties, SpecialtyCount{s.specNames[p.spec], int(p.n)})
				f.Seated += int(p.n)
			}
		}
		slices.SortFunc(f.Specialties, func(a, b SpecialtyCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Specialty, b.Specialty)
		})
		f.SameUnitAdjacent = s.adjacent(bn)
		where := r.ID
		if bn.day != "" {
			where += "（" + bn.day + "）"
		}
		if f.SameUnitAdjacent > 0 {
			adjacent = append(adjacent, fmt.Sprintf("考场 %s 有 %d 处同单位考生相邻：该考场同一单位考生较多，未能完全错开", where, f.SameUnitAdjacent))
		}
		if len(f.Specialties) > 1 && f.Kept > 0 {
			mixedKept[r.Kind] = true
		}
		if r.Kind == Paper {
			paperSeated += f.Seated
			paperUsable += f.Capacity
			if len(f.Specialties) > 1 {
				mixedPaper++
			}
			for _, d := range s.paperDays {
				f.Day = d
				res.Rooms = append(res.Rooms, f)
			}
			continue
		}
		daySeated[bn.dayIdx] += f.Seated
		dayUsable[bn.dayIdx] += f.Capacity
		if len(f.Specialties) > 1 {
			mixedCBT++
		}
		res.Rooms = append(res.Rooms, f)
	}
	if paperUsable > 0 && paperSeated == paperUsable {
		s.binding = append(s.binding, fmt.Sprintf("纸笔考场已满（%d/%d）", paperSeated, paperUsable))
	}
	cbt := false
	for i := range s.cands {
		cbt = cbt || s.cands[i].mode == Computer
	}
	for d, day := range s.cbtDays {
		if cbt && dayUsable[d] == 0 {
			s.binding = append(s.binding, fmt.Sprintf("%s 没有可用的计算机考场", day))
		}
		if dayUsable[d] > 0 && daySeated[d] == dayUsable[d] {
			s.binding = append(s.binding, fmt.Sprintf("%s 计算机考场已满（%d/%d）", day, daySeated[d], dayUsable[d]))
		}
	}
	for _, m := range []struct {
		kind  Kind
		mixed int
		bins  []int32
	}{{Paper, mixedPaper, s.paperBins}, {Computer, mixedCBT, s.cbtBins}} {
		if m.mixed == 0 {
			continue
		}
		specs := make(map[int32]bool)
		usable := 0
		for _, b := range m.bins {
			if s.bins[b].usable > 0 {
				usable++
			}
			for _, p := range s.bins[b].present {
				specs[p.spec] = true
			}
		}
		unit := "个考场·考试日"
		if m.kind == Paper {
			unit = "个考场"
		}
		why := "考场数量或容量不足以让每个专业单独使用考场"
		if mixedKept[m.kind] {
			why += "，或为保留已公布的座位"
		}
		s.binding = append(s.binding, fmt.Sprintf("%s：%d %s安排了多个专业（共 %d 个专业、%d %s）：%s",
			m.kind.RoomLabel(), m.mixed, unit, len(specs), usable, unit, why))
	}
	res.Binding = append(s.binding, adjacent...)
}

// adjacent counts the pairs of neighbouring seats in a row taken by two
// candidates of the same known unit.
func (s *state) adjacent(bn *bin) int {
	perRow := s.in.Rooms[bn.room].SeatsPerRow
	n := 0
	for i := 1; i < len(bn.occ); i++ {
		if i%perRow == 0 {
			continue
		}
		a, b := bn.occ[i-1], bn.occ[i]
		if a >= 0 && b >= 0 && s.cands[a].unit >= 0 && s.cands[a].unit == s.cands[b].unit {
			n++
		}
	}
	return n
}
