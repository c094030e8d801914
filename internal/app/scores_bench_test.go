package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaowu/internal/bench"
	"kaowu/internal/server"
	"kaowu/internal/store"

	"kaowu/internal/store/storetest"
)

// scoreSpecialties are the 20 specialties of BenchmarkImportScores: a
// million tickets, 50 000 per specialty (the sequence has 5 digits).
var scoreSpecialties = []string{"302", "303", "304", "305", "306", "307", "308", "309", "310", "312",
	"313", "315", "316", "317", "318", "319", "320", "321", "322", "323"}

// BenchmarkImportScores imports a result file of KAOWU_BENCH_SCORES rows
// (1 000 000 by default) into PostgreSQL (target: 60 s), once per run
// (-benchtime 1x): every row matched to its ticket and candidate, each
// candidate's two-year result decided and kept as the look-up's answer,
// in one transaction. The tickets are made beforehand by SQL
// (generate_series), not timed.
func BenchmarkImportScores(b *testing.B) {
	n := envInt("KAOWU_BENCH_SCORES", 1_000_000)
	for range b.N {
		s := storetest.Postgres(b)
		a, _ := newApp(b, s)
		region := staff(b, a, s, "region_staff")
		ctx := context.Background()
		start := time.Now()
		rows := seedScoreTickets(b, s, n)
		b.Logf("setup: %d tickets and the file in %s", n, time.Since(start).Round(time.Second))
		b.ResetTimer()
		t0 := time.Now()
		rep, err := a.ImportScores(ctx, region, 2024, rows, "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		b.StopTimer()
		if rep.Created != n {
			b.Fatalf("imported %+v", rep)
		}
		b.ReportMetric(d.Seconds(), "import_s")
		b.ReportMetric(float64(n)/d.Seconds(), "rows/s")
	}
}

// joinQ joins xs for an SQL array literal of strings.
func joinQ(xs []string) string { return strings.Join(xs, "','") }

// seedScoreTickets makes n ticketed applications of 2024 at the Fengtai
// site by SQL (generate_series: PostgreSQL only), 20 specialties, and
// returns a result file for them: ID numbers T00000000000000000…, and
// scores that pass some subjects and fail others.
func seedScoreTickets(b *testing.B, s *store.Store, n int) [][]string {
	ctx := context.Background()
	db := s.SQLDB()
	specs := joinQ(scoreSpecialties)
	for _, q := range []string{
		`INSERT INTO users (id, username, name, role, password_hash, created_at, id_type, id_number)
		 SELECT 'u' || i, 'b' || i, '考生' || i, 'candidate', 'x', now(), 'resident_id', 'T' || lpad(i::text, 17, '0') FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO applications (id, candidate_id, year, site, specialty, level, declarations, state, version, created_at, updated_at)
		 SELECT 'a' || i, 'u' || i, 2024, 'fengtai', (ARRAY['` + specs + `'])[i % 20 + 1], 'intermediate', '{}', 'ticketed', 0, now(), now()
		 FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO tickets (application_id, year, site, specialty, ticket_no, seq, archive_no, issued_at)
		 SELECT 'a' || i, 2024, 'fengtai', (ARRAY['` + specs + `'])[i % 20 + 1],
		   '24110106' || (ARRAY['` + specs + `'])[i % 20 + 1] || lpad((i / 20 + 1)::text, 5, '0'), i / 20 + 1,
		   '2024-110106-' || lpad(i::text, 7, '0'), now() FROM generate_series(0, $1 - 1) i`,
		// The planner's statistics, as autovacuum keeps them in service.
		`ANALYZE`,
	} {
		var args []any
		if q != "ANALYZE" {
			args = []any{n}
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	rows := [][]string{{"准考证号", "证件类型", "证件号码", "专业代码", "基础知识", "相关专业知识", "专业知识", "专业实践能力", "违纪"}}
	for i := range n {
		sp := scoreSpecialties[i%20]
		rows = append(rows, []string{fmt.Sprintf("24110106%s%05d", sp, i/20+1), "居民身份证", fmt.Sprintf("T%017d", i), sp,
			strconv.Itoa(40 + i%61), strconv.Itoa(50 + i%51), strconv.Itoa(55 + i%46), strconv.Itoa(30 + i%71), "否"})
	}
	return rows
}

// BenchmarkScoreLookupLoad is release day (六): KAOWU_BENCH_LOOKUPS
// published results (100 000 by default, the look-up cache's size) on
// PostgreSQL, and 200 clients (KAOWU_BENCH_CLIENTS) of the load tool
// looking them up through GET /api/v1/scores on a real listener; in the
// same run, with the same tool and clients, a bare handler answering a
// fixed JSON body of the same size. Two passes of KAOWU_BENCH_SECONDS (8)
// each: cold, every look-up another candidate's first (a database read
// each), then, after the node read the year's answers into memory
// (WarmScores, as serve does before the publication), warm: every
// candidate from memory. Target:
// look-ups at least half the bare handler's rate; p99 reported. Run with
// -benchtime 1x.
func BenchmarkScoreLookupLoad(b *testing.B) {
	n, clients, seconds := envInt("KAOWU_BENCH_LOOKUPS", 100_000), envInt("KAOWU_BENCH_CLIENTS", 200), envInt("KAOWU_BENCH_SECONDS", 8)
	s := storetest.Postgres(b)
	a, clock := newApp(b, s)
	region := staff(b, a, s, "region_staff")
	ctx := context.Background()
	rows := seedScoreTickets(b, s, n)
	if _, err := a.ImportScores(ctx, region, 2024, rows, "bench.csv"); err != nil {
		b.Fatal(err)
	}
	if err := a.PublishScores(ctx, region, 2024, clock.Now()); err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(a, a.Log, "")
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	bare := httptest.NewServer(bench.Bare())
	defer bare.Close()
	pairs := make([]bench.ScoreQuery, 0, n)
	for _, r := range rows[1:] {
		pairs = append(pairs, bench.ScoreQuery{TicketNo: r[0], IDNumber: r[2]})
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	b.ResetTimer()
	for range b.N {
		run := func(url, mix string) bench.Op {
			rep, err := bench.Run(ctx, bench.Config{URL: url, Mix: mix, Clients: clients, Duration: time.Duration(seconds) * time.Second, Scores: pairs})
			if err != nil {
				b.Fatal(err)
			}
			o := rep.Op(mix)
			b.Logf("%s: %d ok, %.0f/s, p50 %s p99 %s, errors %v", mix, o.OK, o.PerSecond, o.P50, o.P99, o.Errors)
			if len(o.Errors) > 0 {
				b.Errorf("%s failed: %v %v", mix, o.Errors, o.Samples)
			}
			return o
		}
		fixed := run(bare.URL, "fixed")
		cold := run(ts.URL, "scores")
		if cold.OK > n {
			b.Logf("the cold pass looked %d candidates up, more than the %d there are: some answers came from memory", cold.OK, n)
		}
		// What serve does from ten minutes before the publication: the
		// year's answers into memory. Then every candidate's look-up, the
		// first included, is answered from there.
		start := time.Now()
		held, err := a.WarmScores(ctx, 2024)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("warm-up: %d answers in memory in %s", held, time.Since(start).Round(time.Millisecond))
		b.ReportMetric(time.Since(start).Seconds(), "warm_up_s")
		warm := run(ts.URL, "scores")
		b.ReportMetric(fixed.PerSecond, "bare_req/s")
		b.ReportMetric(float64(fixed.P99.Microseconds())/1000, "bare_p99_ms")
		b.ReportMetric(cold.PerSecond, "cold_lookups/s")
		b.ReportMetric(cold.PerSecond/fixed.PerSecond, "cold_ratio")
		b.ReportMetric(float64(cold.P99.Microseconds())/1000, "cold_p99_ms")
		b.ReportMetric(warm.PerSecond, "warm_lookups/s")
		b.ReportMetric(warm.PerSecond/fixed.PerSecond, "warm_ratio")
		b.ReportMetric(float64(warm.P99.Microseconds())/1000, "warm_p99_ms")
	}
}

// envInt is the integer in the environment variable name, or def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
