package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkLists measures the staff lists on both engines with
// KAOWU_BENCH_LIST_ROWS applications (100 000 by default) and what they
// bring (storetest.SeedLists: 105 000 candidates, 2 000 units, about
// 59 000 payments and 33 000 scores): one page of 50 as the page asks for
// it (App.List: the page and its count side by side), for the first page,
// filtered pages, a deep page reached by cursor, each sort, a site's and
// a search; then the export of the whole applications list to .xlsx
// (App.RunListExport: one snapshot, the stream writer, the file stored),
// with its size. Target: every page under 200 ms. Run with -benchtime
// 20x (the export runs once per iteration: give it -benchtime 1x alone
// with -bench 'Lists/.*/export').
func BenchmarkLists(b *testing.B) {
	n := envInt("KAOWU_BENCH_LIST_ROWS", 100_000)
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			a, _ := newApp(b, s)
			ctx := context.Background()
			t0 := time.Now()
			info := storetest.SeedLists(b, s, n)
			b.Logf("%s: seeded %d applications, %d candidates, %d units, %d payments, %d scores in %s", e.name, n, info.Candidates,
				info.Units, info.Payments, info.Scores, time.Since(t0).Round(time.Second))
			region := listStaff(b, s, "bench-region", kaowu.RoleRegionStaff, "", "")
			site := listStaff(b, s, "bench-site", kaowu.RoleSiteStaff, "chaoyang", "")
			deep := func(who app.Actor, k store.ListKind, p app.ListParams, rows int) app.ListParams {
				p.Limit = 100
				for range rows / 100 {
					v, err := a.List(ctx, who, k, p)
					if err != nil || v.Next == "" {
						b.Fatalf("deep %s: %v", k, err)
					}
					p.Cursor = v.Next
				}
				p.Limit = 0
				return p
			}
			id := string(storetest.SeedIDNumber(n / 3))
			cases := []struct {
				name string
				who  app.Actor
				k    store.ListKind
				p    app.ListParams
			}{
				{"applications/first", region, store.ListApplications, app.ListParams{}},
				{"applications/filtered", region, store.ListApplications, app.ListParams{State: "paid", Specialty: info.Specialties[3]}},
				{"applications/category", region, store.ListApplications, app.ListParams{Category: "clinic", Level: "intermediate"}},
				{"applications/dates", region, store.ListApplications, app.ListParams{From: "2023-11-20", To: "2023-11-22"}},
				{"applications/deep", region, store.ListApplications, deep(region, store.ListApplications, app.ListParams{}, n/2)},
				{"applications/by-name", region, store.ListApplications, app.ListParams{Sort: "name"}},
				{"applications/by-name-deep", region, store.ListApplications, deep(region, store.ListApplications, app.ListParams{Sort: "name"}, n/2)},
				{"applications/by-specialty", region, store.ListApplications, app.ListParams{Sort: "specialty", Order: "desc"}},
				{"applications/by-state", region, store.ListApplications, app.ListParams{Sort: "state"}},
				{"applications/scored", region, store.ListApplications, app.ListParams{State: "scored"}},
				{"applications/site", site, store.ListApplications, app.ListParams{}},
				{"applications/site-by-name", site, store.ListApplications, app.ListParams{Sort: "name"}},
				{"applications/name-prefix", region, store.ListApplications, app.ListParams{Query: "王"}},
				{"applications/id-number", region, store.ListApplications, app.ListParams{Query: id}},
				{"candidates/first", region, store.ListCandidates, app.ListParams{}},
				{"candidates/by-name", region, store.ListCandidates, app.ListParams{Sort: "name"}},
				{"candidates/by-username-deep", region, store.ListCandidates, deep(region, store.ListCandidates, app.ListParams{Sort: "username"}, n/2)},
				{"candidates/site", site, store.ListCandidates, app.ListParams{}},
				{"candidates/no-application", region, store.ListCandidates, app.ListParams{State: store.StateNone}},
				{"units/first", region, store.ListUnits, app.ListParams{}},
				{"units/by-district-deep", region, store.ListUnits, deep(region, store.ListUnits, app.ListParams{Sort: "district"}, n/100)},
				{"units/site", site, store.ListUnits, app.ListParams{}},
				{"payments/first", region, store.ListPayments, app.ListParams{}},
				{"payments/by-amount", region, store.ListPayments, app.ListParams{Sort: "amount", Order: "desc"}},
				{"payments/deep", region, store.ListPayments, deep(region, store.ListPayments, app.ListParams{}, n/4)},
				{"payments/site-duplicates", site, store.ListPayments, app.ListParams{State: "duplicate"}},
				{"scores/first", region, store.ListScores, app.ListParams{}},
				{"scores/by-name", region, store.ListScores, app.ListParams{Sort: "name"}},
				{"scores/by-specialty-deep", region, store.ListScores, deep(region, store.ListScores, app.ListParams{Sort: "specialty"}, n/8)},
				{"scores/site-passed", site, store.ListScores, app.ListParams{State: store.ScorePassed}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var v app.ListView
					var err error
					worst := time.Duration(0)
					for b.Loop() {
						t := time.Now()
						if v, err = a.List(ctx, c.who, c.k, c.p); err != nil {
							b.Fatal(err)
						}
						worst = max(worst, time.Since(t))
					}
					if len(v.Rows) == 0 {
						b.Fatalf("%s: no rows", c.name)
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
					b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
					b.ReportMetric(float64(v.Count.N), "rows")
					approx := 0.0
					if v.Count.Approx {
						approx = 1
					}
					b.ReportMetric(approx, "estimated")
				})
			}
			b.Run("export", func(b *testing.B) {
				var e store.ListExport
				for b.Loop() {
					res, err := a.ExportList(ctx, region, store.ListApplications, app.ListParams{}, func(string) io.Writer { return io.Discard })
					if err != nil || res.Export == nil {
						b.Fatal(res, err)
					}
					if done, err := a.RunListExport(ctx, res.Export.ID, nil); !done || err != nil {
						b.Fatal(done, err)
					}
					e, _ = a.ListExportOf(ctx, region, res.Export.ID)
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/export")
				b.ReportMetric(float64(e.Done), "rows")
				b.ReportMetric(float64(e.FileBytes)/(1<<20), "MiB")
			})
		})
	}
}
