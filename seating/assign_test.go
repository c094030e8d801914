package seating

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func mustAssign(t *testing.T, in Input) Result {
	t.Helper()
	res, err := Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(in, res); err != nil {
		t.Fatal(err)
	}
	return res
}

// mixing is Σ over room-days of (distinct specialties − 1).
func mixing(res Result) int {
	n := 0
	for _, f := range res.Rooms {
		if len(f.Specialties) > 1 {
			n += len(f.Specialties) - 1
		}
	}
	return n
}

func hasLine(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestFengtai(t *testing.T) {
	in := site([]int{80, 60, 50, 40}, []int{30, 30})
	in.Rooms[2].WorkingMachines = 70 // A101: 80 seats, 70 machines
	addCandidates(&in, "HL", nursing, Paper, 55, "丰台医院", "右安门医院", "铁营医院")
	addCandidates(&in, "KQ", "口腔医学（中级）", Computer, 300, "丰台医院", "口腔医院")
	addCandidates(&in, "YX", "药学（初级师）", Computer, 120, "丰台医院", "社区中心")
	addCandidates(&in, "LC", "临床医学检验技术（中级）", Computer, 35)
	res := mustAssign(t, in)
	if len(res.Unplaced) != 0 || res.New != 510 || res.Kept != 0 || len(res.Moved) != 0 {
		t.Fatalf("unplaced %d new %d kept %d moved %d", len(res.Unplaced), res.New, res.Kept, len(res.Moved))
	}
	for _, a := range res.Assignments {
		if strings.HasPrefix(a.CandidateID, "HL") && (a.Day != "" || !strings.HasPrefix(a.RoomID, "P")) {
			t.Errorf("paper candidate %+v", a)
		}
	}
	for _, f := range res.Rooms {
		if len(f.Specialties) > 1 {
			t.Errorf("room %s %s mixes %v", f.RoomID, f.Day, f.Specialties)
		}
		if f.SameUnitAdjacent > 0 {
			t.Errorf("room %s %s has %d same-unit neighbours", f.RoomID, f.Day, f.SameUnitAdjacent)
		}
		if f.RoomID == "A101" && f.Capacity != 70 {
			t.Errorf("A101 usable %d, want 70", f.Capacity)
		}
	}
	// Paper rooms: 55 over two rooms of 30, evenly, reported for both days.
	var paper []string
	for _, f := range res.Rooms {
		if f.Kind == Paper {
			paper = append(paper, fmt.Sprintf("%s %s %d", f.RoomID, f.Day, f.Seated))
		}
	}
	want := []string{"P01 2024-04-13 28", "P01 2024-04-14 28", "P02 2024-04-13 27", "P02 2024-04-14 27"}
	if !slices.Equal(paper, want) {
		t.Errorf("paper fill %v, want %v", paper, want)
	}
}

func TestSpecialtyGrouping(t *testing.T) {
	type spec struct {
		name string
		n    int
	}
	tests := []struct {
		name       string
		rooms      []int
		days       int
		specs      []spec
		wantMixing int
	}{
		{"three of 30 in three rooms of 30", []int{30, 30, 30}, 1, []spec{{"A", 30}, {"B", 30}, {"C", 30}}, 0},
		{"two of 30 in three rooms of 30", []int{30, 30, 30}, 1, []spec{{"A", 30}, {"B", 30}}, 0},
		{"sizes that fit rooms exactly", []int{30, 40, 50}, 1, []spec{{"A", 50}, {"B", 40}, {"C", 30}}, 0},
		{"many small with room to spare", []int{40, 40, 40, 40, 40, 40, 40, 40}, 4, []spec{
			{"A", 120}, {"B", 75}, {"C", 60}, {"D", 33}, {"E", 20}, {"F", 12}, {"G", 5}, {"H", 5}, {"I", 3}}, 0},
		{"one specialty larger than any room", []int{30, 30, 30, 30}, 1, []spec{{"A", 70}, {"B", 25}}, 0},
		{"tight: three of 40 in four rooms of 30", []int{30, 30, 30, 30}, 1, []spec{{"A", 40}, {"B", 40}, {"C", 40}}, 2},
		{"more specialties than rooms", []int{50, 50}, 1, []spec{{"A", 20}, {"B", 20}, {"C", 20}, {"D", 20}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := site(tt.rooms, nil)
			in.CBTDays = fengtaiCBT[:tt.days]
			for _, sp := range tt.specs {
				addCandidates(&in, sp.name, sp.name, Computer, sp.n)
			}
			res := mustAssign(t, in)
			if got := mixing(res); got != tt.wantMixing {
				for _, f := range res.Rooms {
					t.Logf("%s %s %d/%d %v", f.RoomID, f.Day, f.Seated, f.Capacity, f.Specialties)
				}
				t.Errorf("mixing %d, want %d", got, tt.wantMixing)
			}
			if mixed := hasLine(res.Binding, "多个专业"); mixed != (tt.wantMixing > 0) {
				t.Errorf("binding %q", res.Binding)
			}
		})
	}
}

func TestUnitSpreading(t *testing.T) {
	t.Run("no neighbours of one unit in a room", func(t *testing.T) {
		in := site([]int{12}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "X", "药学", Computer, 6, "甲医院")
		addCandidates(&in, "Y", "药学", Computer, 6, "乙医院")
		res := mustAssign(t, in)
		units := make(map[string]string)
		for _, c := range in.Candidates {
			units[c.ID] = c.Unit
		}
		seat := make(map[int]string)
		for _, a := range res.Assignments {
			seat[a.Seat] = units[a.CandidateID]
		}
		for s := 1; s < 12; s++ {
			if s%6 != 0 && seat[s] == seat[s+1] {
				t.Errorf("seats %d and %d both %s", s, s+1, seat[s])
			}
		}
		if res.Rooms[0].SameUnitAdjacent != 0 {
			t.Errorf("adjacent %d", res.Rooms[0].SameUnitAdjacent)
		}
	})
	t.Run("a unit is spread over the rooms of its specialty", func(t *testing.T) {
		in := site([]int{30, 30}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "K", "口腔", Computer, 60, "甲", "甲", "乙", "丙", "丙", "丙")
		res := mustAssign(t, in)
		units := make(map[string]string)
		for _, c := range in.Candidates {
			units[c.ID] = c.Unit
		}
		per := make(map[string]map[string]int)
		for _, a := range res.Assignments {
			if per[a.RoomID] == nil {
				per[a.RoomID] = make(map[string]int)
			}
			per[a.RoomID][units[a.CandidateID]]++
		}
		want := map[string]int{"甲": 10, "乙": 5, "丙": 15}
		for room, got := range per {
			for u, n := range want {
				if got[u] != n {
					t.Errorf("room %s unit %s: %d, want %d", room, u, got[u], n)
				}
			}
		}
	})
	t.Run("unavoidable neighbours are reported", func(t *testing.T) {
		in := site([]int{12}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "X", "药学", Computer, 10, "甲医院")
		addCandidates(&in, "Y", "药学", Computer, 2, "乙医院")
		res := mustAssign(t, in)
		// Two rows of 6 have 10 neighbour pairs; each of the 2 others
		// breaks at most 2, so at least 6 pairs remain.
		if got := res.Rooms[0].SameUnitAdjacent; got != 6 {
			t.Errorf("adjacent %d, want 6", got)
		}
		if !hasLine(res.Binding, "A101", "同单位考生相邻") {
			t.Errorf("binding %q", res.Binding)
		}
	})
	t.Run("unknown units never count as neighbours", func(t *testing.T) {
		in := site([]int{12}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "X", "药学", Computer, 12)
		res := mustAssign(t, in)
		if res.Rooms[0].SameUnitAdjacent != 0 || len(res.Binding) != 1 {
			t.Errorf("adjacent %d binding %q", res.Rooms[0].SameUnitAdjacent, res.Binding)
		}
	})
}

func TestFill(t *testing.T) {
	t.Run("even", func(t *testing.T) {
		in := site([]int{50, 50}, nil)
		in.CBTDays = fengtaiCBT[:2]
		addCandidates(&in, "A", "A", Computer, 100)
		res := mustAssign(t, in)
		for _, f := range res.Rooms {
			if f.Seated != 25 {
				t.Errorf("%s %s seated %d, want 25", f.RoomID, f.Day, f.Seated)
			}
		}
	})
	t.Run("even by share of capacity", func(t *testing.T) {
		in := site([]int{80, 40}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "A", "A", Computer, 60)
		res := mustAssign(t, in)
		if res.Rooms[0].Seated != 40 || res.Rooms[1].Seated != 20 {
			t.Errorf("fill %d %d, want 40 20", res.Rooms[0].Seated, res.Rooms[1].Seated)
		}
	})
	t.Run("early days first", func(t *testing.T) {
		in := site([]int{50, 50}, nil)
		in.CBTDays = fengtaiCBT[:3]
		in.FillEarlyDaysFirst = true
		addCandidates(&in, "A", "A", Computer, 130)
		res := mustAssign(t, in)
		want := map[string]int{"2024-04-13": 100, "2024-04-14": 30, "2024-04-20": 0}
		got := make(map[string]int)
		for _, f := range res.Rooms {
			got[f.Day] += f.Seated
		}
		for d, n := range want {
			if got[d] != n {
				t.Errorf("%s: %d, want %d", d, got[d], n)
			}
		}
		if !hasLine(res.Binding, "2024-04-13 计算机考场已满（100/100）") {
			t.Errorf("binding %q", res.Binding)
		}
	})
	t.Run("row-major seats from 1", func(t *testing.T) {
		in := site([]int{20}, nil)
		in.CBTDays = fengtaiCBT[:1]
		addCandidates(&in, "A", "A", Computer, 8)
		res := mustAssign(t, in)
		for i, a := range res.Assignments {
			if a.Seat != i+1 || a.Row != i/6+1 || a.Col != i%6+1 {
				t.Errorf("assignment %d: %+v", i, a)
			}
		}
	})
}

func TestShortage(t *testing.T) {
	in := site([]int{30, 30}, make20(30))
	addCandidates(&in, "KQ", "口腔", Computer, 250)
	addCandidates(&in, "HL", nursing, Paper, 612)
	res := mustAssign(t, in)
	var paper, cbt []string
	for _, u := range res.Unplaced {
		if u.Mode == Paper {
			paper = append(paper, u.CandidateID)
			if u.Constraint != ConstraintPaperSeats || u.Reason != "纸笔考场座位不足：需要 612 个，仅有 600 个" {
				t.Errorf("unplaced %+v", u)
			}
		} else {
			cbt = append(cbt, u.CandidateID)
			if u.Constraint != ConstraintComputerSeats || u.Reason != "计算机考场座位不足：需要 250 个，仅有 240 个" {
				t.Errorf("unplaced %+v", u)
			}
		}
	}
	if !slices.IsSortedFunc(res.Unplaced, func(a, b Unplaced) int { return index(in, a.CandidateID) - index(in, b.CandidateID) }) {
		t.Error("unplaced not in input order")
	}
	// The last ones in input order are left over.
	if len(paper) != 12 || paper[0] != "HL0600" || paper[11] != "HL0611" {
		t.Errorf("paper unplaced %v", paper)
	}
	if len(cbt) != 10 || cbt[0] != "KQ0240" {
		t.Errorf("cbt unplaced %v", cbt)
	}
	for _, want := range []string{
		"纸笔考场座位不足：需要 612 个，仅有 600 个，12 名考生未安排",
		"计算机考场座位不足：需要 250 个，仅有 240 个，10 名考生未安排",
		"纸笔考场已满（600/600）",
		"2024-04-13 计算机考场已满（60/60）",
		"2024-04-21 计算机考场已满（60/60）",
	} {
		if !hasLine(res.Binding, want) {
			t.Errorf("binding lacks %q: %q", want, res.Binding)
		}
	}
}

func index(in Input, id string) int {
	return slices.IndexFunc(in.Candidates, func(c Candidate) bool { return c.ID == id })
}

func make20(c int) []int {
	out := make([]int, 20)
	for i := range out {
		out[i] = c
	}
	return out
}

func TestRoomsAndDays(t *testing.T) {
	in := site([]int{40, 40, 40}, []int{30, 30})
	in.Rooms[1].Days = []string{"2024-04-13"} // P02 only on the first paper day
	in.Rooms[2].WorkingMachines = 35          // A101: 35 of 40 machines
	in.Rooms[3].Days = []string{"2024-04-20", "2024-05-01"}
	in.Rooms[4].WorkingMachines = 0 // A103 unusable
	addCandidates(&in, "HL", nursing, Paper, 40)
	addCandidates(&in, "KQ", "口腔", Computer, 400)
	res := mustAssign(t, in)
	if len(res.Unplaced) != 10+(400-(35*4+40)) {
		t.Errorf("%d unplaced", len(res.Unplaced))
	}
	for _, a := range res.Assignments {
		if a.RoomID == "P02" || a.RoomID == "A103" || (a.RoomID == "A102" && a.Day != "2024-04-20") {
			t.Errorf("assignment %+v in unavailable room", a)
		}
	}
	for _, want := range []string{"纸笔考场 P02 在 2024-04-14 不可用", "计算机考场 A103 无可用机位"} {
		if !hasLine(res.Binding, want) {
			t.Errorf("binding lacks %q: %q", want, res.Binding)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	base := func() Input {
		in := site([]int{40}, []int{30})
		addCandidates(&in, "K", "口腔", Computer, 3)
		return in
	}
	tests := []struct {
		name   string
		change func(*Input)
		want   []string
	}{
		{"zero capacity", func(in *Input) { in.Rooms[1].Capacity = 0 }, []string{"A101", "容量必须大于 0（现为 0）"}},
		{"negative capacity", func(in *Input) { in.Rooms[0].Capacity = -5 }, []string{"P01", "容量必须大于 0（现为 -5）"}},
		{"seats per row 0", func(in *Input) { in.Rooms[1].SeatsPerRow = 0 }, []string{"A101", "每排座位数"}},
		{"negative machines", func(in *Input) { in.Rooms[1].WorkingMachines = -1 }, []string{"A101", "可用机位数不能为负"}},
		{"duplicate room", func(in *Input) { in.Rooms = append(in.Rooms, in.Rooms[1]) }, []string{"考场编号 A101 重复"}},
		{"room without ID", func(in *Input) { in.Rooms[0].ID = "" }, []string{"第 1 个考场缺少编号"}},
		{"unknown room kind", func(in *Input) { in.Rooms[1].Kind = 7 }, []string{"A101", "类型无效"}},
		{"bad room day", func(in *Input) { in.Rooms[1].Days = []string{"2024-4-13"} }, []string{"A101", "2024-4-13"}},
		{"duplicate candidate", func(in *Input) { in.Candidates[2].ID = "K0000" }, []string{"考生编号 K0000 重复"}},
		{"candidate without ID", func(in *Input) { in.Candidates[1].ID = "" }, []string{"第 2 名考生缺少编号"}},
		{"unknown mode", func(in *Input) { in.Candidates[1].Mode = 0 }, []string{"K0001", "考试方式无效"}},
		{"no CBT days", func(in *Input) { in.CBTDays = nil }, []string{"3 名人机对话考生", "CBTDays"}},
		{"no paper days", func(in *Input) {
			in.PaperDays = nil
			in.Candidates[0].Mode = Paper
		}, []string{"1 名纸笔作答考生", "PaperDays"}},
		{"bad CBT day", func(in *Input) { in.CBTDays = []string{"04-13"} }, []string{"04-13", "格式无效"}},
		{"previous twice", func(in *Input) {
			in.Previous = []Assignment{{CandidateID: "K0001", RoomID: "A101", Day: "2024-04-13", Seat: 1}, {CandidateID: "K0001", RoomID: "A101", Day: "2024-04-13", Seat: 2}}
		}, []string{"K0001", "出现多次"}},
		{"pinned and previous differ", func(in *Input) {
			in.Candidates[1].Pinned = &Assignment{RoomID: "A101", Day: "2024-04-13", Seat: 1}
			in.Previous = []Assignment{{CandidateID: "K0001", RoomID: "A101", Day: "2024-04-13", Seat: 2}}
		}, []string{"K0001", "不一致"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.change(&in)
			_, err := Assign(in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want *InputError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if len(ie.Problems) != 1 {
				t.Errorf("problems %+v", ie.Problems)
			}
		})
	}
	t.Run("every problem listed", func(t *testing.T) {
		in := base()
		in.Rooms[0].Capacity = 0
		in.Rooms[1].SeatsPerRow = -1
		in.Candidates[1].ID = "K0000"
		_, err := Assign(in)
		var ie *InputError
		if !errors.As(err, &ie) || len(ie.Problems) != 3 || ie.Problems[0].Room != "P01" || ie.Problems[1].Room != "A101" || ie.Problems[2].Candidate != "K0000" {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("empty input is valid", func(t *testing.T) {
		res, err := Assign(Input{})
		if err != nil || len(res.Assignments) != 0 {
			t.Fatalf("%v %+v", err, res)
		}
	})
}

func TestDayWithoutRooms(t *testing.T) {
	in := site([]int{30}, nil)
	in.Rooms[0].Days = []string{"2024-04-13"}
	in.CBTDays = fengtaiCBT[:2]
	addCandidates(&in, "K", "口腔", Computer, 5)
	in.Previous = []Assignment{{CandidateID: "K0000", Day: "2024-04-13", Seat: 3}}
	res := mustAssign(t, in)
	if !hasLine(res.Binding, "2024-04-14 没有可用的计算机考场") {
		t.Errorf("binding %q", res.Binding)
	}
	if len(res.Moved) != 1 || res.Moved[0].Reason != "原安排缺少考场" {
		t.Errorf("moved %+v", res.Moved)
	}
}
