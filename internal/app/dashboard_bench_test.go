package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkDashboard computes the dashboards over KAOWU_BENCH_DASHBOARD
// applications of 2024 (100 000 by default) at the Fengtai site, and half
// as many of 2023 to compare with, on each engine: the site office's
// dashboard and the region's (every site). The applications are in every
// state, with their submitted versions as stored in service (a form
// snapshot of 1.5 kB and a photo of 16 kB each, a tenth resubmitted), the
// desk's decisions, orders, payments and seats; they are written by SQL,
// not timed. Each op is one dashboard computed, every query of it (the
// cache that serves it again for DefaultDashboardTTL is off).
func BenchmarkDashboard(b *testing.B) {
	n := envInt("KAOWU_BENCH_DASHBOARD", 100_000)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "kaowu.db")
			if engine == "postgres" {
				dsn = storetest.PostgresURL(b)
			}
			s := openBench(b, dsn)
			a, clock := newApp(b, s)
			a.DashboardTTL = -1 // each op computes the dashboard
			start := time.Now()
			seedDashboard(b, s, dsn, n)
			b.Logf("setup: %d applications of 2024 and %d of 2023 in %s", n, n/2, time.Since(start).Round(time.Second))
			fengtai, _, region, _ := dashActors(b, s)
			clock.Set(bj(2024, 2, 1, 15, 0))
			ctx := context.Background()
			// Where the time goes, once.
			for _, q := range []struct {
				name string
				run  func() error
			}{
				{"application stats", func() error { _, err := s.ApplicationStats(ctx, 2024, "fengtai"); return err }},
				{"first submissions 2024", func() error { _, err := s.FirstSubmissionsByHour(ctx, 2024, "fengtai"); return err }},
				{"first submissions 2023", func() error { _, err := s.FirstSubmissionsByHour(ctx, 2023, "fengtai"); return err }},
				{"desk decisions", func() error { _, err := s.DeskDecisionsByHour(ctx, 2024, "fengtai"); return err }},
				{"payments", func() error { _, err := s.PaymentsByHour(ctx, 2024, "fengtai"); return err }},
				{"order totals", func() error { _, _, err := s.OrderTotals(ctx, 2024, "fengtai"); return err }},
				{"seat counts", func() error { _, err := s.SeatCounts(ctx, 2024, "fengtai"); return err }},
				{"pending by unit", func() error {
					_, err := s.PendingByUnit(ctx, 2024, "fengtai", kaowu.StateSubmitted, kaowu.StateReturned, kaowu.StateApproved)
					return err
				}},
			} {
				t0 := time.Now()
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
				b.Logf("%-24s %s", q.name, time.Since(t0).Round(100*time.Microsecond))
			}
			for _, v := range []struct {
				name string
				run  func() error
			}{
				{"site", func() error { _, err := a.SiteDashboard(ctx, fengtai, ""); return err }},
				{"region", func() error { _, err := a.RegionDashboard(ctx, region, ""); return err }},
			} {
				b.Run(v.name, func(b *testing.B) {
					for b.Loop() {
						if err := v.run(); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/dashboard")
				})
			}
		})
	}
}

// seedDashboard writes n applications of 2024 at the Fengtai site and n/2
// of 2023, with everything the dashboard counts: by COPY on PostgreSQL
// (dsn), by multi-row INSERTs on SQLite.
func seedDashboard(b testing.TB, s *store.Store, dsn string, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2023, 11, 20, 10, 0, 0, 0, time.UTC)
	snapshot := `{"pad":"` + strings.Repeat("报名信息", 125) + `"}`
	// A photo is a JPEG: as incompressible as random bytes.
	photo := make([]byte, 16<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range photo {
		photo[i] = byte(rng.Uint32())
	}
	cats := []string{"direct_hospital", "direct_community", "fifth_medical_center", "garrison_hospital", "private_hospital", "other_community", "clinic"}
	confirmDay := map[string]int{"direct_hospital": 11, "direct_community": 11, "fifth_medical_center": 11, "garrison_hospital": 12,
		"private_hospital": 13, "other_community": 14, "clinic": 15}
	specialties := []string{"368", "303", "201", "203", "302", "304", "305", "306", "307", "308", "309", "310", "101", "102", "369", "370"}
	tables := map[string][]string{
		"units":                {"id", "name", "district", "unit_category", "private", "created_at"},
		"users":                {"id", "username", "name", "role", "password_hash", "unit_id", "created_at"},
		"applications":         {"id", "candidate_id", "year", "site", "specialty", "level", "declarations", "state", "version", "outcome", "auto_confirmed", "submitted_at", "created_at", "updated_at"},
		"application_versions": {"application_id", "version", "submitted_at", "outcome", "snapshot", "digest", "photo"},
		"desk_decisions":       {"id", "application_id", "version", "action", "operator", "at"},
		"orders":               {"id", "application_id", "candidate_id", "year", "subjects", "per_subject_fen", "amount_fen", "due_at", "created_at"},
		"payment_attempts":     {"out_trade_no", "order_id", "code_url", "created_at", "expires_at"},
		"payments":             {"id", "transaction_id", "out_trade_no", "order_id", "amount_fen", "payer", "paid_at", "source", "disposition", "recorded_at"},
		"venues":               {"id", "site", "name", "updated_at"},
		"rooms":                {"id", "venue_id", "site", "name", "kind", "capacity", "seats_per_row", "working_machines", "days", "active", "updated_at"},
		"seat_assignments":     {"application_id", "year", "site", "day", "room_id", "seat", "seat_row", "seat_col", "assigned_at"},
		"scores":               {"application_id", "year", "site", "ticket_no", "specialty", "passed", "answer", "import_id", "updated_at"},
	}
	order := []string{"units", "users", "applications", "application_versions", "desk_decisions", "orders", "payment_attempts", "payments", "venues", "rooms", "seat_assignments", "scores"}
	rows := map[string][][]any{}
	add := func(table string, vals ...any) { rows[table] = append(rows[table], vals) }

	const units = 300
	unitCat := make([]string, units)
	for u := range units {
		unitCat[u] = cats[u%len(cats)]
		add("units", fmt.Sprintf("unit-%d", u), fmt.Sprintf("丰台第%d医疗机构", u), "丰台区", unitCat[u], u%7 == 4, now)
	}
	const rooms, perRoom = 250, 40
	add("venues", "venue-1", "fengtai", "丰台考试中心", now)
	for r := range rooms {
		add("rooms", fmt.Sprintf("room-%d", r), "venue-1", "fengtai", fmt.Sprintf("机房%03d", r), "computer", perRoom, 8, perRoom, "", true, now)
	}
	examDays := []string{"2024-04-13", "2024-04-14", "2024-04-20", "2024-04-21"}
	seat := 0
	for i := range n {
		unit := any(fmt.Sprintf("unit-%d", i%units))
		cat := unitCat[i%units]
		if i%20 == 19 {
			unit, cat = nil, ""
		}
		uid := fmt.Sprintf("u%07d", i)
		add("users", uid, fmt.Sprintf("b%07d", i), "考生", "candidate", "x", unit, now)
		for _, year := range []int{2024, 2023} {
			if year == 2023 && i%2 == 1 {
				continue
			}
			id := fmt.Sprintf("a%d-%07d", year, i)
			sp := specialties[i%len(specialties)]
			level, _ := kaowu.LevelOfCode(sp)
			// States by bucket: draft 5, submitted 5, returned 1, confirmed
			// 10, void 4, approved 10, rejected 2, forfeited 3, paid 50,
			// ticketed 10 (per 100).
			k := (i * 37) % 100
			var state string
			switch {
			case k < 5:
				state = "draft"
			case k < 10:
				state = "submitted"
			case k < 11:
				state = "returned"
			case k < 21:
				state = "confirmed"
			case k < 25:
				state = "void"
			case k < 35:
				state = "approved"
			case k < 37:
				state = "rejected"
			case k < 40:
				state = "forfeited"
			case k < 90:
				state = "paid"
			default:
				state = "ticketed"
			}
			if year == 2023 && state != "draft" {
				state = "ticketed" // and scored: its scores below
			}
			windowStart := time.Date(year-1, 12, 1, 0, 0, 0, 0, kaowu.Shanghai)
			first := windowStart.Add(time.Duration(i%(14*24*60)) * time.Minute).UTC()
			version, submitted := 0, any(nil)
			if state != "draft" {
				version, submitted = 1, first
				add("application_versions", id, 1, first, "eligible", snapshot, "d", photo)
				if i%10 == 3 {
					version = 2
					submitted = first.Add(time.Hour)
					add("application_versions", id, 2, submitted, "eligible", snapshot, "d", photo)
				}
			}
			auto := i%9 == 0
			add("applications", id, uid, year, "fengtai", sp, string(level), "{}", state, version, "eligible", auto, submitted, now, now)
			if year == 2023 {
				if state != "draft" {
					add("scores", id, year, "fengtai", "T"+id, sp, i%3 == 0, "{}", "seed", now)
				}
				continue
			}
			switch state {
			case "confirmed", "approved", "rejected", "forfeited", "paid", "ticketed", "returned":
				if auto && state != "returned" {
					break
				}
				day, action := confirmDay[cat], "confirm"
				if day == 0 {
					day = 11
				}
				if state == "returned" {
					action = "return"
				}
				add("desk_decisions", "dd"+id, id, version, action, "site", time.Date(2023, 12, day, 9+i%7, i%60, 0, 0, kaowu.Shanghai).UTC())
			}
			switch state {
			case "approved", "forfeited", "paid", "ticketed":
				oid := "o" + id
				add("orders", oid, id, uid, year, "basics,related,professional,practice", 5000, 20000, time.Date(2024, 2, 9, 0, 0, 0, 0, kaowu.Shanghai).UTC(), now)
				if state == "paid" || state == "ticketed" {
					paid := time.Date(2024, 1, 29, 0, 0, 0, 0, kaowu.Shanghai).Add(time.Duration(i%(4*24*60)) * time.Minute).UTC()
					add("payment_attempts", "t"+id, oid, "x", paid, paid)
					add("payments", "p"+id, "w"+id, "t"+id, oid, 20000, "p", paid, "notify", "applied", paid)
					if seat < rooms*perRoom*len(examDays) {
						r, d := seat/perRoom%rooms, seat/(perRoom*rooms)
						add("seat_assignments", id, year, "fengtai", examDays[d], fmt.Sprintf("room-%d", r), seat%perRoom+1, 1, seat%perRoom+1, now)
						seat++
					}
				}
			}
		}
	}
	if s.Engine() == store.Postgres {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, t := range order {
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{t}, tables[t], pgx.CopyFromRows(rows[t])); err != nil {
				b.Fatalf("copy into %s: %v", t, err)
			}
		}
		// The planner's statistics, as autovacuum keeps them in service.
		if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
		return
	}
	err := s.Update(ctx, func(tx *store.Tx) error {
		for _, t := range order {
			if err := insertBench(ctx, tx.SQLTx(), t, tables[t], rows[t], 500); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func insertBench(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, perStmt int) error {
	per := max(1, perStmt/len(cols))
	for len(rows) > 0 {
		k := min(per, len(rows))
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, k*len(cols))
		for r := range k {
			if r > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for c := range cols {
				if c > 0 {
					q.WriteString(", ")
				}
				q.WriteString("$" + strconv.Itoa(len(args)+1))
				args = append(args, rows[r][c])
			}
			q.WriteString(")")
		}
		rows = rows[k:]
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// openBench opens and migrates the store at dsn, closed when b ends.
func openBench(b testing.TB, dsn string) *store.Store {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}
