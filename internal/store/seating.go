package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

// Venues, rooms, seating and tickets (四, 五): the queries of
// internal/app/seating.go and internal/app/tickets.go.

// Venues returns a site's venues by name.
func (r reader) Venues(ctx context.Context, site string) ([]kaowu.Venue, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, site, name, address, directions, updated_at FROM venues WHERE site = $1 ORDER BY name, id`, site)
	if err != nil {
		return nil, fmt.Errorf("venues of %s: %w", site, err)
	}
	defer rows.Close()
	var out []kaowu.Venue
	for rows.Next() {
		var v kaowu.Venue
		if err := rows.Scan(&v.ID, &v.Site, &v.Name, &v.Address, &v.Directions, &v.UpdatedAt); err != nil {
			return nil, fmt.Errorf("venues of %s: %w", site, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// UpsertVenue stores a venue of v.Site by its name, creating it or
// changing its address and directions, and sets v.ID.
func (tx *Tx) UpsertVenue(ctx context.Context, v *kaowu.Venue) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	err := tx.q.QueryRowContext(ctx, `INSERT INTO venues (id, site, name, address, directions, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (site, name) DO UPDATE SET address = excluded.address, directions = excluded.directions, updated_at = excluded.updated_at
		RETURNING id`, v.ID, v.Site, v.Name, v.Address, v.Directions, utc(v.UpdatedAt)).Scan(&v.ID)
	if err != nil {
		return fmt.Errorf("upsert venue %s: %w", v.Name, err)
	}
	return nil
}

const roomColumns = `id, venue_id, site, name, kind, capacity, seats_per_row, working_machines, days, active, updated_at`

func scanRoom(row interface{ Scan(...any) error }) (kaowu.Room, error) {
	var rm kaowu.Room
	var days string
	if err := row.Scan(&rm.ID, &rm.VenueID, &rm.Site, &rm.Name, &rm.Kind, &rm.Capacity, &rm.SeatsPerRow, &rm.WorkingMachines,
		&days, &rm.Active, &rm.UpdatedAt); err != nil {
		return rm, err
	}
	for _, d := range strings.Split(days, ",") {
		if d == "" {
			continue
		}
		day, err := kaowu.ParseDate(d)
		if err != nil {
			return rm, fmt.Errorf("room %s: day %q: %w", rm.ID, d, err)
		}
		rm.Days = append(rm.Days, day)
	}
	return rm, nil
}

func roomDays(days []kaowu.Date) string {
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = d.String()
	}
	return strings.Join(s, ",")
}

// Rooms returns a site's rooms, inactive ones included, by venue and name.
func (r reader) Rooms(ctx context.Context, site string) ([]kaowu.Room, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT r.`+strings.ReplaceAll(roomColumns, ", ", ", r.")+` FROM rooms r JOIN venues v ON v.id = r.venue_id
		WHERE r.site = $1 ORDER BY v.name, r.name, r.id`, site)
	if err != nil {
		return nil, fmt.Errorf("rooms of %s: %w", site, err)
	}
	defer rows.Close()
	var out []kaowu.Room
	for rows.Next() {
		rm, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("rooms of %s: %w", site, err)
		}
		out = append(out, rm)
	}
	return out, rows.Err()
}

// Room returns a room by id.
func (r reader) Room(ctx context.Context, id string) (kaowu.Room, error) {
	rm, err := scanRoom(r.q.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rm, kaowu.Errorf(kaowu.ENOTFOUND, "考场不存在")
	}
	if err != nil {
		return rm, fmt.Errorf("room %s: %w", id, err)
	}
	return rm, nil
}

// UpsertRoom stores a room of rm.VenueID by its name, creating it or
// changing it, and sets rm.ID.
func (tx *Tx) UpsertRoom(ctx context.Context, rm *kaowu.Room) error {
	if rm.ID == "" {
		rm.ID = NewID()
	}
	err := tx.q.QueryRowContext(ctx, `INSERT INTO rooms (`+roomColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (venue_id, name) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity, seats_per_row = excluded.seats_per_row,
			working_machines = excluded.working_machines, days = excluded.days, active = excluded.active, updated_at = excluded.updated_at
		RETURNING id`, rm.ID, rm.VenueID, rm.Site, rm.Name, rm.Kind, rm.Capacity, rm.SeatsPerRow, rm.WorkingMachines,
		roomDays(rm.Days), rm.Active, utc(rm.UpdatedAt)).Scan(&rm.ID)
	if err != nil {
		return fmt.Errorf("upsert room %s: %w", rm.Name, err)
	}
	return nil
}

// UpdateRoom changes a room (not its venue or site). A name taken by
// another room of the venue is a conflict.
func (tx *Tx) UpdateRoom(ctx context.Context, rm kaowu.Room) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE rooms SET name = $2, kind = $3, capacity = $4, seats_per_row = $5, working_machines = $6,
		days = $7, active = $8, updated_at = $9 WHERE id = $1`, rm.ID, rm.Name, rm.Kind, rm.Capacity, rm.SeatsPerRow, rm.WorkingMachines,
		roomDays(rm.Days), rm.Active, utc(rm.UpdatedAt))
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("本考试地点已有名为“%s”的考场", rm.Name),
			Fields: map[string]string{"name": "已有同名考场"}, Err: err}
	}
	if err != nil {
		return fmt.Errorf("update room %s: %w", rm.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ENOTFOUND, "考场不存在")
	}
	return nil
}

// SeatingCandidate is a paid candidate of a site to seat.
type SeatingCandidate struct {
	ApplicationID string
	CandidateID   string
	Name          string
	Specialty     string
	// Unit is the employer unit's id, or the military unit's name for a
	// military candidate; "" when unknown.
	Unit    string
	State   kaowu.ApplicationState
	Version int // the last submitted version; 0 for a military candidate
}

// SeatingCandidates returns the year's paid (and ticketed) candidates of a
// site, in the order they became so.
func (r reader) SeatingCandidates(ctx context.Context, year int, site string) ([]SeatingCandidate, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT a.id, a.candidate_id, u.name, a.specialty, COALESCE(m.military_unit, u.unit_id, ''), a.state, a.version
		FROM applications a JOIN users u ON u.id = a.candidate_id LEFT JOIN military_applications m ON m.application_id = a.id
		WHERE a.year = $1 AND a.site = $2 AND a.state IN ('paid', 'ticketed') AND NOT `+hasScores("a")+` ORDER BY a.updated_at, a.id`, year, site)
	if err != nil {
		return nil, fmt.Errorf("seating candidates of %s: %w", site, err)
	}
	defer rows.Close()
	var out []SeatingCandidate
	for rows.Next() {
		var c SeatingCandidate
		if err := rows.Scan(&c.ApplicationID, &c.CandidateID, &c.Name, &c.Specialty, &c.Unit, &c.State, &c.Version); err != nil {
			return nil, fmt.Errorf("seating candidates of %s: %w", site, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const assignmentColumns = `application_id, year, site, day, room_id, seat, seat_row, seat_col, assigned_at`

func scanAssignment(row interface{ Scan(...any) error }) (kaowu.SeatAssignment, error) {
	var a kaowu.SeatAssignment
	var day string
	if err := row.Scan(&a.ApplicationID, &a.Year, &a.Site, &day, &a.RoomID, &a.Seat, &a.Row, &a.Col, &a.AssignedAt); err != nil {
		return a, err
	}
	if day != "" {
		d, err := kaowu.ParseDate(day)
		if err != nil {
			return a, fmt.Errorf("assignment %s: day %q: %w", a.ApplicationID, day, err)
		}
		a.Day = d
	}
	return a, nil
}

// Assignments returns the seats of a site's candidates, by room, day and
// seat.
func (r reader) Assignments(ctx context.Context, year int, site string) ([]kaowu.SeatAssignment, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+assignmentColumns+` FROM seat_assignments WHERE year = $1 AND site = $2
		ORDER BY room_id, day, seat`, year, site)
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", site, err)
	}
	defer rows.Close()
	var out []kaowu.SeatAssignment
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("assignments of %s: %w", site, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Assignment returns an application's seat; ENOTFOUND when it has none.
func (r reader) Assignment(ctx context.Context, applicationID string) (kaowu.SeatAssignment, error) {
	a, err := scanAssignment(r.q.QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM seat_assignments WHERE application_id = $1`, applicationID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, kaowu.Errorf(kaowu.ENOTFOUND, "尚未编排考场和座位")
	}
	if err != nil {
		return a, fmt.Errorf("assignment of %s: %w", applicationID, err)
	}
	return a, nil
}

// ReplaceAssignments replaces every seat of a site's year with as, in
// one statement per batchRows seats. The unique (room, day, seat) constraint
// refuses a seat given twice.
func (tx *Tx) ReplaceAssignments(ctx context.Context, year int, site string, as []kaowu.SeatAssignment) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM seat_assignments WHERE year = $1 AND site = $2`, year, site); err != nil {
		return fmt.Errorf("replace assignments of %s: %w", site, err)
	}
	for len(as) > 0 {
		n := min(len(as), tx.batchRows(9))
		args := make([]any, 0, n*9)
		for _, a := range as[:n] {
			day := ""
			if !a.Day.IsZero() {
				day = a.Day.String()
			}
			args = append(args, a.ApplicationID, a.Year, a.Site, day, a.RoomID, a.Seat, a.Row, a.Col, utc(a.AssignedAt))
		}
		as = as[n:]
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO seat_assignments (`+assignmentColumns+`) VALUES `+placeholders(n, 9), args...); err != nil {
			if isUnique(err) {
				return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "编排结果中有座位重复，未保存", Err: err}
			}
			return fmt.Errorf("replace assignments of %s: %w", site, err)
		}
	}
	return nil
}

// SeatingRun is one run of the seating of a site, with its report.
type SeatingRun struct {
	ID     string
	Year   int
	Site   string
	RunBy  string
	RunAt  time.Time
	Report []byte // JSON
}

// InsertSeatingRun records a seating run.
func (tx *Tx) InsertSeatingRun(ctx context.Context, r SeatingRun) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO seating_runs (id, year, site, run_by, run_at, report) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Year, r.Site, r.RunBy, utc(r.RunAt), string(r.Report))
	if err != nil {
		return fmt.Errorf("insert seating run: %w", err)
	}
	return nil
}

// LatestSeatingRun returns a site's last seating run; ENOTFOUND before the
// first.
func (r reader) LatestSeatingRun(ctx context.Context, year int, site string) (SeatingRun, error) {
	var run SeatingRun
	var report string
	err := r.q.QueryRowContext(ctx, `SELECT id, year, site, run_by, run_at, report FROM seating_runs WHERE year = $1 AND site = $2
		ORDER BY run_at DESC, id DESC LIMIT 1`, year, site).Scan(&run.ID, &run.Year, &run.Site, &run.RunBy, &run.RunAt, &report)
	if errors.Is(err, sql.ErrNoRows) {
		return run, kaowu.Errorf(kaowu.ENOTFOUND, "尚未编排考场")
	}
	if err != nil {
		return run, fmt.Errorf("latest seating run of %s: %w", site, err)
	}
	run.Report = []byte(report)
	return run, nil
}

const ticketColumns = `application_id, year, site, specialty, ticket_no, seq, archive_no, issued_at`

func scanTicket(row interface{ Scan(...any) error }) (kaowu.Ticket, error) {
	var t kaowu.Ticket
	err := row.Scan(&t.ApplicationID, &t.Year, &t.Site, &t.Specialty, &t.TicketNo, &t.Seq, &t.ArchiveNo, &t.IssuedAt)
	return t, err
}

// TicketOf returns an application's ticket; ENOTFOUND before it is issued.
func (r reader) TicketOf(ctx context.Context, applicationID string) (kaowu.Ticket, error) {
	t, err := scanTicket(r.q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE application_id = $1`, applicationID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, kaowu.Errorf(kaowu.ENOTFOUND, "尚未生成准考证")
	}
	if err != nil {
		return t, fmt.Errorf("ticket of %s: %w", applicationID, err)
	}
	return t, nil
}

// Tickets returns a site's tickets of a year, by ticket number.
func (r reader) Tickets(ctx context.Context, year int, site string) ([]kaowu.Ticket, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE year = $1 AND site = $2 ORDER BY ticket_no`, year, site)
	if err != nil {
		return nil, fmt.Errorf("tickets of %s: %w", site, err)
	}
	defer rows.Close()
	var out []kaowu.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("tickets of %s: %w", site, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TicketSeqs returns, by specialty, the highest ticket sequence a site has
// issued in a year, and the highest sequence of the archive numbers it
// assigned under prefix (kaowu.ArchiveNo's "YYYY-AREA-").
func (r reader) TicketSeqs(ctx context.Context, year int, site, archivePrefix string) (map[string]int, int, error) {
	seqs := map[string]int{}
	rows, err := r.q.QueryContext(ctx, `SELECT specialty, MAX(seq) FROM tickets WHERE year = $1 AND site = $2 GROUP BY specialty`, year, site)
	if err != nil {
		return nil, 0, fmt.Errorf("ticket sequences of %s: %w", site, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sp string
		var n int
		if err := rows.Scan(&sp, &n); err != nil {
			return nil, 0, fmt.Errorf("ticket sequences of %s: %w", site, err)
		}
		seqs[sp] = n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var last string
	err = r.q.QueryRowContext(ctx, `SELECT COALESCE(MAX(archive_no), '') FROM tickets WHERE year = $1 AND archive_no LIKE $2`,
		year, archivePrefix+"%").Scan(&last)
	if err != nil {
		return nil, 0, fmt.Errorf("archive sequence of %s: %w", site, err)
	}
	archive := 0
	if last != "" {
		fmt.Sscanf(strings.TrimPrefix(last, archivePrefix), "%d", &archive)
	}
	return seqs, archive, nil
}

// InsertTickets issues tickets, batchRows to a statement; a number, sequence or
// application issued before is a conflict.
func (tx *Tx) InsertTickets(ctx context.Context, ts []kaowu.Ticket) error {
	for len(ts) > 0 {
		n := min(len(ts), tx.batchRows(8))
		args := make([]any, 0, n*8)
		for _, t := range ts[:n] {
			args = append(args, t.ApplicationID, t.Year, t.Site, t.Specialty, t.TicketNo, t.Seq, t.ArchiveNo, utc(t.IssuedAt))
		}
		ts = ts[n:]
		_, err := tx.q.ExecContext(ctx, `INSERT INTO tickets (`+ticketColumns+`) VALUES `+placeholders(n, 8), args...)
		if isUnique(err) {
			return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "准考证号已被使用，请重试", Err: err}
		}
		if err != nil {
			return fmt.Errorf("insert tickets: %w", err)
		}
	}
	return nil
}

// InsertTicket issues one ticket (InsertTickets).
func (tx *Tx) InsertTicket(ctx context.Context, t kaowu.Ticket) error {
	return tx.InsertTickets(ctx, []kaowu.Ticket{t})
}

// Ticketed returns which of the applications ids have a ticket.
func (r reader) Ticketed(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := r.eachIn(ctx, `SELECT application_id FROM tickets WHERE application_id IN %s`, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ticketed: %w", err)
	}
	return out, nil
}

// TicketPrint is everything one admission ticket or door-list row shows.
type TicketPrint struct {
	ApplicationID string
	CandidateID   string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	Specialty     string
	MilitaryUnit  string // "" for a civilian candidate
	Ticket        kaowu.Ticket
	Seat          kaowu.SeatAssignment
	Room          kaowu.Room
	Venue         kaowu.Venue
	Photo         []byte // JPEG; nil when there is none
	// PhotoPurged: the retention purge deleted the year's photos (the
	// application is purged), so none is shown even if the account has a
	// newer one.
	PhotoPurged bool
}

// TicketFilter selects ticket prints of one site's year: all, one room
// (on one day, for a computer room), one military unit or one application.
type TicketFilter struct {
	Year          int
	Site          string
	RoomID        string
	Day           *kaowu.Date // with RoomID: "" day (paper) when zero
	MilitaryUnit  string
	ApplicationID string
	// WithPhotos loads the photos (for the PDFs); the lists do without.
	WithPhotos bool
}

// TicketPrints returns the ticketed and seated candidates the filter
// selects, by room, day and seat.
func (r reader) TicketPrints(ctx context.Context, f TicketFilter) ([]TicketPrint, error) {
	photo := `NULL`
	if f.WithPhotos {
		photo = `CASE WHEN a.purged_at IS NULL THEN p.jpeg END`
	}
	day := ""
	if f.Day != nil && !f.Day.IsZero() {
		day = f.Day.String()
	}
	rows, err := r.q.QueryContext(ctx, `SELECT a.id, a.candidate_id, u.name, u.id_type, COALESCE(u.id_number, ''), a.specialty, COALESCE(m.military_unit, ''),
			t.`+strings.ReplaceAll(ticketColumns, ", ", ", t.")+`,
			s.`+strings.ReplaceAll(assignmentColumns, ", ", ", s.")+`,
			r.`+strings.ReplaceAll(roomColumns, ", ", ", r.")+`,
			v.id, v.site, v.name, v.address, v.directions, v.updated_at, `+photo+`, a.purged_at IS NOT NULL
		FROM seat_assignments s
		JOIN applications a ON a.id = s.application_id
		JOIN tickets t ON t.application_id = s.application_id
		JOIN users u ON u.id = a.candidate_id
		JOIN rooms r ON r.id = s.room_id
		JOIN venues v ON v.id = r.venue_id
		LEFT JOIN military_applications m ON m.application_id = a.id
		LEFT JOIN photos p ON p.user_id = a.candidate_id
		WHERE s.year = $1 AND s.site = $2 AND ($3 = '' OR (s.room_id = $3 AND s.day = $4)) AND ($5 = '' OR m.military_unit = $5)
			AND ($6 = '' OR s.application_id = $6)
		ORDER BY v.name, r.name, s.day, s.seat`, f.Year, f.Site, f.RoomID, day, f.MilitaryUnit, f.ApplicationID)
	if err != nil {
		return nil, fmt.Errorf("ticket prints of %s: %w", f.Site, err)
	}
	defer rows.Close()
	var out []TicketPrint
	for rows.Next() {
		var p TicketPrint
		var seatDay, roomDays string
		var jpeg []byte
		t, s, rm, v := &p.Ticket, &p.Seat, &p.Room, &p.Venue
		if err := rows.Scan(&p.ApplicationID, &p.CandidateID, &p.Name, &p.IDType, &p.IDNumber, &p.Specialty, &p.MilitaryUnit,
			&t.ApplicationID, &t.Year, &t.Site, &t.Specialty, &t.TicketNo, &t.Seq, &t.ArchiveNo, &t.IssuedAt,
			&s.ApplicationID, &s.Year, &s.Site, &seatDay, &s.RoomID, &s.Seat, &s.Row, &s.Col, &s.AssignedAt,
			&rm.ID, &rm.VenueID, &rm.Site, &rm.Name, &rm.Kind, &rm.Capacity, &rm.SeatsPerRow, &rm.WorkingMachines, &roomDays, &rm.Active, &rm.UpdatedAt,
			&v.ID, &v.Site, &v.Name, &v.Address, &v.Directions, &v.UpdatedAt, &jpeg, &p.PhotoPurged); err != nil {
			return nil, fmt.Errorf("ticket prints of %s: %w", f.Site, err)
		}
		if seatDay != "" {
			if s.Day, err = kaowu.ParseDate(seatDay); err != nil {
				return nil, fmt.Errorf("ticket prints of %s: %w", f.Site, err)
			}
		}
		p.Photo = jpeg
		out = append(out, p)
	}
	return out, rows.Err()
}

// TicketBuild is a bulk build of a site's tickets.
type TicketBuild struct {
	ID         string
	Year       int
	Site       string
	State      string // running, done, failed
	Total      int    // files to make
	Done       int    // files made
	Error      string
	CreatedBy  string
	CreatedAt  time.Time
	FinishedAt *time.Time
	// PurgedAt is when the retention purge deleted the build's files.
	PurgedAt *time.Time
}

const buildColumns = `b.id, b.year, b.site, b.state, b.total, (SELECT COUNT(*) FROM ticket_build_files f WHERE f.build_id = b.id),
	b.error, b.created_by, b.created_at, b.finished_at, b.purged_at`

func scanBuild(row interface{ Scan(...any) error }) (TicketBuild, error) {
	var b TicketBuild
	var purged sql.NullTime
	err := row.Scan(&b.ID, &b.Year, &b.Site, &b.State, &b.Total, &b.Done, &b.Error, &b.CreatedBy, &b.CreatedAt, &b.FinishedAt, &purged)
	b.PurgedAt = timePtr(purged)
	return b, err
}

// InsertTicketBuild starts a build.
func (tx *Tx) InsertTicketBuild(ctx context.Context, b TicketBuild) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_builds (id, year, site, state, total, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		b.ID, b.Year, b.Site, b.State, b.Total, b.CreatedBy, utc(b.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert ticket build: %w", err)
	}
	return nil
}

// TicketBuild returns a build by id.
func (r reader) TicketBuild(ctx context.Context, id string) (TicketBuild, error) {
	b, err := scanBuild(r.q.QueryRowContext(ctx, `SELECT `+buildColumns+` FROM ticket_builds b WHERE b.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, kaowu.Errorf(kaowu.ENOTFOUND, "没有这次准考证生成任务")
	}
	if err != nil {
		return b, fmt.Errorf("ticket build %s: %w", id, err)
	}
	return b, nil
}

// LatestTicketBuild returns a site's last build; ENOTFOUND before the
// first.
func (r reader) LatestTicketBuild(ctx context.Context, year int, site string) (TicketBuild, error) {
	b, err := scanBuild(r.q.QueryRowContext(ctx, `SELECT `+buildColumns+` FROM ticket_builds b WHERE b.year = $1 AND b.site = $2
		ORDER BY b.created_at DESC, b.id DESC LIMIT 1`, year, site))
	if errors.Is(err, sql.ErrNoRows) {
		return b, kaowu.Errorf(kaowu.ENOTFOUND, "尚未批量生成准考证")
	}
	if err != nil {
		return b, fmt.Errorf("latest ticket build of %s: %w", site, err)
	}
	return b, nil
}

// TicketBuildFileNames returns the names of the files a build has made.
func (r reader) TicketBuildFileNames(ctx context.Context, id string) (map[string]bool, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT name FROM ticket_build_files WHERE build_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("ticket build files of %s: %w", id, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// PutTicketBuildFile stores one file of a build; storing it again (a
// build resumed after a crash between making and storing) keeps the first.
func (tx *Tx) PutTicketBuildFile(ctx context.Context, id, name string, tickets int, pdf []byte, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_build_files (build_id, name, tickets, pdf, made_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (build_id, name) DO NOTHING`, id, name, tickets, pdf, utc(at))
	if err != nil {
		return fmt.Errorf("put ticket build file %s: %w", name, err)
	}
	return nil
}

// EachTicketBuildFile calls fn with every file of a build, by name.
func (r reader) EachTicketBuildFile(ctx context.Context, id string, fn func(name string, pdf []byte) error) error {
	rows, err := r.q.QueryContext(ctx, `SELECT name, pdf FROM ticket_build_files WHERE build_id = $1 ORDER BY name`, id)
	if err != nil {
		return fmt.Errorf("ticket build files of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var pdf []byte
		if err := rows.Scan(&name, &pdf); err != nil {
			return err
		}
		if err := fn(name, pdf); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FinishTicketBuild ends a running build as done or failed.
func (tx *Tx) FinishTicketBuild(ctx context.Context, id, state, message string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE ticket_builds SET state = $2, error = $3, finished_at = $4 WHERE id = $1 AND state = 'running'`,
		id, state, message, utc(at))
	if err != nil {
		return fmt.Errorf("finish ticket build %s: %w", id, err)
	}
	return nil
}
