package seating_test

import (
	"fmt"

	"kaowu/seating"
)

func ExampleAssign() {
	in := seating.Input{
		Rooms: []seating.Room{
			{ID: "P01", Kind: seating.Paper, Capacity: 4, SeatsPerRow: 2},
			{ID: "A101", Kind: seating.Computer, Capacity: 4, SeatsPerRow: 2, WorkingMachines: 3},
			{ID: "A102", Kind: seating.Computer, Capacity: 6, SeatsPerRow: 3, WorkingMachines: 6, Days: []string{"2024-04-13"}},
		},
		CBTDays:            []string{"2024-04-13", "2024-04-14"},
		PaperDays:          []string{"2024-04-13", "2024-04-14"},
		FillEarlyDaysFirst: true,
	}
	add := func(id, specialty, unit string, mode seating.Kind) {
		in.Candidates = append(in.Candidates, seating.Candidate{ID: id, Specialty: specialty, Unit: unit, Mode: mode})
	}
	for i, unit := range []string{"丰台医院", "丰台医院", "铁营医院"} {
		add(fmt.Sprintf("N%d", i+1), "护理学（初级师）", unit, seating.Paper)
	}
	for i, unit := range []string{"口腔医院", "口腔医院", "丰台医院"} {
		add(fmt.Sprintf("K%d", i+1), "口腔医学（中级）", unit, seating.Computer)
	}
	for i, unit := range []string{"丰台医院", "丰台医院", "丰台医院", "社区中心", "社区中心"} {
		add(fmt.Sprintf("Y%d", i+1), "药学（初级师）", unit, seating.Computer)
	}
	res, err := seating.Assign(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Assignments {
		fmt.Printf("%s %-10s %-4s seat %d (row %d, col %d)\n", a.CandidateID, a.Day, a.RoomID, a.Seat, a.Row, a.Col)
	}
	for _, f := range res.Rooms {
		fmt.Printf("%s %s %d/%d %v\n", f.RoomID, f.Day, f.Seated, f.Capacity, f.Specialties)
	}

	// After publication two machines of A102 break: it seats 4 now, so
	// only the candidate on its highest seat moves, to the next day as
	// 04-13 is full.
	in.Rooms[2].WorkingMachines = 4
	in.Previous = res.Assignments
	res, _ = seating.Assign(in)
	for _, m := range res.Moved {
		fmt.Printf("%s: %s %s seat %d -> %s %s seat %d: %s\n", m.CandidateID, m.From.Day, m.From.RoomID, m.From.Seat, m.To.Day, m.To.RoomID, m.To.Seat, m.Reason)
	}
	fmt.Println("kept", res.Kept)
	fmt.Println(res.Binding)
	// Output:
	// N1            P01  seat 1 (row 1, col 1)
	// N3            P01  seat 2 (row 1, col 2)
	// N2            P01  seat 3 (row 2, col 1)
	// K1 2024-04-13 A101 seat 1 (row 1, col 1)
	// K3 2024-04-13 A101 seat 2 (row 1, col 2)
	// K2 2024-04-13 A101 seat 3 (row 2, col 1)
	// Y1 2024-04-13 A102 seat 1 (row 1, col 1)
	// Y4 2024-04-13 A102 seat 2 (row 1, col 2)
	// Y2 2024-04-13 A102 seat 3 (row 1, col 3)
	// Y3 2024-04-13 A102 seat 4 (row 2, col 1)
	// Y5 2024-04-13 A102 seat 5 (row 2, col 2)
	// P01 2024-04-13 3/4 [{护理学（初级师） 3}]
	// P01 2024-04-14 3/4 [{护理学（初级师） 3}]
	// A101 2024-04-13 3/3 [{口腔医学（中级） 3}]
	// A102 2024-04-13 5/6 [{药学（初级师） 5}]
	// A101 2024-04-14 0/3 []
	// Y5: 2024-04-13 A102 seat 5 -> 2024-04-14 A101 seat 1: 考场 A102 可用机位减少为 4 个
	// kept 10
	// [2024-04-13 计算机考场已满（7/7）]
}
