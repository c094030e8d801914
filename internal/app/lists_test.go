package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// listStaff creates a staff account of role at site or unit.
func listStaff(t testing.TB, s *store.Store, username string, role kaowu.Role, site, unit string) app.Actor {
	t.Helper()
	u := kaowu.User{Username: username, Name: "工作人员" + username, Role: role, PasswordHash: "x", Site: site, UnitID: unit, CreatedAt: t0}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: username, Role: role}
}

// walkList returns every row of a list for the actor, page by page.
func walkList(t testing.TB, a *app.App, who app.Actor, k store.ListKind, p app.ListParams) (app.ListView, [][]app.ListCell) {
	t.Helper()
	var rows [][]app.ListCell
	var first app.ListView
	for i := 0; ; i++ {
		v, err := a.List(context.Background(), who, k, p)
		if err != nil {
			t.Fatalf("%s list for %s, page %d: %v %v", k, who.Username, i, err, kaowu.ErrorFields(err))
		}
		if i == 0 {
			first = v
		}
		rows = append(rows, v.Rows...)
		if v.Next == "" {
			return first, rows
		}
		p.Cursor = v.Next
	}
}

// column returns the index of a list's column by its heading.
func column(t testing.TB, v app.ListView, label string) int {
	t.Helper()
	for i, c := range v.Columns {
		if c.Label == label {
			return i
		}
	}
	t.Fatalf("%s has no column %q", v.Kind, label)
	return -1
}

// TestListScopes: who opens which list and whose rows it shows. Site staff
// see their site's candidates, applications, payments and scores and their
// district's units, never another site's, even by asking for it; unit HR
// their unit's candidates and applications only; region staff everything.
// ID numbers are masked in every list; only the offices find a candidate
// by a full ID number.
func TestListScopes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		storetest.SeedLists(t, s, 500)
		ft := listStaff(t, s, "list-ft", kaowu.RoleSiteStaff, "fengtai", "")
		cy := listStaff(t, s, "list-cy", kaowu.RoleSiteStaff, "chaoyang", "")
		region := listStaff(t, s, "list-region", kaowu.RoleRegionStaff, "", "")
		hr := listStaff(t, s, "list-hr", kaowu.RoleUnitHR, "", "unit000001")
		hr2 := listStaff(t, s, "list-hr2", kaowu.RoleUnitHR, "", "unit000008")
		mil := listStaff(t, s, "list-mil", kaowu.RoleMilitaryUnit, "", "")
		cand := listStaff(t, s, "list-cand", kaowu.RoleCandidate, "", "")

		// Who opens which list.
		for _, k := range app.ListKinds {
			for _, who := range []app.Actor{ft, region, hr, mil, cand} {
				_, err := a.List(ctx, who, k, app.ListParams{})
				want := app.ListAllowed(who.Role, k)
				if (err == nil) != want || err != nil && kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
					t.Errorf("%s opens %s: %v (allowed %v)", who.Role, k, err, want)
				}
			}
		}
		if app.ListAllowed(kaowu.RoleUnitHR, store.ListPayments) || app.ListAllowed(kaowu.RoleCandidate, store.ListCandidates) {
			t.Error("unit HR opens payments, or a candidate opens a staff list")
		}

		// Site staff: their site's rows only, whatever the filter asks.
		for _, k := range []store.ListKind{store.ListApplications, store.ListPayments, store.ListScores} {
			v, rows := walkList(t, a, cy, k, app.ListParams{})
			col := column(t, v, "考点")
			if len(rows) == 0 {
				t.Fatalf("%s: Chaoyang's staff see nothing", k)
			}
			for _, r := range rows {
				if r[col].Text != "朝阳考点" {
					t.Fatalf("%s: Chaoyang's staff see a row of %s", k, r[col].Text)
				}
			}
			_, all := walkList(t, a, region, k, app.ListParams{Site: "chaoyang"})
			if len(all) != len(rows) {
				t.Errorf("%s: Chaoyang's staff see %d rows, the region %d of Chaoyang", k, len(rows), len(all))
			}
			if _, err := a.List(ctx, cy, k, app.ListParams{Site: "fengtai"}); kaowu.ErrorFields(err)["site"] == "" {
				t.Errorf("%s: Chaoyang's staff ask for Fengtai: %v", k, err)
			}
		}
		_, units := walkList(t, a, cy, store.ListUnits, app.ListParams{})
		for _, r := range units {
			if r[1].Text != "朝阳区" {
				t.Fatalf("Chaoyang's staff see a unit of %s", r[1].Text)
			}
		}
		// The candidates of a site: who applied at it, and whose unit is in
		// its district.
		v, cands := walkList(t, a, ft, store.ListCandidates, app.ListParams{})
		site, unit := column(t, v, "考点"), column(t, v, "单位")
		for _, r := range cands {
			if r[site].Text != "丰台考点" && !strings.HasPrefix(r[unit].Text, "丰台区") {
				t.Fatalf("Fengtai's staff see candidate %s of %s at %q", r[0].Text, r[unit].Text, r[site].Text)
			}
		}

		// Unit HR: their unit's candidates and applications, not another's.
		for _, k := range []store.ListKind{store.ListCandidates, store.ListApplications} {
			v, rows := walkList(t, a, hr, k, app.ListParams{})
			col := column(t, v, "单位")
			if len(rows) == 0 || v.Scope != "丰台区第00001医疗机构" {
				t.Fatalf("%s for unit HR: %d rows, scope %q", k, len(rows), v.Scope)
			}
			for _, r := range rows {
				if r[col].Text != "丰台区第00001医疗机构" {
					t.Fatalf("%s: unit HR sees a row of %s", k, r[col].Text)
				}
			}
			other, err := a.List(ctx, hr, k, app.ListParams{Unit: "unit000008"})
			if err != nil || len(other.Rows) != 0 {
				t.Errorf("%s: unit HR asks for another unit: %d rows, %v", k, len(other.Rows), err)
			}
			_, theirs := walkList(t, a, hr2, k, app.ListParams{})
			for _, r := range theirs {
				if r[col].Text == "丰台区第00001医疗机构" {
					t.Errorf("%s: another unit's HR sees unit 1's rows", k)
				}
			}
		}

		// ID numbers: masked in every list; a full one finds its candidate
		// for the offices only.
		id := string(storetest.SeedIDNumber(42))
		for _, k := range []store.ListKind{store.ListCandidates, store.ListApplications, store.ListPayments, store.ListScores} {
			_, rows := walkList(t, a, region, k, app.ListParams{})
			for _, r := range rows {
				for _, c := range r {
					if strings.Contains(c.Text+c.Hint, "1101061970") {
						t.Fatalf("%s shows an ID number in full: %q %q", k, c.Text, c.Hint)
					}
				}
			}
		}
		found, err := a.List(ctx, ft, store.ListCandidates, app.ListParams{Query: id})
		if err != nil || len(found.Rows) != 1 || found.Rows[0][0].Text != storetest.SeedName(42) {
			t.Errorf("site staff by ID number: %v %v", found.Rows, err)
		}
		if !strings.Contains(found.Filter, "证件号码") || strings.Contains(found.Filter, id) {
			t.Errorf("the filter in words shows the ID number: %q", found.Filter)
		}
		if _, err := a.List(ctx, hr, store.ListCandidates, app.ListParams{Query: id, Field: store.FieldIDNumber}); kaowu.ErrorFields(err)["q"] == "" {
			t.Errorf("unit HR by ID number: %v", err)
		}
		// By the text's shape: a name, a username.
		byName, err := a.List(ctx, region, store.ListCandidates, app.ListParams{Query: storetest.SeedName(7)})
		if err != nil || len(byName.Rows) == 0 || !strings.Contains(byName.Filter, "姓名") {
			t.Errorf("by name: %d rows, %q, %v", len(byName.Rows), byName.Filter, err)
		}
		byUser, err := a.List(ctx, hr, store.ListCandidates, app.ListParams{Query: "CAND"})
		if err != nil || len(byUser.Rows) == 0 || !strings.Contains(byUser.Filter, "用户名") {
			t.Errorf("by username: %d rows, %q, %v", len(byUser.Rows), byUser.Filter, err)
		}
	})
}

// TestListFilters: each filter reaches the store as it should, and a
// value that is not one of the year's is refused by field.
func TestListFilters(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	a.ListCountBudget = time.Minute // exact counts, however busy the machine
	ctx := context.Background()
	info := storetest.SeedLists(t, s, 500)
	region := listStaff(t, s, "list-region", kaowu.RoleRegionStaff, "", "")
	count := func(k store.ListKind, p app.ListParams) int {
		t.Helper()
		v, err := a.List(ctx, region, k, p)
		if err != nil {
			t.Fatalf("%s %+v: %v %v", k, p, err, kaowu.ErrorFields(err))
		}
		if v.Count.Approx {
			t.Fatalf("%s: approximate count %d at 500 rows", k, v.Count.N)
		}
		return v.Count.N
	}
	if n := count(store.ListApplications, app.ListParams{State: "paid"}); n != info.States[kaowu.StatePaid] {
		t.Errorf("paid applications: %d, want %d", n, info.States[kaowu.StatePaid])
	}
	if n := count(store.ListCandidates, app.ListParams{State: store.StateNone}); n != info.Candidates-info.Applications {
		t.Errorf("candidates without an application: %d, want %d", n, info.Candidates-info.Applications)
	}
	if n := count(store.ListScores, app.ListParams{}); n != info.Scores {
		t.Errorf("scores: %d, want %d", n, info.Scores)
	}
	if n := count(store.ListPayments, app.ListParams{}); n != info.Payments {
		t.Errorf("payments: %d, want %d", n, info.Payments)
	}
	if n := count(store.ListUnits, app.ListParams{Category: "clinic"}); n == 0 || n >= info.Units {
		t.Errorf("clinics: %d of %d units", n, info.Units)
	}
	// The dates are Beijing days, both included: 2023-11-05 is
	// 2023-11-04T16:00Z to 2023-11-05T16:00Z.
	day := count(store.ListCandidates, app.ListParams{From: "2023-11-05", To: "2023-11-05"})
	two := count(store.ListCandidates, app.ListParams{From: "2023-11-05", To: "2023-11-06"})
	if day == 0 || two <= day {
		t.Errorf("registered on 11-05: %d, on 11-05 and 11-06: %d", day, two)
	}
	for _, c := range []struct {
		k     store.ListKind
		p     app.ListParams
		field string
	}{
		{store.ListApplications, app.ListParams{State: "lost"}, "state"},
		{store.ListApplications, app.ListParams{Specialty: "999"}, "specialty"},
		{store.ListApplications, app.ListParams{Level: "senior"}, "level"},
		{store.ListApplications, app.ListParams{Site: "nowhere"}, "site"},
		{store.ListApplications, app.ListParams{Category: "castle"}, "category"},
		{store.ListApplications, app.ListParams{From: "2023-13-01"}, "from"},
		{store.ListApplications, app.ListParams{From: "2023-12-05", To: "2023-12-01"}, "to"},
		{store.ListApplications, app.ListParams{Sort: "salary"}, "sort"},
		{store.ListApplications, app.ListParams{Query: strings.Repeat("王", 51)}, "q"},
		{store.ListPayments, app.ListParams{State: "paid"}, "state"},
		{store.ListScores, app.ListParams{Query: "x", Field: store.FieldTransaction}, "q"},
	} {
		_, err := a.List(ctx, region, c.k, c.p)
		if kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)[c.field] == "" {
			t.Errorf("%s %+v: %v %v, want a refusal of %s", c.k, c.p, err, kaowu.ErrorFields(err), c.field)
		}
	}
	// A broken cursor is refused, not served as another page.
	if _, err := a.List(ctx, region, store.ListApplications, app.ListParams{Cursor: "bm90LWEtY3Vyc29y"}); kaowu.ErrorCode(err) != kaowu.EINVALID {
		t.Errorf("broken cursor: %v", err)
	}
	// The count: exact, or an estimate when counting would take longer
	// than the page's budget.
	a.ListCountBudget = -1
	v, err := a.List(ctx, region, store.ListApplications, app.ListParams{})
	if err != nil || !v.Count.Approx || v.Count.N <= 0 {
		t.Errorf("estimated count: %+v %v", v.Count, err)
	}
}

// xlsxRows reads an .xlsx as the spreadsheet shows it (formatted values).
func xlsxRows(t testing.TB, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// shown is a cell's export value as a spreadsheet shows it.
func shown(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return fmt.Sprint(x)
	case tabular.Date:
		return time.Time(x).In(kaowu.Shanghai).Format("2006-01-02")
	case tabular.DateTime:
		return time.Time(x).In(kaowu.Shanghai).Format("2006-01-02 15:04")
	case tabular.Yuan:
		return kaowu.Yuan(int64(x))
	}
	return fmt.Sprintf("%T", v)
}

// wantExport is what an export of list k with p must hold: the header and
// every row of the list's pages, as a spreadsheet shows them.
func wantExport(t testing.TB, a *app.App, who app.Actor, k store.ListKind, p app.ListParams) [][]string {
	t.Helper()
	v, rows := walkList(t, a, who, k, p)
	var header []string
	var keep []int
	for i, c := range v.Columns {
		if c.Export {
			header = append(header, c.Label)
			keep = append(keep, i)
		}
	}
	out := [][]string{header}
	for _, r := range rows {
		var line []string
		for _, i := range keep {
			line = append(line, shown(r[i].Value))
		}
		out = append(out, line)
	}
	return out
}

// trimRows drops the empty cells at the end of each row (spreadsheets do
// not store them).
func trimRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		out[i] = r
	}
	return out
}

func equalRows(a, b [][]string) (int, bool) {
	a, b = trimRows(a), trimRows(b)
	for i := range min(len(a), len(b)) {
		if !slices.Equal(a[i], b[i]) {
			return i, false
		}
	}
	return min(len(a), len(b)), len(a) == len(b)
}

// TestListExport: an export holds exactly the filtered list: its header,
// every row of every page in the list's order, each cell as the page's
// (ID numbers masked, dates as Beijing dates, money as yuan with two
// decimals), read back by excelize and by LibreOffice; it is audited.
func TestListExport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		storetest.SeedLists(t, s, 400)
		ft := listStaff(t, s, "list-ft", kaowu.RoleSiteStaff, "fengtai", "")
		for _, c := range []struct {
			k store.ListKind
			p app.ListParams
		}{
			{store.ListApplications, app.ListParams{State: "scored", Sort: "name"}},
			{store.ListApplications, app.ListParams{From: "2023-11-10", To: "2023-11-20", Order: "asc"}},
			{store.ListCandidates, app.ListParams{}},
			{store.ListUnits, app.ListParams{Sort: "category"}},
			{store.ListPayments, app.ListParams{Sort: "amount", Order: "desc"}},
			{store.ListScores, app.ListParams{State: store.ScorePassed}},
		} {
			want := wantExport(t, a, ft, c.k, c.p)
			var buf bytes.Buffer
			var name string
			res, err := a.ExportList(ctx, ft, c.k, c.p, func(n string) io.Writer { name = n; return &buf })
			if err != nil || res.Export != nil || res.Rows != len(want)-1 {
				t.Fatalf("export %s %+v: %+v %v (want %d rows)", c.k, c.p, res, err, len(want)-1)
			}
			if !strings.HasPrefix(name, app.ListTitle(c.k)) || !strings.HasSuffix(name, ".xlsx") {
				t.Errorf("file name %q", name)
			}
			got := xlsxRows(t, buf.Bytes())
			if i, ok := equalRows(got, want); !ok {
				t.Errorf("export %s %+v: %d rows, want %d; row %d: %q, want %q", c.k, c.p, len(got), len(want), i, rowAt(got, i), rowAt(want, i))
			}
			if (c.k == store.ListPayments || c.k == store.ListScores) && s.Engine() == store.SQLite {
				got, ok := libreOfficeCSV(t, buf.Bytes())
				if ok {
					if i, same := equalRows(got, want); !same {
						t.Errorf("LibreOffice reads %d rows, want %d; row %d: %q, want %q", len(got), len(want), i, rowAt(got, i), rowAt(want, i))
					}
				}
			}
		}
		// The raw values: a date is a date, money a number, a ticket
		// number text with every digit.
		var buf bytes.Buffer
		if _, err := a.ExportList(ctx, ft, store.ListScores, app.ListParams{}, func(string) io.Writer { return &buf }); err != nil {
			t.Fatal(err)
		}
		f, _ := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		typ, _ := f.GetCellType(f.GetSheetList()[0], "A2")
		ticket, _ := f.GetCellValue(f.GetSheetList()[0], "A2")
		f.Close()
		if typ == excelize.CellTypeNumber || len(ticket) != 16 {
			t.Errorf("ticket number cell: type %v, %q", typ, ticket)
		}
		es, err := s.AuditOf(ctx, string(store.ListScores))
		if err != nil || len(es) == 0 || es[0].Action != "list.export" || es[0].Actor != "list-ft" || !strings.Contains(es[0].Detail, "丰台考点成绩名单") {
			t.Errorf("audit of the export: %+v %v", es, err)
		}
	})
}

func rowAt(rows [][]string, i int) []string {
	if i < len(rows) {
		return rows[i]
	}
	return nil
}

// libreOfficeCSV converts an .xlsx to CSV with LibreOffice, as another
// office program reads it; false when LibreOffice is not installed.
func libreOfficeCSV(t testing.TB, xlsx []byte) ([][]string, bool) {
	t.Helper()
	soffice, err := exec.LookPath("libreoffice")
	if err != nil {
		t.Log("libreoffice not installed (apt-get install libreoffice-calc): the export is not read back by LibreOffice")
		return nil, false
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "list.xlsx")
	if err := os.WriteFile(in, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	// UTF-8 (76), comma, quote; the cells as shown.
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows, true
}

// TestListExportInBackground: more rows than a download at once start a
// background export: its total and progress are recorded as it goes, a
// run that stops midway (a crash: River runs the job again) leaves no file
// and the next run makes the whole file from the first row; the file
// holds exactly the filtered list, and only its exporter gets it.
func TestListExportInBackground(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		storetest.SeedLists(t, s, app.ExportNowMax+300)
		region := listStaff(t, s, "list-region", kaowu.RoleRegionStaff, "", "")
		other := listStaff(t, s, "list-region2", kaowu.RoleRegionStaff, "", "")
		p := app.ListParams{Sort: "submitted", Order: "asc"}
		wrote := false
		res, err := a.ExportList(ctx, region, store.ListApplications, p, func(string) io.Writer { wrote = true; return io.Discard })
		if err != nil || res.Export == nil || wrote {
			t.Fatalf("large export: %+v %v (written at once: %v)", res, err, wrote)
		}
		id := res.Export.ID
		e, err := a.ListExportOf(ctx, region, id)
		if err != nil || e.State != "running" || e.Total <= app.ExportNowMax {
			t.Fatalf("export started: %+v %v", e, err)
		}
		if _, err := a.ListExportOf(ctx, other, id); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("another account reads the export: %v", err)
		}
		if _, _, err := a.ListExportFile(ctx, region, id); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("file before it is made: %v", err)
		}

		// A crash after the first batch: the run stops, nothing is stored.
		stop, cancel := context.WithCancel(ctx)
		var seen []int
		done, err := a.RunListExport(stop, id, func(n, total int) {
			seen = append(seen, n)
			if n > 0 {
				cancel()
			}
		})
		cancel()
		if done || err != nil {
			t.Fatalf("stopped run: done %v, %v", done, err)
		}
		e, _ = a.ListExportOf(ctx, region, id)
		if e.State != "running" || e.Runs != 1 || e.Done == 0 || e.Done >= e.Total {
			t.Errorf("after the stopped run: %+v", e)
		}
		// River runs the job again: it goes to the end, recording its
		// progress before it reports it.
		seen = nil
		var recorded []int
		done, err = a.RunListExport(ctx, id, func(n, total int) {
			seen = append(seen, n)
			if n > 0 {
				x, _ := a.ListExportOf(ctx, region, id)
				recorded = append(recorded, x.Done)
			}
		})
		if !done || err != nil {
			t.Fatalf("second run: %v %v", done, err)
		}
		if !slices.IsSorted(seen) || seen[0] != 0 || seen[len(seen)-1] != e.Total || len(seen) < 5 {
			t.Errorf("progress reported: %v (total %d)", seen, e.Total)
		}
		if !slices.Equal(recorded, seen[1:]) {
			t.Errorf("progress recorded %v, reported %v", recorded, seen[1:])
		}
		e, _ = a.ListExportOf(ctx, region, id)
		if e.State != "done" || e.Runs != 2 || e.Done != e.Total || e.FileBytes == 0 || e.FinishedAt == nil {
			t.Errorf("finished export: %+v", e)
		}
		// Running it again (River delivers a job twice) changes nothing.
		if done, err := a.RunListExport(ctx, id, nil); !done || err != nil {
			t.Errorf("third run: %v %v", done, err)
		}
		name, file, err := a.ListExportFile(ctx, region, id)
		if err != nil || !strings.HasSuffix(name, ".xlsx") {
			t.Fatalf("file: %q %v", name, err)
		}
		want := wantExport(t, a, region, store.ListApplications, p)
		got := xlsxRows(t, file)
		if i, ok := equalRows(got, want); !ok {
			t.Errorf("background export: %d rows, want %d; row %d: %q, want %q", len(got), len(want), i, rowAt(got, i), rowAt(want, i))
		}
		if _, _, err := a.ListExportFile(ctx, other, id); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("another account downloads the export: %v", err)
		}
		es, _ := s.AuditOf(ctx, string(store.ListApplications))
		if len(es) != 1 || !strings.Contains(es[0].Detail, "后台生成") || !strings.Contains(es[0].Detail, fmt.Sprint(e.Total)) {
			t.Errorf("audit: %+v", es)
		}

		// The export holds personal data: kept a day, then purged.
		if n, err := a.PurgeListExports(ctx, e.CreatedAt.Add(23*time.Hour)); n != 0 || err != nil {
			t.Errorf("purged %d exports within the day: %v", n, err)
		}
		if n, err := a.PurgeListExports(ctx, e.CreatedAt.Add(25*time.Hour)); n != 1 || err != nil {
			t.Errorf("purged %d exports after a day, want 1: %v", n, err)
		}
		if _, err := a.ListExportOf(ctx, region, id); kaowu.ErrorCode(err) != kaowu.ENOTFOUND || !strings.Contains(kaowu.ErrorMessage(err), "保留 24 小时") {
			t.Errorf("a purged export: %v", err)
		}
	})
}
