package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// seatingRoutes registers the site office's venues and rooms, seating and
// tickets pages (四, 五). Whose site each reaches is decided in
// internal/app (OfficeSite).
func (s *Server) seatingRoutes(mux *http.ServeMux) {
	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/rooms", office(s.roomsPage))
	s.handleFunc(mux, "GET /staff/rooms.xlsx", office(s.roomsXLSX))
	s.handleFunc(mux, "POST /staff/rooms/import", office(s.roomsImport))
	s.handleFunc(mux, "POST /staff/venues/edit", office(s.venueEdit))
	s.handleFunc(mux, "GET /staff/rooms/edit", office(s.roomEditPage))
	s.handleFunc(mux, "POST /staff/rooms/edit", office(s.roomEdit))
	s.handleFunc(mux, "GET /staff/seating", office(s.seatingPage))
	s.handleFunc(mux, "POST /staff/seating/run", office(s.seatingRun))
	s.handleFunc(mux, "POST /staff/tickets/issue", office(s.ticketsIssue))
	s.handleFunc(mux, "GET /staff/timetable", office(s.timetablePage))
	s.handleFunc(mux, "GET /staff/timetable.xlsx", office(s.timetableXLSX))
	s.handleFunc(mux, "GET /staff/door-list.pdf", office(s.doorListPDF))
}

type timetablePage struct {
	Title   string
	T       app.Timetable
	Q       string
	Holders []app.TicketHolder
}

func (p timetablePage) PageTitle() string { return p.Title }

func (s *Server) timetablePage(w http.ResponseWriter, r *http.Request) {
	t, err := s.App.Timetable(r.Context(), actorOf(r), siteParam(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := timetablePage{Title: "考试日程与考场门贴", T: t, Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	if p.Holders, err = s.App.FindTicketHolders(r.Context(), actorOf(r), t.Site.Code, p.Q); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "timetable", p)
}

func (s *Server) timetableXLSX(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.TimetableXLSX(r.Context(), actorOf(r), siteParam(r))
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "timetable.xlsx", b, err)
}

func (s *Server) doorListPDF(w http.ResponseWriter, r *http.Request) {
	var day kaowu.Date
	if q := r.URL.Query().Get("day"); q != "" {
		d, err := kaowu.ParseDate(q)
		if err != nil {
			s.pageError(w, r, kaowu.FieldError("day", "日期应为 2024-04-13 这样的格式"))
			return
		}
		day = d
	}
	b, err := s.App.DoorListPDF(r.Context(), actorOf(r), r.URL.Query().Get("room"), day)
	s.sendPrivate(w, r, "application/pdf", "door-list.pdf", b, err)
}

func init() {
	funcs["window"] = func(y *policy.Year, key string) kaowu.Window { w, _ := y.Window(key); return w }
	funcs["daysHint"] = func(days []kaowu.Date) string { return daysText(days) }
}

// siteParam is the site an administrator asks for; site staff always get
// their own (app.OfficeSite).
func siteParam(r *http.Request) string {
	if v := r.PostFormValue("site"); v != "" {
		return v
	}
	return r.URL.Query().Get("site")
}

type roomsExtra struct {
	Rooms    app.SiteRooms
	Header   []string
	Imported string
	Saved    string // a room's name
	Venue    string // a venue's name
}

func (s *Server) roomsExtra(r *http.Request) (roomsExtra, error) {
	rs, err := s.App.Rooms(r.Context(), actorOf(r), siteParam(r))
	q := r.URL.Query()
	return roomsExtra{Rooms: rs, Header: app.RoomFileHeader, Imported: q.Get("imported"), Saved: q.Get("saved"), Venue: q.Get("venue")}, err
}

func (s *Server) roomsPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.roomsExtra(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rooms", formPage{Title: "考试地点与考场", Form: newForm(nil, nil), Extra: extra})
}

// roomsXLSX exports the site's rooms in the import layout, to edit and
// import again.
func (s *Server) roomsXLSX(w http.ResponseWriter, r *http.Request) {
	rs, err := s.App.Rooms(r.Context(), actorOf(r), siteParam(r))
	var b []byte
	if err == nil {
		rows := [][]string{app.RoomFileHeader}
		venues := map[string]kaowu.Venue{}
		for _, v := range rs.Venues {
			venues[v.ID] = v
		}
		for _, rm := range rs.Rooms {
			v := venues[rm.VenueID]
			machines := ""
			if rm.Kind == kaowu.RoomComputer {
				machines = strconv.Itoa(rm.WorkingMachines)
			}
			active := "是"
			if !rm.Active {
				active = "否"
			}
			rows = append(rows, []string{v.Name, v.Address, v.Directions, rm.Name, rm.Kind.Label(), strconv.Itoa(rm.Capacity),
				strconv.Itoa(rm.SeatsPerRow), machines, daysText(rm.Days), active})
		}
		var buf bytes.Buffer
		err = tabular.Write("rooms.xlsx", &buf, rows)
		b = buf.Bytes()
	}
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "rooms.xlsx", b, err)
}

func daysText(days []kaowu.Date) string {
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = fmt.Sprintf("%d月%d日", d.Month, d.Day)
	}
	return strings.Join(s, "、")
}

func (s *Server) roomsImport(w http.ResponseWriter, r *http.Request) {
	data, err := readUpload(w, r, "file", "考场")
	if err == nil {
		name := r.MultipartForm.File["file"][0].Filename
		var rows [][]string
		rows, err = tabular.Read(name, bytes.NewReader(data))
		if err != nil {
			err = kaowu.FieldError("file", "无法读取文件“"+name+"”：请上传 .xlsx 或 .csv 文件（"+kaowu.ErrorMessage(err)+"）")
		} else {
			var rep app.RoomImport
			if rep, err = s.App.ImportRooms(r.Context(), actorOf(r), siteParam(r), rows, "上传文件 "+name); err == nil {
				msg := fmt.Sprintf("%d 个考试地点，新增考场 %d 个，修改 %d 个", rep.Venues, rep.Created, rep.Updated)
				http.Redirect(w, r, "/staff/rooms?imported="+url.QueryEscape(msg), http.StatusSeeOther)
				return
			}
		}
	}
	extra, e2 := s.roomsExtra(r)
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "rooms", formPage{Title: "考试地点与考场", Extra: extra}, err)
}

func (s *Server) venueEdit(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	venue, err := s.App.SaveVenue(r.Context(), actorOf(r), app.VenueInput{ID: v.Get("id"), Address: v.Get("address"), Directions: v.Get("directions")})
	if err != nil {
		extra, e2 := s.roomsExtra(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		s.refuse(w, r, "rooms", formPage{Title: "考试地点与考场", Extra: extra}, err)
		return
	}
	http.Redirect(w, r, "/staff/rooms?venue="+url.QueryEscape(venue.Name), http.StatusSeeOther)
}

type roomEditExtra struct {
	Room  kaowu.Room
	Venue string
	Days  []kaowu.Date // the exam days of its kind
}

func (s *Server) roomEditExtra(r *http.Request, id string) (roomEditExtra, error) {
	rs, err := s.App.Rooms(r.Context(), actorOf(r), siteParam(r))
	if err != nil {
		return roomEditExtra{}, err
	}
	for _, rm := range rs.Rooms {
		if rm.ID == id {
			return roomEditExtra{Room: rm, Venue: rs.VenueName(rm.VenueID), Days: rs.Days[rm.Kind]}, nil
		}
	}
	return roomEditExtra{}, kaowu.Errorf(kaowu.ENOTFOUND, "考场不存在，或不属于您的考点")
}

func (s *Server) roomEditPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.roomEditExtra(r, r.URL.Query().Get("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rm := extra.Room
	v := url.Values{"id": {rm.ID}, "name": {rm.Name}, "kind": {string(rm.Kind)}, "capacity": {strconv.Itoa(rm.Capacity)},
		"seats_per_row": {strconv.Itoa(rm.SeatsPerRow)}, "working_machines": {strconv.Itoa(rm.WorkingMachines)}, "days": {daysText(rm.Days)}}
	if rm.Active {
		v.Set("active", "on")
	}
	s.render(w, r, http.StatusOK, "room_edit", formPage{Title: "修改考场", Form: newForm(v, nil), Extra: extra})
}

func (s *Server) roomEdit(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(v.Get(k))); return n }
	rm, err := s.App.SaveRoom(r.Context(), actorOf(r), app.RoomInput{ID: v.Get("id"), Name: v.Get("name"), Kind: v.Get("kind"),
		Capacity: num("capacity"), SeatsPerRow: num("seats_per_row"), WorkingMachines: num("working_machines"), Days: v.Get("days"),
		Active: v.Get("active") == "on"})
	if err == nil {
		http.Redirect(w, r, "/staff/rooms?saved="+url.QueryEscape(rm.Name), http.StatusSeeOther)
		return
	}
	extra, e2 := s.roomEditExtra(r, v.Get("id"))
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "room_edit", formPage{Title: "修改考场", Extra: extra}, err)
}

type seatingPage struct {
	Title  string
	Rooms  app.SiteRooms
	Report *app.SeatingReport
	Build  *buildJSON
	Flash  string
}

func (p seatingPage) PageTitle() string { return p.Title }

func (s *Server) seatingPage(w http.ResponseWriter, r *http.Request) {
	ctx, me := r.Context(), actorOf(r)
	rs, err := s.App.Rooms(ctx, me, siteParam(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := seatingPage{Title: "考场编排与准考证", Rooms: rs}
	switch rep, err := s.App.LatestSeating(ctx, me, rs.Site.Code); {
	case err == nil:
		p.Report = &rep
	case kaowu.ErrorCode(err) != kaowu.ENOTFOUND:
		s.pageError(w, r, err)
		return
	}
	switch b, err := s.App.LatestTicketBuild(ctx, me, rs.Site.Code); {
	case err == nil:
		v := buildView(b)
		p.Build = &v
	case kaowu.ErrorCode(err) != kaowu.ENOTFOUND:
		s.pageError(w, r, err)
		return
	}
	p.Flash = r.URL.Query().Get("done")
	s.render(w, r, http.StatusOK, "seating", p)
}

func (s *Server) seatingRun(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	rep, err := s.App.Seat(r.Context(), actorOf(r), siteParam(r), r.PostForm.Get("fill_early") == "on")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := fmt.Sprintf("编排完成：%d 名考生中已安排 %d 名（保留原座位 %d，新安排 %d，调整 %d），未能安排 %d 名。", rep.Candidates, rep.Seated,
		rep.Kept, rep.New, len(rep.Moved), len(rep.Unplaced))
	http.Redirect(w, r, "/staff/seating?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) ticketsIssue(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	rep, err := s.App.IssueTickets(r.Context(), actorOf(r), siteParam(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := fmt.Sprintf("已生成准考证号 %d 个（此前已有 %d 个）。", rep.Issued, rep.Had)
	if rep.Unseated > 0 {
		msg += fmt.Sprintf("另有 %d 名已缴费考生尚未安排座位，未生成准考证号：请增加考场后重新编排。", rep.Unseated)
	}
	http.Redirect(w, r, "/staff/seating?done="+url.QueryEscape(msg), http.StatusSeeOther)
}
