package cluster

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"kaowu/internal/app"
	"kaowu/internal/bench"
)

// lookUp asks node i (its own address) for a look-up and returns the
// practice score in the answer.
func lookUp(i int, q bench.ScoreQuery) (int, error) {
	resp, err := http.Get(nodeURL(i) + "/api/v1/scores?" + url.Values{"ticket_no": {q.TicketNo}, "id_number": {q.IDNumber}}.Encode())
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var ans app.ScoreAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("node %d: %d %v", i, resp.StatusCode, err)
	}
	if len(ans.Subjects) != 4 || ans.Subjects[3].Score == nil {
		return 0, fmt.Errorf("node %d: answer without a practice score: %+v", i, ans)
	}
	return *ans.Subjects[3].Score, nil
}

// pausedStandby: the standby stops replaying (pg_wal_replay_pause) while
// the primary goes on. A node that reads it however far behind it is (a
// lag bound of an hour) answers look-ups from it, yet gives a corrected
// result as corrected and a newly imported one at once, without counting
// a failure; the nodes (bound 5 s) stop reading it once it is 5 s behind;
// candidates register, submit and see their submission on the next page,
// whichever node serves it. Replay resumed, the nodes read it again.
func (c *cluster) pausedStandby(t *testing.T) {
	ctx := context.Background()
	a, s := c.inProcess(time.Hour)
	// Paused once this node has seen the standby complete up to some
	// instant: from then on it reads it, however far behind it falls.
	if !eventually(10*time.Second, func() bool { return s.ReplicaStats().Replicas[0].Up }) {
		t.Fatalf("the standby never became readable: %+v", s.ReplicaStats())
	}
	c.standbyExec(`SELECT pg_wal_replay_pause()`)
	resumed := false
	resume := func() {
		if !resumed {
			c.standbyExec(`SELECT pg_wal_replay_resume()`)
			resumed = true
		}
	}
	defer resume()
	if !eventually(10*time.Second, func() bool { return c.standbySQL(`SELECT pg_get_wal_replay_pause_state()`) == "paused" }) {
		t.Fatal("the standby's replay did not pause")
	}

	// What the standby has: the results, published.
	reads := func() int64 {
		var n int64
		for _, r := range s.ReplicaStats().Replicas {
			n += r.Reads
		}
		return n
	}
	first := c.pairs[0]
	before := reads()
	if _, err := a.LookupScore(ctx, first.TicketNo, first.IDNumber, "10.1.0.1"); err != nil {
		t.Fatalf("look-up with the standby paused: %v", err)
	}
	if reads() != before+1 {
		t.Fatalf("the look-up did not read the standby (%d reads, %d before)", reads(), before)
	}

	// On the primary only: a corrected practice score (candidate 0: 30 →
	// 75) and a candidate imported now.
	file := slices.Clone(c.rows)
	corrected := slices.Clone(file[1])
	corrected[8] = "75"
	file[1] = corrected
	file = append(file, c.extraRow)
	if _, err := a.ImportScores(ctx, app.System, 2024, file, "cluster-test-v2.csv"); err != nil {
		t.Fatal(err)
	}
	candidate0 := bench.ScoreQuery{TicketNo: corrected[0], IDNumber: corrected[2]}
	ans, err := a.LookupScore(ctx, candidate0.TicketNo, candidate0.IDNumber, "10.1.0.1")
	if err != nil || *ans.Subjects[3].Score != 75 {
		t.Errorf("corrected result with the standby paused: %+v %v, want practice 75", ans.Subjects, err)
	}
	for range app.ScoreTicketFailures + 1 {
		if _, err := a.LookupScore(ctx, c.extra.TicketNo, c.extra.IDNumber, "10.1.0.2"); err != nil {
			t.Fatalf("a result the standby has not replayed: %v", err)
		}
	}
	if th, err := s.Throttle(ctx, "score:ticket:"+c.extra.TicketNo); err != nil || th.Failures != 0 {
		t.Errorf("look-ups the standby could not answer counted failures: %+v %v", th, err)
	}
	// Each node, on its own address: the corrected result once its
	// once-a-second read of the revision has seen the import, and the new
	// one.
	for i := 1; i <= nodeCount; i++ {
		var got int
		if !eventually(3*time.Second, func() bool { got, err = lookUp(i, candidate0); return err == nil && got == 75 }) {
			t.Errorf("node %d gives practice %d (%v) for the corrected result, want 75", i, got, err)
		}
		if _, err := lookUp(i, c.extra); err != nil {
			t.Errorf("node %d, the result imported with the standby paused: %v", i, err)
		}
	}

	// Candidates through nginx: registration (one account per ID
	// number), submission, and the status page right after it, on
	// whichever node nginx chooses.
	rep, err := bench.Run(ctx, bench.Config{URL: c.nginx, Mix: "journey", Clients: 4, Duration: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Ops {
		if len(o.Errors) > 0 {
			t.Errorf("%s with the standby paused: %v %v", o.Name, o.Errors, o.Samples)
		}
	}
	if rep.Op("submit").OK == 0 || rep.Op("status").OK == 0 {
		t.Errorf("no whole journey with the standby paused: %+v", rep.Ops)
	}
	t.Logf("journeys with the standby paused: %d submitted, %d status pages showed the submission", rep.Op("submit").OK, rep.Op("status").OK)

	// The nodes set the standby aside once it may be 5 s behind.
	if !eventually(15*time.Second, func() bool { return replicasUp(0) }) {
		t.Errorf("the nodes still read a standby paused for 5 s and more")
	}
	resume()
	if !eventually(15*time.Second, func() bool { return replicasUp(1) }) {
		t.Errorf("the nodes do not read the standby again after it caught up")
	}
}

// standbyExec runs a statement on the standby.
func (c *cluster) standbyExec(q string) {
	c.t.Helper()
	c.standbySQL(`SELECT 'ok' FROM (` + q + `) x`)
}

// standbyStopped: look-ups through nginx at full speed, most of them a
// node's first of a candidate (read on the standby); the standby is
// stopped in the middle. Not one look-up fails: the nodes read the
// primary instead, and say so in their metrics. Started again, the
// standby is read again.
func (c *cluster) standbyStopped(t *testing.T) {
	ctx := context.Background()
	baseline := metricAll("kaowu_replica_reads_total")
	var count atomic.Int64
	stopped := make(chan time.Time, 1)
	readsAtStop := make(chan float64, 1)
	go func() {
		began := time.Now()
		for count.Load() < 1500 && time.Since(began) < 3*time.Second {
			time.Sleep(20 * time.Millisecond)
		}
		readsAtStop <- metricAll("kaowu_replica_reads_total")
		out, err := runCmd("pg_ctlcluster", "--skip-systemctl-redirect", c.pgv, standbyName, "stop", "-m", "fast")
		if err != nil {
			t.Errorf("stop the standby: %v\n%s", err, out)
		}
		stopped <- time.Now()
	}()
	rep, err := bench.Run(ctx, bench.Config{URL: c.nginx, Mix: "scores", Clients: 16, Duration: 8 * time.Second, Scores: c.pairs[1:],
		Observe: func(bench.Exchange) { count.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	select {
	case at = <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the standby did not stop")
	}
	o := rep.Op("scores")
	t.Logf("look-ups through nginx: %d ok (%.0f/s), p99 %s, errors %v; standby stopped %s after the start",
		o.OK, o.PerSecond, o.P99, o.Errors, at.Sub(rep.Started).Round(time.Millisecond))
	if len(o.Errors) > 0 {
		t.Errorf("look-ups failed when the standby stopped: %v %v", o.Errors, o.Samples)
	}
	if at.After(rep.Started.Add(rep.Elapsed)) {
		t.Errorf("the standby stopped after the load ended: this run proved nothing")
	}
	if r := <-readsAtStop; r <= baseline {
		t.Errorf("the standby served no look-up before it stopped (%v reads, %v before)", r, baseline)
	}
	if !eventually(5*time.Second, func() bool { return replicasUp(0) }) {
		t.Error("the nodes do not report the stopped standby")
	}
	if p := metricAll("kaowu_replica_reads_on_primary_total"); p <= 0 {
		t.Errorf("no look-up went to the primary instead (%v)", p)
	}
	if out, err := runCmd("pg_ctlcluster", "--skip-systemctl-redirect", c.pgv, standbyName, "start"); err != nil {
		t.Fatalf("start the standby: %v\n%s", err, out)
	}
	if !eventually(20*time.Second, func() bool { return replicasUp(1) }) {
		t.Error("the nodes do not read the standby again after it started")
	}
}

// runCmd runs a command and returns its output.
func runCmd(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// gone waits until process pid has exited (gone, or a zombie: its sockets
// are closed either way).
func gone(pid int) {
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		// pid (comm) state …: the state follows the last ')'.
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// probe inserts numbered rows into failover_probe from several
// connections until stopped, and keeps the numbers acknowledged.
type probe struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	acked []int64
}

func startProbe(t *testing.T, dsn string, writers int) *probe {
	p := &probe{stopc: make(chan struct{})}
	for w := range writers {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		p.wg.Go(func() {
			defer db.Close()
			for n := int64(w); ; n += int64(writers) {
				select {
				case <-p.stopc:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err := db.ExecContext(ctx, `INSERT INTO failover_probe (n) VALUES ($1)`, n)
				cancel()
				if err != nil {
					time.Sleep(10 * time.Millisecond) // the primary is gone: try the next number soon
					continue
				}
				p.mu.Lock()
				p.acked = append(p.acked, n)
				p.mu.Unlock()
			}
		})
	}
	return p
}

// stop stops the writers and returns the numbers acknowledged.
func (p *probe) stop() []int64 {
	close(p.stopc)
	p.wg.Wait()
	return p.acked
}

// lastUpstream is the node that answered an exchange through nginx (the
// last address of X-Upstream; nginx lists every node it tried).
func lastUpstream(x bench.Exchange) string {
	if x.Header == nil {
		return ""
	}
	ups := strings.Split(x.Header.Get("X-Upstream"), ",")
	return strings.TrimSpace(ups[len(ups)-1])
}

// nodeKilled: candidates submit through nginx, and once a third are
// acknowledged node 2 is killed with SIGKILL. Every acknowledged
// submission is in the database exactly once; every failed one was sent
// to node 2 before nginx could know it had died; nginx sends nothing more
// to node 2.
// scripts/cluster.sh up then starts node 2 again and nothing else.
func (c *cluster) nodeKilled(t *testing.T) {
	ctx := context.Background()
	pidText, err := os.ReadFile(filepath.Join(c.state, "node2.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	victim := fmt.Sprintf("127.0.0.1:%d", nodeBase+2)
	const count, killAfter = 150, 50
	var mu sync.Mutex
	var subs []bench.Exchange
	var killedAt, diedAt time.Time
	var acks atomic.Int64
	rep, err := bench.Run(ctx, bench.Config{URL: c.nginx, Mix: "submit", Clients: 12, Count: count, Observe: func(x bench.Exchange) {
		if x.Op != "submit" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		subs = append(subs, x)
		if x.Err == nil && acks.Add(1) == killAfter {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Errorf("kill -9 node 2 (%d): %v", pid, err)
			}
			killedAt = time.Now()
			gone(pid)
			diedAt = time.Now()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if killedAt.IsZero() {
		t.Fatalf("node 2 was never killed: %d acknowledged", acks.Load())
	}
	// A failure must have been sent to node 2 alone (nginx tried no other
	// node) and begun before nginx could know node 2 was gone: in flight
	// when it died, or sent on an idle keepalive connection to it in the
	// moment before nginx read that connection's close (nginx does not
	// resend a POST it has sent). Everything begun later succeeds on the
	// other nodes.
	const reaction = 250 * time.Millisecond
	var acked, failed []string
	inFlight, late, afterKill, triedVictim := 0, 0, 0, 0
	for _, x := range subs {
		if x.Err == nil {
			acked = append(acked, x.User)
		} else {
			failed = append(failed, x.User)
			alone := x.Header != nil && strings.TrimSpace(x.Header.Get("X-Upstream")) == victim
			switch {
			case alone && x.Start.Before(diedAt) && x.End.After(killedAt):
				inFlight++
			case alone && x.Start.Before(diedAt.Add(reaction)):
				late++
			default:
				t.Errorf("%s: submission failed, not in flight on node 2 when it died (upstream %q, %s–%s, died at %s): %v",
					x.User, x.Header.Get("X-Upstream"), x.Start.Format("15:04:05.000"), x.End.Format("15:04:05.000"), diedAt.Format("15:04:05.000"), x.Err)
			}
		}
		if x.Start.After(diedAt.Add(reaction)) {
			afterKill++
			if lastUpstream(x) == victim {
				t.Errorf("%s: sent to the killed node %s after it died", x.User, x.Start.Sub(diedAt).Round(time.Millisecond))
			}
			if x.Header != nil && strings.Contains(x.Header.Get("X-Upstream"), victim) {
				triedVictim++
			}
		}
	}
	t.Logf("%d submissions: %d acknowledged, %d failed: %d in flight on node 2 when it died (%s after SIGKILL), %d sent to it on an open connection within %s after; %d began later, %d of them tried node 2 first",
		len(subs), len(acked), len(failed), inFlight, diedAt.Sub(killedAt).Round(time.Microsecond), late, reaction, afterKill, triedVictim)
	if len(subs) != count || rep.Op("submit").OK != len(acked) {
		t.Errorf("observed %d submissions (%d acknowledged), the report %d ok", len(subs), len(acked), rep.Op("submit").OK)
	}
	if afterKill == 0 {
		t.Error("no submission began after the kill: this run proved nothing about nginx")
	}
	if triedVictim > 1 {
		t.Errorf("nginx tried the killed node %d times after it died (max_fails=1)", triedVictim)
	}

	// The database, read on the primary: each acknowledged submission
	// once, whole; the failed ones absent or committed, never half.
	rows, err := c.db.QueryContext(ctx, `SELECT u.username, a.state, a.version, (SELECT count(*) FROM application_versions v WHERE v.application_id = a.id)
		FROM users u JOIN applications a ON a.candidate_id = u.id WHERE u.username = ANY($1)`, append(slices.Clone(acked), failed...))
	if err != nil {
		t.Fatal(err)
	}
	type appRow struct {
		state             string
		version, versions int
	}
	found := map[string][]appRow{}
	for rows.Next() {
		var u string
		var r appRow
		if err := rows.Scan(&u, &r.state, &r.version, &r.versions); err != nil {
			t.Fatal(err)
		}
		found[u] = append(found[u], r)
	}
	rows.Close()
	for _, u := range acked {
		rs := found[u]
		if len(rs) != 1 || (rs[0].state != "submitted" && rs[0].state != "confirmed") || rs[0].version != 1 || rs[0].versions != 1 {
			t.Errorf("%s: acknowledged, but the database has %+v", u, rs)
		}
	}
	committed := 0
	for _, u := range failed {
		rs := found[u]
		switch {
		case len(rs) == 1 && rs[0].version == 1 && rs[0].versions == 1 && rs[0].state == "submitted":
			committed++
		case len(rs) == 1 && rs[0].version == 0 && rs[0].versions == 0 && rs[0].state == "draft":
		default:
			t.Errorf("%s: failed, and the database has %+v", u, rs)
		}
	}
	t.Logf("of the %d failed submissions, %d were committed before node 2 died, %d not", len(failed), committed, len(failed)-committed)

	out := c.run("up")
	if !strings.Contains(out, "node 2: pid") || strings.Contains(out, fmt.Sprintf("node 2: pid %d,", pid)) {
		t.Errorf("scripts/cluster.sh up did not start node 2 again:\n%s", out)
	}
}

// failover: candidates walk their journeys through nginx while
// scripts/cluster.sh failover stops the primary as a crash would,
// promotes the standby and rebuilds the old primary as the new standby.
// The nodes are not restarted: their multi-host URLs find the new
// primary, and journeys succeed again. A writer inserting at full speed
// beside them measures the loss window: inserts the old primary
// acknowledged that the new one lacks. With asynchronous replication they
// are counted, not forbidden; with synchronous replication
// (KAOWU_CLUSTER_SYNC=1) there must be none (docs/scale.md).
func (c *cluster) failover(t *testing.T) {
	ctx := context.Background()
	// Beside the journeys, a writer at full speed on the primary's URL
	// records every insert the primary acknowledged: the loss window.
	if _, err := c.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS failover_probe (n BIGINT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	probe := startProbe(t, c.primaryURL(), 4)
	var mu sync.Mutex
	var regs []bench.Exchange
	var ok atomic.Int64
	done := make(chan time.Time, 1)
	var began, promoted time.Time
	go func() {
		start := time.Now()
		for ok.Load() < 10 && time.Since(start) < 4*time.Second {
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		began = time.Now()
		mu.Unlock()
		out, err := c.runScript("failover")
		if err != nil {
			t.Errorf("scripts/cluster.sh failover: %v\n%s", err, out)
		}
		t.Logf("%s", strings.TrimSpace(out))
		done <- time.Now()
	}()
	// The journeys go on until 6 s after the failover has finished.
	loadCtx, endLoad := context.WithCancel(ctx)
	defer endLoad()
	finished := make(chan time.Time, 1)
	go func() {
		at := <-done
		finished <- at
		time.Sleep(6 * time.Second)
		endLoad()
	}()
	rep, err := bench.Run(loadCtx, bench.Config{URL: c.nginx, Mix: "journey", Clients: 6, Duration: 2 * time.Minute, Observe: func(x bench.Exchange) {
		if x.Err == nil {
			ok.Add(1)
		}
		if x.Op == "register" {
			mu.Lock()
			regs = append(regs, x)
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case promoted = <-finished:
	default:
		t.Fatal("the load ended before the failover finished")
	}
	acks := probe.stop()
	var present int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM failover_probe WHERE n = ANY($1)`, acks).Scan(&present); err != nil {
		t.Fatal(err)
	}
	mode := "asynchronous"
	if c.sync {
		mode = "synchronous"
	}
	t.Logf("%s replication: %d inserts acknowledged by the primary around the failover, %d of them missing on the new primary",
		mode, len(acks), len(acks)-present)
	if c.sync && present != len(acks) {
		t.Errorf("synchronous replication lost %d acknowledged inserts", len(acks)-present)
	}
	var acked []string
	okAfter, failedDuring := 0, 0
	for _, x := range regs {
		if x.Err == nil {
			acked = append(acked, x.User)
			if x.Start.After(promoted) {
				okAfter++
			}
		} else if x.End.After(began) {
			failedDuring++
		}
	}
	t.Logf("journeys: %v; registrations acknowledged %d, %d of them begun after the failover finished; %d failed while it ran",
		rep.Ops, len(acked), okAfter, failedDuring)
	if okAfter == 0 {
		t.Error("no registration succeeded after the failover: the nodes did not reconnect to the new primary")
	}
	for i := 1; i <= nodeCount; i++ {
		if !eventually(10*time.Second, func() bool {
			resp, err := http.Get(nodeURL(i) + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		}) {
			t.Errorf("node %d is not healthy after the failover", i)
		}
	}
	var users int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ANY($1)`, acked).Scan(&users); err != nil {
		t.Fatal(err)
	}
	t.Logf("acknowledged registrations missing on the new primary: %d of %d", len(acked)-users, len(acked))
	if c.sync && users != len(acked) {
		t.Errorf("synchronous replication lost %d acknowledged registrations", len(acked)-users)
	}
	if st := c.run("status"); !strings.Contains(st, standbyName+" (127.0.0.1:"+strconv.Itoa(standbyPort)+"): primary") ||
		!strings.Contains(st, primaryName+" (127.0.0.1:"+strconv.Itoa(primaryPort)+"): standby") {
		t.Errorf("after the failover the roles are not swapped:\n%s", st)
	}
}
