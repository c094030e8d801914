package kaowu

import (
	"fmt"
	"time"
)

// Venue is an exam venue (考试地点) of a site: a building or school with
// exam rooms, an address and directions printed on the tickets (四).
type Venue struct {
	ID         string    `json:"id"`
	Site       string    `json:"site"`
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	Directions string    `json:"directions"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// RoomKind is the kind of an exam room (考场): a paper room for the paper
// specialty, or a computer room (五).
type RoomKind string

// The two room kinds.
const (
	RoomPaper    RoomKind = "paper"
	RoomComputer RoomKind = "computer"
)

// Label returns the kind in Chinese: 纸笔考场 or 计算机考场.
func (k RoomKind) Label() string {
	switch k {
	case RoomPaper:
		return "纸笔考场"
	case RoomComputer:
		return "计算机考场"
	}
	return string(k)
}

// Valid reports whether k is a known room kind.
func (k RoomKind) Valid() bool { return k == RoomPaper || k == RoomComputer }

// RoomKindFor returns the kind of room a specialty of mode m sits in.
func RoomKindFor(m Mode) RoomKind {
	if m == ModePaper {
		return RoomPaper
	}
	return RoomComputer
}

// Room is an exam room (考场) of a venue. Seats are numbered 1..Capacity,
// SeatsPerRow to a row. A computer room seats at most min(Capacity,
// WorkingMachines) a day. Days, when not empty, are the exam days it is
// available; an inactive room (lost, closed) seats nobody, and the
// candidates seated there are moved at the next seating.
type Room struct {
	ID              string    `json:"id"`
	VenueID         string    `json:"venue_id"`
	Site            string    `json:"site"`
	Name            string    `json:"name"`
	Kind            RoomKind  `json:"kind"`
	Capacity        int       `json:"capacity"`
	SeatsPerRow     int       `json:"seats_per_row"`
	WorkingMachines int       `json:"working_machines"`
	Days            []Date    `json:"days,omitempty"`
	Active          bool      `json:"active"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Usable returns how many candidates the room seats on one exam day.
func (r Room) Usable() int {
	if !r.Active {
		return 0
	}
	if r.Kind == RoomComputer && r.WorkingMachines < r.Capacity {
		return max(r.WorkingMachines, 0)
	}
	return r.Capacity
}

// Check returns the room's first invalid field as a field error.
func (r Room) Check() error {
	switch {
	case r.Name == "":
		return FieldError("name", "请填写考场名称")
	case !r.Kind.Valid():
		return FieldError("kind", "考场类型应为“纸笔考场”或“计算机考场”")
	case r.Capacity <= 0 || r.Capacity > 1000:
		return FieldError("capacity", fmt.Sprintf("座位数应为 1 至 1000 的整数（填的是 %d）", r.Capacity))
	case r.SeatsPerRow <= 0 || r.SeatsPerRow > r.Capacity:
		return FieldError("seats_per_row", fmt.Sprintf("每排座位数应为 1 至座位数（%d）之间的整数", r.Capacity))
	case r.Kind == RoomComputer && (r.WorkingMachines < 0 || r.WorkingMachines > r.Capacity):
		return FieldError("working_machines", fmt.Sprintf("可用机位数应为 0 至座位数（%d）之间的整数", r.Capacity))
	}
	return nil
}

// SeatAssignment is where a candidate sits (考场编排): for computer-based
// candidates one exam day, room and seat for all four subjects; for paper
// candidates one room and seat for every paper session (Day zero).
type SeatAssignment struct {
	ApplicationID string    `json:"application_id"`
	Year          int       `json:"year"`
	Site          string    `json:"site"`
	Day           Date      `json:"day"`
	RoomID        string    `json:"room_id"`
	Seat          int       `json:"seat"`
	Row           int       `json:"row"`
	Col           int       `json:"col"`
	AssignedAt    time.Time `json:"assigned_at"`
}

// Ticket is an admission ticket (准考证, 四): its number, unique and never
// changed once issued, and the candidate's archive number (档案号, 七),
// kept from last year when the candidate sits the subjects still to pass.
type Ticket struct {
	ApplicationID string    `json:"application_id"`
	Year          int       `json:"year"`
	Site          string    `json:"site"`
	Specialty     string    `json:"specialty"`
	TicketNo      string    `json:"ticket_no"`
	Seq           int       `json:"seq"`
	ArchiveNo     string    `json:"archive_no"`
	IssuedAt      time.Time `json:"issued_at"`
}

// TicketNo returns the ticket number (准考证号) of the seq-th ticket of a
// specialty at a site: 16 digits, the exam year's last two digits, the
// site's 6-digit administrative area code (GB/T 2260, 丰台区 110106), the
// 3-digit specialty code and a 5-digit sequence, e.g. 2411010636800001.
func TicketNo(year int, areaCode, specialty string, seq int) string {
	return fmt.Sprintf("%02d%s%s%05d", year%100, areaCode, specialty, seq)
}

// ArchiveNo returns the archive number (档案号) of the seq-th candidate of
// a site who has none from last year: the exam year, the site's area code
// and a 6-digit sequence, e.g. 2024-110106-000123.
func ArchiveNo(year int, areaCode string, seq int) string {
	return fmt.Sprintf("%d-%s-%06d", year, areaCode, seq)
}
