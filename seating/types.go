package seating

import "fmt"

// Kind is the exam mode of a candidate and the kind of a room: paper
// (纸笔作答, in a paper room) or computer-based (人机对话, in a computer
// room). The zero value is invalid.
type Kind int

// The two modes.
const (
	// Paper is the paper mode (纸笔作答) and the paper room.
	Paper Kind = iota + 1
	// Computer is the computer-based mode (人机对话) and the computer room.
	Computer
)

// String returns the English name of the kind: "paper", "computer", or
// "Kind(n)" for an invalid value.
func (k Kind) String() string {
	switch k {
	case Paper:
		return "paper"
	case Computer:
		return "computer"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Label returns the Chinese name of the exam mode: 纸笔作答 or 人机对话.
func (k Kind) Label() string {
	switch k {
	case Paper:
		return "纸笔作答"
	case Computer:
		return "人机对话"
	}
	return fmt.Sprintf("未知方式（%d）", int(k))
}

// RoomLabel returns the Chinese name of the room kind: 纸笔考场 or 计算机考场.
func (k Kind) RoomLabel() string {
	switch k {
	case Paper:
		return "纸笔考场"
	case Computer:
		return "计算机考场"
	}
	return fmt.Sprintf("未知考场（%d）", int(k))
}

func (k Kind) valid() bool { return k == Paper || k == Computer }

// Room is one exam room (考场) of the site.
//
// Seats are numbered 1..Capacity row-major: seat s is in row
// (s-1)/SeatsPerRow+1, column (s-1)%SeatsPerRow+1. A paper room seats at
// most Capacity candidates; a computer room at most
// min(Capacity, WorkingMachines) (its usable capacity), on seat numbers
// within 1..Capacity.
type Room struct {
	ID    string
	Venue string // building or school, for reports only
	Name  string // for reports only
	Kind  Kind
	// Capacity is the number of seats (desks or machine places); > 0.
	Capacity int
	// SeatsPerRow is the number of seats in one row; > 0.
	SeatsPerRow int
	// WorkingMachines is the number of working computers of a computer
	// room; >= 0 (0 makes the room unusable). Ignored for paper rooms.
	WorkingMachines int
	// Days lists the dates (YYYY-MM-DD) the room is available. Empty means
	// every exam day of its kind. Dates that are not exam days of its kind
	// are ignored.
	Days []string
}

// Usable returns the number of candidates the room can seat on one day:
// Capacity for a paper room, min(Capacity, WorkingMachines) for a computer
// room.
func (r Room) Usable() int {
	if r.Kind == Computer && r.WorkingMachines < r.Capacity {
		return max(r.WorkingMachines, 0)
	}
	return r.Capacity
}

// Candidate is one paid candidate of the site.
type Candidate struct {
	ID        string
	Specialty string // exam specialty (报考专业); one exam paper set each
	Unit      string // work unit (工作单位); "" when unknown
	Mode      Kind
	// Pinned is the previously published assignment, if any. It may
	// also be given in Input.Previous.
	Pinned *Assignment
}

// Input is everything Assign needs for one exam site.
//
// The order of Candidates matters only when seats are short: candidates
// who held a previously published seat that became invalid come first,
// then the others in the order given (put them in payment order, for
// instance); the last ones are left unplaced.
type Input struct {
	Rooms      []Room
	Candidates []Candidate
	// CBTDays are the computer-based exam days (YYYY-MM-DD). A
	// computer-based candidate sits all subjects on one of them.
	CBTDays []string
	// PaperDays are the paper exam days (YYYY-MM-DD). A paper candidate
	// sits every paper session, on all of them, on the same seat.
	PaperDays []string
	// FillEarlyDaysFirst fills the computer rooms of earlier CBT days
	// before later ones; otherwise the rooms are filled evenly.
	FillEarlyDaysFirst bool
	// Previous are previously published assignments, as an alternative
	// to Candidate.Pinned. Entries of candidates no longer in Candidates
	// are withdrawn candidates: their seats are simply free.
	Previous []Assignment
}

// Assignment is the seat of one candidate.
//
// A computer-based candidate sits all four subjects on Day in RoomID on
// Seat. A paper candidate sits all paper sessions, on every paper day, in
// RoomID on Seat; Day is "" for a paper assignment (a Day given in a
// previous paper assignment is ignored).
type Assignment struct {
	CandidateID string
	Day         string
	RoomID      string
	Seat        int // 1..Capacity of the room
	Row, Col    int // from Seat and SeatsPerRow, 1-based
}

// Constraint names of unplaced candidates.
const (
	// ConstraintComputerSeats means every usable computer seat of every
	// CBT day is taken.
	ConstraintComputerSeats = "computer_seats"
	// ConstraintPaperSeats means every seat of every usable paper room is
	// taken.
	ConstraintPaperSeats = "paper_seats"
)

// Unplaced is a candidate who got no seat, because the seats of their mode
// ran out.
type Unplaced struct {
	CandidateID string
	Mode        Kind
	Reason      string // Chinese, e.g. 计算机考场座位不足：需要 N 个，仅有 M 个
	Constraint  string // ConstraintComputerSeats or ConstraintPaperSeats
	// Previous is the candidate's previous assignment when it became
	// invalid and no other seat was free.
	Previous *Assignment
}

// Move is a candidate whose previous assignment became invalid and who got
// another seat.
type Move struct {
	CandidateID string
	From, To    Assignment
	Reason      string // Chinese, e.g. 考场 A101 已取消
}

// SpecialtyCount is the number of candidates of one specialty in a room on
// a day.
type SpecialtyCount struct {
	Specialty string
	Count     int
}

// RoomFill is the fill of one room on one exam day. A paper room has one
// RoomFill per paper day, all equal.
type RoomFill struct {
	RoomID string
	Venue  string
	Name   string
	Kind   Kind
	Day    string
	// Seated is the number of candidates seated, kept ones included.
	Seated int
	// Capacity is the usable capacity (see Room.Usable).
	Capacity int
	// Kept is the number of candidates who kept a previous seat here.
	Kept int
	// Specialties are the specialties seated, largest first.
	Specialties []SpecialtyCount
	// SameUnitAdjacent is the number of pairs of neighbouring seats in a
	// row taken by two candidates of the same unit.
	SameUnitAdjacent int
}

// Result is the seating of a site.
type Result struct {
	// Assignments are the seats, ordered by room (paper rooms, then
	// computer rooms by day), then seat.
	Assignments []Assignment
	// Unplaced are the candidates without a seat, in input order.
	Unplaced []Unplaced
	// Moved are the candidates whose previous assignment became invalid
	// and who got a new seat, in input order.
	Moved []Move
	// Rooms is the fill of every usable room on every exam day it is
	// available (also when nobody is seated in it), in the order of
	// Assignments.
	Rooms []RoomFill
	// Binding says, in Chinese sentences, which constraints bound: seats
	// that ran out, full days, rooms that could not be used, rooms that
	// mix specialties, unavoidable neighbours of one unit.
	Binding []string
	// Kept is the number of candidates who kept their previous seat.
	Kept int
	// New is the number of candidates without a previous assignment who
	// got a seat.
	New int
	// Withdrawn is the number of previous assignments of candidates no
	// longer in the input; their seats were freed.
	Withdrawn int
}
