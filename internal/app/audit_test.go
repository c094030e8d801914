package app_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// auditFixture: alice (a Fengtai unit, submitted at the Fengtai site), bob
// (a Chaoyang unit), carol (no unit yet); a site office at each site and
// the region office.
type auditFixture struct {
	a                         *app.App
	s                         *store.Store
	clock                     *kaowu.ManualClock
	alice, bob, carol         kaowu.Account
	aliceApp                  kaowu.Application
	fengtai, chaoyang, region app.Actor
}

func newAuditFixture(t *testing.T, s *store.Store) *auditFixture {
	t.Helper()
	a, clock := newApp(t, s)
	ft, cy := units(t, s)
	fx := &auditFixture{a: a, s: s, clock: clock}
	me, ap := submitted(t, a, clock, "alice", 1, ft)
	fx.alice, fx.aliceApp = mustAccount(t, s, me.Username), ap
	fx.bob = register(t, a, "bobby", 2)
	if _, err := a.SaveProfile(context.Background(), actor(fx.bob), fx.bob.ID, validProfile(cy.ID), nil); err != nil {
		t.Fatal(err)
	}
	fx.carol = register(t, a, "carol", 3)
	fx.fengtai = siteStaff(t, s, "ft-office", "fengtai")
	fx.chaoyang = siteStaff(t, s, "cy-office", "chaoyang")
	fx.region = staff(t, a, s, kaowu.RoleRegionStaff)
	return fx
}

func mustAccount(t *testing.T, s *store.Store, username string) kaowu.Account {
	t.Helper()
	accs, err := s.AccountsByLogin(context.Background(), username)
	if err != nil || len(accs) != 1 {
		t.Fatalf("account %s: %v %v", username, accs, err)
	}
	return accs[0]
}

func (fx *auditFixture) search(t *testing.T, who app.Actor, q app.AuditQuery) app.AuditResult {
	t.Helper()
	res, err := fx.a.SearchAudit(context.Background(), who, q)
	if err != nil {
		t.Fatalf("search %+v as %s: %v", q, who.Username, err)
	}
	return res
}

// objects returns the objects of a result's entries.
func objects(res app.AuditResult) map[string]bool {
	out := map[string]bool{}
	for _, it := range res.Items {
		out[it.Object] = true
	}
	return out
}

func appendRaw(t *testing.T, s *store.Store, es ...kaowu.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudits(ctx, es) }); err != nil {
		t.Fatal(err)
	}
}

func TestAuditSearchScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		fx := newAuditFixture(t, s)
		appendRaw(t, s,
			kaowu.AuditEntry{At: t0, Actor: "ft-office", Role: kaowu.RoleSiteStaff, Action: "unit.update", Object: "some-unit", Detail: "丰台考点改了单位"},
			kaowu.AuditEntry{At: t0, Actor: "cy-office", Role: kaowu.RoleSiteStaff, Action: "room.import", Object: "chaoyang", Detail: "朝阳考点导入考场"},
			kaowu.AuditEntry{At: t0, Actor: "system", Role: kaowu.RoleAdmin, Action: "room.import", Object: "fengtai", Detail: "丰台考场"})

		all := func(who app.Actor) map[string]bool {
			t.Helper()
			got := map[string]bool{}
			q := app.AuditQuery{}
			for {
				res := fx.search(t, who, q)
				for o := range objects(res) {
					got[o] = true
				}
				if res.Next == "" {
					return got
				}
				q.After = res.Next
			}
		}
		ft, cy, region := all(fx.fengtai), all(fx.chaoyang), all(fx.region)
		for _, c := range []struct {
			object      string
			ft, cy, reg bool
		}{
			{fx.alice.ID, true, false, true},
			{fx.aliceApp.ID, true, false, true},
			{fx.bob.ID, false, true, true},
			{fx.carol.ID, true, true, true},  // no unit yet: every site office reaches them (staffReaches)
			{"some-unit", true, false, true}, // made by the Fengtai office
			{"chaoyang", false, true, true},  // made by the Chaoyang office, and the site itself
			{"fengtai", true, false, true},   // the site itself
		} {
			if ft[c.object] != c.ft || cy[c.object] != c.cy || region[c.object] != c.reg {
				t.Errorf("%s: fengtai %v chaoyang %v region %v, want %v %v %v", c.object, ft[c.object], cy[c.object], region[c.object], c.ft, c.cy, c.reg)
			}
		}

		// Another site's candidate looks exactly like nobody, by text or id.
		for _, q := range []app.AuditQuery{{Candidate: "bobby"}, {Candidate: resident(2)}, {CandidateID: fx.bob.ID}} {
			got := fx.search(t, fx.fengtai, q)
			none := fx.search(t, fx.fengtai, app.AuditQuery{Candidate: "nosuchperson"})
			if q.CandidateID != "" {
				none = fx.search(t, fx.fengtai, app.AuditQuery{CandidateID: store.NewID()})
			}
			if got.Candidate != nil || len(got.Items) != 0 || !got.NoCandidate || len(got.Matches) != 0 ||
				got.NoCandidate != none.NoCandidate || len(none.Items) != 0 {
				t.Errorf("fengtai office asking for bob %+v: %+v (nobody: %+v)", q, got, none)
			}
		}
		// The Chaoyang office reaches bob: his whole trail, his full ID
		// number in the header, entries masked.
		got := fx.search(t, fx.chaoyang, app.AuditQuery{Candidate: resident(2)})
		if got.Candidate == nil || got.Candidate.ID != fx.bob.ID || got.Candidate.FullIDNumber != resident(2) {
			t.Fatalf("chaoyang office asking for bob: %+v", got)
		}
		actions := map[string]bool{}
		for _, it := range got.Items {
			if it.Object != fx.bob.ID || it.CandidateID != fx.bob.ID {
				t.Errorf("bob's trail holds %+v", it)
			}
			if strings.Contains(it.Detail+it.Before+it.After, resident(2)) {
				t.Errorf("entry shows the full ID number: %+v", it)
			}
			actions[it.Action] = true
		}
		if !actions["account.register"] || !actions["profile.save"] {
			t.Errorf("bob's trail: %v", actions)
		}

		// Alice by ID number, as the Fengtai office: her account and her
		// application, each entry linked to her.
		got = fx.search(t, fx.fengtai, app.AuditQuery{Candidate: resident(1)})
		if got.Candidate == nil || got.Candidate.ID != fx.alice.ID {
			t.Fatalf("fengtai office asking for alice: %+v", got)
		}
		if o := objects(got); !o[fx.alice.ID] || !o[fx.aliceApp.ID] || len(o) != 2 {
			t.Errorf("alice's trail is about %v", o)
		}
		for _, it := range got.Items {
			if it.CandidateID != fx.alice.ID {
				t.Errorf("entry %s (%s) not linked to alice", it.Action, it.Object)
			}
		}

		// The name 张考生 is everyone's: the office picks among those it reaches.
		if m := fx.search(t, fx.fengtai, app.AuditQuery{Candidate: "张考生"}).Matches; len(m) != 2 {
			t.Errorf("fengtai office: %d matches for 张考生, want alice and carol", len(m))
		}
		if m := fx.search(t, fx.region, app.AuditQuery{Candidate: "张考生"}); len(m.Matches) != 3 || len(m.Items) != 0 {
			t.Errorf("region: %d matches, %d entries for 张考生", len(m.Matches), len(m.Items))
		}

		// Only the offices search.
		for _, who := range []app.Actor{actor(fx.alice), staff(t, fx.a, s, kaowu.RoleUnitHR)} {
			if _, err := fx.a.SearchAudit(context.Background(), who, app.AuditQuery{}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s searched the audit log: %v", who.Role, err)
			}
		}
	})
}

func TestAuditSearchFilters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		region := staff(t, a, s, kaowu.RoleRegionStaff)
		bj := func(day, hour, min int) time.Time { return time.Date(2023, 12, day, hour, min, 0, 0, kaowu.Shanghai) }
		// 23:30 on 12-04 and 00:30 on 12-05 in Beijing are the same UTC day.
		appendRaw(t, s,
			kaowu.AuditEntry{At: bj(4, 23, 30), Actor: "dayer", Role: kaowu.RoleSiteStaff, Action: "unit.update", Object: "u1", Detail: "late"},
			kaowu.AuditEntry{At: bj(5, 0, 30), Actor: "dayer", Role: kaowu.RoleSiteStaff, Action: "unit.update", Object: "u1", Detail: "early"},
			kaowu.AuditEntry{At: bj(6, 23, 59), Actor: "dayer", Role: kaowu.RoleSiteStaff, Action: "room.update", Object: "r1", Detail: "last"},
			kaowu.AuditEntry{At: bj(7, 0, 0), Actor: "other", Role: kaowu.RoleSiteStaff, Action: "room.update", Object: "r1", Detail: "next day"})
		details := func(q app.AuditQuery) []string {
			t.Helper()
			res, err := a.SearchAudit(context.Background(), region, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range res.Items {
				if it.Actor == "dayer" || it.Actor == "other" {
					out = append(out, it.Detail)
				}
			}
			return out
		}
		d := kaowu.NewDate
		for name, c := range map[string]struct {
			q    app.AuditQuery
			want []string
		}{
			"one Beijing day":     {app.AuditQuery{From: d(2023, 12, 5), To: d(2023, 12, 5)}, []string{"early"}},
			"the day before":      {app.AuditQuery{To: d(2023, 12, 4), Actor: "dayer"}, []string{"late"}},
			"to includes its day": {app.AuditQuery{From: d(2023, 12, 6), To: d(2023, 12, 6)}, []string{"last"}},
			"actor":               {app.AuditQuery{Actor: "other"}, []string{"next day"}},
			"action":              {app.AuditQuery{Action: "room.update"}, []string{"next day", "last"}},
			"action and actor":    {app.AuditQuery{Action: "unit.update", Actor: "dayer"}, []string{"early", "late"}},
		} {
			if got := details(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", name, got, c.want)
			}
		}
		_, err := a.SearchAudit(context.Background(), region, app.AuditQuery{From: d(2023, 12, 6), To: d(2023, 12, 5)})
		if kaowu.ErrorFields(err)["to"] == "" {
			t.Errorf("to before from: %v", err)
		}
		if _, err := a.SearchAudit(context.Background(), region, app.AuditQuery{After: "garbage"}); kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Errorf("a bad cursor: %v", err)
		}

		// Pages of 50 by keyset, newest first, every entry once, the last
		// page without a next.
		var many []kaowu.AuditEntry
		for i := range 120 {
			many = append(many, kaowu.AuditEntry{At: bj(10, 8, 0).Add(time.Duration(i/2) * time.Second), Actor: "pager", Role: kaowu.RoleAdmin,
				Action: "unit.update", Object: "p" + strconv.Itoa(i), Detail: strconv.Itoa(i)})
		}
		appendRaw(t, s, many...)
		q := app.AuditQuery{Actor: "pager"}
		var sizes []int
		seen := map[string]bool{}
		for {
			res, err := a.SearchAudit(context.Background(), region, q)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(res.Items))
			for _, it := range res.Items {
				if seen[it.ID] {
					t.Errorf("entry %s on two pages", it.Detail)
				}
				seen[it.ID] = true
			}
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		if !slices.Equal(sizes, []int{50, 50, 20}) || len(seen) != 120 {
			t.Errorf("pages %v, %d entries", sizes, len(seen))
		}

		// Sealing shows on the entries.
		if _, err := a.SealAudit(context.Background()); err != nil {
			t.Fatal(err)
		}
		res, _ := a.SearchAudit(context.Background(), region, app.AuditQuery{Actor: "other"})
		if len(res.Items) != 1 || !res.Items[0].Sealed() || res.Unsealed != 0 || res.Head == 0 {
			t.Errorf("after sealing: %+v", res)
		}
	})
}

func TestAuditExport(t *testing.T) {
	s := storetest.SQLite(t)
	fx := newAuditFixture(t, s)
	ctx := context.Background()
	// An entry written around the store's masking (as before the rule).
	if _, err := s.SQLDB().ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, role, action, object, detail) VALUES ($1, $2, 'ft-office', 'site_staff', 'profile.save', $3, $4)`,
		store.NewID(), t0.UTC(), fx.alice.ID, "核对证件 "+resident(1)); err != nil {
		t.Fatal(err)
	}
	res := fx.search(t, fx.fengtai, app.AuditQuery{CandidateID: fx.alice.ID})
	x, err := fx.a.ExportAudit(ctx, fx.fengtai, app.AuditQuery{CandidateID: fx.alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	x.Close()
	rows, err := tabular.Read("audit.xlsx", &b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(res.Items)+1 || rows[0][0] != "时间（北京时间）" {
		t.Fatalf("export has %d rows for %d entries: %v", len(rows), len(res.Items), rows[0])
	}
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	if strings.Contains(text, resident(1)) || !strings.Contains(text, kaowu.MaskID(resident(1))) {
		t.Errorf("the export shows the full ID number or lacks the masked one:\n%s", text)
	}
	// The export is itself audited; the Chaoyang office exports nothing of alice.
	got := fx.search(t, fx.region, app.AuditQuery{Action: "audit.export"})
	if len(got.Items) != 1 || got.Items[0].Actor != "ft-office" || got.Items[0].Object != fx.alice.ID {
		t.Errorf("export audit: %+v", got.Items)
	}
	x, err = fx.a.ExportAudit(ctx, fx.chaoyang, app.AuditQuery{CandidateID: fx.alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Rows() != 1 {
		t.Errorf("the Chaoyang office exported %d rows of alice's", x.Rows()-1)
	}
}

func TestAuditStateChanges(t *testing.T) {
	for _, c := range []struct {
		before, after string
		want          []app.StateChange
	}{
		{"", "", nil},
		{`{"name":"张三","n":1,"x":{"a":1}}`, `{"name":"张四","n":1,"y":true}`, []app.StateChange{
			{Field: "name", Before: "张三", After: "张四", Changed: true},
			{Field: "n", Before: "1", After: "1"},
			{Field: "x.a", Before: "1", Changed: true},
			{Field: "y", After: "true", Changed: true},
		}},
		{"", `{"openid":"o***x"}`, []app.StateChange{{Field: "openid", After: "o***x", Changed: true}}},
		{`{"work":{"post":"护理","unit":"u1"},"titles":[1]}`, `{"work":{"post":"护理部","unit":"u1"},"titles":[1, 2]}`, []app.StateChange{
			{Field: "work.post", Before: "护理", After: "护理部", Changed: true},
			{Field: "work.unit", Before: "u1", After: "u1"},
			{Field: "titles", Before: "[\n  1\n]", After: "[\n  1,\n  2\n]", Changed: true},
		}},
		{"not json", `{"a":1}`, []app.StateChange{{Before: "not json", After: "{\n  \"a\": 1\n}", Changed: true}}},
	} {
		if got := app.StateChangesOf(c.before, c.after); !slices.Equal(got, c.want) {
			t.Errorf("%q → %q:\n got %+v\nwant %+v", c.before, c.after, got, c.want)
		}
	}
}

// TestAuditActionsLabelled: every action the code writes to the audit log
// has its Chinese label (kaowu.AuditActions), so the search's select
// offers it.
func TestAuditActionsLabelled(t *testing.T) {
	// Actions built at run time from these literals.
	written := map[string]bool{"application.confirm": true, "application.return": true, "application.approve": true, "application.reject": true}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("../demo/*.go")
	fset := token.NewFileSet()
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit := func(e ast.Expr) {
				if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
					s, _ := strconv.Unquote(b.Value)
					written[s] = true
				}
			}
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "audit" || sel.Sel.Name == "auditChange") && len(n.Args) > 3 {
					lit(n.Args[3])
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Action" {
					lit(n.Value)
				}
			}
			return true
		})
	}
	if len(written) < 40 {
		t.Fatalf("found only %d actions: the scan is broken", len(written))
	}
	for a := range written {
		if !strings.Contains(a, ".") {
			continue // a variable's other literals (store.DeskConfirm…)
		}
		if kaowu.AuditActionLabel(a) == a {
			t.Errorf("action %q has no label in kaowu.AuditActions", a)
		}
	}
}
