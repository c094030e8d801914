package crash

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaowu/internal/store/storetest"
)

// TestCrashDuringSubmissions kills the server with SIGKILL while
// candidates' submissions are in flight, restarts it on the same database,
// and checks that every acknowledged submission is there exactly once and
// that nothing is half-written (docs: issue 6, item 4).
func TestCrashDuringSubmissions(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds and runs the kaowu binary")
	}
	bin := buildKaowu(t)
	t.Run("sqlite", func(t *testing.T) {
		crashTest(t, bin, filepath.Join(t.TempDir(), "kaowu.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		crashTest(t, bin, storetest.PostgresURL(t))
	})
}

// submission is what became of one candidate's submit request.
type submission struct {
	c        *candidate
	answered bool // the server sent a status line
	ack      bool // …and it was the success redirect
	status   int
	location string
	err      error
}

func crashTest(t *testing.T, bin, db string) {
	began := time.Now()
	srv := startServer(t, bin, db)
	if !strings.Contains(srv.printed, "已创建演示数据") {
		t.Fatalf("first start did not create the demo data:\n%s", srv.printed)
	}
	cands := prepare(t, srv.url)
	if len(cands) < 10 {
		t.Fatalf("only %d demo candidates could be walked to the submit step", len(cands))
	}
	prepared := time.Now()

	// Fire every submission at once; kill the server once a third of them
	// have been acknowledged, so that the rest are in flight or not yet
	// begun.
	killAfter := len(cands) / 3
	subs := make([]submission, len(cands))
	gate := make(chan struct{})
	acks := make(chan struct{}, len(cands))
	var wg sync.WaitGroup
	var finished atomic.Int32
	for i, c := range cands {
		subs[i].c = c
		wg.Go(func() {
			<-gate
			a, err := c.do("POST", "/apply/submit", submitForm)
			s := &subs[i]
			s.status, s.location, s.err = a.status, a.location, err
			s.answered = a.status != 0
			s.ack = acknowledged(a)
			finished.Add(1)
			if s.ack {
				acks <- struct{}{}
			}
		})
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	close(gate)
	seen := 0
wait:
	for seen < killAfter {
		select {
		case <-acks:
			seen++
		case <-allDone:
			break wait
		}
	}
	unfinished := len(cands) - int(finished.Load()) // an upper bound: some may finish before the signal lands
	srv.kill()
	killed := time.Now()
	wg.Wait()

	var acked, refused, unanswered []*submission
	for i := range subs {
		s := &subs[i]
		switch {
		case s.ack:
			acked = append(acked, s)
		case s.answered:
			refused = append(refused, s)
		default:
			unanswered = append(unanswered, s)
		}
	}
	for _, s := range refused {
		// The server answered, and not with success: under this load that
		// is a failure of its own, not of the crash.
		t.Errorf("%s: submit answered %d to %q (%v) before the kill", s.c.name, s.status, s.location, s.err)
	}
	t.Logf("%d candidates at the submit step; SIGKILL after %d acknowledgements, with ≤%d requests unfinished: %d acknowledged, %d answered otherwise, %d without answer",
		len(cands), seen, unfinished, len(acked), len(refused), len(unanswered))
	if len(unanswered) == 0 {
		t.Log("every submission was answered before the kill: this run tested a restart, not a crash mid-load")
	}

	// The restart must be clean: migrations idempotent, no second seed.
	srv = startServer(t, bin, db)
	if strings.Contains(srv.printed, "已创建演示数据") {
		t.Errorf("the restart seeded the demo data again:\n%s", srv.printed)
	}
	restarted := time.Now()

	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = c.name
	}
	snap := readDB(t, db)
	for _, p := range snap.consistency() {
		t.Errorf("after the crash: %s", p)
	}
	found, committedUnacked := 0, 0
	for _, s := range acked {
		a, ok := snap.applicationOf(s.c.name)
		switch {
		case !ok:
			t.Errorf("%s: acknowledged, but has no application after the restart", s.c.name)
		case !a.submitted() || a.version != 1 || len(snap.versions[a.id]) != 1:
			t.Errorf("%s: acknowledged, but after the restart the application is %s version %d with %d versions", s.c.name, a.state, a.version, len(snap.versions[a.id]))
		default:
			found++
		}
	}
	unacked := append(append([]*submission(nil), refused...), unanswered...)
	for _, s := range unacked {
		a, ok := snap.applicationOf(s.c.name)
		switch {
		case !ok:
			t.Errorf("%s: the draft application begun before the crash is gone", s.c.name)
		case a.submitted() && a.version == 1:
			committedUnacked++
		case a.state == "draft" && a.version == 0:
		default:
			t.Errorf("%s: unacknowledged, and after the restart the application is %s version %d", s.c.name, a.state, a.version)
		}
	}
	t.Logf("after the restart: %d of %d acknowledged submissions found; of %d unacknowledged, %d committed and %d absent",
		found, len(acked), len(unacked), committedUnacked, len(unacked)-committedUnacked)

	// Candidates whose submission went unanswered log in again and find a
	// consistent state: submitted ones see their version, the others
	// submit again and are acknowledged this time.
	if len(acked) > 0 {
		afterRestart(t, srv.url, acked[0].c.name, true)
	}
	for _, s := range unacked {
		a, _ := snap.applicationOf(s.c.name)
		afterRestart(t, srv.url, s.c.name, a.submitted())
	}
	snap = readDB(t, db)
	for _, p := range snap.consistency() {
		t.Errorf("after the resubmissions: %s", p)
	}
	for _, name := range names {
		if a, ok := snap.applicationOf(name); !ok || !a.submitted() || a.version != 1 || len(snap.versions[a.id]) != 1 {
			t.Errorf("%s: in the end the application is %+v, want submitted once", name, a)
		}
	}
	if err := srv.stop(); err != nil {
		t.Errorf("graceful stop after the restart: %v\n%s", err, srv.stderr.String())
	}
	t.Logf("times: start and prepare %v, submissions until killed %v, restart %v, checks %v",
		prepared.Sub(began).Round(time.Millisecond), killed.Sub(prepared).Round(time.Millisecond),
		restarted.Sub(killed).Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
}

// prepare logs in the demo candidates that can apply (the Fengtai ones
// among cand0001–0040, who have not begun, and the drafts among
// cand0171–0180) and walks each to the photo step, ready to submit.
func prepare(t *testing.T, base string) []*candidate {
	t.Helper()
	var names []string
	for i := 1; i <= 40; i++ {
		names = append(names, fmt.Sprintf("cand%04d", i))
	}
	for i := 171; i <= 180; i++ {
		names = append(names, fmt.Sprintf("cand%04d", i))
	}
	out := make([]*candidate, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c := newCandidate(base, name)
			ok, err := walk(c)
			if ok {
				out[i] = c
			}
			errs[i] = err
		})
	}
	wg.Wait()
	var ready []*candidate
	for i := range names {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if out[i] != nil {
			ready = append(ready, out[i])
		}
	}
	return ready
}

// specialties are those the demo profiles qualify for.
var specialties = []string{"368", "303", "201"}

// walk logs c in and takes it to the photo step; it reports false for a
// candidate that cannot apply (not in Fengtai, so without a profile).
func walk(c *candidate) (bool, error) {
	if err := c.login(); err != nil {
		return false, err
	}
	start, err := c.page("/apply")
	if err != nil {
		return false, err
	}
	switch {
	case strings.Contains(start, "开始报名"):
		if err := c.step("/apply/start", nil, "/apply/site"); err != nil {
			return false, err
		}
		if err := c.step("/apply/site", url.Values{"site": {"fengtai"}}, "/apply/specialty"); err != nil {
			return false, err
		}
		eligible := false
		for _, sp := range specialties {
			if err := c.step("/apply/specialty", url.Values{"specialty": {sp}}, "/apply/info"); err != nil {
				return false, err
			}
			if err := c.step("/apply/info", url.Values{"education_relevant": {"yes"}, "education_recognised": {"yes"}, "title_relevant": {"yes"}}, "/apply/check"); err != nil {
				return false, err
			}
			page, err := c.page("/apply/check")
			if err != nil {
				return false, err
			}
			if strings.Contains(page, "✓ 可以报考：") {
				eligible = true
				break
			}
		}
		if !eligible {
			return false, fmt.Errorf("%s: eligible for none of %v", c.name, specialties)
		}
	case strings.Contains(start, "继续报名"):
		// A demo draft: its choices are saved already.
		if _, err := c.page("/apply/check", "✓ 可以报考："); err != nil {
			return false, err
		}
	default:
		return false, nil
	}
	if _, err := c.page("/apply/photo", `name="version" value="0"`); err != nil {
		return false, err
	}
	return true, nil
}

// afterRestart logs name in on the restarted server and checks the status
// page; a candidate whose submission is absent submits again and must be
// acknowledged.
func afterRestart(t *testing.T, base, name string, submitted bool) {
	t.Helper()
	c := newCandidate(base, name)
	if err := c.login(); err != nil {
		t.Error(err)
		return
	}
	if submitted {
		if _, err := c.page("/application", "第1版", "已提交"); err != nil {
			t.Error(err)
		}
		return
	}
	if _, err := c.page("/application", "完成网上报名"); err != nil {
		t.Error(err)
		return
	}
	if _, err := c.page("/apply/photo", `name="version" value="0"`); err != nil {
		t.Error(err)
		return
	}
	a, err := c.do("POST", "/apply/submit", submitForm)
	if err != nil || !acknowledged(a) {
		t.Errorf("%s: submit after the restart = %d to %q (%v)\n%s", name, a.status, a.location, err, excerpt(a.body))
		return
	}
	if _, err := c.page(a.location, "第1版", "提交成功"); err != nil {
		t.Error(err)
	}
}
