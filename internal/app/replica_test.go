package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/payment"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// staleReplica opens a PostgreSQL store whose read replica is a frozen
// copy of it, as a standby whose replay is paused: freeze copies the
// primary's tables into the replica's schema as they are now, and the
// replica stays so until the next freeze. Such a replica is "not in
// recovery", so the store counts it as current and reads it: a worst
// case, since a real standby past the lag bound would be skipped. The
// cluster test (internal/cluster) does the same on a real standby.
func staleReplica(t *testing.T) (*store.Store, func()) {
	t.Helper()
	primaryURL := storetest.PostgresURL(t)
	u, err := url.Parse(primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	primarySchema := u.Query().Get("search_path")
	replicaSchema := primarySchema + "_replica"
	q := u.Query()
	q.Set("search_path", replicaSchema)
	u.RawQuery = q.Encode()
	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA IF EXISTS ` + replicaSchema + ` CASCADE`)
		admin.Close()
	})
	ctx := context.Background()
	s, err := store.OpenWith(ctx, primaryURL, store.Options{Replicas: []string{u.String()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	freeze := func() {
		t.Helper()
		if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + replicaSchema + ` CASCADE; CREATE SCHEMA ` + replicaSchema); err != nil {
			t.Fatal(err)
		}
		rows, err := admin.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, primarySchema)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			rows.Scan(&name)
			tables = append(tables, name)
		}
		rows.Close()
		for _, name := range tables {
			if _, err := admin.Exec(fmt.Sprintf(`CREATE TABLE %[1]s.%[3]s (LIKE %[2]s.%[3]s INCLUDING ALL); INSERT INTO %[1]s.%[3]s SELECT * FROM %[2]s.%[3]s`,
				replicaSchema, primarySchema, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s, freeze
}

// replicaReads is how many reads the replica served.
func replicaReads(s *store.Store) int64 {
	var n int64
	for _, r := range s.ReplicaStats().Replicas {
		n += r.Reads
	}
	return n
}

// TestStaleReplicaNeverDecides: with a read replica stuck in the past,
// every decision is still right, because none reads it: seats, ticket
// numbers, payments, submissions (and the candidate seeing theirs at
// once), the publication of scores; the dashboards, which decide nothing,
// do read it. The score look-up does read it, for
// rows only: it answers from the replica when the replica's row is as new
// as the node's view, and asks the primary when the replica lacks the row
// or has an older revision, so that a lagging replica neither gives a
// superseded answer nor counts a failure against a candidate.
func TestStaleReplicaNeverDecides(t *testing.T) {
	ctx := context.Background()

	t.Run("seats, tickets and scores", func(t *testing.T) {
		s, freeze := staleReplica(t)
		freeze() // an empty replica: no candidates, rooms or applications
		fx := newScoreFixture(t, s, 4, []string{"368"})
		seats, numbers := map[string]bool{}, map[string]bool{}
		prints, err := s.TicketPrints(ctx, store.TicketFilter{Year: 2024, Site: "fengtai"})
		if err != nil || len(prints) != 4 {
			t.Fatalf("%d tickets printed, want 4: %v", len(prints), err)
		}
		for _, p := range prints {
			k := fmt.Sprintf("%s/%s/%d", p.Seat.Day, p.Seat.RoomID, p.Seat.Seat)
			if seats[k] || numbers[p.Ticket.TicketNo] || p.Ticket.TicketNo == "" {
				t.Errorf("seat %s or ticket number %q given twice or not at all", k, p.Ticket.TicketNo)
			}
			seats[k], numbers[p.Ticket.TicketNo] = true, true
		}

		// The replica has the first import and no publication.
		file := scoreFile(fx.row(0, "72", "65", "80", "59", "否"), fx.row(1, "60", "60", "61", "60", "否"), fx.row(2, "90", "90", "90", "90", "否"))
		if _, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores.xlsx"); err != nil {
			t.Fatal(err)
		}
		freeze()
		at := time.Date(2024, 6, 1, 10, 0, 0, 0, kaowu.Shanghai)
		fx.clock.Set(at)
		if err := fx.a.PublishScores(ctx, fx.region, 2024, at); err != nil {
			t.Fatal(err)
		}
		lookup := func(i int) (app.ScoreAnswer, error) {
			ap := fx.apps[i]
			return fx.a.LookupScore(ctx, fx.tickets[ap.ID].TicketNo, fx.ids[ap.ID], "10.0.0.1")
		}
		// Published on the primary, not on the replica: the look-up
		// answers, and its row comes from the replica.
		before := replicaReads(s)
		ans, err := lookup(1)
		if err != nil || !ans.Subjects[0].Passed {
			t.Fatalf("after publication: %+v %v", ans, err)
		}
		if replicaReads(s) != before+1 {
			t.Errorf("the look-up's row was not read on the replica (%d reads, %d before)", replicaReads(s), before)
		}

		// A correction and a new candidate, on the primary only.
		file[1] = fx.row(0, "72", "65", "80", "60", "否") // practice 59 → 60
		file = append(file, fx.row(3, "70", "70", "70", "70", "否"))
		if _, err := fx.a.ImportScores(ctx, fx.region, 2024, file, "scores-v2.xlsx"); err != nil {
			t.Fatal(err)
		}
		ans, err = lookup(0)
		if err != nil || ans.Subjects[3].Score == nil || *ans.Subjects[3].Score != 60 {
			t.Errorf("corrected candidate: %+v %v, want practice 60 (the replica has 59)", ans.Subjects, err)
		}
		// The candidate the replica does not know yet, looked up more
		// times than the lock allows: answered each time, never counted
		// as a failure.
		for range app.ScoreTicketFailures + 1 {
			if ans, err := lookup(3); err != nil || ans.TicketNo != fx.tickets[fx.apps[3].ID].TicketNo {
				t.Fatalf("candidate missing on the replica: %+v %v", ans, err)
			}
		}
		if th, err := s.Throttle(ctx, "score:ticket:"+fx.tickets[fx.apps[3].ID].TicketNo); err == nil && th.Failures != 0 {
			t.Errorf("a look-up the replica could not answer counted %d failures", th.Failures)
		}
		// A wrong ID number is still one failure, once.
		if _, err := fx.a.LookupScore(ctx, fx.tickets[fx.apps[2].ID].TicketNo, resident(4242), "10.0.0.9"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("wrong ID number: %v", err)
		}
		if th, err := s.Throttle(ctx, "score:ticket:"+fx.tickets[fx.apps[2].ID].TicketNo); err != nil || th.Failures != 1 {
			t.Errorf("wrong ID number counted %+v %v, want one failure", th, err)
		}
		// Withdrawing a publication is decided on the primary's state:
		// published is published, whatever the replica says.
		if err := fx.a.PublishScores(ctx, fx.region, 2024, time.Time{}); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("withdrawing a publication that is out: %v", err)
		}
	})

	t.Run("payments", func(t *testing.T) {
		s, freeze := staleReplica(t)
		p := newPayFixture(t, s, payment.SandboxOptions{Duplicates: 9})
		freeze() // approved, unpaid
		p.pay(t)
		got := p.deliver(t)
		var wg sync.WaitGroup
		for _, n := range got {
			wg.Go(func() { p.a.HandleNotification(ctx, n.h, n.body) })
		}
		wg.Wait()
		if ps := p.payments(t); len(ps) != 1 || ps[0].Disposition != kaowu.PaymentApplied {
			t.Errorf("payments %+v, want one applied", ps)
		}
		if st := p.state(t); st != kaowu.StatePaid {
			t.Errorf("state %s, want paid", st)
		}
		v, err := p.a.MyOrder(ctx, p.me)
		if err != nil || v.Paid == nil || v.Application.State != kaowu.StatePaid {
			t.Errorf("the candidate's payment page right after paying: %+v %v", v, err)
		}
	})

	t.Run("submissions", func(t *testing.T) {
		s, freeze := staleReplica(t)
		a, clock := newApp(t, s)
		freeze() // no candidates at all
		unit := deskUnit(t, s, "丰台区某医院", "direct_hospital")
		me, ap := submitted(t, a, clock, "fresh01", 7, unit)
		mine, _, err := a.MyApplication(ctx, me)
		if err != nil || mine.ID != ap.ID || mine.State != kaowu.StateSubmitted || mine.Version != 1 {
			t.Errorf("right after submitting, the candidate sees %+v %v", mine, err)
		}
		// The same ID number cannot register twice, whatever the replica
		// says of it.
		if _, err := a.Register(ctx, registration("fresh02", 7)); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second account for one ID number: %v", err)
		}
		// The offices' dashboards decide nothing: they read the replica
		// (and show its figures, a few seconds old at most in service).
		before := replicaReads(s)
		if _, err := a.RegionDashboard(ctx, staff(t, a, s, kaowu.RoleRegionStaff), ""); err != nil {
			t.Fatal(err)
		}
		if replicaReads(s) != before+1 {
			t.Errorf("the dashboard did not read the replica (%d reads, %d before)", replicaReads(s), before)
		}
	})
}
