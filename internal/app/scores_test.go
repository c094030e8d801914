package app_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// scoreFixture is a site whose paid candidates are seated and ticketed,
// with the region's staff to import and publish scores.
type scoreFixture struct {
	a       *app.App
	s       *store.Store
	clock   *kaowu.ManualClock
	region  app.Actor
	site    app.Actor
	apps    []kaowu.Application
	tickets map[string]kaowu.Ticket // by application
	ids     map[string]string       // ID number by application
}

func newScoreFixture(t testing.TB, s *store.Store, n int, specialties []string) *scoreFixture {
	t.Helper()
	a, clock := newApp(t, s)
	ctx := context.Background()
	fx := &scoreFixture{a: a, s: s, clock: clock, tickets: map[string]kaowu.Ticket{}, ids: map[string]string{}}
	fx.site = siteStaff(t, s, "score-site", "fengtai")
	fx.region = staff(t, a, s, kaowu.RoleRegionStaff)
	importRooms(t, a, fx.site, roomFile)
	fx.apps = paidCandidates(t, s, n, specialties, nil)
	if _, err := a.Seat(ctx, fx.site, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IssueTickets(ctx, fx.site, ""); err != nil {
		t.Fatal(err)
	}
	tks, err := s.Tickets(ctx, 2024, "fengtai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tks {
		fx.tickets[tk.ApplicationID] = tk
	}
	for i, ap := range fx.apps {
		fx.ids[ap.ID] = resident(10000 + i)
	}
	return fx
}

// row is a result file row for candidate i with the four cells given.
func (fx *scoreFixture) row(i int, cells ...string) []string {
	ap := fx.apps[i]
	return append([]string{fx.tickets[ap.ID].TicketNo, "居民身份证", fx.ids[ap.ID], fmt.Sprintf("考生%d", i), ap.Specialty}, cells...)
}

func scoreFile(rows ...[]string) [][]string {
	return append([][]string{app.ScoreFileHeader}, rows...)
}

// TestImportScores: a result file is imported all or nothing; the same
// file again changes nothing; a corrected file changes the rows that
// differ; bad rows are reported one by one.
func TestImportScores(t *testing.T) {
	// Each way of matching a file's ticket numbers: looked up one by one,
	// and the whole year read at once (a region's file).
	for _, scan := range []int{app.ScoreTargetsScan, 1} {
		t.Run(fmt.Sprintf("scan=%d", scan), func(t *testing.T) {
			defer func(v int) { app.ScoreTargetsScan = v }(app.ScoreTargetsScan)
			app.ScoreTargetsScan = scan
			storetest.Engines(t, testImportScores)
		})
	}
}

func testImportScores(t *testing.T, s *store.Store) {
	ctx := context.Background()
	fx := newScoreFixture(t, s, 3, []string{"368"})
	file := scoreFile(fx.row(0, "72", "65", "80", "70", "否"), fx.row(1, "55", "缺考", "61", "60", "否"), fx.row(2, "90", "90", "90", "90", "是"))
	rep, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores.xlsx")
	if err != nil || rep != (app.ScoreImportReport{Rows: 3, Created: 3, Passed: 1}) {
		t.Fatalf("import %+v %v", rep, err)
	}
	for _, ap := range fx.apps {
		if got, _ := s.Application(ctx, ap.ID); got.State != kaowu.StateScored {
			t.Errorf("%s is %s after the import", ap.ID, got.State)
		}
	}
	if rep, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores.xlsx"); err != nil || !rep.Same {
		t.Errorf("same file again: %+v %v", rep, err)
	}
	file[2][5] = "65" // a correction
	if rep, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores-v2.xlsx"); err != nil || rep.Changed != 1 || rep.Unchanged != 2 || rep.Created != 0 {
		t.Errorf("corrected file: %+v %v", rep, err)
	}
	// The same results in another order: nothing changes, not even the
	// revision the nodes' memories follow.
	before, err := s.ScorePublicationOf(ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	reordered := scoreFile(file[3], file[2], file[1])
	if rep, err := fx.a.ImportScores(ctx, fx.region, 2024, reordered, "scores-v3.xlsx"); err != nil || rep.Same || rep.Unchanged != 3 || rep.Changed+rep.Created != 0 {
		t.Errorf("the same results reordered: %+v %v", rep, err)
	}
	if after, err := s.ScorePublicationOf(ctx, 2024); err != nil || after.Revision != before.Revision {
		t.Errorf("revision %d → %d (%v) for a file that changed nothing", before.Revision, after.Revision, err)
	}
	if imports, err := s.ScoreImports(ctx, 2024); err != nil || len(imports) != 2 {
		t.Errorf("a file that changed nothing was recorded: %d imports (%v)", len(imports), err)
	}
	// The correction's audit row keeps what it overwrote.
	var corrections []kaowu.AuditEntry
	audit, err := s.Audit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range audit {
		if e.Action == "score.correct" {
			corrections = append(corrections, e)
		}
	}
	if len(corrections) != 1 || corrections[0].Object != fx.apps[1].ID || !strings.Contains(corrections[0].Before, "基础知识 55") ||
		!strings.Contains(corrections[0].After, "基础知识 65") {
		t.Errorf("audit of the correction: %+v", corrections)
	}
	if _, err := fx.a.ImportScores(ctx, fx.site, 2024, file, "x"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
		t.Errorf("a site office imported scores: %v", err)
	}

	bad := fx.row(1, "55", "缺考", "61", "60", "否")
	bad[2] = resident(99999)
	wrongSpec := fx.row(2, "1", "2", "3", "4", "否")
	wrongSpec[4] = "302"
	other := fx.row(0, "1", "2", "3", "4", "否")
	other[0] = "23" + other[0][2:]
	_, err = fx.a.ImportScores(ctx, fx.region, 2024, scoreFile(
		fx.row(0, "101", "abc", "", "60.5", "也许"),
		bad, wrongSpec, other,
		[]string{"2411010636899999", "居民身份证", resident(1), "无名", "368", "60", "60", "60", "60", "否"},
		fx.row(0, "60", "60", "60", "60", "否"),
	), "bad.xlsx")
	msg := kaowu.ErrorMessage(err)
	for _, w := range []string{"第2行.basics", "101", "第2行.related", "第2行.professional", "未填写", "第2行.practice", "第2行.misconduct",
		"第3行.id_number", "不符", "第4行.specialty", "第5行.ticket_no", "不是2024年度的准考证号", "第6行.ticket_no", "不是2024年度已生成的准考证",
		"第7行.ticket_no", "与第2行重复"} {
		if !strings.Contains(msg, w) {
			t.Errorf("bad file: report lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, resident(99999)) {
		t.Error("the report shows an ID number in full")
	}
	if sc, _ := s.Score(ctx, fx.apps[1].ID); sc.Scores[0] == nil || *sc.Scores[0] != 65 {
		t.Errorf("a refused file changed the scores: %+v", sc.Scores)
	}
}

// TestScoreLookup: before publication nobody sees scores; after it the
// look-up answers with the four subjects and the two-year result; a wrong
// ID number and a ticket number that does not exist get the same answer,
// and five failures lock the ticket number, whether it exists or not.
func TestScoreLookup(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := newScoreFixture(t, s, 2, []string{"368"})
		// Candidate 1 passed basics and related in 2023 under the same
		// specialty: with professional and practice now, the exam is passed.
		parsed, _ := kaowu.ParseIDNumber(kaowu.IDResident, fx.ids[fx.apps[1].ID], kaowu.Date{})
		err := s.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.ReplacePreviousRecords(ctx, 2023, []kaowu.PreviousRecord{{Year: 2023, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(fx.ids[fx.apps[1].ID]), BirthDate: parsed.Birth,
				Name: "考生1", ArchiveNo: fx.tickets[fx.apps[1].ID].ArchiveNo, Region: "beijing", Site: "fengtai", SpecialtyCode: "368", Level: kaowu.LevelIntermediate,
				Source: "测试", ImportedAt: t0, Results: []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: 70, Passed: true},
					{Subject: kaowu.SubjectRelated, Sat: true, Score: 66, Passed: true}, {Subject: kaowu.SubjectProfessional, Sat: true, Score: 50},
					{Subject: kaowu.SubjectPractice, Sat: true, Score: 40}}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		file := scoreFile(fx.row(0, "72", "65", "80", "59", "否"), fx.row(1, "缺考", "缺考", "61", "60", "否"))
		if _, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores.xlsx"); err != nil {
			t.Fatal(err)
		}
		t0 := fx.tickets[fx.apps[0].ID].TicketNo
		t1 := fx.tickets[fx.apps[1].ID].TicketNo
		fx.clock.Set(time.Date(2024, 6, 1, 9, 0, 0, 0, kaowu.Shanghai))
		if _, err := fx.a.LookupScore(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.1"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "尚未公布") {
			t.Errorf("before publication: %v", err)
		}
		at := time.Date(2024, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
		if err := fx.a.PublishScores(ctx, fx.site, 2024, at); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("a site office published: %v", err)
		}
		if err := fx.a.PublishScores(ctx, fx.region, 2024, at); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.a.LookupScore(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.1"); !strings.Contains(kaowu.ErrorMessage(err), "2024年6月1日 10:00") {
			t.Errorf("before the set instant: %v", err)
		}
		fx.clock.Set(at)
		ans, err := fx.a.LookupScore(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.1")
		if err != nil || len(ans.Subjects) != 4 || !ans.Subjects[0].Passed || ans.Subjects[3].Passed || ans.Rolling.Passed ||
			len(ans.Rolling.Remaining) != 1 || ans.Rolling.Remaining[0] != kaowu.SubjectPractice || ans.Rolling.CarryUntil != 2025 {
			t.Errorf("look-up of candidate 0: %+v %v", ans, err)
		}
		ans, err = fx.a.LookupScore(ctx, t1, fx.ids[fx.apps[1].ID], "10.0.0.1")
		if err != nil || !ans.Rolling.Passed || ans.Certificate == "" || ans.Rolling.Subjects[0].Pass == nil || ans.Rolling.Subjects[0].Pass.Year != 2023 {
			t.Errorf("look-up of candidate 1 (passes of 2023 and 2024): %+v %v", ans.Rolling, err)
		}

		// A wrong ID number and a number that does not exist: one answer.
		_, wrong := fx.a.LookupScore(ctx, t0, resident(4242), "10.0.0.2")
		_, missing := fx.a.LookupScore(ctx, "2411010636877777", resident(4242), "10.0.0.2")
		if kaowu.ErrorCode(wrong) != kaowu.ENOTFOUND || kaowu.ErrorMessage(wrong) != kaowu.ErrorMessage(missing) || kaowu.ErrorCode(missing) != kaowu.ENOTFOUND {
			t.Errorf("wrong ID %v; missing ticket %v: they must read the same", wrong, missing)
		}
		// Four more failures lock both numbers; then even the right ID
		// number is refused, alike.
		for range 4 {
			fx.a.LookupScore(ctx, t0, resident(4242), "10.0.0.3")
			fx.a.LookupScore(ctx, "2411010636877777", resident(4242), "10.0.0.3")
		}
		_, locked := fx.a.LookupScore(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.4")
		_, lockedMissing := fx.a.LookupScore(ctx, "2411010636877777", fx.ids[fx.apps[0].ID], "10.0.0.4")
		if kaowu.ErrorCode(locked) != kaowu.ETOOMANY || kaowu.ErrorMessage(locked) != kaowu.ErrorMessage(lockedMissing) {
			t.Errorf("after 5 failures: %v; missing %v", locked, lockedMissing)
		}
		// Another node over the same database refuses them too.
		node2, clock2 := newApp(t, s)
		clock2.Set(fx.clock.Now())
		if _, err := node2.LookupScoreJSON(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.5"); kaowu.ErrorCode(err) != kaowu.ETOOMANY {
			t.Errorf("another node after 5 failures: %v", err)
		}
		fx.clock.Advance(16 * time.Minute)
		if _, err := fx.a.LookupScore(ctx, t0, fx.ids[fx.apps[0].ID], "10.0.0.4"); err != nil {
			t.Errorf("after the lock: %v", err)
		}

		// The candidate sees their own without typing; the report's QR
		// verifies with the public key alone.
		me := app.Actor{Username: "paid00001", Role: kaowu.RoleCandidate}
		mine, err := fx.a.MyScore(ctx, me)
		if err != nil || mine.TicketNo != t1 {
			t.Fatalf("my score: %+v %v", mine, err)
		}
		pdfBytes, err := fx.a.ScoreReportPDF(ctx, mine)
		if err != nil || !strings.HasPrefix(string(pdfBytes), "%PDF") {
			t.Fatalf("score report: %v", err)
		}
		if text, ok := pdfText(t, pdfBytes); ok {
			flat := strings.Join(strings.Fields(text), "")
			for _, w := range []string{"成绩单", "考生1", t1, "缺考", "合格", "资格证书"} {
				if !strings.Contains(flat, w) {
					t.Errorf("score report lacks %q:\n%s", w, text)
				}
			}
		}
		pub, _ := fx.a.TicketPublicKey(ctx)
		q, err := fx.a.ScoreQRPayload(ctx, mine)
		if err != nil {
			t.Fatal(err)
		}
		if c := app.VerifyScoreQR(pub, q); !c.Valid || !c.Passed || c.TicketNo != t1 || c.Scores[0] != "-" {
			t.Errorf("score QR %+v of %q", c, q)
		}
		if c := app.VerifyScoreQR(pub, strings.Replace(q, "|1|", "|0|", 1)); c.Valid {
			t.Error("an altered score report verified")
		}
		otherPub, _, _ := ed25519.GenerateKey(nil)
		if c := app.VerifyScoreQR(otherPub, q); c.Valid {
			t.Error("verified with another key")
		}

		// The certificate list: the region's and the site's.
		l, err := fx.a.Certificates(ctx, fx.region, 2024)
		if err != nil || len(l.Items) != 1 || l.Items[0].TicketNo != t1 {
			t.Errorf("certificates %+v %v", l, err)
		}
		if l, err := fx.a.Certificates(ctx, siteStaff(t, s, "score-chaoyang", "chaoyang"), 2024); err != nil || len(l.Items) != 0 {
			t.Errorf("another site's certificates %+v %v", l, err)
		}
	})
}

// TestScoreTransfer: results recorded from another province count for the
// two-year result (七) at once, also for scores imported before.
func TestScoreTransfer(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := newScoreFixture(t, s, 1, []string{"368"})
		if _, err := fx.a.ImportScores(ctx, fx.region, 2024, scoreFile(fx.row(0, "缺考", "缺考", "70", "75", "否")), "scores.xlsx"); err != nil {
			t.Fatal(err)
		}
		if sc, _ := s.Score(ctx, fx.apps[0].ID); sc.Passed {
			t.Fatal("passed before the transfer")
		}
		v := func(n int) *int { return &n }
		err := fx.a.RecordTransfer(ctx, fx.site, app.TransferInput{IDType: kaowu.IDResident, IDNumber: fx.ids[fx.apps[0].ID], Province: "河北省",
			Year: 2023, Specialty: "368", ArchiveNo: "HB2023-001", Scores: [4]*int{v(68), v(71), v(40), nil}})
		if err != nil {
			t.Fatal(err)
		}
		if sc, _ := s.Score(ctx, fx.apps[0].ID); !sc.Passed {
			t.Errorf("not passed after the transfer: %s", sc.Answer)
		}
		if err := fx.a.RecordTransfer(ctx, fx.site, app.TransferInput{IDType: kaowu.IDResident, IDNumber: fx.ids[fx.apps[0].ID], Province: "河北省",
			Year: 2021, Specialty: "368"}); kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Errorf("a 2021 transfer: %v", err)
		}
	})
}

// TestImportScoresCopy imports more rows than a multi-row INSERT takes, so
// that PostgreSQL's COPY writes the scores, and checks every row arrived
// once, each tied to the import the file's one audit entry names.
func TestImportScoresCopy(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 70
		app.SetScoreSlice(t, 16) // five slices, read and decided beside the writing transaction
		fx := newScoreFixture(t, s, n, []string{"368"})
		var rows [][]string
		for i := range n {
			rows = append(rows, fx.row(i, "60", strconv.Itoa(40+i%60), "70", "缺考", "否"))
		}
		rep, err := fx.a.ImportScores(ctx, fx.region, 2024, scoreFile(rows...), "many.csv")
		if err != nil || rep.Created != n {
			t.Fatalf("import %+v %v", rep, err)
		}

		for i, ap := range fx.apps {
			sc, err := s.Score(ctx, ap.ID)
			if err != nil || sc.Scores[1] == nil || *sc.Scores[1] != 40+i%60 || sc.Scores[3] != nil || sc.TicketNo != fx.tickets[ap.ID].TicketNo {
				t.Errorf("row %d stored as %+v (%v)", i, sc, err)
			}
		}
		imports, err := s.ScoreImports(ctx, 2024)
		if err != nil || len(imports) != 1 || imports[0].Created != n {
			t.Fatalf("score imports %+v %v", imports, err)
		}
		for i, ap := range fx.apps {
			if sc, _ := s.Score(ctx, ap.ID); sc.ImportID != imports[0].ID {
				t.Errorf("row %d: import %q, want %q", i, sc.ImportID, imports[0].ID)
			}
		}
		audit, err := s.Audit(ctx, 2*n)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, e := range audit {
			switch e.Action {
			case "score.import_file":
				files = append(files, e.Detail)
			case "score.correct", "score.import":
				t.Errorf("a new row has an audit row of its own: %+v", e)
			}
		}
		if len(files) != 1 || !strings.Contains(files[0], imports[0].ID) || !strings.Contains(files[0], "新增 70") {
			t.Errorf("the file's audit entries: %q", files)
		}
		// A correction of rows in the first and the last slice.
		rows[3][5], rows[65][5] = "99", "98"
		rep, err = fx.a.ImportScores(ctx, fx.region, 2024, scoreFile(rows...), "many-v2.csv")
		if err != nil || rep.Changed != 2 || rep.Unchanged != n-2 || rep.Created != 0 {
			t.Errorf("correction: %+v %v", rep, err)
		}
		if sc, _ := s.Score(ctx, fx.apps[65].ID); sc.Scores[0] == nil || *sc.Scores[0] != 98 {
			t.Errorf("row 65 after the correction: %+v", sc.Scores)
		}
	})
}

// TestImportScoresConcurrent: two result files of one year imported at
// once (the region office's two tabs) are taken one after the other: both
// succeed, the second reads what the first wrote and corrects it, and
// every candidate ends with one row of the second file's scores.
func TestImportScoresConcurrent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 40
		app.SetScoreSlice(t, 8)
		fx := newScoreFixture(t, s, n, []string{"368"})
		files := make([][][]string, 2)
		for f := range files {
			var rows [][]string
			for i := range n {
				rows = append(rows, fx.row(i, strconv.Itoa(50+f*10), "60", "70", "80", "否"))
			}
			files[f] = scoreFile(rows...)
		}
		reps := make([]app.ScoreImportReport, 2)
		errs := make([]error, 2)
		done := make(chan int)
		for f := range files {
			go func() {
				reps[f], errs[f] = fx.a.ImportScores(ctx, fx.region, 2024, files[f], fmt.Sprintf("file%d.xlsx", f))
				done <- f
			}()
		}
		last := -1
		for range files {
			last = <-done
		}
		first := 1 - last
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("imports at once: %v; %v", errs[0], errs[1])
		}
		if reps[first].Created != n || reps[last].Changed != n || reps[last].Created != 0 {
			t.Errorf("first %+v, then %+v", reps[first], reps[last])
		}
		imports, err := s.ScoreImports(ctx, 2024)
		if err != nil || len(imports) != 2 || imports[0].Source != fmt.Sprintf("file%d.xlsx", last) {
			t.Fatalf("imports %+v %v", imports, err)
		}
		for i, ap := range fx.apps {
			if sc, err := s.Score(ctx, ap.ID); err != nil || *sc.Scores[0] != 50+last*10 || sc.ImportID != imports[0].ID {
				t.Errorf("row %d: %+v %v", i, sc, err)
			}
		}
	})
}

// TestWarmScores: a node reads the year's answers into memory ahead of
// release day, and answers from there; a corrected file moves the
// revision, and the node answers the correction.
func TestWarmScores(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fx := newScoreFixture(t, s, 3, []string{"368"})
		file := scoreFile(fx.row(0, "72", "65", "80", "70", "否"), fx.row(1, "55", "缺考", "61", "60", "否"), fx.row(2, "90", "90", "90", "59", "否"))
		if _, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores.xlsx"); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
		if err := fx.a.PublishScores(ctx, fx.region, 2024, at); err != nil {
			t.Fatal(err)
		}
		fx.clock.Set(at)
		if n, err := fx.a.WarmScores(ctx, 2024); err != nil || n != 3 {
			t.Fatalf("warmed %d rows, %v; want 3", n, err)
		}
		// What is in memory is answered without reading the row again.
		if _, err := s.SQLDB().ExecContext(ctx, `UPDATE scores SET answer = '{}'`); err != nil {
			t.Fatal(err)
		}
		t2 := fx.tickets[fx.apps[2].ID].TicketNo
		ans, err := fx.a.LookupScore(ctx, t2, fx.ids[fx.apps[2].ID], "10.0.0.1")
		if err != nil || ans.TicketNo != t2 || len(ans.Subjects) != 4 || ans.Subjects[3].Passed {
			t.Errorf("answer from memory: %+v %v", ans, err)
		}
		if _, err := fx.a.LookupScore(ctx, t2, resident(4242), "10.0.0.1"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("a wrong ID number for a row in memory: %v", err)
		}
		// A corrected file: the answers in memory are dropped.
		file[3][8] = "60"
		if rep, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores-v2.xlsx"); err != nil || rep.Changed != 1 {
			t.Fatalf("correction %+v %v", rep, err)
		}
		ans, err = fx.a.LookupScore(ctx, t2, fx.ids[fx.apps[2].ID], "10.0.0.1")
		if err != nil || !ans.Subjects[3].Passed || !ans.Rolling.Passed {
			t.Errorf("after the correction: %+v %v", ans, err)
		}
		// The new revision's rows are read again.
		if n, err := fx.a.WarmScores(ctx, 2024); err != nil || n != 3 {
			t.Errorf("warmed again %d rows, %v; want 3", n, err)
		}
	})
}

// TestWarmScoresAhead: as serve, a node reads the year's answers into
// memory from ScoreWarmAhead before their publication, started by a
// look-up (refused: too early) or by serve's minute (WarmScoresDue), and
// answers from there once they are public.
func TestWarmScoresAhead(t *testing.T) {
	for _, trigger := range []string{"look-up", "minute"} {
		t.Run(trigger, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				fx := newScoreFixture(t, s, 2, []string{"368"})
				fx.a.ScoreWarmAhead = 10 * time.Minute
				if _, err := fx.a.ImportScores(ctx, fx.region, 2024, scoreFile(fx.row(0, "72", "65", "80", "70", "否"), fx.row(1, "55", "缺考", "61", "60", "否")), "scores.xlsx"); err != nil {
					t.Fatal(err)
				}
				at := time.Date(2024, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
				if err := fx.a.PublishScores(ctx, fx.region, 2024, at); err != nil {
					t.Fatal(err)
				}
				t0, id0 := fx.tickets[fx.apps[0].ID].TicketNo, fx.ids[fx.apps[0].ID]
				fx.clock.Set(at.Add(-5 * time.Minute))
				switch trigger {
				case "look-up":
					if _, err := fx.a.LookupScore(ctx, t0, id0, "10.0.0.1"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
						t.Fatalf("five minutes early: %v", err)
					}
				case "minute":
					if err := fx.a.WarmScoresDue(ctx); err != nil {
						t.Fatal(err)
					}
				}
				fx.a.WaitScoreWarm()
				if _, err := s.SQLDB().ExecContext(ctx, `UPDATE scores SET answer = '{}'`); err != nil {
					t.Fatal(err)
				}
				fx.clock.Set(at)
				if ans, err := fx.a.LookupScore(ctx, t0, id0, "10.0.0.1"); err != nil || ans.TicketNo != t0 || len(ans.Subjects) != 4 {
					t.Errorf("at the publication, from memory: %+v %v", ans, err)
				}
			})
		})
	}
}
