package seating

import (
	"math"
	"slices"
	"strings"
)

// setTargets sets each bin's target: how many of the n candidates to seat
// it should take so that the rooms are filled evenly (the same share of
// usable capacity, counting kept candidates), or, with FillEarlyDaysFirst,
// so that computer rooms of earlier days are filled first. Targets are
// soft: grouping specialties comes first.
func (s *state) setTargets(mode Kind, bins []int32, n int) {
	if mode == Computer && s.in.FillEarlyDaysFirst {
		for _, day := range s.dayBins {
			var free int
			for _, b := range day {
				free += int(s.bins[b].free)
			}
			take := min(n, free)
			s.waterFill(day, take)
			n -= take
		}
		return
	}
	s.waterFill(bins, n)
}

// waterFill spreads n seats over bins so that every bin ends at the same
// share of its usable capacity as far as its free seats allow: it finds the
// level λ with Σ clamp(λ·usable − kept, 0, free) = n and rounds by largest
// remainder.
func (s *state) waterFill(bins []int32, n int) {
	x := make([]float64, len(bins))
	level := func(l float64) (sum float64) {
		for i, b := range bins {
			bn := &s.bins[b]
			x[i] = min(float64(bn.free), max(0, l*float64(bn.usable)-float64(bn.kept)))
			sum += x[i]
		}
		return sum
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		if mid := (lo + hi) / 2; level(mid) >= float64(n) {
			hi = mid
		} else {
			lo = mid
		}
	}
	level(hi)
	if n == 0 {
		clear(x)
	}
	got := 0
	order := make([]int, len(bins))
	for i := range x {
		t := int(x[i])
		s.bins[bins[i]].target = int32(t)
		got += t
		x[i] -= float64(t)
		order[i] = i
	}
	// Largest fractional part first; then any bin with room, in order.
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case x[a] > x[b]:
			return -1
		case x[a] < x[b]:
			return 1
		}
		return 0
	})
	for got < n {
		progress := false
		for _, i := range order {
			bn := &s.bins[bins[i]]
			if got < n && bn.target < bn.free {
				bn.target++
				got++
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	for i := len(order) - 1; got > n && i >= 0; i-- {
		bn := &s.bins[bins[order[i]]]
		if bn.target > 0 {
			bn.target--
			got--
		}
	}
}

type group struct {
	spec    int32
	members []int32
}

type piece struct{ bin, n int32 }

// allocate places members (candidates of one mode) into bins (bins of
// that mode) and returns those that did not fit. It decides, specialty by specialty (largest first), how
// many candidates go to which bin, then deals each specialty's candidates
// to its bins unit by unit (see deal) and queues them on the bins.
func (s *state) allocate(bins []int32, members []int32) (left []int32) {
	if len(members) == 0 {
		return nil
	}
	for _, b := range bins {
		s.mark[b] = true
	}
	defer func() {
		for _, b := range bins {
			s.mark[b] = false
		}
	}()
	groups := s.groups(members)
	av := newAvail(s, bins)
	own := make([][]int32, len(groups))
	target := make([]int, len(groups))
	// Cover: a specialty first takes the bins that already hold it (at no
	// cost), then empty bins by free seats, few and with few seats to
	// spare: the largest while the rest is more than two bins take, then
	// the single bin or pair that fits the rest best (see avail.cover).
	for gi, g := range groups {
		size, free := len(g.members), 0
		for _, b := range s.specBins[g.spec] {
			if s.mark[b] && s.bins[b].free > 0 {
				own[gi] = append(own[gi], b)
				free += int(s.bins[b].free)
			}
		}
		for free < size {
			b1, b2 := av.cover(size - free)
			if b1 < 0 {
				break
			}
			for _, b := range []int32{b1, b2} {
				if b >= 0 {
					own[gi] = append(own[gi], b)
					free += int(s.bins[b].free)
				}
			}
		}
		for _, b := range own[gi] {
			target[gi] += int(s.bins[b].target)
		}
	}
	// Even out: the empty bins left that have a target go, largest target
	// first, to the specialty most loaded against the targets of its bins,
	// while it is loaded beyond them.
	h := heap{less: func(a, b int) bool {
		l := int64(len(groups[a].members)) * int64(target[b])
		r := int64(len(groups[b].members)) * int64(target[a])
		if l != r {
			return l > r
		}
		return a < b
	}}
	for gi := range groups {
		if len(groups[gi].members) > target[gi] {
			h.push(gi)
		}
	}
	for _, b := range av.rest(s) {
		if len(h.items) == 0 {
			break
		}
		gi := h.pop()
		own[gi] = append(own[gi], b)
		target[gi] += int(s.bins[b].target)
		if len(groups[gi].members) > target[gi] {
			h.push(gi)
		}
	}
	// Spread. When some specialty will not fit its own bins, the others
	// fill theirs one after another instead of evenly, so that the spare
	// seats, where the rest must mix in, are few and whole.
	tight := false
	for gi, g := range groups {
		free := 0
		for _, b := range own[gi] {
			free += int(s.bins[b].free)
		}
		tight = tight || free < len(g.members)
	}
	pieces := make([][]piece, len(groups))
	type over struct{ g, n int }
	var overflow []over
	for gi, g := range groups {
		size := len(g.members)
		if placed := s.spread(g.spec, own[gi], size, tight, &pieces[gi]); placed < size {
			overflow = append(overflow, over{gi, size - placed})
		}
	}
	// What did not fit in bins of its own goes, largest first, to empty
	// bins (no mixing) if any are left, else to the bins with spare seats:
	// the best fit, or the largest spare while none fits.
	slices.SortStableFunc(overflow, func(a, b over) int { return b.n - a.n })
	leftN := make([]int, len(groups))
	for _, o := range overflow {
		n := o.n
		for _, emptyOnly := range []bool{true, false} {
			for n > 0 {
				b := s.fit(bins, n, emptyOnly)
				if b < 0 {
					break
				}
				k := min(n, int(s.bins[b].free))
				s.put(groups[o.g].spec, b, k, &pieces[o.g])
				n -= k
			}
		}
		leftN[o.g] = n
	}
	for gi, g := range groups {
		left = append(left, s.deal(g, pieces[gi], leftN[gi])...)
	}
	return left
}

// groups groups members by specialty, largest first, then by name.
func (s *state) groups(members []int32) []group {
	by := make(map[int32][]int32)
	for _, m := range members {
		sp := s.cands[m].spec
		by[sp] = append(by[sp], m)
	}
	gs := make([]group, 0, len(by))
	for sp, ms := range by {
		gs = append(gs, group{sp, ms})
	}
	slices.SortFunc(gs, func(a, b group) int {
		if d := len(b.members) - len(a.members); d != 0 {
			return d
		}
		return strings.Compare(s.specNames[a.spec], s.specNames[b.spec])
	})
	return gs
}

// spread puts up to size candidates of spec into the bins own and returns
// how many it placed: in proportion to the bins' targets, then to their
// free seats beyond the targets; or, when tight, filling the bins one
// after another, largest target first.
func (s *state) spread(spec int32, own []int32, size int, tight bool, out *[]piece) int {
	var free, target int
	for _, b := range own {
		free += int(s.bins[b].free)
		target += int(s.bins[b].target)
	}
	take := min(size, free)
	w := make([]int, len(own))
	x := make([]int, len(own))
	if tight {
		order := slices.Clone(own)
		slices.SortStableFunc(order, func(a, b int32) int {
			if d := s.bins[b].target - s.bins[a].target; d != 0 {
				return int(d)
			}
			return int(s.bins[b].free - s.bins[a].free)
		})
		rest := take
		for _, b := range order {
			k := min(rest, int(s.bins[b].free))
			if k > 0 {
				s.put(spec, b, k, out)
			}
			rest -= k
		}
		return take
	}
	if take <= target {
		for i, b := range own {
			w[i] = int(s.bins[b].target)
		}
		apportion(take, w, x)
	} else {
		for i, b := range own {
			x[i] = int(s.bins[b].target)
			w[i] = int(s.bins[b].free - s.bins[b].target)
		}
		extra := make([]int, len(own))
		apportion(take-target, w, extra)
		for i := range x {
			x[i] += extra[i]
		}
	}
	for i, b := range own {
		if x[i] > 0 {
			s.put(spec, b, x[i], out)
		}
	}
	return take
}

// put places n candidates of spec in bin b.
func (s *state) put(spec, b int32, n int, out *[]piece) {
	bn := &s.bins[b]
	bn.free -= int32(n)
	bn.target = max(0, bn.target-int32(n))
	s.addPresent(b, spec, int32(n))
	for i := range *out {
		if (*out)[i].bin == b {
			(*out)[i].n += int32(n)
			return
		}
	}
	*out = append(*out, piece{b, int32(n)})
}

// fit returns the bin among bins with the fewest free seats that still
// takes n, or, when none does, the one with the most free seats; only
// empty bins when emptyOnly. Ties go to the earlier bin. It returns -1
// when no bin has a free seat.
func (s *state) fit(bins []int32, n int, emptyOnly bool) int32 {
	best, largest := int32(-1), int32(-1)
	for _, b := range bins {
		bn := &s.bins[b]
		if bn.free <= 0 || (emptyOnly && len(bn.present) > 0) {
			continue
		}
		if int(bn.free) >= n && (best < 0 || bn.free < s.bins[best].free) {
			best = b
		}
		if largest < 0 || bn.free > s.bins[largest].free {
			largest = b
		}
	}
	if best >= 0 {
		return best
	}
	return largest
}

// apportion splits total into x proportionally to the weights w, by
// largest remainder (ties to the earlier). When total <= Σw, x[i] <= w[i].
func apportion(total int, w, x []int) {
	var sum int64
	for _, v := range w {
		sum += int64(v)
	}
	if total <= 0 || sum == 0 {
		clear(x)
		return
	}
	rem := make([]int64, len(w))
	got := 0
	for i, v := range w {
		p := int64(total) * int64(v)
		x[i] = int(p / sum)
		rem[i] = p % sum
		got += x[i]
	}
	order := make([]int, len(w))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range order {
		if got == total {
			break
		}
		x[i]++
		got++
	}
}

// avail holds the empty bins of an allocation that have a target, by free
// seats, for picking the largest or the best fit in near-constant time. A
// bin leaves it only when picked.
type avail struct {
	vals    []int32   // distinct free seat counts, ascending
	buckets [][]int32 // bins of each count, ascending
	head    []int
	next    []int // union-find: the first non-empty bucket at or after i
	top     int
}

func newAvail(s *state, bins []int32) *avail {
	var list []int32
	for _, b := range bins {
		bn := &s.bins[b]
		if len(bn.present) == 0 && bn.target > 0 && bn.free > 0 {
			list = append(list, b)
		}
	}
	slices.SortFunc(list, func(a, b int32) int {
		if d := s.bins[a].free - s.bins[b].free; d != 0 {
			return int(d)
		}
		return int(a - b)
	})
	a := &avail{}
	for _, b := range list {
		t := s.bins[b].free
		if len(a.vals) == 0 || a.vals[len(a.vals)-1] != t {
			a.vals = append(a.vals, t)
			a.buckets = append(a.buckets, nil)
		}
		a.buckets[len(a.buckets)-1] = append(a.buckets[len(a.buckets)-1], b)
	}
	a.head = make([]int, len(a.vals))
	a.next = make([]int, len(a.vals)+1)
	for i := range a.next {
		a.next[i] = i
	}
	a.top = len(a.vals) - 1
	return a
}

func (a *avail) find(i int) int {
	for a.next[i] != i {
		a.next[i] = a.next[a.next[i]]
		i = a.next[i]
	}
	return i
}

func (a *avail) empty(i int) bool { return a.head[i] == len(a.buckets[i]) }

// pop removes and returns the first bin of bucket i.
func (a *avail) pop(i int) int32 {
	b := a.buckets[i][a.head[i]]
	a.head[i]++
	if a.empty(i) {
		a.next[i] = i + 1
	}
	return b
}

// cover removes and returns one or two bins towards need free seats,
// wasting as few seats as it can: while need exceeds twice the largest
// bin, the largest; else the single bin or the pair of bins whose free
// seats cover need with the least to spare (a single bin on a tie), or the
// largest when none covers it. The second bin is -1 when there is one; the
// first is -1 when no bin is left.
func (a *avail) cover(need int) (int32, int32) {
	for a.top >= 0 && a.empty(a.top) {
		a.top--
	}
	if a.top < 0 {
		return -1, -1
	}
	largest := int(a.vals[a.top])
	if need > 2*largest {
		return a.pop(a.top), -1
	}
	best, bi, bj := math.MaxInt, -1, -1 // spare seats; buckets, bj -1 for a single
	if largest >= need {
		lb, _ := slices.BinarySearch(a.vals, int32(need))
		bi = a.find(lb)
		best = int(a.vals[bi]) - need
	}
	for i := a.find(0); i <= a.top && best > 0; i = a.find(i + 1) {
		v := int(a.vals[i])
		if v >= need {
			break
		}
		// The smallest partner at or above need-v, after i itself.
		lb, _ := slices.BinarySearch(a.vals, int32(need-v))
		j := a.find(max(lb, i))
		if j == i && len(a.buckets[i])-a.head[i] < 2 {
			j = a.find(i + 1)
		}
		if j > a.top {
			continue
		}
		if spare := v + int(a.vals[j]) - need; spare < best {
			best, bi, bj = spare, i, j
		}
	}
	switch {
	case bi < 0:
		return a.pop(a.top), -1
	case bj < 0:
		return a.pop(bi), -1
	}
	first := a.pop(bi)
	return first, a.pop(bj)
}

// rest returns the bins not picked, largest target first, then in bin
// order.
func (a *avail) rest(s *state) []int32 {
	var out []int32
	for i := range a.buckets {
		out = append(out, a.buckets[i][a.head[i]:]...)
	}
	slices.SortFunc(out, func(x, y int32) int {
		if d := s.bins[y].target - s.bins[x].target; d != 0 {
			return int(d)
		}
		return int(x - y)
	})
	return out
}
