package app

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// Timetable is a site's exam timetable as the office sees it (五): by day,
// the rooms in use with their candidates, each with its door list.
type Timetable struct {
	Site     policy.Site
	Year     *policy.Year
	Days     []TimetableDay
	Military []string // military units with ticketed candidates
	Tickets  int
}

// TimetableDay is one exam day (or the paper days together).
type TimetableDay struct {
	Day      kaowu.Date // zero for the paper days
	Label    string
	Sessions []kaowu.Session
	Rooms    []TimetableRoom
}

// TimetableRoom is one room on one day.
type TimetableRoom struct {
	RoomID     string
	Venue      string
	Room       string
	Candidates int
	Capacity   int
}

// Timetable returns the actor's site's timetable from the tickets issued.
func (a *App) Timetable(ctx context.Context, actor Actor, askedSite string) (Timetable, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return Timetable{}, err
	}
	t := Timetable{Site: site, Year: y}
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: y.Year, Site: site.Code})
	if err != nil {
		return t, err
	}
	t.Tickets = len(ps)
	dayAt := map[kaowu.Date]int{}
	roomAt := map[[2]string]int{}
	for _, p := range ps {
		d, ok := dayAt[p.Seat.Day]
		if !ok {
			td := TimetableDay{Day: p.Seat.Day, Label: "纸笔考试（" + paperDaysLabel(y) + "）"}
			if !p.Seat.Day.IsZero() {
				td.Label = p.Seat.Day.Chinese() + "（人机对话）"
			}
			td.Sessions = ticketSessions(y, p)
			d = len(t.Days)
			dayAt[p.Seat.Day] = d
			t.Days = append(t.Days, td)
		}
		k := [2]string{p.Seat.Day.String(), p.Room.ID}
		r, ok := roomAt[k]
		if !ok {
			r = len(t.Days[d].Rooms)
			roomAt[k] = r
			t.Days[d].Rooms = append(t.Days[d].Rooms, TimetableRoom{RoomID: p.Room.ID, Venue: p.Venue.Name, Room: p.Room.Name, Capacity: p.Room.Usable()})
		}
		t.Days[d].Rooms[r].Candidates++
		if p.MilitaryUnit != "" && !slices.Contains(t.Military, p.MilitaryUnit) {
			t.Military = append(t.Military, p.MilitaryUnit)
		}
	}
	slices.SortFunc(t.Days, func(a, b TimetableDay) int { return strings.Compare(a.Day.String(), b.Day.String()) })
	slices.Sort(t.Military)
	return t, nil
}

func paperDaysLabel(y *policy.Year) string {
	var s []string
	for _, d := range examDays(y)[kaowu.RoomPaper] {
		s = append(s, fmt.Sprintf("%d月%d日", d.Month, d.Day))
	}
	return strings.Join(s, "、")
}

// TimetableXLSX returns every seated candidate of the actor's site with
// their sessions, one row each, to sort and filter in Excel. ID numbers
// are masked.
func (a *App) TimetableXLSX(ctx context.Context, actor Actor, askedSite string) ([]byte, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return nil, err
	}
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: y.Year, Site: site.Code})
	if err != nil {
		return nil, err
	}
	rows := [][]string{{"准考证号", "姓名", "证件号码", "报考专业", "考试方式", "考试日期", "考试地点", "考场", "座位号", "军队单位", "档案号"}}
	for _, p := range ps {
		sp, _ := y.Specialty(p.Specialty)
		day := paperDaysLabel(y)
		if !p.Seat.Day.IsZero() {
			day = p.Seat.Day.String()
		}
		rows = append(rows, []string{p.Ticket.TicketNo, p.Name, kaowu.MaskID(string(p.IDNumber)), sp.Code + " " + sp.Name + "（" + sp.Level.Label() + "）",
			sp.Mode.Label(), day, p.Venue.Name, p.Room.Name, strconv.Itoa(p.Seat.Seat), p.MilitaryUnit, p.Ticket.ArchiveNo})
	}
	var b bytes.Buffer
	if err := tabular.Write("timetable.xlsx", &b, rows); err != nil {
		return nil, fmt.Errorf("timetable xlsx: %w", err)
	}
	return b.Bytes(), nil
}

// DoorListPDF returns the door list of one room on one day (zero: the
// paper days), with photos, for identity checks and signatures.
func (a *App) DoorListPDF(ctx context.Context, actor Actor, roomID string, day kaowu.Date) ([]byte, error) {
	rm, err := a.Store.Room(ctx, roomID)
	if err != nil {
		return nil, err
	}
	site, y, err := a.OfficeSite(ctx, actor, rm.Site)
	if err != nil {
		return nil, err
	}
	if site.Code != rm.Site {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "考场不存在")
	}
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: y.Year, Site: site.Code, RoomID: roomID, Day: &day, WithPhotos: true})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "这个考场当天没有安排考生")
	}
	d := pdf.DoorListData{Year: y.Year, Site: site.Name, Venue: ps[0].Venue.Name, Room: rm.Name, Kind: rm.Kind.Label(), Day: "纸笔考试：" + paperDaysLabel(y)}
	if !day.IsZero() {
		d.Day = day.Chinese()
	}
	var times []string
	for _, s := range ticketSessions(y, ps[0]) {
		times = append(times, s.Start.In(kaowu.Shanghai).Format("15:04")+"—"+s.End.In(kaowu.Shanghai).Format("15:04"))
	}
	d.Times = strings.Join(times, "、")
	for _, p := range ps {
		sp, _ := y.Specialty(p.Specialty)
		row := pdf.DoorListRow{Seat: p.Seat.Seat, TicketNo: p.Ticket.TicketNo, Name: p.Name, IDNumber: kaowu.MaskID(string(p.IDNumber)),
			Specialty: sp.Code + " " + sp.Name + "（" + sp.Level.Label() + "）", Photo: p.Photo}
		if p.PhotoPurged {
			row.PhotoNote = PhotoPurgedNote
		}
		d.Rows = append(d.Rows, row)
	}
	return pdf.DoorList(d)
}

// TicketHolder is one ticketed candidate as the office finds them.
type TicketHolder struct {
	ApplicationID string
	TicketNo      string
	Name          string
	IDNumber      string // masked
	Specialty     string
	Where         string // day, venue, room and seat
}

// FindTicketHolders returns the ticketed candidates of the actor's site
// whose ticket number, name or ID number (in full, or its last digits)
// matches q, at most 50: to print a ticket for one who lost theirs.
func (a *App) FindTicketHolders(ctx context.Context, actor Actor, askedSite, q string) ([]TicketHolder, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return nil, err
	}
	q = kaowu.NormalizeIDNumber(q)
	if q == "" {
		return nil, nil
	}
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: y.Year, Site: site.Code})
	if err != nil {
		return nil, err
	}
	var out []TicketHolder
	for _, p := range ps {
		id := string(p.IDNumber)
		if p.Ticket.TicketNo != q && p.Name != q && id != q && !(len(q) >= 4 && strings.HasSuffix(id, q)) {
			continue
		}
		sp, _ := y.Specialty(p.Specialty)
		day := "纸笔考试"
		if !p.Seat.Day.IsZero() {
			day = p.Seat.Day.Chinese()
		}
		out = append(out, TicketHolder{ApplicationID: p.ApplicationID, TicketNo: p.Ticket.TicketNo, Name: p.Name, IDNumber: kaowu.MaskID(id),
			Specialty: sp.Code + " " + sp.Name, Where: fmt.Sprintf("%s %s %s 第%d座", day, p.Venue.Name, p.Room.Name, p.Seat.Seat)})
		if len(out) == 50 {
			break
		}
	}
	return out, nil
}
