package cluster

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/bench"
	"kaowu/internal/store"
)

// The test cluster's names and ports: its own, beside the machine's main
// PostgreSQL (5432) and a demo cluster of scripts/cluster.sh's defaults.
const (
	primaryName = "kwtestprimary"
	standbyName = "kwteststandby"
	primaryPort = 5450
	standbyPort = 5451
	nodeBase    = 18180 // nodes on 18181…18183
	nginxPort   = 18180
	nodeCount   = 3
	scoreRows   = 20000 // published results for the look-up load
)

// nodesNow is the nodes' clock at start (--now): inside the 2024 online
// application window.
var nodesNow = time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)

// cluster is the running test cluster.
type cluster struct {
	t        *testing.T
	path     string // scripts/cluster.sh
	env      []string
	state    string
	pgv      string
	nginx    string
	pairs    []bench.ScoreQuery // published look-ups, shuffled
	extra    bench.ScoreQuery   // a ticketed candidate whose scores are not imported yet…
	extraRow []string           // …and its row of the result file
	rows     [][]string         // the imported result file
	db       *sql.DB            // the primary, for checks
	bin      string
	sync     bool // KAOWU_CLUSTER_SYNC=1: synchronous replication (KW_SYNC=1)
}

// TestCluster brings the cluster up once and runs the failure proofs on
// it, in order: each leaves the cluster whole for the next.
func TestCluster(t *testing.T) {
	c := start(t)
	c.seedScores()
	t.Run("paused standby decides nothing", c.pausedStandby)
	t.Run("standby stopped mid-load", c.standbyStopped)
	t.Run("node killed mid-load", c.nodeKilled)
	t.Run("primary lost, standby promoted", c.failover)
}

// start skips unless this machine can run the cluster, builds kaowu and
// runs scripts/cluster.sh up with the test's names and ports; the cluster
// is destroyed when the test ends.
func start(t *testing.T) *cluster {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode: it runs PostgreSQL clusters, three kaowu nodes and nginx")
	}
	if os.Geteuid() != 0 {
		t.Skip("cluster test skipped: it runs as root (pg_createcluster, pg_ctlcluster), as CI does")
	}
	for _, tool := range []string{"pg_createcluster", "pg_ctlcluster", "pg_basebackup", "nginx", "curl", "runuser"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("cluster test skipped: %s not found (CI installs postgresql and nginx: apt-get install postgresql nginx)", tool)
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			t.Skip("cluster test skipped: no go command to build cmd/kaowu with")
		}
	}
	state, err := os.MkdirTemp("", "kaowu-cluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(state, 0o755) // nginx's workers (www-data) write their temporary files under it
	c := &cluster{t: t, state: state, nginx: fmt.Sprintf("http://127.0.0.1:%d", nginxPort), bin: filepath.Join(state, "kaowu")}
	c.path, _ = filepath.Abs(filepath.Join("..", "..", "scripts", "cluster.sh"))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAOWU_") && !strings.HasPrefix(kv, "KW_") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "KW_PRIMARY="+primaryName, "KW_STANDBY="+standbyName,
		fmt.Sprintf("KW_PRIMARY_PORT=%d", primaryPort), fmt.Sprintf("KW_STANDBY_PORT=%d", standbyPort),
		fmt.Sprintf("KW_NODES=%d", nodeCount), fmt.Sprintf("KW_NODE_BASE=%d", nodeBase), fmt.Sprintf("KW_NGINX_PORT=%d", nginxPort),
		"KW_STATE="+state, "KW_BIN="+c.bin, "KW_DB=kaowu", "KW_DEMO=1", "KW_NOW="+nodesNow.Format("2006-01-02 15:04"))
	// For the documented failover runs (bench/cluster.sh): synchronous
	// replication, and a standby lagging by some seconds at the crash.
	if os.Getenv("KAOWU_CLUSTER_SYNC") == "1" {
		c.sync = true
		c.env = append(c.env, "KW_SYNC=1")
	}
	if lag := os.Getenv("KAOWU_CLUSTER_FAILOVER_LAG"); lag != "" {
		c.env = append(c.env, "KW_FAILOVER_LAG="+lag)
	}
	// A cluster left by an interrupted run is dropped first (with the
	// state directory).
	c.run("destroy")
	os.MkdirAll(state, 0o755)
	if out, err := exec.Command(goCmd, "build", "-o", c.bin, "kaowu/cmd/kaowu").CombinedOutput(); err != nil {
		t.Fatalf("go build kaowu/cmd/kaowu: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i := 1; i <= nodeCount; i++ {
				if b, err := os.ReadFile(filepath.Join(state, fmt.Sprintf("node%d.log", i))); err == nil {
					t.Logf("node %d log (last 3 kB):\n%s", i, tail(string(b), 3000))
				}
			}
		}
		c.run("destroy")
	})
	began := time.Now()
	out := c.run("up")
	t.Logf("scripts/cluster.sh up in %s:\n%s", time.Since(began).Round(100*time.Millisecond), out)
	c.pgv = strings.TrimSpace(c.sh(`ls /usr/lib/postgresql | sort -V | tail -n 1`))
	if c.db, err = sql.Open("pgx", c.primaryURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.db.Close() })
	return c
}

// runScript runs scripts/cluster.sh with args and returns its output.
func (c *cluster) runScript(args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{c.path}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run is runScript, where a failure fails the test (except for destroy).
func (c *cluster) run(args ...string) string {
	c.t.Helper()
	out, err := c.runScript(args...)
	if err != nil && args[0] != "destroy" {
		c.t.Fatalf("scripts/cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// sh runs a shell command and returns its output; a failure fails the test.
func (c *cluster) sh(script string) string {
	c.t.Helper()
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// primaryURL and standbyURL are the nodes' URLs (both clusters, the role
// chosen by target_session_attrs).
func (c *cluster) primaryURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/kaowu?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", primaryPort, standbyPort)
}

func (c *cluster) standbyURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/kaowu?sslmode=disable&target_session_attrs=standby&connect_timeout=2", standbyPort, primaryPort)
}

// standbySQL runs one statement on the standby and returns its value.
func (c *cluster) standbySQL(q string) string {
	c.t.Helper()
	db, err := sql.Open("pgx", c.standbyURL())
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	var v sql.NullString
	if err := db.QueryRow(q).Scan(&v); err != nil {
		c.t.Fatalf("standby: %s: %v", q, err)
	}
	return v.String
}

// nodeURL is node i's own address (1-based).
func nodeURL(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", nodeBase+i) }

// metric sums a metric's samples on node i (-1 when it cannot be read).
func metric(i int, name string) float64 {
	resp, err := http.Get(nodeURL(i) + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sum, found := 0.0, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				sum, found = sum+v, true
			}
		}
	}
	if !found {
		return -1
	}
	return sum
}

// metricAll sums a metric over the nodes.
func metricAll(name string) float64 {
	sum := 0.0
	for i := 1; i <= nodeCount; i++ {
		if v := metric(i, name); v > 0 {
			sum += v
		}
	}
	return sum
}

// eventually polls cond every 100 ms until it holds or within passes; it
// reports whether it held.
func eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// replicasUp reports whether every node's replica state is want (1 or 0).
func replicasUp(want float64) bool {
	for i := 1; i <= nodeCount; i++ {
		if metric(i, "kaowu_replica_up") != want {
			return false
		}
	}
	return true
}

// inProcess opens an App on the cluster, as a fourth node would, reading
// the standby with the lag bound given.
func (c *cluster) inProcess(maxLag time.Duration) (*app.App, *store.Store) {
	c.t.Helper()
	s, err := store.OpenWith(context.Background(), c.primaryURL(), store.Options{Replicas: []string{c.standbyURL()}, MaxLag: maxLag})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { s.Close() })
	a := app.New(s, kaowu.NewManualClock(nodesNow), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	return a, s
}

var scoreSpecialties = []string{"302", "303", "304", "305", "306", "307", "308", "309", "310", "312"}

// seedScores makes scoreRows+1 ticketed applications by SQL, imports and
// publishes the results of all but the last: the published look-ups the
// load uses.
func (c *cluster) seedScores() {
	t := c.t
	ctx := context.Background()
	specs := "'" + strings.Join(scoreSpecialties, "','") + "'"
	n := scoreRows + 1
	for _, q := range []string{
		`INSERT INTO users (id, username, name, role, password_hash, created_at, id_type, id_number)
		 SELECT 'scu' || i, 'sc' || i, '考生' || i, 'candidate', 'x', now(), 'resident_id', 'T' || lpad(i::text, 17, '0') FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO applications (id, candidate_id, year, site, specialty, level, declarations, state, version, created_at, updated_at)
		 SELECT 'sca' || i, 'scu' || i, 2024, 'fengtai', (ARRAY[` + specs + `])[i % 10 + 1], 'intermediate', '{}', 'ticketed', 0, now(), now()
		 FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO tickets (application_id, year, site, specialty, ticket_no, seq, archive_no, issued_at)
		 SELECT 'sca' || i, 2024, 'fengtai', (ARRAY[` + specs + `])[i % 10 + 1],
		   '24110106' || (ARRAY[` + specs + `])[i % 10 + 1] || lpad((i / 10 + 1)::text, 5, '0'), i / 10 + 1,
		   '2024-110106-' || lpad(i::text, 7, '0'), now() FROM generate_series(0, $1 - 1) i`,
	} {
		if _, err := c.db.ExecContext(ctx, q, n); err != nil {
			t.Fatal(err)
		}
	}
	c.rows = [][]string{app.ScoreFileHeader}
	for i := range n {
		sp := scoreSpecialties[i%10]
		row := []string{fmt.Sprintf("24110106%s%05d", sp, i/10+1), "居民身份证", fmt.Sprintf("T%017d", i), fmt.Sprintf("考生%d", i), sp,
			strconv.Itoa(40 + i%61), strconv.Itoa(50 + i%51), strconv.Itoa(55 + i%46), strconv.Itoa(30 + i%71), "否"}
		if i == n-1 {
			c.extra = bench.ScoreQuery{TicketNo: row[0], IDNumber: row[2]}
			c.extraRow = row
			continue
		}
		c.rows = append(c.rows, row)
		c.pairs = append(c.pairs, bench.ScoreQuery{TicketNo: row[0], IDNumber: row[2]})
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(c.pairs), func(i, j int) { c.pairs[i], c.pairs[j] = c.pairs[j], c.pairs[i] })
	a, _ := c.inProcess(0)
	began := time.Now()
	if _, err := a.ImportScores(ctx, app.System, 2024, c.rows, "cluster-test.csv"); err != nil {
		t.Fatal(err)
	}
	if err := a.PublishScores(ctx, app.System, 2024, nodesNow.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d results imported and published in %s", len(c.rows)-1, time.Since(began).Round(100*time.Millisecond))
}
