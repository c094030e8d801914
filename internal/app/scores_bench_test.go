package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

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
	n := 1_000_000
	if v := os.Getenv("KAOWU_BENCH_SCORES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for range b.N {
		s := storetest.Postgres(b)
		a, _ := newApp(b, s)
		region := staff(b, a, s, "region_staff")
		ctx := context.Background()
		db := s.SQLDB()
		start := time.Now()
		for _, q := range []string{
			`INSERT INTO users (id, username, name, role, password_hash, created_at, id_type, id_number)
			 SELECT 'u' || i, 'b' || i, '考生' || i, 'candidate', 'x', now(), 'resident_id', 'T' || lpad(i::text, 17, '0') FROM generate_series(0, $1 - 1) i`,
			`INSERT INTO applications (id, candidate_id, year, site, specialty, level, declarations, state, version, created_at, updated_at)
			 SELECT 'a' || i, 'u' || i, 2024, 'fengtai', (ARRAY['` + joinQ(scoreSpecialties) + `'])[i % 20 + 1], 'intermediate', '{}', 'ticketed', 0, now(), now()
			 FROM generate_series(0, $1 - 1) i`,
			`INSERT INTO tickets (application_id, year, site, specialty, ticket_no, seq, archive_no, issued_at)
			 SELECT 'a' || i, 2024, 'fengtai', (ARRAY['` + joinQ(scoreSpecialties) + `'])[i % 20 + 1],
			   '24110106' || (ARRAY['` + joinQ(scoreSpecialties) + `'])[i % 20 + 1] || lpad((i / 20 + 1)::text, 5, '0'), i / 20 + 1,
			   '2024-110106-' || lpad(i::text, 7, '0'), now() FROM generate_series(0, $1 - 1) i`,
		} {
			if _, err := db.ExecContext(ctx, q, n); err != nil {
				b.Fatal(err)
			}
		}
		// The planner's statistics, as autovacuum keeps them in service.
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		rows := [][]string{{"准考证号", "证件类型", "证件号码", "专业代码", "基础知识", "相关专业知识", "专业知识", "专业实践能力", "违纪"}}
		for i := range n {
			sp := scoreSpecialties[i%20]
			rows = append(rows, []string{fmt.Sprintf("24110106%s%05d", sp, i/20+1), "居民身份证", fmt.Sprintf("T%017d", i), sp,
				strconv.Itoa(40 + i%61), strconv.Itoa(50 + i%51), strconv.Itoa(55 + i%46), strconv.Itoa(30 + i%71), "否"})
		}
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
