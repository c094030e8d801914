package seating

import "slices"

// byUnit sorts members so that the candidates of one unit are together:
// the largest unit of the list first, unknown units last, then by ID.
func (s *state) byUnit(members []int32) {
	count := make(map[int32]int32)
	for _, m := range members {
		count[s.cands[m].unit]++
	}
	slices.SortFunc(members, func(a, b int32) int {
		ca, cb := &s.cands[a], &s.cands[b]
		if ca.unit != cb.unit {
			if (ca.unit < 0) != (cb.unit < 0) {
				if ca.unit < 0 {
					return 1
				}
				return -1
			}
			if d := count[cb.unit] - count[ca.unit]; d != 0 {
				return int(d)
			}
			return int(ca.unit - cb.unit)
		}
		return int(ca.rank - cb.rank)
	})
}

// deal hands the candidates of g to its pieces: sorted by unit, they are
// dealt in an interleaved order proportional to the pieces' sizes, so that
// each unit is spread over the bins of the specialty in proportion. The
// leftN candidates that did not fit are returned, taken likewise from every
// unit.
func (s *state) deal(g group, pieces []piece, leftN int) (left []int32) {
	s.byUnit(g.members)
	w := make([]int, len(pieces), len(pieces)+1)
	for i, p := range pieces {
		w[i] = int(p.n)
	}
	if leftN > 0 {
		w = append(w, leftN)
	}
	for k, slot := range interleave(w) {
		m := g.members[k]
		if slot == len(pieces) {
			left = append(left, m)
			continue
		}
		bn := &s.bins[pieces[slot].bin]
		bn.incoming = append(bn.incoming, m)
	}
	return left
}

// interleave returns a sequence of Σw slots in which slot i appears w[i]
// times, spread evenly (Webster/Sainte-Laguë order: the next slot goes to
// the i with the smallest (2·k_i+1)/w_i, k_i being the slots i has so far;
// ties to the smaller i).
func interleave(w []int) []int {
	total := 0
	for _, v := range w {
		total += v
	}
	k := make([]int, len(w))
	less := func(a, b int) bool {
		l, r := int64(2*k[a]+1)*int64(w[b]), int64(2*k[b]+1)*int64(w[a])
		if l != r {
			return l < r
		}
		return a < b
	}
	h := heap{less: less}
	for i, v := range w {
		if v > 0 {
			h.push(i)
		}
	}
	out := make([]int, 0, total)
	for len(h.items) > 0 {
		i := h.pop()
		out = append(out, i)
		k[i]++
		if k[i] < w[i] {
			h.push(i)
		}
	}
	return out
}

// heap is a binary min-heap of ints under less.
type heap struct {
	items []int
	less  func(a, b int) bool
}

func (h *heap) push(x int) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *heap) pop() int {
	top := h.items[0]
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(h.items[l], h.items[m]) {
			m = l
		}
		if r < n && h.less(h.items[r], h.items[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top
}

// noUnit marks "no neighbour" (or a neighbour of unknown unit) in
// seatIncoming.
const noUnit = -2

// seatIncoming gives the candidates allocated to bin b the free seats of
// lowest number, row-major. Seat by seat it takes the unit with the most
// candidates still to seat that differs from the neighbours in the row
// (the seat to the left, and to the right when already taken), so that two
// candidates of one unit sit side by side only when unavoidable.
func (s *state) seatIncoming(b int32) {
	bn := &s.bins[b]
	members := bn.incoming
	if len(members) == 0 {
		return
	}
	slices.SortFunc(members, func(x, y int32) int {
		cx, cy := &s.cands[x], &s.cands[y]
		if cx.unit != cy.unit {
			return int(cx.unit - cy.unit)
		}
		return int(cx.rank - cy.rank)
	})
	type run struct {
		unit       int32
		start, end int
	}
	var runs []run
	for i, m := range members {
		u := s.cands[m].unit
		if len(runs) == 0 || runs[len(runs)-1].unit != u {
			runs = append(runs, run{u, i, i})
		}
		runs[len(runs)-1].end = i + 1
	}
	h := heap{less: func(x, y int) bool {
		nx, ny := runs[x].end-runs[x].start, runs[y].end-runs[y].start
		if nx != ny {
			return nx > ny
		}
		return x < y
	}}
	for i := range runs {
		h.push(i)
	}
	perRow := s.in.Rooms[bn.room].SeatsPerRow
	unitAt := func(seat int) int32 {
		if o := bn.occ[seat-1]; o >= 0 && s.cands[o].unit >= 0 {
			return s.cands[o].unit
		}
		return noUnit
	}
	var popped [3]int
	for seat := 1; seat <= len(bn.occ) && len(h.items) > 0; seat++ {
		if bn.occ[seat-1] >= 0 {
			continue
		}
		left, right := int32(noUnit), int32(noUnit)
		if (seat-1)%perRow != 0 {
			left = unitAt(seat - 1)
		}
		if seat%perRow != 0 && seat < len(bn.occ) {
			right = unitAt(seat + 1)
		}
		n, pick := 0, -1
		for n < len(popped) && len(h.items) > 0 {
			r := h.pop()
			popped[n] = r
			n++
			if u := runs[r].unit; u < 0 || (u != left && u != right) {
				pick = n - 1
				break
			}
		}
		if pick < 0 {
			pick = 0
		}
		r := popped[pick]
		m := members[runs[r].start]
		runs[r].start++
		bn.occ[seat-1] = m
		c := &s.cands[m]
		c.bin, c.seat, c.placed = b, int32(seat), true
		for i := range n {
			if runs[popped[i]].start < runs[popped[i]].end {
				h.push(popped[i])
			}
		}
	}
}
