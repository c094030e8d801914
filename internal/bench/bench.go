// Package bench is kaowu's load tool: it drives a running server over HTTP
// with many concurrent simulated users, the way their browsers would, and
// measures throughput, latency percentiles and errors by kind per
// operation. `kaowu bench` is its command line; bench/limits.sh runs it
// against the machine's own limits (pgbench, a bare Go handler).
//
// The tool is a client only: it knows the server's pages and forms, not its
// code, so that it measures what a user meets.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mixes are the workloads the tool knows, by name.
var Mixes = map[string]string{
	"catalog": "public read: GET /api/v1/years/{year}/catalog",
	"status":  "signed-in read: each client applies once (not measured), then reads its status page GET /application in a loop",
	"journey": "each client walks new candidates through register, WeChat binding, profile, photo, eligibility check, the application steps, submit and status, one after another",
	"submit":  "prepares one candidate per submission up to the last step (not measured), then measures only the submissions",
	"fixed":   "GET / in a loop: for a bare handler that answers a fixed body (the HTTP limit)",
	"scores":  "public score look-up: GET /api/v1/scores?ticket_no=…&id_number=… in a loop over the given tickets (Config.Scores, --pairs), each request the next pair",
}

// ScoreQuery is one score look-up's ticket number and ID number.
type ScoreQuery struct{ TicketNo, IDNumber string }

// Config is one load run.
type Config struct {
	URL      string        // the server, e.g. http://127.0.0.1:8080
	Mix      string        // one of Mixes
	Clients  int           // concurrent simulated users
	Duration time.Duration // how long the measured phase runs (catalog, status, journey, fixed)
	Count    int           // submissions to prepare and fire (submit)
	Year     int           // the exam year whose pages are used
	Scores   []ScoreQuery  // the look-ups of the scores mix: published scores on the server
	Progress io.Writer     // where the preparation reports progress; nil for none
	// Observe, when set, is called after every request of the run (the
	// preparation's too, and from many goroutines at once), for tests
	// that check each answer: which node answered behind a balancer,
	// which submissions were acknowledged.
	Observe func(Exchange)
}

// Exchange is one request the tool made and what came of it.
type Exchange struct {
	Op     string // the operation it counts under (register, submit, scores…)
	User   string // the simulated candidate's username
	Method string
	Path   string
	Status int // 0 when no answer came
	// Location is the answer's redirect; Header its headers (nil when none
	// came).
	Location   string
	Header     http.Header
	Start, End time.Time
	Err        error // a network error or a failed check; nil for success
}

// Run executes c and returns what it measured. It fails only when the run
// cannot start (the server is not there, a mix is unknown, the set-up
// cannot prepare anyone); errors during the measured phase are counted.
func Run(ctx context.Context, c Config) (*Report, error) {
	if _, ok := Mixes[c.Mix]; !ok {
		return nil, fmt.Errorf("bench: unknown mix %q", c.Mix)
	}
	if c.Mix == "scores" && len(c.Scores) == 0 {
		return nil, errors.New("bench: the scores mix needs the ticket numbers and ID numbers of published scores (--pairs)")
	}
	if c.Clients <= 0 {
		c.Clients = 1
	}
	if c.Year == 0 {
		c.Year = 2024
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	base, err := url.Parse(strings.TrimRight(c.URL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("bench: server address %q is not a URL", c.URL)
	}
	// Compressed answers are read as they come (user.do): inflating them is
	// the browser's work, on its own machine, not a cost of the server's
	// to measure on the server's cores.
	r := &runner{cfg: c, base: base.String(), rec: newRecorder(), tr: &http.Transport{
		DisableCompression: true,
		MaxIdleConns:       c.Clients * 2, MaxIdleConnsPerHost: c.Clients * 2, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}, run: fmt.Sprintf("%x", time.Now().UnixNano()%0xfffffff)}
	defer r.tr.CloseIdleConnections()
	rep := &Report{Mix: c.Mix, URL: r.base, Clients: c.Clients, Started: time.Now()}
	switch c.Mix {
	case "catalog":
		err = r.loop(ctx, nil, func(ctx context.Context, u *user) error {
			return u.get(ctx, "catalog", fmt.Sprintf("/api/v1/years/%d/catalog", c.Year), "")
		})
	case "fixed":
		err = r.loop(ctx, nil, func(ctx context.Context, u *user) error { return u.get(ctx, "fixed", "/", "") })
	case "scores":
		var next atomic.Int64
		err = r.loop(ctx, nil, func(ctx context.Context, u *user) error {
			q := c.Scores[int(next.Add(1)-1)%len(c.Scores)]
			return u.get(ctx, "scores", "/api/v1/scores?"+url.Values{"ticket_no": {q.TicketNo}, "id_number": {q.IDNumber}}.Encode(), `"ticket_no"`)
		})
	case "status":
		err = r.loop(ctx, func(ctx context.Context, u *user) error {
			if err := u.prepare(ctx); err != nil {
				return err
			}
			return u.submit(ctx)
		}, func(ctx context.Context, u *user) error { return u.get(ctx, "status", "/application", "已提交") })
	case "journey":
		err = r.loop(ctx, nil, func(ctx context.Context, u *user) error {
			*u = *r.newUser()
			if err := u.prepare(ctx); err != nil {
				return err
			}
			if err := u.submit(ctx); err != nil {
				return err
			}
			return u.get(ctx, "status", "/application", "已提交")
		})
	case "submit":
		err = r.submits(ctx)
	}
	rep.Elapsed = r.elapsed
	rep.Ops = r.rec.summary(r.elapsed)
	return rep, err
}

// runner holds one run's shared state.
type runner struct {
	cfg     Config
	base    string
	run     string // makes this run's usernames and ID numbers unique
	seq     atomic.Int64
	tr      *http.Transport
	rec     *recorder
	elapsed time.Duration
}

// loop runs setup once per client (not measured), then body in a loop on
// every client until the duration is over.
func (r *runner) loop(ctx context.Context, setup, body func(context.Context, *user) error) error {
	users := make([]*user, r.cfg.Clients)
	for i := range users {
		users[i] = r.newUser()
	}
	if setup != nil {
		if err := r.parallel(ctx, users, "准备考生", setup); err != nil {
			return err
		}
		r.rec.reset() // only the loop counts
	}
	if err := r.ping(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			for ctx.Err() == nil {
				body(ctx, u) // failures are recorded per operation
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return nil
}

// submits prepares Count candidates at the last step, then fires their
// submissions with Clients at once and measures only those.
func (r *runner) submits(ctx context.Context) error {
	n := r.cfg.Count
	if n <= 0 {
		n = r.cfg.Clients * 5
	}
	users := make([]*user, n)
	for i := range users {
		users[i] = r.newUser()
	}
	if err := r.parallel(ctx, users, "准备考生", func(ctx context.Context, u *user) error { return u.prepare(ctx) }); err != nil {
		return err
	}
	r.rec.reset() // only the submissions count
	next := make(chan *user)
	go func() {
		defer close(next)
		for _, u := range users {
			select {
			case next <- u:
			case <-ctx.Done():
				return
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for range r.cfg.Clients {
		wg.Go(func() {
			for u := range next {
				u.submit(ctx)
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return nil
}

// parallel runs f on every user with Clients at once, reporting progress;
// it fails if more than a tenth of them fail (the server is not one this
// tool can drive), with the first error.
func (r *runner) parallel(ctx context.Context, users []*user, what string, f func(context.Context, *user) error) error {
	var done, failed atomic.Int64
	var first error
	var once sync.Once
	work := make(chan *user)
	go func() {
		defer close(work)
		for _, u := range users {
			select {
			case work <- u:
			case <-ctx.Done():
				return
			}
		}
	}()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(r.cfg.Progress, "%s：%d/%d\n", what, done.Load(), len(users))
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(r.cfg.Clients, len(users)) {
		wg.Go(func() {
			for u := range work {
				if err := f(ctx, u); err != nil {
					failed.Add(1)
					once.Do(func() { first = err })
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	fmt.Fprintf(r.cfg.Progress, "%s：%d/%d 完成，失败 %d\n", what, done.Load(), len(users), failed.Load())
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed.Load()*10 > int64(len(users)) {
		return fmt.Errorf("bench: %s: %d of %d failed; first: %w", what, failed.Load(), len(users), first)
	}
	return nil
}

// ping checks the server answers at all before a measured phase.
func (r *runner) ping(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", r.base+"/healthz", nil)
	resp, err := (&http.Client{Transport: r.tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("bench: the server at %s does not answer: %w", r.base, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// newUser returns a simulated user with its own cookies.
func (r *runner) newUser() *user {
	jar, _ := cookiejar.New(nil)
	return &user{r: r, n: r.seq.Add(1), c: &http.Client{Transport: r.tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// errKind names what went wrong with one request, for the report.
func errKind(err error, status int) string {
	var ne *net.OpError
	switch {
	case errors.Is(err, errUnexpected):
		return "unexpected page"
	case status != 0:
		return fmt.Sprintf("HTTP %d", status)
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "timeout"
	case errors.As(err, &ne):
		return "network: " + ne.Op
	default:
		return "network"
	}
}

var errUnexpected = errors.New("unexpected answer")

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// recorder collects every request's latency per operation.
type recorder struct {
	mu  sync.Mutex
	ops map[string]*opData
}

type opData struct {
	lat     []time.Duration
	errs    map[string]int
	samples map[string]string // the first error of each kind, in full
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opData{}} }

func (rc *recorder) reset() {
	rc.mu.Lock()
	rc.ops = map[string]*opData{}
	rc.mu.Unlock()
}

// add records one request of op: its latency when err is nil, else the
// kind of error (and the first of each kind in full).
func (rc *recorder) add(op string, d time.Duration, err error, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	o := rc.ops[op]
	if o == nil {
		o = &opData{errs: map[string]int{}, samples: map[string]string{}}
		rc.ops[op] = o
	}
	if err == nil {
		o.lat = append(o.lat, d)
		return
	}
	kind := errKind(err, status)
	if o.errs[kind] == 0 {
		o.samples[kind] = err.Error()
	}
	o.errs[kind]++
}

func (rc *recorder) summary(elapsed time.Duration) []Op {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []Op
	for name, o := range rc.ops {
		slices.Sort(o.lat)
		op := Op{Name: name, OK: len(o.lat), Errors: o.errs, Samples: o.samples,
			P50: percentile(o.lat, 0.50), P95: percentile(o.lat, 0.95), P99: percentile(o.lat, 0.99)}
		if len(o.lat) > 0 {
			op.Max = o.lat[len(o.lat)-1]
		}
		if elapsed > 0 {
			op.PerSecond = float64(op.OK) / elapsed.Seconds()
		}
		out = append(out, op)
	}
	slices.SortFunc(out, func(a, b Op) int { return strings.Compare(a.Name, b.Name) })
	return out
}
