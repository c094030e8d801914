package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
	"kaowu/seating"
)

// SeatingClause is the notice clause of the exam's modes and timetable,
// which the seating carries out (五).
const SeatingClause = "五"

// OfficeSite returns the site an office actor works for, with the current
// year: site staff their own, administrators the one asked for (the first
// site with a confirmation arrangement when none is asked). Others are
// refused.
func (a *App) OfficeSite(ctx context.Context, actor Actor, asked string) (policy.Site, *policy.Year, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return policy.Site{}, nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以办理")
	}
	code := asked
	if actor.Role == kaowu.RoleSiteStaff {
		// Administrators (the command line's System too) reach every
		// site; site staff their own, read from the account.
		me, err := a.actorAccount(ctx, actor)
		if err != nil {
			return policy.Site{}, nil, err
		}
		if me.Site == "" {
			return policy.Site{}, nil, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有所属考点，请联系系统管理员")
		}
		code = me.Site
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return policy.Site{}, nil, err
	}
	if code == "" {
		for _, s := range y.Sites {
			if s.Confirmation != nil {
				code = s.Code
				break
			}
		}
	}
	s, ok := y.Site(code)
	if !ok {
		return s, y, kaowu.Errorf(kaowu.ENOTFOUND, "考点 %s 不在%d年度的考点中", code, y.Year)
	}
	return s, y, nil
}

// RoomFileHeader is the header of a room file, in order.
var RoomFileHeader = []string{"考试地点", "地址", "乘车路线", "考场", "类型", "座位数", "每排座位数", "可用机位数", "可用日期", "启用"}

// roomHeader maps the folded column names of a room file to fields.
var roomHeader = map[string]string{
	"考试地点": "venue", "考点地址": "address", "地址": "address", "乘车路线": "directions", "交通": "directions",
	"考场": "room", "考场名称": "room", "类型": "kind", "考场类型": "kind", "座位数": "capacity", "容量": "capacity",
	"每排座位数": "seats_per_row", "每排": "seats_per_row", "可用机位数": "working_machines", "可用机位": "working_machines",
	"可用日期": "days", "启用": "active",
}

// roomRequired are the columns a room file must have.
var roomRequired = []struct{ key, name string }{
	{"venue", "考试地点"}, {"room", "考场"}, {"kind", "类型"}, {"capacity", "座位数"}, {"seats_per_row", "每排座位数"},
}

// RoomImport is what an import of rooms did.
type RoomImport struct {
	Venues, Created, Updated int
}

// ImportRooms adds or changes the exam venues and rooms of the actor's site
// from a file (RoomFileHeader; a venue's address and directions may be on
// any of its rows), all or nothing: any bad row refuses the whole file with
// a row-by-row report (第N行…) and nothing changes. Rooms are matched by
// venue and room name; rooms not in the file stay as they are.
func (a *App) ImportRooms(ctx context.Context, actor Actor, askedSite string, rows [][]string, source string) (RoomImport, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return RoomImport{}, err
	}
	var rep RoomImport
	venues, rooms, err := parseRooms(rows, y)
	if err != nil {
		return rep, fmt.Errorf("import rooms: %w", err)
	}
	existing, err := a.Store.Rooms(ctx, site.Code)
	if err != nil {
		return rep, err
	}
	known, err := a.Store.Venues(ctx, site.Code)
	if err != nil {
		return rep, err
	}
	venueOf := map[string]string{}
	for _, v := range known {
		venueOf[v.ID] = v.Name
	}
	have := map[[2]string]bool{}
	for _, r := range existing {
		have[[2]string{venueOf[r.VenueID], r.Name}] = true
	}
	now := a.Clock.Now()
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		ids := map[string]string{}
		for _, v := range venues {
			v.Site, v.UpdatedAt = site.Code, now
			if err := tx.UpsertVenue(ctx, &v); err != nil {
				return err
			}
			ids[v.Name] = v.ID
		}
		for _, r := range rooms {
			if have[[2]string{r.VenueID, r.Name}] {
				rep.Updated++
			} else {
				rep.Created++
			}
			r.VenueID, r.Site, r.UpdatedAt = ids[r.VenueID], site.Code, now
			if err := tx.UpsertRoom(ctx, &r); err != nil {
				return err
			}
		}
		rep.Venues = len(venues)
		return a.audit(ctx, tx, actor, "room.import", site.Code, fmt.Sprintf("导入考场 %s：%d 个考试地点，新增考场 %d 个，修改 %d 个", source, len(venues), rep.Created, rep.Updated))
	})
	if err != nil {
		return RoomImport{}, fmt.Errorf("import rooms: %w", err)
	}
	return rep, nil
}

// parseRooms reads a room file. Each room's VenueID holds its venue's name
// until the venues are stored.
func parseRooms(rows [][]string, y *policy.Year) ([]kaowu.Venue, []kaowu.Room, error) {
	var p report
	const what = "考场文件"
	col, ok := parseHeader(&p, rows, roomHeader, roomRequired, RoomFileHeader, "考场")
	if !ok {
		return nil, nil, p.err(what)
	}
	days := examDays(y)
	var venues []kaowu.Venue
	venueAt := map[string]int{}
	seen := map[[2]string]int{}
	var rooms []kaowu.Room
	for i, row := range rows[1:] {
		n := i + 2
		cell := func(key string) string {
			j, ok := col[key]
			if !ok || j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		if blankRow(row) {
			continue
		}
		bad := func(field, msg string) { p.add(fmt.Sprintf("第%d行.%s", n, field), msg) }
		venue := cell("venue")
		if venue == "" {
			bad("venue", "请填写考试地点（如 丰台区第八中学）")
		}
		if j, ok := venueAt[venue]; ok {
			v := &venues[j]
			for _, f := range []struct {
				key, label string
				dst        *string
			}{{"address", "地址", &v.Address}, {"directions", "乘车路线", &v.Directions}} {
				if s := cell(f.key); s != "" {
					if *f.dst != "" && *f.dst != s {
						bad(f.key, fmt.Sprintf("考试地点“%s”的%s与前面的行不一致", venue, f.label))
					}
					*f.dst = s
				}
			}
		} else if venue != "" {
			venueAt[venue] = len(venues)
			venues = append(venues, kaowu.Venue{Name: venue, Address: cell("address"), Directions: cell("directions")})
		}
		r := kaowu.Room{VenueID: venue, Name: cell("room"), Active: true}
		switch kaowu.FoldText(cell("kind")) {
		case "纸笔考场", "纸笔", "paper":
			r.Kind = kaowu.RoomPaper
		case "计算机考场", "机房", "计算机", "人机对话", "computer":
			r.Kind = kaowu.RoomComputer
		default:
			bad("kind", fmt.Sprintf("类型“%s”无效：应为“纸笔考场”或“计算机考场”", cell("kind")))
		}
		num := func(key, label string, dst *int, need bool) {
			s := cell(key)
			if s == "" && !need {
				return
			}
			v, err := strconv.Atoi(s)
			if err != nil {
				bad(key, fmt.Sprintf("%s“%s”应为整数", label, s))
				return
			}
			*dst = v
		}
		num("capacity", "座位数", &r.Capacity, true)
		num("seats_per_row", "每排座位数", &r.SeatsPerRow, true)
		r.WorkingMachines = r.Capacity
		num("working_machines", "可用机位数", &r.WorkingMachines, false)
		if r.Kind == kaowu.RoomPaper {
			r.WorkingMachines = 0
		}
		if s := cell("days"); s != "" {
			d, err := parseRoomDays(s, days[r.Kind])
			if err != nil {
				bad("days", kaowu.ErrorMessage(err))
			}
			r.Days = d
		}
		if s := cell("active"); s != "" {
			on, ok := yesNo(s)
			if !ok {
				bad("active", fmt.Sprintf("启用“%s”无效：请填“是”或“否”", s))
			}
			r.Active = on
		}
		check := r
		if !r.Kind.Valid() {
			check.Kind = kaowu.RoomPaper // reported above; check the rest
		}
		if err := check.Check(); err != nil {
			for f, m := range kaowu.ErrorFields(err) {
				if f == "name" {
					f = "room"
				}
				if _, reported := p.fields[fmt.Sprintf("第%d行.%s", n, f)]; !reported {
					bad(f, m)
				}
			}
		}
		key := [2]string{venue, r.Name}
		if first, dup := seen[key]; dup && r.Name != "" {
			bad("room", fmt.Sprintf("考场“%s %s”与第%d行重复", venue, r.Name, first))
		}
		seen[key] = n
		rooms = append(rooms, r)
	}
	if len(rooms) == 0 {
		p.add("文件", "没有数据行：表头之后每行一个考场")
	}
	if err := p.err(what); err != nil {
		return nil, nil, err
	}
	return venues, rooms, nil
}

// parseHeader maps the first row's column names (folded, as people type
// them) to keys by header, reporting unknown, repeated and missing ones
// into p. It reports false when the header is unusable.
func parseHeader(p *report, rows [][]string, header map[string]string, required []struct{ key, name string }, order []string, each string) (map[string]int, bool) {
	if len(rows) < 2 {
		p.add("文件", "没有数据行：第一行应为表头（"+strings.Join(order, "、")+"），其后每行一个"+each)
		return nil, false
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			continue
		}
		key, ok := header[strings.ToLower(kaowu.FoldText(h))]
		if !ok {
			p.add(fmt.Sprintf("表头第%d列", i+1), fmt.Sprintf("列名“%s”无法识别：应为 %s", h, strings.Join(order, "、")))
			continue
		}
		if j, dup := col[key]; dup {
			p.add(fmt.Sprintf("表头第%d列", i+1), fmt.Sprintf("列名“%s”与第%d列重复", h, j+1))
			continue
		}
		col[key] = i
	}
	for _, c := range required {
		if _, ok := col[c.key]; !ok {
			p.add("表头", "缺少列“"+c.name+"”")
		}
	}
	return col, len(p.order) == 0
}

// blankRow reports whether every cell of row is blank.
func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// examDays returns the exam days of each room kind from the year's
// timetable (五): the paper days and the computer-based days.
func examDays(y *policy.Year) map[kaowu.RoomKind][]kaowu.Date {
	out := map[kaowu.RoomKind][]kaowu.Date{}
	for _, s := range y.Sessions {
		k := kaowu.RoomKindFor(s.Mode)
		d := kaowu.DateOf(s.Start.In(kaowu.Shanghai))
		if !slices.Contains(out[k], d) {
			out[k] = append(out[k], d)
		}
	}
	for k := range out {
		slices.SortFunc(out[k], func(a, b kaowu.Date) int { return strings.Compare(a.String(), b.String()) })
	}
	return out
}

// parseRoomDays reads a room's available days: dates (2024-04-13, 4月13日,
// 4-13) separated by commas, 、 or spaces, each an exam day of its kind.
func parseRoomDays(s string, allowed []kaowu.Date) ([]kaowu.Date, error) {
	var out []kaowu.Date
	names := make([]string, len(allowed))
	for i, d := range allowed {
		names[i] = fmt.Sprintf("%d月%d日", d.Month, d.Day)
	}
	for _, f := range strings.FieldsFunc(kaowu.FoldText(s), func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == ';' || r == '；' }) {
		var day kaowu.Date
		found := false
		for _, d := range allowed {
			for _, form := range []string{d.String(), fmt.Sprintf("%d月%d日", d.Month, d.Day), fmt.Sprintf("%d-%d", d.Month, d.Day),
				fmt.Sprintf("%02d-%02d", d.Month, d.Day), fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)} {
				if f == form {
					day, found = d, true
				}
			}
		}
		if !found {
			return nil, kaowu.Errorf(kaowu.EINVALID, "可用日期“%s”不是这类考场的考试日：应为 %s 中的一天或几天（留空表示每个考试日都可用）", f, strings.Join(names, "、"))
		}
		if !slices.Contains(out, day) {
			out = append(out, day)
		}
	}
	return out, nil
}

// RoomInput is a room as the site office edits it.
type RoomInput struct {
	ID              string
	Name            string
	Kind            string
	Capacity        int
	SeatsPerRow     int
	WorkingMachines int
	Days            string
	Active          bool
}

// SaveRoom changes one room of the actor's site. Seats already given stay
// until the next seating, which moves whoever no longer fits (a room made
// inactive or smaller).
func (a *App) SaveRoom(ctx context.Context, actor Actor, in RoomInput) (kaowu.Room, error) {
	old, err := a.Store.Room(ctx, in.ID)
	if err != nil {
		return kaowu.Room{}, err
	}
	site, y, err := a.OfficeSite(ctx, actor, old.Site)
	if err != nil {
		return kaowu.Room{}, err
	}
	if old.Site != site.Code {
		return kaowu.Room{}, kaowu.Errorf(kaowu.ENOTFOUND, "考场不存在")
	}
	r := old
	r.Name, r.Kind, r.Capacity, r.SeatsPerRow, r.WorkingMachines, r.Active = strings.TrimSpace(in.Name), kaowu.RoomKind(in.Kind), in.Capacity, in.SeatsPerRow, in.WorkingMachines, in.Active
	if r.Kind == kaowu.RoomPaper {
		r.WorkingMachines = 0
	}
	if err := r.Check(); err != nil {
		return r, err
	}
	if r.Days, err = parseRoomDays(in.Days, examDays(y)[r.Kind]); err != nil {
		return r, kaowu.FieldError("days", kaowu.ErrorMessage(err))
	}
	r.UpdatedAt = a.Clock.Now()
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateRoom(ctx, r); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "room.update", r.ID, "修改考场："+r.Name, old, r)
	})
	if err != nil {
		return r, fmt.Errorf("save room: %w", err)
	}
	return r, nil
}

// SiteRooms is a site's venues and rooms as the office sees them.
type SiteRooms struct {
	Site   policy.Site
	Year   *policy.Year
	Venues []kaowu.Venue
	Rooms  []kaowu.Room
	// Seats is the usable seats per kind and exam day ("" for paper: the
	// same every paper day).
	Seats map[kaowu.RoomKind]map[string]int
	Days  map[kaowu.RoomKind][]kaowu.Date
}

// VenueName returns the name of the venue of id.
func (s SiteRooms) VenueName(id string) string {
	for _, v := range s.Venues {
		if v.ID == id {
			return v.Name
		}
	}
	return ""
}

// DayRow is the usable seats of one kind of room on one exam day.
type DayRow struct {
	Day   kaowu.Date
	Kind  kaowu.RoomKind
	Seats int
}

// DayRows returns the usable seats per exam day, paper days first.
func (s SiteRooms) DayRows() []DayRow {
	var out []DayRow
	for _, k := range []kaowu.RoomKind{kaowu.RoomPaper, kaowu.RoomComputer} {
		for _, d := range s.Days[k] {
			out = append(out, DayRow{Day: d, Kind: k, Seats: s.Seats[k][d.String()]})
		}
	}
	return out
}

// Rooms returns the venues and rooms of the actor's site.
func (a *App) Rooms(ctx context.Context, actor Actor, askedSite string) (SiteRooms, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return SiteRooms{}, err
	}
	return siteRooms(ctx, a.Store, site, y)
}

// roomReader reads rooms: a *store.Store or a *store.Tx.
type roomReader interface {
	Venues(ctx context.Context, site string) ([]kaowu.Venue, error)
	Rooms(ctx context.Context, site string) ([]kaowu.Room, error)
}

// siteRooms reads a site's venues and rooms and counts their seats.
func siteRooms(ctx context.Context, q roomReader, site policy.Site, y *policy.Year) (SiteRooms, error) {
	out := SiteRooms{Site: site, Year: y, Days: examDays(y), Seats: map[kaowu.RoomKind]map[string]int{}}
	var err error
	if out.Venues, err = q.Venues(ctx, site.Code); err != nil {
		return out, err
	}
	if out.Rooms, err = q.Rooms(ctx, site.Code); err != nil {
		return out, err
	}
	for k, days := range out.Days {
		out.Seats[k] = map[string]int{}
		for _, r := range out.Rooms {
			if r.Kind != k {
				continue
			}
			for _, d := range days {
				if len(r.Days) == 0 || slices.Contains(r.Days, d) {
					out.Seats[k][d.String()] += r.Usable()
				}
			}
		}
	}
	return out, nil
}

// SeatingReport is what one seating run did, as the office reads it: the
// counts, the fill of every room and day, who could not be seated and
// why, who moved and why, and the constraints that bound.
type SeatingReport struct {
	RunAt      string `json:"run_at"`
	RunBy      string `json:"run_by"`
	Candidates int    `json:"candidates"`
	Seated     int    `json:"seated"`
	Kept       int    `json:"kept"`
	New        int    `json:"new"`
	Withdrawn  int    `json:"withdrawn"`
	// Rooms are the fills; RoomFill.Name is "venue room" here.
	Rooms    []seating.RoomFill `json:"rooms"`
	Unplaced []SeatingPerson    `json:"unplaced"`
	Moved    []SeatingPerson    `json:"moved"`
	Binding  []string           `json:"binding"`
}

// SeatingPerson is a candidate the report names: unplaced or moved.
type SeatingPerson struct {
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
	Specialty     string `json:"specialty"`
	Reason        string `json:"reason"`
	From          string `json:"from,omitempty"`
	To            string `json:"to,omitempty"`
}

// Seat seats the paid candidates of the actor's site (考场编排, 五) with the
// pure engine (package seating): capacity and working machines as hard
// limits, paper candidates in paper rooms on the paper days, one day, room
// and seat for all four computer-based subjects, specialties kept together
// and units spread. A re-run keeps every seat still valid and moves only
// those that are not (a room made inactive or smaller, a day removed),
// telling each moved candidate whose ticket is issued. The run reads,
// decides and replaces the seats in one transaction, under the site's
// seating lock, with its report and audit row.
func (a *App) Seat(ctx context.Context, actor Actor, askedSite string, fillEarlyDaysFirst bool) (SeatingReport, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return SeatingReport{}, err
	}
	var rep SeatingReport
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		// Two runs at once (two offices, two nodes) run one after the
		// other: the second starts from the seats the first gave.
		if err := tx.Lock(ctx, "seating:"+site.Code); err != nil {
			return err
		}
		var err error
		rep, err = a.seat(ctx, tx, actor, site, y, fillEarlyDaysFirst)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("seat %s: %w", site.Code, err)
	}
	return rep, nil
}

// seat is Seat's run in tx.
func (a *App) seat(ctx context.Context, tx *store.Tx, actor Actor, site policy.Site, y *policy.Year, fillEarlyDaysFirst bool) (SeatingReport, error) {
	rooms, err := siteRooms(ctx, tx, site, y)
	if err != nil {
		return SeatingReport{}, err
	}
	cands, err := tx.SeatingCandidates(ctx, y.Year, site.Code)
	if err != nil {
		return SeatingReport{}, err
	}
	prev, err := tx.Assignments(ctx, y.Year, site.Code)
	if err != nil {
		return SeatingReport{}, err
	}
	in := seating.Input{FillEarlyDaysFirst: fillEarlyDaysFirst}
	for _, d := range rooms.Days[kaowu.RoomComputer] {
		in.CBTDays = append(in.CBTDays, d.String())
	}
	for _, d := range rooms.Days[kaowu.RoomPaper] {
		in.PaperDays = append(in.PaperDays, d.String())
	}
	label := map[string]string{}
	for _, r := range rooms.Rooms {
		label[r.ID] = rooms.VenueName(r.VenueID) + " " + r.Name
		if !r.Active {
			continue // lost or closed: its candidates move
		}
		sr := seating.Room{ID: r.ID, Venue: rooms.VenueName(r.VenueID), Name: r.Name, Kind: seating.Computer, Capacity: r.Capacity,
			SeatsPerRow: r.SeatsPerRow, WorkingMachines: r.WorkingMachines}
		if r.Kind == kaowu.RoomPaper {
			sr.Kind = seating.Paper
		}
		for _, d := range r.Days {
			sr.Days = append(sr.Days, d.String())
		}
		in.Rooms = append(in.Rooms, sr)
	}
	byApp := map[string]store.SeatingCandidate{}
	for _, c := range cands {
		byApp[c.ApplicationID] = c
		mode := seating.Computer
		if sp, _ := y.Specialty(c.Specialty); sp.Mode == kaowu.ModePaper {
			mode = seating.Paper
		}
		in.Candidates = append(in.Candidates, seating.Candidate{ID: c.ApplicationID, Specialty: c.Specialty, Unit: c.Unit, Mode: mode})
	}
	for _, p := range prev {
		sa := seating.Assignment{CandidateID: p.ApplicationID, RoomID: p.RoomID, Seat: p.Seat}
		if !p.Day.IsZero() {
			sa.Day = p.Day.String()
		}
		in.Previous = append(in.Previous, sa)
	}
	res, err := seating.Assign(in)
	if err != nil {
		return SeatingReport{}, err
	}
	now := a.Clock.Now()
	names := func(s string) string { // room ids in the engine's sentences
		for id, l := range label {
			s = strings.ReplaceAll(s, id, l)
		}
		return s
	}
	where := func(sa seating.Assignment) string {
		if sa.Day == "" {
			return fmt.Sprintf("%s 第%d座", label[sa.RoomID], sa.Seat)
		}
		return fmt.Sprintf("%s %s 第%d座", sa.Day, label[sa.RoomID], sa.Seat)
	}
	rep := SeatingReport{RunAt: now.In(kaowu.Shanghai).Format("2006-01-02 15:04"), RunBy: actor.Username, Candidates: len(cands),
		Seated: len(res.Assignments), Kept: res.Kept, New: res.New, Withdrawn: res.Withdrawn, Rooms: res.Rooms}
	for i := range rep.Rooms {
		rep.Rooms[i].Name = label[rep.Rooms[i].RoomID]
	}
	for _, u := range res.Unplaced {
		rep.Unplaced = append(rep.Unplaced, SeatingPerson{ApplicationID: u.CandidateID, Name: byApp[u.CandidateID].Name, Specialty: byApp[u.CandidateID].Specialty, Reason: names(u.Reason)})
	}
	for _, m := range res.Moved {
		rep.Moved = append(rep.Moved, SeatingPerson{ApplicationID: m.CandidateID, Name: byApp[m.CandidateID].Name, Specialty: byApp[m.CandidateID].Specialty,
			Reason: names(m.Reason), From: where(m.From), To: where(m.To)})
	}
	for _, b := range res.Binding {
		rep.Binding = append(rep.Binding, names(b))
	}
	seats := make([]kaowu.SeatAssignment, len(res.Assignments))
	for i, sa := range res.Assignments {
		seats[i] = kaowu.SeatAssignment{ApplicationID: sa.CandidateID, Year: y.Year, Site: site.Code, RoomID: sa.RoomID, Seat: sa.Seat,
			Row: sa.Row, Col: sa.Col, AssignedAt: now}
		if sa.Day != "" {
			if seats[i].Day, err = kaowu.ParseDate(sa.Day); err != nil {
				return rep, err
			}
		}
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return rep, err
	}
	if err := tx.ReplaceAssignments(ctx, y.Year, site.Code, seats); err != nil {
		return rep, err
	}
	if err := tx.InsertSeatingRun(ctx, store.SeatingRun{ID: store.NewID(), Year: y.Year, Site: site.Code, RunBy: actor.Username, RunAt: now, Report: body}); err != nil {
		return rep, err
	}
	for _, m := range res.Moved {
		if byApp[m.CandidateID].State != kaowu.StateTicketed {
			continue
		}
		if err := a.remind(ctx, tx, kaowu.Reminder{UserID: byApp[m.CandidateID].CandidateID, Kind: "ticket.moved", Link: "/application/ticket",
			Title: "考场座位已调整，请重新打印准考证",
			Body:  fmt.Sprintf("因%s，您的考场座位由“%s”调整为“%s”。请登录重新打印准考证，以新准考证为准（%s）。", names(m.Reason), where(m.From), where(m.To), SeatingClause)}); err != nil {
			return rep, err
		}
	}
	return rep, a.audit(ctx, tx, actor, "seating.run", site.Code, fmt.Sprintf("考场编排：%d 名考生，已安排 %d 名（保留原座位 %d，新安排 %d，调整 %d），未能安排 %d 名",
		len(cands), len(res.Assignments), res.Kept, res.New, len(res.Moved), len(res.Unplaced)))
}

// LatestSeating returns the report of the last seating run of the actor's
// site; ENOTFOUND before the first.
func (a *App) LatestSeating(ctx context.Context, actor Actor, askedSite string) (SeatingReport, error) {
	site, y, err := a.OfficeSite(ctx, actor, askedSite)
	if err != nil {
		return SeatingReport{}, err
	}
	run, err := a.Store.LatestSeatingRun(ctx, y.Year, site.Code)
	if err != nil {
		return SeatingReport{}, err
	}
	var rep SeatingReport
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		return rep, fmt.Errorf("seating report %s: %w", run.ID, err)
	}
	return rep, nil
}

// VenueInput is a venue's address and directions as the site office edits
// them (the name is the venue's key in room files).
type VenueInput struct {
	ID         string
	Address    string
	Directions string
}

// SaveVenue changes a venue's address and directions, printed on every
// ticket of its rooms.
func (a *App) SaveVenue(ctx context.Context, actor Actor, in VenueInput) (kaowu.Venue, error) {
	site, _, err := a.OfficeSite(ctx, actor, "")
	if err != nil {
		return kaowu.Venue{}, err
	}
	vs, err := a.Store.Venues(ctx, site.Code)
	if err != nil {
		return kaowu.Venue{}, err
	}
	for _, old := range vs {
		if old.ID != in.ID {
			continue
		}
		v := old
		v.Address, v.Directions, v.UpdatedAt = strings.TrimSpace(in.Address), strings.TrimSpace(in.Directions), a.Clock.Now()
		if len([]rune(v.Address)) > 100 || len([]rune(v.Directions)) > 200 {
			return v, kaowu.FieldError("address", "地址不超过 100 字，乘车路线不超过 200 字")
		}
		err := a.Store.Update(ctx, func(tx *store.Tx) error {
			if err := tx.UpsertVenue(ctx, &v); err != nil {
				return err
			}
			return a.auditChange(ctx, tx, actor, "venue.update", v.ID, "修改考试地点："+v.Name, old, v)
		})
		return v, err
	}
	return kaowu.Venue{}, kaowu.Errorf(kaowu.ENOTFOUND, "考试地点不存在，或不属于您的考点")
}
