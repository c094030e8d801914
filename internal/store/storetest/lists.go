package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// testLists: every list, sort and filter against an oracle: the list's
// whole content read once, filtered and sorted in Go (Go compares strings
// by code point, as SQLite and PostgreSQL's C collation do). Pages are
// walked forward by Next and back by Prev; ties on a sort key are broken
// by the unique last key; a row inserted between two pages neither
// repeats nor hides another; counts match; bad cursors are refused.
func testLists(t *testing.T, s *store.Store) {
	ctx := context.Background()
	info := SeedLists(t, s, 400)
	// Ties: six candidates share a name and an instant of registration,
	// and their applications an instant of submission.
	tie := time.Date(2023, 11, 15, 2, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`UPDATE users SET name = '同名', created_at = $1 WHERE id IN ('c0000101', 'c0000102', 'c0000103', 'c0000104', 'c0000105', 'c0000106')`,
		`UPDATE applications SET submitted_at = $1 WHERE candidate_id IN ('c0000101', 'c0000102', 'c0000103', 'c0000104', 'c0000105', 'c0000106')`,
	} {
		if _, err := s.SQLDB().ExecContext(ctx, q, tie); err != nil {
			t.Fatal(err)
		}
	}
	y := store.ListQuery{Year: 2024}

	// The oracle's sources: every unit, candidate, application.
	units := map[string]store.UnitRow{}
	for _, u := range all(t, s, store.Units, y) {
		units[u.ID] = u
	}
	cands := all(t, s, store.Candidates, y)
	apps := all(t, s, store.Applications, y)
	appOf := map[string]store.ApplicationRow{}
	for _, a := range apps {
		appOf[a.ID] = a
	}
	pays := all(t, s, store.Payments, y)
	scores := all(t, s, store.Scores, y)
	if len(units) < info.Units || len(cands) < info.Candidates || len(apps) < info.Applications-info.States[kaowu.StateDraft] ||
		len(pays) != info.Payments || len(scores) != info.Scores {
		t.Fatalf("unfiltered lists: %d units, %d candidates, %d applications, %d payments, %d scores; seeded %+v",
			len(units), len(cands), len(apps), len(pays), len(scores), info)
	}
	for _, a := range apps {
		if a.State == kaowu.StateDraft && a.Version == 0 {
			t.Fatalf("an application never submitted is listed: %+v", a)
		}
	}
	district := func(unitID string) string { return units[unitID].District }
	category := func(unitID string) string { return units[unitID].Category }
	from, to := time.Date(2023, 11, 10, 16, 0, 0, 0, time.UTC), time.Date(2023, 11, 20, 16, 0, 0, 0, time.UTC)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	sp := info.Specialties[2]
	someUnit := cands[len(cands)/2].UnitID
	id := string(SeedIDNumber(123))
	t.Run("candidates", func(t *testing.T) {
		keys := map[string]func(r store.CandidateRow) []any{
			"registered": func(r store.CandidateRow) []any { return []any{r.RegisteredAt, r.ID} },
			"name":       func(r store.CandidateRow) []any { return []any{r.Name, r.ID} },
			"username":   func(r store.CandidateRow) []any { return []any{r.Username, r.ID} },
		}
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
			keep func(r store.CandidateRow) bool
		}{
			{"all", nil, nil},
			{"no application", func(q *store.ListQuery) { q.Filter.State = store.StateNone }, func(r store.CandidateRow) bool { return r.ApplicationID == "" }},
			{"state", func(q *store.ListQuery) { q.Filter.State = "paid" }, func(r store.CandidateRow) bool { return r.State == "paid" }},
			{"specialty", func(q *store.ListQuery) { q.Filter.Specialty = sp }, func(r store.CandidateRow) bool { return r.Specialty == sp }},
			{"level", func(q *store.ListQuery) { q.Filter.Level = kaowu.LevelJunior }, func(r store.CandidateRow) bool { return r.Level == kaowu.LevelJunior }},
			{"site", func(q *store.ListQuery) { q.Filter.Site = "chaoyang" }, func(r store.CandidateRow) bool { return r.Site == "chaoyang" }},
			{"unit", func(q *store.ListQuery) { q.Filter.UnitID = someUnit }, func(r store.CandidateRow) bool { return r.UnitID == someUnit }},
			{"category", func(q *store.ListQuery) { q.Filter.UnitCategory = "clinic" }, func(r store.CandidateRow) bool { return category(r.UnitID) == "clinic" }},
			{"registered", func(q *store.ListQuery) { q.Filter.From, q.Filter.To = from, to }, func(r store.CandidateRow) bool { return in(r.RegisteredAt) }},
			{"name prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "王", store.FieldName }, func(r store.CandidateRow) bool { return strings.HasPrefix(r.Name, "王") }},
			{"username prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "cand000012", store.FieldUsername }, func(r store.CandidateRow) bool { return strings.HasPrefix(r.Username, "cand000012") }},
			{"id number", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = id, store.FieldIDNumber }, func(r store.CandidateRow) bool { return string(r.IDNumber) == id }},
			{"a field it lacks", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "x", store.FieldTransaction }, func(store.CandidateRow) bool { return false }},
			{"site scope", func(q *store.ListQuery) { q.Scope = store.ListScope{Site: "chaoyang", District: "朝阳区"} },
				func(r store.CandidateRow) bool { return r.Site == "chaoyang" || district(r.UnitID) == "朝阳区" }},
			{"unit scope", func(q *store.ListQuery) { q.Scope = store.ListScope{UnitID: someUnit} }, func(r store.CandidateRow) bool { return r.UnitID == someUnit }},
			{"unit scope and another unit", func(q *store.ListQuery) { q.Scope = store.ListScope{UnitID: someUnit}; q.Filter.UnitID = "unit000001" },
				func(r store.CandidateRow) bool { return false }},
		} {
			checkList(t, s, store.Candidates, y, c.name, c.mod, cands, c.keep, keys, func(r store.CandidateRow) string { return r.ID })
		}
	})
	t.Run("applications", func(t *testing.T) {
		keys := map[string]func(r store.ApplicationRow) []any{
			"submitted": func(r store.ApplicationRow) []any { return []any{r.SubmittedAt, r.ID} },
			"name":      func(r store.ApplicationRow) []any { return []any{r.Name, r.CandidateID} },
			"specialty": func(r store.ApplicationRow) []any { return []any{r.Specialty, r.ID} },
			// Scored ones are stored ticketed, and sort there.
			"state": func(r store.ApplicationRow) []any { return []any{string(Stored(r.State)), string(r.State), r.ID} },
		}
		var ticket string
		for _, x := range scores {
			if x.ApplicationID == apps[len(apps)/3].ID || ticket == "" {
				ticket = x.TicketNo
			}
		}
		ticketApp := ""
		for _, x := range scores {
			if x.TicketNo == ticket {
				ticketApp = x.ApplicationID
			}
		}
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
			keep func(r store.ApplicationRow) bool
		}{
			{"all", nil, nil},
			{"state", func(q *store.ListQuery) { q.Filter.State = "confirmed" }, func(r store.ApplicationRow) bool { return r.State == "confirmed" }},
			{"scored", func(q *store.ListQuery) { q.Filter.State = "scored" }, func(r store.ApplicationRow) bool { return r.State == "scored" }},
			{"ticketed", func(q *store.ListQuery) { q.Filter.State = "ticketed" }, func(r store.ApplicationRow) bool { return r.State == "ticketed" }},
			{"specialty and level", func(q *store.ListQuery) { q.Filter.Specialty, q.Filter.Level = sp, kaowu.LevelIntermediate },
				func(r store.ApplicationRow) bool { return r.Specialty == sp && r.Level == kaowu.LevelIntermediate }},
			{"site", func(q *store.ListQuery) { q.Filter.Site = "fengtai" }, func(r store.ApplicationRow) bool { return r.Site == "fengtai" }},
			{"unit", func(q *store.ListQuery) { q.Filter.UnitID = someUnit }, func(r store.ApplicationRow) bool { return r.UnitID == someUnit }},
			{"category", func(q *store.ListQuery) { q.Filter.UnitCategory = "private_hospital" }, func(r store.ApplicationRow) bool { return category(r.UnitID) == "private_hospital" }},
			{"submitted", func(q *store.ListQuery) { q.Filter.From, q.Filter.To = from, to }, func(r store.ApplicationRow) bool { return in(r.SubmittedAt) }},
			{"outcome", func(q *store.ListQuery) { q.Filter.Outcome = "review" }, func(r store.ApplicationRow) bool { return r.Outcome == "review" }},
			{"automatically confirmed", func(q *store.ListQuery) { q.Filter.AutoConfirmed = true }, func(r store.ApplicationRow) bool { return r.AutoConfirmed }},
			{"name prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "同", store.FieldName }, func(r store.ApplicationRow) bool { return strings.HasPrefix(r.Name, "同") }},
			{"whole name", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "同名", store.FieldName }, func(r store.ApplicationRow) bool { return r.Name == "同名" }},
			{"username prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "cand00003", store.FieldUsername }, func(r store.ApplicationRow) bool { return strings.HasPrefix(r.Username, "cand00003") }},
			{"id number", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = id, store.FieldIDNumber }, func(r store.ApplicationRow) bool { return string(r.IDNumber) == id }},
			{"ticket number", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = ticket, store.FieldTicketNo }, func(r store.ApplicationRow) bool { return r.ID == ticketApp }},
			{"site scope", func(q *store.ListQuery) { q.Scope = store.ListScope{Site: "chaoyang", District: "朝阳区"} }, func(r store.ApplicationRow) bool { return r.Site == "chaoyang" }},
			{"site scope and another site", func(q *store.ListQuery) {
				q.Scope = store.ListScope{Site: "chaoyang", District: "朝阳区"}
				q.Filter.Site = "fengtai"
			},
				func(r store.ApplicationRow) bool { return false }},
			{"unit scope", func(q *store.ListQuery) { q.Scope = store.ListScope{UnitID: someUnit} }, func(r store.ApplicationRow) bool { return r.UnitID == someUnit }},
		} {
			checkList(t, s, store.Applications, y, c.name, c.mod, apps, c.keep, keys, func(r store.ApplicationRow) string { return r.ID })
		}
		// The columns of a row: its steps' dates and its fee.
		for _, a := range apps {
			paid := a.State == kaowu.StatePaid || a.State == kaowu.StateTicketed || a.State == kaowu.StateScored
			if (a.FeeFen > 0) != (a.Decision == kaowu.StateApproved) || (a.PaidAt != nil) != paid || (a.DecidedAt != nil) != (a.Decision != "") {
				t.Errorf("application %s (%s): fee %d, decision %s at %v, paid at %v", a.ID, a.State, a.FeeFen, a.Decision, a.DecidedAt, a.PaidAt)
			}
			if a.State == kaowu.StateConfirmed && !a.AutoConfirmed && a.ConfirmedAt == nil {
				t.Errorf("confirmed application %s without its confirmation's date", a.ID)
			}
		}
	})
	t.Run("units", func(t *testing.T) {
		rows := make([]store.UnitRow, 0, len(units))
		for _, u := range units {
			rows = append(rows, u)
		}
		keys := map[string]func(r store.UnitRow) []any{
			"name":     func(r store.UnitRow) []any { return []any{r.Name, r.ID} },
			"district": func(r store.UnitRow) []any { return []any{r.District, r.Name, r.ID} },
			"category": func(r store.UnitRow) []any { return []any{r.Category, r.Name, r.ID} },
		}
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
			keep func(r store.UnitRow) bool
		}{
			{"all", nil, nil},
			{"district", func(q *store.ListQuery) { q.Filter.District = "朝阳区" }, func(r store.UnitRow) bool { return r.District == "朝阳区" }},
			{"category", func(q *store.ListQuery) { q.Filter.UnitCategory = "clinic" }, func(r store.UnitRow) bool { return r.Category == "clinic" }},
			{"name prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "丰台区第0000", store.FieldName }, func(r store.UnitRow) bool { return strings.HasPrefix(r.Name, "丰台区第0000") }},
			{"district scope", func(q *store.ListQuery) { q.Scope = store.ListScope{Site: "fengtai", District: "丰台区"} }, func(r store.UnitRow) bool { return r.District == "丰台区" }},
		} {
			checkList(t, s, store.Units, y, c.name, c.mod, rows, c.keep, keys, func(r store.UnitRow) string { return r.ID })
		}
		// Each unit's applications by state, the applications list's rows
		// (in the scope's site only).
		for _, scope := range []store.ListScope{{}, {Site: "chaoyang", District: "朝阳区"}} {
			want := map[string]map[kaowu.ApplicationState]int{}
			for _, a := range apps {
				if scope.Site != "" && a.Site != scope.Site || a.UnitID == "" {
					continue
				}
				if want[a.UnitID] == nil {
					want[a.UnitID] = map[kaowu.ApplicationState]int{}
				}
				want[a.UnitID][a.State]++
			}
			q := y
			q.Limit, q.Scope = 5, scope
			for _, u := range all(t, s, store.Units, q) {
				total := 0
				for st, n := range want[u.ID] {
					total += n
					if u.Counts[st] != n {
						t.Errorf("scope %+v: unit %s has %d %s, want %d", scope, u.Name, u.Counts[st], st, n)
					}
				}
				if scope.Site == "" && u.Total != total {
					t.Errorf("unit %s: total %d, want %d", u.Name, u.Total, total)
				}
			}
		}
	})
	t.Run("payments", func(t *testing.T) {
		keys := map[string]func(r store.PaymentRow) []any{
			"paid":   func(r store.PaymentRow) []any { return []any{r.PaidAt, r.ID} },
			"amount": func(r store.PaymentRow) []any { return []any{r.AmountFen, r.ID} },
		}
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
			keep func(r store.PaymentRow) bool
		}{
			{"all", nil, nil},
			{"disposition", func(q *store.ListQuery) { q.Filter.State = "duplicate" }, func(r store.PaymentRow) bool { return r.Disposition == "duplicate" }},
			{"held", func(q *store.ListQuery) { q.Filter.State = "held" }, func(r store.PaymentRow) bool { return r.Disposition == "held" }},
			{"specialty", func(q *store.ListQuery) { q.Filter.Specialty = sp }, func(r store.PaymentRow) bool { return r.Specialty == sp }},
			{"site", func(q *store.ListQuery) { q.Filter.Site = "chaoyang" }, func(r store.PaymentRow) bool { return r.Site == "chaoyang" }},
			{"category", func(q *store.ListQuery) { q.Filter.UnitCategory = "clinic" }, func(r store.PaymentRow) bool { return category(appOf[r.ApplicationID].UnitID) == "clinic" }},
			{"paid", func(q *store.ListQuery) {
				q.Filter.From, q.Filter.To = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)
			},
				func(r store.PaymentRow) bool { return r.PaidAt.Month() == 2 && r.PaidAt.Day() < 3 }},
			{"transaction", func(q *store.ListQuery) {
				q.Filter.Query, q.Filter.Field = pays[3].TransactionID, store.FieldTransaction
			},
				func(r store.PaymentRow) bool { return r.TransactionID == pays[3].TransactionID }},
			{"name prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = "李", store.FieldName }, func(r store.PaymentRow) bool { return strings.HasPrefix(r.Name, "李") }},
			{"site scope", func(q *store.ListQuery) { q.Scope = store.ListScope{Site: "fengtai", District: "丰台区"} }, func(r store.PaymentRow) bool { return r.Site == "fengtai" }},
		} {
			checkList(t, s, store.Payments, y, c.name, c.mod, pays, c.keep, keys, func(r store.PaymentRow) string { return r.ID })
		}
		for _, p := range pays {
			if (p.Disposition == "duplicate") != (p.RefundedFen > 0) {
				t.Errorf("payment %s (%s): refunded %d", p.ID, p.Disposition, p.RefundedFen)
			}
		}
	})
	t.Run("scores", func(t *testing.T) {
		keys := map[string]func(r store.ScoreRow) []any{
			"ticket":    func(r store.ScoreRow) []any { return []any{r.TicketNo} },
			"name":      func(r store.ScoreRow) []any { return []any{r.Name, appOf[r.ApplicationID].CandidateID} },
			"specialty": func(r store.ScoreRow) []any { return []any{r.Specialty, r.TicketNo} },
		}
		prefix := scores[0].TicketNo[:12]
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
			keep func(r store.ScoreRow) bool
		}{
			{"all", nil, nil},
			{"passed", func(q *store.ListQuery) { q.Filter.State = store.ScorePassed }, func(r store.ScoreRow) bool { return r.Passed }},
			{"failed", func(q *store.ListQuery) { q.Filter.State = store.ScoreFailed }, func(r store.ScoreRow) bool { return !r.Passed && !r.Misconduct }},
			{"misconduct", func(q *store.ListQuery) { q.Filter.State = store.ScoreMisconduct }, func(r store.ScoreRow) bool { return r.Misconduct }},
			{"specialty", func(q *store.ListQuery) { q.Filter.Specialty = sp }, func(r store.ScoreRow) bool { return r.Specialty == sp }},
			{"level", func(q *store.ListQuery) { q.Filter.Level = kaowu.LevelIntermediate }, func(r store.ScoreRow) bool { return r.Level == kaowu.LevelIntermediate }},
			{"ticket prefix", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = prefix, store.FieldTicketNo }, func(r store.ScoreRow) bool { return strings.HasPrefix(r.TicketNo, prefix) }},
			{"ticket", func(q *store.ListQuery) { q.Filter.Query, q.Filter.Field = scores[5].TicketNo, store.FieldTicketNo }, func(r store.ScoreRow) bool { return r.TicketNo == scores[5].TicketNo }},
			{"site scope", func(q *store.ListQuery) { q.Scope = store.ListScope{Site: "chaoyang", District: "朝阳区"} }, func(r store.ScoreRow) bool { return r.Site == "chaoyang" }},
		} {
			checkList(t, s, store.Scores, y, c.name, c.mod, scores, c.keep, keys, func(r store.ScoreRow) string { return r.ApplicationID })
		}
		absent := 0
		for _, x := range scores {
			if x.Basics == nil || x.Related == nil || x.Professional == nil || x.Practice == nil {
				absent++
			}
		}
		if absent == 0 {
			t.Error("no absent subject (nil) among the scores")
		}
	})

	t.Run("inserted between pages", func(t *testing.T) {
		// The first page by submission, oldest first; then two new
		// applications submitted, one before the page's last row and one
		// after it; the pages from the cursor on hold every later row once,
		// the new later one among them, and not the new earlier one.
		q := y
		q.Sort, q.Limit = "submitted", 20
		p1, err := store.Applications.Page(ctx, s, q)
		if err != nil || len(p1.Rows) != 20 {
			t.Fatalf("page 1: %d rows, %v", len(p1.Rows), err)
		}
		last := p1.Rows[19].SubmittedAt
		early, late := last.Add(-time.Second), apps[len(apps)/2].SubmittedAt.Add(time.Millisecond)
		for i, at := range []time.Time{early, late} {
			u := kaowu.User{Username: fmt.Sprintf("between%d", i), Name: "插入", Role: kaowu.RoleCandidate, PasswordHash: "h", CreatedAt: at}
			a := kaowu.Application{Year: 2024, Site: "fengtai", Specialty: sp, State: kaowu.StateDraft, CreatedAt: at}
			err := s.Update(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				a.CandidateID = u.ID
				if err := tx.CreateApplication(ctx, &a); err != nil {
					return err
				}
				return tx.SubmitApplication(ctx, a.ID, 1, kaowu.StateSubmitted, "eligible", false, at)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		q.Cursor = p1.Next
		var rest []string
		for {
			p, err := store.Applications.Page(ctx, s, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Rows {
				rest = append(rest, r.ID)
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		now := all(t, s, store.Applications, store.ListQuery{Year: 2024, Sort: "submitted"})
		var want []string
		for _, r := range now {
			if r.SubmittedAt.After(last) || r.SubmittedAt.Equal(last) && r.ID > p1.Rows[19].ID {
				want = append(want, r.ID)
			}
		}
		if !slices.Equal(rest, want) {
			t.Errorf("after the insertions, the pages from the cursor hold %d rows, want %d", len(rest), len(want))
		}
		if len(want) != len(apps)-20+1 {
			t.Errorf("%d rows after page 1, want %d (the later insertion only)", len(want), len(apps)-20+1)
		}
	})

	t.Run("cursors", func(t *testing.T) {
		q := y
		q.Limit = 3
		p, err := store.Applications.Page(ctx, s, q)
		if err != nil || p.Next == "" || p.Prev != "" {
			t.Fatalf("first page: next %q prev %q %v", p.Next, p.Prev, err)
		}
		for _, c := range []struct {
			name string
			mod  func(q *store.ListQuery)
		}{
			{"another sort", func(q *store.ListQuery) { q.Sort = "name" }},
			{"the other order", func(q *store.ListQuery) { q.Desc = true }},
			{"edited", func(q *store.ListQuery) { q.Cursor = q.Cursor[:len(q.Cursor)-3] + "xyz" }},
			{"not base64", func(q *store.ListQuery) { q.Cursor = "%%%" }},
		} {
			qq := q
			qq.Cursor = p.Next
			c.mod(&qq)
			if _, err := store.Applications.Page(ctx, s, qq); code(err) != kaowu.EINVALID {
				t.Errorf("cursor of %s: %v", c.name, err)
			}
		}
		q.Sort = "nonsense"
		if _, err := store.Applications.Page(ctx, s, q); code(err) != kaowu.EINVALID {
			t.Errorf("unknown sort: %v", err)
		}
	})
}

// all returns every row of list l under q, walking its pages.
func all[R any](t *testing.T, s *store.Store, l *store.List[R], q store.ListQuery) []R {
	t.Helper()
	var out []R
	if q.Limit == 0 {
		q.Limit = store.MaxListLimit
	}
	err := l.Each(context.Background(), s, q, q.Limit, func(rows []R) error {
		out = append(out, rows...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkList checks list l under the filter mod against the oracle: every
// row of rows that keep keeps (all when nil), in each sort of keys, both
// ways, walked forward by Next and back by Prev, and its count.
func checkList[R any](t *testing.T, s *store.Store, l *store.List[R], base store.ListQuery, name string, mod func(q *store.ListQuery),
	rows []R, keep func(R) bool, keys map[string]func(R) []any, id func(R) string) {
	t.Helper()
	ctx := context.Background()
	var want []R
	for _, r := range rows {
		if keep == nil || keep(r) {
			want = append(want, r)
		}
	}
	q := base
	if mod != nil {
		mod(&q)
	}
	n, err := l.Count(ctx, s, q)
	if err != nil || n != len(want) {
		t.Errorf("%s: count %d, %v; want %d", name, n, err, len(want))
	}
	if _, err := l.Estimate(ctx, s, q); err != nil {
		t.Errorf("%s: estimate: %v", name, err)
	}
	limit := max(3, len(want)/4)
	if name == "all" {
		limit = 97
	}
	for _, sort := range l.Sorts {
		for _, desc := range []bool{false, true} {
			key := keys[sort]
			exp := slices.Clone(want)
			slices.SortFunc(exp, func(a, b R) int {
				c := compareKeys(key(a), key(b))
				if desc {
					return -c
				}
				return c
			})
			expIDs := make([]string, len(exp))
			for i, r := range exp {
				expIDs[i] = id(r)
			}
			qq := q
			qq.Sort, qq.Desc, qq.Limit = sort, desc, limit
			var got []string
			var pages []store.ListPage[R]
			for i := 0; ; i++ {
				p, err := l.Page(ctx, s, qq)
				if err != nil {
					t.Fatalf("%s by %s (desc %v): page %d: %v", name, sort, desc, i, err)
				}
				if (i == 0) != (p.Prev == "") && len(p.Rows) > 0 {
					t.Errorf("%s by %s (desc %v): page %d has prev %q", name, sort, desc, i, p.Prev)
				}
				pages = append(pages, p)
				for _, r := range p.Rows {
					got = append(got, id(r))
				}
				if p.Next == "" || i > len(want)+2 {
					break
				}
				qq.Cursor = p.Next
			}
			if !slices.Equal(got, expIDs) {
				t.Errorf("%s by %s (desc %v): %d rows, want %d; first differences: %v", name, sort, desc, len(got), len(expIDs), firstDiff(got, expIDs))
				continue
			}
			// Back from the last page by Prev: the same rows.
			var back []string
			p := pages[len(pages)-1]
			for i := 0; p.Prev != "" && i <= len(pages); i++ {
				qq.Cursor = p.Prev
				if p, err = l.Page(ctx, s, qq); err != nil {
					t.Fatalf("%s by %s back: %v", name, sort, err)
				}
				var ids []string
				for _, r := range p.Rows {
					ids = append(ids, id(r))
				}
				back = append(ids, back...)
			}
			lastPage := pages[len(pages)-1].Rows
			var lastIDs []string
			for _, r := range lastPage {
				lastIDs = append(lastIDs, id(r))
			}
			if len(pages) > 1 && !slices.Equal(append(back, lastIDs...), expIDs) {
				t.Errorf("%s by %s (desc %v): back by Prev gives %d rows, want %d", name, sort, desc, len(back)+len(lastIDs), len(expIDs))
			}
		}
	}
}

func compareKeys(a, b []any) int {
	for i := range a {
		var c int
		switch x := a[i].(type) {
		case string:
			c = strings.Compare(x, b[i].(string))
		case time.Time:
			c = x.Compare(b[i].(time.Time))
		case int64:
			c = cmp.Compare(x, b[i].(int64))
		default:
			panic(fmt.Sprintf("key of type %T", x))
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d got %s want %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}
