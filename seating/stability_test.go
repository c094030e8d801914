package seating

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// stableSite is a site with free capacity left: 10 computer rooms of 40 over
// four days (1 600 seats) for 1 000 computer-based candidates of 30
// specialties, 3 paper rooms of 30 for 80 paper candidates.
func stableSite() Input {
	in := site([]int{40, 40, 40, 40, 40, 40, 40, 40, 40, 40}, []int{30, 30, 30})
	for i := range 1000 {
		in.Candidates = append(in.Candidates, Candidate{
			ID:        fmt.Sprintf("C%04d", i),
			Specialty: fmt.Sprintf("专业%02d", (i*7)%30),
			Unit:      fmt.Sprintf("单位%d", i%17),
			Mode:      Computer,
		})
	}
	addCandidates(&in, "HL", nursing, Paper, 80, "甲", "乙", "丙")
	return in
}

// rerun seats in, applies change, re-seats with the previous assignments and
// returns both results after checking the hard constraints and stability.
func rerun(t *testing.T, in Input, change func(*Input)) (first, second Result, next Input) {
	t.Helper()
	first = mustAssign(t, in)
	next = in
	next.Rooms = slices.Clone(in.Rooms)
	next.Candidates = slices.Clone(in.Candidates)
	change(&next)
	next.Previous = first.Assignments
	second = mustAssign(t, next)
	if err := checkStable(next, first.Assignments, second); err != nil {
		t.Fatal(err)
	}
	return first, second, next
}

// unchanged reports the candidates of second whose assignment differs from
// first, among those in both.
func changed(first, second Result) []string {
	old := byCandidate(first.Assignments)
	var out []string
	for _, a := range second.Assignments {
		if o, ok := old[a.CandidateID]; ok && o != a {
			out = append(out, a.CandidateID)
		}
	}
	return out
}

func TestStability(t *testing.T) {
	t.Run("room removed: only its candidates move, on their day", func(t *testing.T) {
		first, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Rooms = slices.DeleteFunc(in.Rooms, func(r Room) bool { return r.ID == "A103" })
		})
		var inA103 []string
		for _, a := range first.Assignments {
			if a.RoomID == "A103" {
				inA103 = append(inA103, a.CandidateID)
			}
		}
		if len(inA103) == 0 {
			t.Fatal("nobody in A103")
		}
		var movedIDs []string
		for _, m := range second.Moved {
			movedIDs = append(movedIDs, m.CandidateID)
			if m.Reason != "考场 A103 已取消" || m.To.Day != m.From.Day || m.To.RoomID == "A103" {
				t.Errorf("move %+v", m)
			}
		}
		slices.Sort(inA103)
		slices.Sort(movedIDs)
		if !slices.Equal(inA103, movedIDs) {
			t.Errorf("moved %d, A103 held %d", len(movedIDs), len(inA103))
		}
		if got := changed(first, second); !slices.Equal(sorted(got), inA103) {
			t.Errorf("changed %d, want the %d of A103", len(got), len(inA103))
		}
		if second.Kept != 1080-len(inA103) || second.New != 0 || len(second.Unplaced) != 0 {
			t.Errorf("kept %d new %d unplaced %d", second.Kept, second.New, len(second.Unplaced))
		}
	})
	t.Run("ten candidates added: nobody moves", func(t *testing.T) {
		first, second, _ := rerun(t, stableSite(), func(in *Input) {
			addCandidates(in, "NEW", "专业03", Computer, 8, "单位1")
			addCandidates(in, "NHL", nursing, Paper, 2)
		})
		if len(second.Moved) != 0 || len(changed(first, second)) != 0 || second.New != 10 || second.Kept != 1080 {
			t.Errorf("moved %d changed %d new %d kept %d", len(second.Moved), len(changed(first, second)), second.New, second.Kept)
		}
		// The new candidates of 专业03 join rooms that already hold it.
		rooms := make(map[string]bool)
		spec := make(map[string]string)
		for _, c := range stableSite().Candidates {
			spec[c.ID] = c.Specialty
		}
		for _, a := range first.Assignments {
			if spec[a.CandidateID] == "专业03" {
				rooms[a.RoomID+a.Day] = true
			}
		}
		for _, a := range second.Assignments {
			if strings.HasPrefix(a.CandidateID, "NEW") && !rooms[a.RoomID+a.Day] {
				t.Errorf("new candidate %+v not with its specialty", a)
			}
		}
	})
	t.Run("withdrawals: nobody moves, seats freed", func(t *testing.T) {
		first, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Candidates = slices.DeleteFunc(in.Candidates, func(c Candidate) bool {
				return strings.HasSuffix(c.ID, "7")
			})
		})
		if len(second.Moved) != 0 || len(changed(first, second)) != 0 || second.Withdrawn != 108 || second.Kept != 1080-108 {
			t.Errorf("moved %d withdrawn %d kept %d", len(second.Moved), second.Withdrawn, second.Kept)
		}
	})
	t.Run("machines broken: the excess on the highest seats moves", func(t *testing.T) {
		first, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Rooms[4].WorkingMachines = 20 // A102
		})
		held := make(map[string][]int)
		for _, a := range first.Assignments {
			if a.RoomID == "A102" {
				held[a.Day] = append(held[a.Day], a.Seat)
			}
		}
		want := 0
		for _, seats := range held {
			want += max(0, len(seats)-20)
		}
		if want == 0 || len(second.Moved) != want {
			t.Fatalf("moved %d, want %d", len(second.Moved), want)
		}
		for _, m := range second.Moved {
			seats := sortedInts(held[m.From.Day])
			if m.Reason != "考场 A102 可用机位减少为 20 个" || m.From.Seat <= seats[19] {
				t.Errorf("move %+v", m)
			}
		}
	})
	t.Run("capacity reduced: seats beyond it move", func(t *testing.T) {
		_, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Rooms[3].Capacity, in.Rooms[3].WorkingMachines = 18, 18 // A101
		})
		if len(second.Moved) == 0 {
			t.Fatal("nobody moved")
		}
		for _, m := range second.Moved {
			if m.From.RoomID != "A101" || m.From.Seat <= 18 || !strings.HasPrefix(m.Reason, "考场 A101 容量减少为 18 个") {
				t.Errorf("move %+v", m)
			}
		}
	})
	t.Run("room no longer available on a day", func(t *testing.T) {
		_, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Rooms[5].Days = []string{"2024-04-13", "2024-04-14", "2024-04-20"} // A103 not on 04-21
		})
		for _, m := range second.Moved {
			if m.Reason != "考场 A103 在 2024-04-21 不再可用" || m.To.Day != "2024-04-21" {
				t.Errorf("move %+v", m)
			}
		}
	})
	t.Run("mode changed", func(t *testing.T) {
		_, second, _ := rerun(t, stableSite(), func(in *Input) {
			in.Candidates[0].Mode, in.Candidates[0].Specialty = Paper, nursing
		})
		if len(second.Moved) != 1 || second.Moved[0].CandidateID != "C0000" || !strings.HasPrefix(second.Moved[0].Reason, "报考方式已改为纸笔作答") || second.Moved[0].To.Day != "" {
			t.Errorf("moved %+v", second.Moved)
		}
	})
	t.Run("paper room lost with no seats elsewhere: unplaced with previous", func(t *testing.T) {
		in := site([]int{40}, []int{30, 30})
		addCandidates(&in, "HL", nursing, Paper, 60)
		_, second, _ := rerun(t, in, func(in *Input) { in.Rooms = in.Rooms[1:] })
		if len(second.Unplaced) != 30 || len(second.Moved) != 0 {
			t.Fatalf("unplaced %d moved %d", len(second.Unplaced), len(second.Moved))
		}
		u := second.Unplaced[0]
		if u.Previous == nil || u.Previous.RoomID != "P01" || u.Reason != "原安排失效（考场 P01 已取消），纸笔考场座位不足：需要 60 个，仅有 30 个" {
			t.Errorf("unplaced %+v", u)
		}
	})
	t.Run("pinned on the candidates as well as previous", func(t *testing.T) {
		in := stableSite()
		first := mustAssign(t, in)
		old := byCandidate(first.Assignments)
		next := in
		next.Candidates = slices.Clone(in.Candidates)
		for i := range next.Candidates {
			a := old[next.Candidates[i].ID]
			next.Candidates[i].Pinned = &a
		}
		second := mustAssign(t, next)
		if second.Kept != 1080 || len(changed(first, second)) != 0 {
			t.Errorf("kept %d", second.Kept)
		}
	})
	t.Run("seat claimed twice", func(t *testing.T) {
		in := site([]int{40}, nil)
		addCandidates(&in, "K", "口腔", Computer, 2)
		in.Previous = []Assignment{
			{CandidateID: "K0000", Day: "2024-04-13", RoomID: "A101", Seat: 5},
			{CandidateID: "K0001", Day: "2024-04-13", RoomID: "A101", Seat: 5},
		}
		res := mustAssign(t, in)
		if res.Kept != 1 || len(res.Moved) != 1 || res.Moved[0].Reason != "原座位与考生 K0000 重复" || res.Moved[0].To.Day != "2024-04-13" {
			t.Errorf("kept %d moved %+v", res.Kept, res.Moved)
		}
	})
}

func sorted(s []string) []string { slices.Sort(s); return s }

func sortedInts(s []int) []int { s = slices.Clone(s); slices.Sort(s); return s }
