package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// paidCandidates stores n paid candidates of the Fengtai site directly
// (the application flow is tested elsewhere): candidate i sits
// specialties[i%len], works at units[i%len], and is named 考生<i>.
func paidCandidates(t testing.TB, s *store.Store, n int, specialties []string, units []kaowu.Unit) []kaowu.Application {
	t.Helper()
	ctx := context.Background()
	var out []kaowu.Application
	err := s.Update(ctx, func(tx *store.Tx) error {
		for i := range n {
			acc := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("paid%05d", i), Name: fmt.Sprintf("考生%d", i), Role: kaowu.RoleCandidate,
				PasswordHash: "x", CreatedAt: t0}, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(resident(10000 + i))}
			if len(units) > 0 {
				acc.UnitID = units[i%len(units)].ID
			}
			if err := tx.CreateAccount(ctx, &acc); err != nil {
				return err
			}
			ap := kaowu.Application{CandidateID: acc.ID, Year: 2024, Site: "fengtai", Specialty: specialties[i%len(specialties)], State: kaowu.StatePaid,
				CreatedAt: t0.Add(time.Duration(i) * time.Second)}
			if err := tx.CreateApplication(ctx, &ap); err != nil {
				return err
			}
			out = append(out, ap)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const roomFile = `考试地点,地址,乘车路线,考场,类型,座位数,每排座位数,可用机位数,可用日期,启用
丰台区第八中学,丰台区东大街甲8号,地铁9号线丰台东大街站B口,第01考场,纸笔考场,30,6,,,是
丰台区第八中学,,,第02考场,纸笔考场,30,6,,,是
丰台职业教育中心,丰台区造甲村南1号,,机房A301,计算机考场,40,8,38,,是
丰台职业教育中心,,,机房A302,计算机考场,40,8,40,"4月13日、4月14日",是
`

func importRooms(t testing.TB, a *app.App, site app.Actor, file string) app.RoomImport {
	t.Helper()
	rows := parseCSV(t, file)
	rep, err := a.ImportRooms(context.Background(), site, "", rows, "rooms.csv")
	if err != nil {
		t.Fatalf("import rooms: %v", err)
	}
	return rep
}

func parseCSV(t testing.TB, s string) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var row []string
		var cur strings.Builder
		quoted := false
		for _, r := range line {
			switch {
			case r == '"':
				quoted = !quoted
			case r == ',' && !quoted:
				row = append(row, cur.String())
				cur.Reset()
			default:
				cur.WriteRune(r)
			}
		}
		rows = append(rows, append(row, cur.String()))
	}
	return rows
}

func TestImportRooms(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		site := siteStaff(t, s, "rooms-fengtai", "fengtai")
		if rep := importRooms(t, a, site, roomFile); rep != (app.RoomImport{Venues: 2, Created: 4}) {
			t.Errorf("first import %+v", rep)
		}
		// Again, with one room changed: updated, not duplicated.
		if rep := importRooms(t, a, site, strings.Replace(roomFile, "机房A301,计算机考场,40,8,38", "机房A301,计算机考场,40,8,35", 1)); rep != (app.RoomImport{Venues: 2, Updated: 4}) {
			t.Errorf("second import %+v", rep)
		}
		rs, err := a.Rooms(ctx, site, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.Venues) != 2 || len(rs.Rooms) != 4 || rs.Venues[0].Address != "丰台区东大街甲8号" {
			t.Fatalf("rooms %+v", rs)
		}
		if got := rs.Seats[kaowu.RoomComputer]; got["2024-04-13"] != 75 || got["2024-04-20"] != 35 {
			t.Errorf("computer seats by day %v, want 75 on 04-13 and 35 on 04-20", got)
		}
		if got := rs.Seats[kaowu.RoomPaper]["2024-04-13"]; got != 60 {
			t.Errorf("paper seats %d", got)
		}
		// Bad rows: every one reported, nothing imported.
		bad := `考试地点,考场,类型,座位数,每排座位数,可用机位数,可用日期
丰台区第八中学,第03考场,教室,30,6,,
丰台区第八中学,第04考场,纸笔考场,0,6,,
丰台区第八中学,第05考场,计算机考场,30,6,31,
丰台区第八中学,第06考场,计算机考场,30,6,30,4月15日
,第07考场,纸笔考场,30,6,,
丰台区第八中学,第01考场,纸笔考场,30,6,,
丰台区第八中学,第01考场,纸笔考场,30,6,,`
		_, err = a.ImportRooms(ctx, site, "", parseCSV(t, bad), "bad.csv")
		for _, w := range []string{"第2行.kind", "类型“教室”无效", "第3行.capacity", "座位数应为 1 至 1000", "第4行.working_machines", "第5行.days", "4月15日", "不是这类考场的考试日",
			"第6行.venue", "第8行.room", "与第7行重复"} {
			if !strings.Contains(kaowu.ErrorMessage(err), w) {
				t.Errorf("bad file: message lacks %q:\n%s", w, kaowu.ErrorMessage(err))
			}
		}
		if rs, _ := a.Rooms(ctx, site, ""); len(rs.Rooms) != 4 {
			t.Errorf("a refused file added rooms: %d", len(rs.Rooms))
		}
		// Another site's office does not see them; a candidate is refused.
		other := siteStaff(t, s, "rooms-chaoyang", "chaoyang")
		if rs, err := a.Rooms(ctx, other, "fengtai"); err != nil || len(rs.Rooms) != 0 || rs.Site.Code != "chaoyang" {
			t.Errorf("another site sees %+v %v", rs.Rooms, err)
		}
		if _, err := a.Rooms(ctx, app.Actor{Username: "x", Role: kaowu.RoleCandidate}, ""); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("candidate: %v", err)
		}
	})
}

// TestSeatAndIssueTickets: the paid candidates of the site are seated
// within capacity, tickets are issued once with the documented numbers,
// a room lost moves only its candidates and tells those already
// ticketed, and the QR verifies with the public key alone.
func TestSeatAndIssueTickets(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		site := siteStaff(t, s, "seat-fengtai", "fengtai")
		importRooms(t, a, site, roomFile)
		unitA, unitB := units(t, s)
		apps := paidCandidates(t, s, 90, []string{"203", "368", "302"}, []kaowu.Unit{unitA, unitB})
		rep, err := a.Seat(ctx, site, "", false)
		if err != nil {
			t.Fatal(err)
		}
		// 30 paper candidates (203) in 60 paper seats; 60 computer-based
		// ones over 4 days.
		if rep.Candidates != 90 || rep.Seated != 90 || len(rep.Unplaced) != 0 || rep.New != 90 {
			t.Errorf("first seating %+v", rep)
		}
		issue, err := a.IssueTickets(ctx, site, "")
		if err != nil || issue != (app.TicketIssue{Issued: 90}) {
			t.Fatalf("issue %+v %v", issue, err)
		}
		again, err := a.IssueTickets(ctx, site, "")
		if err != nil || again != (app.TicketIssue{Had: 90}) {
			t.Errorf("issue again %+v %v", again, err)
		}
		tickets, err := s.Tickets(ctx, 2024, "fengtai")
		if err != nil || len(tickets) != 90 {
			t.Fatalf("tickets %d %v", len(tickets), err)
		}
		seen := map[string]bool{}
		for _, tk := range tickets {
			if len(tk.TicketNo) != 16 || !strings.HasPrefix(tk.TicketNo, "24110106"+tk.Specialty) || seen[tk.TicketNo] {
				t.Errorf("ticket number %s (%s)", tk.TicketNo, tk.Specialty)
			}
			seen[tk.TicketNo] = true
			if !strings.HasPrefix(tk.ArchiveNo, "2024-110106-") {
				t.Errorf("archive number %s", tk.ArchiveNo)
			}
		}
		for _, ap := range apps[:3] {
			if got, _ := s.Application(ctx, ap.ID); got.State != kaowu.StateTicketed {
				t.Errorf("%s is %s", ap.ID, got.State)
			}
		}

		// The computer room A302 is lost: only its candidates move.
		before, _ := s.Assignments(ctx, 2024, "fengtai")
		rs, _ := a.Rooms(ctx, site, "")
		var lost kaowu.Room
		for _, r := range rs.Rooms {
			if r.Name == "机房A302" {
				lost = r
			}
		}
		in := app.RoomInput{ID: lost.ID, Name: lost.Name, Kind: string(lost.Kind), Capacity: lost.Capacity, SeatsPerRow: lost.SeatsPerRow,
			WorkingMachines: lost.WorkingMachines, Days: "4月13日、4月14日", Active: false}
		if _, err := a.SaveRoom(ctx, site, in); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		rep, err = a.Seat(ctx, site, "", false)
		if err != nil {
			t.Fatal(err)
		}
		inLost := 0
		for _, b := range before {
			if b.RoomID == lost.ID {
				inLost++
			}
		}
		if inLost == 0 || len(rep.Moved) != inLost || rep.Kept != 90-inLost || len(rep.Unplaced) != 0 {
			t.Errorf("after losing A302 (%d seated there): kept %d, moved %d, unplaced %d", inLost, rep.Kept, len(rep.Moved), len(rep.Unplaced))
		}
		for _, m := range rep.Moved {
			if !strings.Contains(m.Reason, "丰台职业教育中心 机房A302 已取消") || !strings.Contains(m.From, "机房A302") || m.Name == "" {
				t.Errorf("move %+v", m)
			}
		}
		after, _ := s.Assignments(ctx, 2024, "fengtai")
		for _, b := range after {
			if b.RoomID == lost.ID {
				t.Errorf("%s still in the lost room", b.ApplicationID)
			}
		}
		// Ticket numbers did not change.
		again2, _ := s.Tickets(ctx, 2024, "fengtai")
		for i := range tickets {
			if tickets[i] != again2[i] {
				t.Errorf("ticket changed: %+v → %+v", tickets[i], again2[i])
			}
		}

		// The QR code: signed, verifiable with the public key alone, and
		// an altered payload fails.
		pub, err := a.TicketPublicKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q, err := a.TicketQRPayload(ctx, apps[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		c := app.VerifyTicketQR(pub, q, time.Date(2024, 4, 13, 8, 0, 0, 0, kaowu.Shanghai))
		if !c.Valid || c.Ticket.Name != "考生1" || c.Ticket.TicketNo == "" || strings.Contains(q, resident(10001)) {
			t.Errorf("check %+v of %q", c, q)
		}
		flip := []byte(q)
		flip[len(flip)-20] ^= 'A' ^ 'B' // one character of the signature
		for _, altered := range []string{strings.Replace(q, "考生1", "考生2", 1), string(flip), "KT1|x", "", strings.Replace(q, "KT1", "KT2", 1)} {
			if c := app.VerifyTicketQR(pub, altered, time.Now()); c.Valid {
				t.Errorf("altered payload %q verified", altered)
			}
		}
		otherPub, _, _ := ed25519.GenerateKey(nil)
		if c := app.VerifyTicketQR(otherPub, q, time.Now()); c.Valid {
			t.Error("verified with another key")
		}
	})
}

// TestTicketBuild: the bulk build makes one PDF per room and day,
// survives being stopped halfway (the second run makes only what the
// first did not), and zips the files; the candidate prints their own
// ticket only inside the window (四), the office any time.
func TestTicketBuild(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		site := siteStaff(t, s, "build-fengtai", "fengtai")
		importRooms(t, a, site, roomFile)
		apps := paidCandidates(t, s, 40, []string{"203", "368"}, nil)
		if _, err := a.Seat(ctx, site, "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.StartTicketBuild(ctx, app.Actor{Username: "paid00000", Role: kaowu.RoleCandidate}, ""); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("a candidate started a build: %v", err)
		}
		b, err := a.StartTicketBuild(ctx, site, "")
		if err != nil {
			t.Fatal(err)
		}
		if again, err := a.StartTicketBuild(ctx, site, ""); err != nil || again.ID != b.ID {
			t.Errorf("a second start made another build: %v %v", again.ID, err)
		}
		// Stopped after the first file (a crash, a deploy): resumable.
		stop, cancel := context.WithCancel(ctx)
		done, err := a.RunTicketBuild(stop, b.ID, func(done, total int) {
			if done == 1 {
				cancel()
			}
		})
		if err != nil || done {
			t.Fatalf("first run: done %v, %v", done, err)
		}
		var seen []int
		done, err = a.RunTicketBuild(ctx, b.ID, func(done, total int) { seen = append(seen, done) })
		if err != nil || !done || len(seen) == 0 || seen[0] != 1 || seen[len(seen)-1] != b.Total {
			t.Fatalf("second run: done %v, progress %v of %d, %v", done, seen, b.Total, err)
		}
		got, err := a.TicketBuildOf(ctx, site, b.ID)
		if err != nil || got.State != "done" || got.Done != got.Total {
			t.Fatalf("build %+v %v", got, err)
		}
		var zipped bytes.Buffer
		if err := a.WriteTicketBuildZIP(ctx, site, b.ID, &zipped); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
		if err != nil || len(zr.File) != b.Total {
			t.Fatalf("zip: %d files, %v", len(zr.File), err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".pdf") || (!strings.Contains(f.Name, "丰台区第八中学") && !strings.Contains(f.Name, "丰台职业教育中心")) {
				t.Errorf("file %q", f.Name)
			}
		}
		other := siteStaff(t, s, "build-chaoyang", "chaoyang")
		if err := a.WriteTicketBuildZIP(ctx, other, b.ID, io.Discard); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("another site's office got the zip: %v", err)
		}

		// The candidate's own ticket: refused before the window, given in it.
		me := app.Actor{Username: "paid00001", Role: kaowu.RoleCandidate}
		v, err := a.MyTicket(ctx, me)
		if err != nil || v.Printable || v.Ticket == nil || len(v.Sessions) != 4 {
			t.Fatalf("ticket view %+v %v", v, err)
		}
		if _, err := a.MyTicketPDF(ctx, me); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "四") {
			t.Errorf("before the window: %v", err)
		}
		clock.Set(time.Date(2024, 4, 1, 8, 0, 0, 0, kaowu.Shanghai))
		pdfBytes, err := a.MyTicketPDF(ctx, me)
		if err != nil || !bytes.HasPrefix(pdfBytes, []byte("%PDF")) {
			t.Fatalf("in the window: %v", err)
		}
		if text, ok := pdfText(t, pdfBytes); ok {
			flat := strings.Join(strings.Fields(text), "")
			for _, w := range []string{v.Ticket.TicketNo, "考生1", "368护理学", "丰台职业教育中心", v.Room.Name, "丰台考点", "考生须知",
				kaowu.MaskID(resident(10001))} {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
					t.Errorf("ticket PDF lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(flat, resident(10001)) {
				t.Error("the ticket shows the full ID number")
			}
		}
		clock.Set(time.Date(2024, 4, 22, 0, 0, 0, 0, kaowu.Shanghai))
		if _, err := a.MyTicketPDF(ctx, me); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("after the window: %v", err)
		}
		if b, err := a.OfficeTicketPDF(ctx, site, apps[1].ID); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("office print after the window: %v", err)
		}
		if _, err := a.OfficeTicketPDF(ctx, other, apps[1].ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site printed it: %v", err)
		}
	})
}

// TestConcurrentSeatingAndTickets: offices (or nodes) seating and issuing
// at once: every run succeeds, one after the other, no seat is given twice,
// and every candidate has exactly one ticket with a number of their own.
func TestConcurrentSeatingAndTickets(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		site := siteStaff(t, s, "race-fengtai", "fengtai")
		importRooms(t, a, site, roomFile)
		paidCandidates(t, s, 120, []string{"203", "368", "302"}, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := a.Seat(ctx, site, "", i%2 == 0); err != nil {
					errs <- fmt.Errorf("seat: %w", err)
				}
				if _, err := a.IssueTickets(ctx, site, ""); err != nil {
					errs <- fmt.Errorf("issue: %w", err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		seats, err := s.Assignments(ctx, 2024, "fengtai")
		if err != nil {
			t.Fatal(err)
		}
		taken := map[string]string{}
		for _, a := range seats {
			k := fmt.Sprintf("%s/%s/%d", a.RoomID, a.Day, a.Seat)
			if other, dup := taken[k]; dup {
				t.Errorf("seat %s given to %s and %s", k, other, a.ApplicationID)
			}
			taken[k] = a.ApplicationID
		}
		tickets, err := s.Tickets(ctx, 2024, "fengtai")
		if err != nil {
			t.Fatal(err)
		}
		if len(seats) != 120 || len(tickets) != 120 {
			t.Errorf("%d seats and %d tickets for 120 candidates", len(seats), len(tickets))
		}
	})
}
