package app_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// militaryID returns a valid resident ID number for any serial n (births
// from 1970-01-01, a thousand per day).
func militaryID(n int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	s := fmt.Sprintf("110106%s%03d", birth.Format("20060102"), n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

func rosterHeader() []string {
	h := []string{}
	for _, c := range app.MilitaryColumns {
		h = append(h, c.Name)
	}
	return h
}

// nurseRow is an eligible 368 (护理学 中级) candidate: the facts of
// validProfile.
func nurseRow(name, idType, idNumber string) []string {
	return []string{name, idType, idNumber, "368", "中级", "某师级单位卫生处", "本科", "护理学", "2015-07-01", "是", "是",
		"初级（师）", "护理学", "2018-05-20", "护士执业证书", "", "2016-01-01", "2016-03-01", ""}
}

func rosterRows(first, n int) [][]string {
	rows := [][]string{rosterHeader()}
	for i := range n {
		rows = append(rows, nurseRow(fmt.Sprintf("军护%d", first+i), "居民身份证", militaryID(first+i)))
	}
	return rows
}

func militaryUnitActor(t testing.TB, s *store.Store, username, unit string) app.Actor {
	t.Helper()
	u := kaowu.User{Username: username, Name: "军队单位", Role: kaowu.RoleMilitaryUnit, PasswordHash: "x", MilitaryUnit: unit, CreatedAt: t0}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: username, Role: kaowu.RoleMilitaryUnit}
}

func TestMilitaryExampleFile(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	f, err := os.Open("../../docs/examples/military-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := tabular.Read("military-roster.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	mil := militaryUnitActor(t, s, "mil-example", "某部队医院")
	out, err := a.ImportMilitaryRoster(context.Background(), mil, rows, "military-roster.csv")
	if err != nil || out.Candidates != len(rows)-1 {
		t.Fatalf("example = %+v %v", out, err)
	}
}

func TestMilitaryImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		mil := militaryUnitActor(t, s, "mil-a", "某部队医院")
		rows := rosterRows(1, 3)
		rows = append(rows, nurseRow("军官甲", "军官证", "军字第20240001号"))
		out, err := a.ImportMilitaryRoster(ctx, mil, rows, "roster.csv")
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if out.Candidates != 4 || out.Subjects != 16 || out.FeeFen != 80000 {
			t.Errorf("import = %+v", out)
		}
		v, err := a.MilitaryRoster(ctx, mil, "")
		if err != nil || len(v.Candidates) != 4 || v.Confirmed != 4 || v.FeeFen != 80000 {
			t.Fatalf("roster = %+v %v", v, err)
		}
		for _, c := range v.Candidates {
			if c.State != kaowu.StateConfirmed || c.Outcome != "eligible" || c.Specialty != "368" || c.DivisionUnit != "某师级单位卫生处" {
				t.Errorf("candidate = %+v", c)
			}
			appl, err := s.Application(ctx, c.ApplicationID)
			if err != nil {
				t.Fatal(err)
			}
			acc, err := s.Account(ctx, appl.CandidateID)
			if err != nil || acc.Role != kaowu.RoleCandidate || acc.IDType != c.IDType {
				t.Errorf("account = %+v %v", acc, err)
			}
			// No password opens the account.
			if _, err := a.Login(ctx, acc.Username, acc.PasswordHash, "10.0.0.1"); err == nil {
				t.Error("a roster candidate logged in")
			}
			// 二（三）1: no online application for military officers.
			if acc.IDType == kaowu.IDMilitaryOfficer {
				if _, err := a.StartApplication(ctx, actor(acc)); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "二（三）1") {
					t.Errorf("military officer applies online: %v", err)
				}
			}
		}
		// The unit is told to hand over; the import is audited.
		me, _ := s.AccountsByLogin(ctx, "mil-a")
		if rs, _ := s.Inbox(ctx, me[0].ID, 5, false); len(rs) != 1 || !strings.Contains(rs[0].Body, "2024年1月4日至2024年1月5日") || !strings.Contains(rs[0].Body, "800.00") {
			t.Errorf("reminder = %+v", rs)
		}
		if es, _ := s.AuditOf(ctx, "某部队医院"); len(es) != 1 || es[0].Action != "military.import" {
			t.Errorf("audit = %+v", es)
		}
		// Military applications are not the region's to review.
		p2, _, _ := a.ReviewList(ctx, staff(t, a, s, kaowu.RoleRegionStaff), app.ReviewFilter{})
		if len(p2.Rows) != 0 {
			t.Errorf("military applications in the review list: %d", len(p2.Rows))
		}
		// The same people again: already registered.
		if _, err := a.ImportMilitaryRoster(ctx, mil, rosterRows(1, 1), "again.csv"); kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorMessage(err), "第2行.证件号码") {
			t.Errorf("reimport: %v", err)
		}
	})
}

func TestMilitaryImportRefusesBadFiles(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		mil := militaryUnitActor(t, s, "mil-a", "某部队医院")
		set := func(rows [][]string, row int, header, v string) [][]string {
			for j, h := range rows[0] {
				if h == header {
					rows[row][j] = v
					return rows
				}
			}
			t.Fatalf("no column %s", header)
			return nil
		}
		for _, c := range []struct {
			name  string
			rows  func() [][]string
			wants []string // in the message
		}{
			{"wrong header", func() [][]string { r := rosterRows(1, 2); r[0][0] = "名字"; return r }, []string{"表头第1列", "名字", "缺少列“姓名”"}},
			{"missing column", func() [][]string {
				r := rosterRows(1, 2)
				for i := range r {
					r[i] = r[i][:len(r[i])-2] // no 执业注册时间 (and the optional residency)
				}
				return r
			}, []string{"缺少列“执业注册时间”"}},
			{"no rows", func() [][]string { return rosterRows(1, 0) }, []string{"没有数据行"}},
			{"bad dates", func() [][]string {
				r := set(rosterRows(1, 3), 2, "毕业时间", "2015-13-01")
				return set(r, 3, "执业注册时间", "去年")
			}, []string{"第3行.毕业时间", "2015-13-01", "第4行.执业注册时间", "去年"}},
			{"unknown specialty", func() [][]string { return set(rosterRows(1, 2), 2, "专业代码", "999") }, []string{"第3行.专业代码", "999", "附件2"}},
			{"level mismatch", func() [][]string { return set(rosterRows(1, 2), 1, "级别", "初级（师）") }, []string{"第2行.级别", "中级"}},
			{"duplicate id", func() [][]string {
				r := rosterRows(1, 3)
				return set(r, 3, "证件号码", militaryID(1))
			}, []string{"第4行.证件号码", "与第2行重复", "110106********"}},
			{"bad id", func() [][]string { return set(rosterRows(1, 2), 2, "证件号码", "110106197001010012") }, []string{"第3行.证件号码"}},
			{"bad id type", func() [][]string { return set(rosterRows(1, 2), 2, "证件类型", "护照") }, []string{"第3行.证件类型", "军官证"}},
			{"ineligible row", func() [][]string {
				r := set(rosterRows(1, 3), 3, "执业资格", "")
				return set(r, 3, "取得执业资格时间", "")
			}, []string{"第4行.报考条件", "护士执业", "一（七）"}},
		} {
			out, err := a.ImportMilitaryRoster(ctx, mil, c.rows(), "bad.csv")
			msg := kaowu.ErrorMessage(err)
			if kaowu.ErrorCode(err) != kaowu.EINVALID || len(out.Problems) == 0 {
				t.Errorf("%s: %v %+v", c.name, err, out)
				continue
			}
			for _, w := range c.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: message lacks %q:\n%s", c.name, w, msg)
				}
			}
			if strings.Contains(msg, militaryID(1)) {
				t.Errorf("%s: an unmasked ID number in the report", c.name)
			}
		}
		if n := countCandidates(t, s); n != 0 {
			t.Errorf("refused files created %d candidates", n)
		}
	})
}

func TestMilitaryAuthorization(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		milA := militaryUnitActor(t, s, "mil-a", "某部队医院")
		milB := militaryUnitActor(t, s, "mil-b", "另一部队")
		if _, err := a.ImportMilitaryRoster(ctx, milA, rosterRows(1, 2), "a.csv"); err != nil {
			t.Fatal(err)
		}
		// B sees only its own (empty) roster, whatever unit it names.
		v, err := a.MilitaryRoster(ctx, milB, "某部队医院")
		if err != nil || v.MilitaryUnit != "另一部队" || len(v.Candidates) != 0 {
			t.Errorf("B's view = %+v %v", v, err)
		}
		site := staff(t, a, s, kaowu.RoleSiteStaff) // fengtai
		if v, err := a.MilitaryRoster(ctx, site, "某部队医院"); err != nil || len(v.Candidates) != 2 {
			t.Errorf("the receiving site's view = %d %v", len(v.Candidates), err)
		}
		other := kaowu.User{Username: "site-cy", Name: "朝阳", Role: kaowu.RoleSiteStaff, PasswordHash: "x", Site: "chaoyang", CreatedAt: t0}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &other) }); err != nil {
			t.Fatal(err)
		}
		cy := app.Actor{Username: "site-cy", Role: kaowu.RoleSiteStaff}
		if _, err := a.MilitaryRoster(ctx, cy, "某部队医院"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site reads the roster: %v", err)
		}
		cand, _ := applicant(t, a, s, "civil1", 301)
		hr := staff(t, a, s, kaowu.RoleUnitHR)
		for _, who := range []app.Actor{actor(cand), hr, site, staff(t, a, s, kaowu.RoleRegionStaff)} {
			if _, err := a.ImportMilitaryRoster(ctx, who, rosterRows(10, 1), "x.csv"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s imports a roster: %v", who.Role, err)
			}
		}
		for _, who := range []app.Actor{actor(cand), hr} {
			if _, err := a.MilitaryRoster(ctx, who, "某部队医院"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s reads a roster: %v", who.Role, err)
			}
		}
		for _, who := range []app.Actor{milA, cy, hr, actor(cand)} {
			if _, err := a.RecordHandover(ctx, who, app.HandoverInput{MilitaryUnit: "某部队医院", LetterNo: "1", Operator: "张干事", FeeFen: 40000}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s records a handover: %v", who.Role, err)
			}
		}
	})
}

func TestMilitaryHandover(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		mil := militaryUnitActor(t, s, "mil-a", "某部队医院")
		if _, err := a.ImportMilitaryRoster(ctx, mil, rosterRows(1, 3), "a.csv"); err != nil {
			t.Fatal(err)
		}
		site := staff(t, a, s, kaowu.RoleSiteStaff)
		in := app.HandoverInput{MilitaryUnit: "某部队医院", LetterNo: "军介字〔2024〕3号", Operator: "张干事", FeeFen: 3 * 4 * 5000}
		for _, at := range []time.Time{
			time.Date(2024, 1, 3, 16, 0, 0, 0, kaowu.Shanghai),
			time.Date(2024, 1, 6, 0, 0, 0, 0, kaowu.Shanghai),
		} {
			clock.Set(at)
			if _, err := a.RecordHandover(ctx, site, in); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "二（三）2") {
				t.Errorf("handover at %s: %v", at, err)
			}
		}
		// After the handover days, no roster either.
		if _, err := a.ImportMilitaryRoster(ctx, mil, rosterRows(20, 1), "late.csv"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("import after the handover days: %v", err)
		}
		clock.Set(time.Date(2024, 1, 4, 9, 30, 0, 0, kaowu.Shanghai))
		wrong := in
		wrong.FeeFen = 40000
		if _, err := a.RecordHandover(ctx, site, wrong); kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorFields(err)["fee"], "600.00") {
			t.Errorf("wrong fee: %v", err)
		}
		h, err := a.RecordHandover(ctx, site, in)
		if err != nil || h.Candidates != 3 || h.Subjects != 12 || h.FeeFen != 60000 {
			t.Fatalf("handover = %+v %v", h, err)
		}
		v, err := a.MilitaryRoster(ctx, mil, "")
		if err != nil || v.Confirmed != 0 || len(v.Handovers) != 1 {
			t.Fatalf("after = %+v %v", v, err)
		}
		for _, c := range v.Candidates {
			if c.State != kaowu.StatePaid || c.HandoverID != h.ID {
				t.Errorf("candidate after handover = %+v", c)
			}
			if es, _ := s.AuditOf(ctx, c.ApplicationID); len(es) != 1 || es[0].Action != "application.pay" {
				t.Errorf("audit of %s = %+v", c.ApplicationID, es)
			}
		}
		if _, err := a.RecordHandover(ctx, site, in); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second handover: %v", err)
		}
		me, _ := s.AccountsByLogin(ctx, "mil-a")
		if rs, _ := s.Inbox(ctx, me[0].ID, 5, false); len(rs) != 2 || rs[0].Kind != "military.handover" {
			t.Errorf("reminders = %+v", rs)
		}
	})
}

// BenchmarkMilitaryImport imports a 10 000-row roster per iteration (new
// people each time) on each engine.
func BenchmarkMilitaryImport(b *testing.B) {
	const n = 10000
	for _, eng := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(eng.name, func(b *testing.B) {
			s := eng.open(b)
			a, _ := newApp(b, s)
			mil := militaryUnitActor(b, s, "mil-bench", "某部队医院")
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				rows := rosterRows(i*n, n)
				b.StartTimer()
				out, err := a.ImportMilitaryRoster(ctx, mil, rows, "bench.csv")
				if err != nil || out.Candidates != n {
					b.Fatalf("import: %v %d", err, out.Candidates)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
