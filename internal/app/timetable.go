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
		d.Rows = append(d.Rows, pdf.DoorListRow{Seat: p.Seat.Seat, TicketNo: p.Ticket.TicketNo, Name: p.Name, IDNumber: kaowu.MaskID(string(p.IDNumber)),
			Specialty: sp.Code + " " + sp.Name + "（" + sp.Level.Label() + "）", Photo: p.Photo})
	}
	return pdf.DoorList(d)
}
