package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkAuditChain appends KAOWU_BENCH_AUDIT entries (1 000 000 by
// default; not timed), then seals them all and verifies the chain, on each
// engine, once per run (-benchtime 1x): seal_s and verify_s are the two
// durations; page_ms is the search's newest page, site_page_ms a site
// office's when the entries are its, site_scan_s a site office's when
// none of them is (the worst case: the whole log is read).
func BenchmarkAuditChain(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("KAOWU_BENCH_AUDIT")); err == nil && v > 0 {
		n = v
	}
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s := e.open(b)
				ctx := context.Background()
				start := time.Now()
				t0 := time.Date(2024, 4, 10, 9, 0, 0, 0, time.UTC)
				office := kaowu.User{Username: "fengtai-office", Name: "丰台考点", Role: kaowu.RoleSiteStaff, PasswordHash: "x", Site: "fengtai", CreatedAt: t0}
				if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &office) }); err != nil {
					b.Fatal(err)
				}
				const chunk = 10000
				for i := 0; i < n; i += chunk {
					es := make([]kaowu.AuditEntry, 0, chunk)
					for j := i; j < min(n, i+chunk); j++ {
						es = append(es, kaowu.AuditEntry{ID: store.NewID(), At: t0.Add(time.Duration(j/1000) * time.Second), Actor: "fengtai-office",
							Role: kaowu.RoleSiteStaff, Action: "score.import", Object: store.NewID(),
							Detail: fmt.Sprintf("2024年度成绩：基础知识 %d，相关专业知识 72，专业知识 68，专业实践能力 75（result-%d.csv）", 60+j%40, j/100000)})
					}
					if err := s.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudits(ctx, es) }); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("setup: %d entries in %s", n, time.Since(start).Round(time.Second))
				b.StartTimer()

				start = time.Now()
				sealed := 0
				var after *store.AuditCursor
				for {
					var k int
					if err := s.Update(ctx, func(tx *store.Tx) error {
						var err error
						k, after, err = tx.SealAuditAfter(ctx, s.AuditSealBatch(), after)
						return err
					}); err != nil {
						b.Fatal(err)
					}
					sealed += k
					if k == 0 {
						break
					}
				}
				seal := time.Since(start)
				start = time.Now()
				c, err := s.VerifyAudit(ctx)
				if err != nil {
					b.Fatal(err)
				}
				verify := time.Since(start)
				b.StopTimer()
				// The search: the newest page of everything; the Fengtai
				// office's newest page (every entry is its staff's); and
				// the Chaoyang office's, none of whose the entries is: the
				// whole log is read.
				timed := func(f store.AuditFilter, want int) time.Duration {
					start := time.Now()
					got, _, err := s.SearchAudit(ctx, f)
					if err != nil || len(got) != want {
						b.Fatal(err, len(got))
					}
					return time.Since(start)
				}
				page := timed(store.AuditFilter{Limit: 50}, 50)
				sitePage := timed(store.AuditFilter{Limit: 50, Scope: &store.AuditScope{Site: "fengtai", District: "丰台区"}}, 50)
				worst := timed(store.AuditFilter{Limit: 50, Scope: &store.AuditScope{Site: "chaoyang", District: "朝阳区"}}, 0)
				if sealed != n || c.Break != nil || c.Verified != int64(n) {
					b.Fatalf("sealed %d, verified %+v", sealed, c)
				}
				b.ReportMetric(seal.Seconds(), "seal_s")
				b.ReportMetric(float64(n)/seal.Seconds(), "sealed/s")
				b.ReportMetric(verify.Seconds(), "verify_s")
				b.ReportMetric(float64(n)/verify.Seconds(), "verified/s")
				b.ReportMetric(float64(page.Microseconds())/1000, "page_ms")
				b.ReportMetric(float64(sitePage.Microseconds())/1000, "site_page_ms")
				b.ReportMetric(worst.Seconds(), "site_scan_s")
			}
		})
	}
}
