package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkSiteTickets measures a whole site's season of tickets, once
// per run (-benchtime 1x): 20 000 paid candidates (photos left out) are
// seated in 130 computer rooms over the four CBT days and 70 paper rooms,
// given ticket numbers, and built into one PDF per room, on SQLite and
// PostgreSQL. It reports the seconds of each step.
func BenchmarkSiteTickets(b *testing.B) {
	const n = 20000
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			for range b.N {
				s := e.open(b)
				a, _ := newApp(b, s)
				ctx := context.Background()
				site := siteStaff(b, s, "bench-site", "fengtai")
				var rows strings.Builder
				rows.WriteString("考试地点,考场,类型,座位数,每排座位数,可用机位数\n")
				for i := range 130 {
					fmt.Fprintf(&rows, "职业教育中心,机房%03d,计算机考场,40,8,40\n", i+1)
				}
				for i := range 70 {
					fmt.Fprintf(&rows, "第八中学,第%02d考场,纸笔考场,30,6,\n", i+1)
				}
				importRooms(b, a, site, rows.String())
				// One in ten sits the paper exam (203), the rest 16 CBT specialties.
				specs := []string{"203", "302", "303", "304", "305", "306", "307", "308", "309", "310", "368", "369", "370", "371", "372", "373", "101"}
				paidCandidates(b, s, n, specs[:10], nil)
				b.ResetTimer()
				t0 := time.Now()
				rep, err := a.Seat(ctx, site, "", false)
				if err != nil || rep.Seated != n {
					b.Fatalf("seat: %d seated, %v %v", rep.Seated, err, rep.Binding)
				}
				t1 := time.Now()
				iss, err := a.IssueTickets(ctx, site, "")
				if err != nil || iss.Issued != n {
					b.Fatalf("issue: %+v %v", iss, err)
				}
				t2 := time.Now()
				if testing.Short() {
					b.ReportMetric(t1.Sub(t0).Seconds(), "seat_s")
					b.ReportMetric(t2.Sub(t1).Seconds(), "issue_s")
					continue
				}
				bd, err := a.StartTicketBuild(ctx, site, "")
				if err != nil {
					b.Fatal(err)
				}
				if done, err := a.RunTicketBuild(ctx, bd.ID, nil); err != nil || !done {
					b.Fatalf("build: %v %v", done, err)
				}
				t3 := time.Now()
				b.ReportMetric(t1.Sub(t0).Seconds(), "seat_s")
				b.ReportMetric(t2.Sub(t1).Seconds(), "issue_s")
				b.ReportMetric(t3.Sub(t2).Seconds(), "build_s")
				b.ReportMetric(float64(n)/t3.Sub(t2).Seconds(), "tickets/s")
			}
		})
	}
}
