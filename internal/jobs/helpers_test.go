package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaowu"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
	"kaowu/internal/notify/notifytest"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

const (
	appID      = "wx0123456789abcdef"
	secret     = "s3cret"
	templateID = "TM-todo-reminder"
	linkBase   = "https://kaowu.example"
)

// testConfig is a worker client tuned for tests: quick polls and retries.
func testConfig() jobs.Config {
	return jobs.Config{
		PollInterval:  50 * time.Millisecond,
		FetchCooldown: 5 * time.Millisecond,
		RetryPolicy:   jobs.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		MaxAttempts:   5,
	}
}

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// newUser stores a candidate and returns its id.
func newUser(t testing.TB, s *store.Store) string {
	t.Helper()
	u := kaowu.User{Username: "u" + strings.ReplaceAll(store.NewID(), "-", "")[20:], Name: "张喆", Role: kaowu.RoleCandidate,
		PasswordHash: "x", CreatedAt: time.Now()}
	if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) }); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func emailOf(userID string) string  { return "c-" + userID + "@example.org" }
func openIDOf(userID string) string { return "o-" + userID }

// sinks are the external services of one test: a real Mailpit and the
// WeChat stub.
type sinks struct {
	mailpit *notifytest.Mailpit
	stub    *notify.Stub
	wechat  string // the stub's base URL
}

func newSinks(t testing.TB, mailpitFlags ...string) *sinks {
	stub := notify.NewStub(appID, secret)
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	return &sinks{mailpit: notifytest.StartMailpit(t, mailpitFlags...), stub: stub, wechat: srv.URL}
}

// channels returns the email and WeChat channels pointed at the sinks; the
// users in noAddress have neither address.
func (k *sinks) channels(t testing.TB, noAddress ...string) []notify.Channel {
	t.Helper()
	none := func(id string) bool {
		for _, n := range noAddress {
			if n == id {
				return true
			}
		}
		return false
	}
	email, err := notify.NewEmail(k.mailpit.SMTP, "北京市丰台区考点 <kaowu@fengtai.example>", func(_ context.Context, id string) (string, bool) {
		return emailOf(id), !none(id)
	})
	if err != nil {
		t.Fatal(err)
	}
	email.LinkBase = linkBase
	wx, err := notify.NewWeChat(k.wechat, appID, secret, templateID, func(_ context.Context, id string) (string, bool) {
		return openIDOf(id), !none(id)
	})
	if err != nil {
		t.Fatal(err)
	}
	wx.LinkBase = linkBase
	return []notify.Channel{email, wx}
}

// start makes a worker client and starts it, stopping it when the test
// ends; it subscribes to job events first.
func start(t testing.TB, s *store.Store, cfg jobs.Config, channels ...notify.Channel) (*jobs.Jobs, *events) {
	t.Helper()
	ctx := context.Background()
	j, err := jobs.New(ctx, s, kaowu.SystemClock{}, testLog(t), cfg, channels...)
	if err != nil {
		t.Fatal(err)
	}
	ev := subscribe(j)
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := j.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		ev.cancel()
	})
	return j, ev
}

// events collects a client's job events.
type events struct {
	mu     sync.Mutex
	got    []*river.Event
	signal chan struct{}
	cancel func()
}

func subscribe(j *jobs.Jobs) *events {
	ch, cancel := j.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	e := &events{signal: make(chan struct{}, 1), cancel: cancel}
	go func() {
		for ev := range ch {
			e.mu.Lock()
			e.got = append(e.got, ev)
			e.mu.Unlock()
			select {
			case e.signal <- struct{}{}:
			default:
			}
		}
	}()
	return e
}

func (e *events) count(kind river.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.got {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

func (e *events) completed() []*rivertype.JobRow {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*rivertype.JobRow
	for _, ev := range e.got {
		if ev.Kind == river.EventKindJobCompleted {
			out = append(out, ev.Job)
		}
	}
	return out
}

// wait waits, at most 30 s, until at least n events of kind have arrived.
func (e *events) wait(t testing.TB, kind river.EventKind, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for e.count(kind) < n {
		select {
		case <-e.signal:
		case <-deadline:
			t.Fatalf("waited 30 s for %d %s events; have %d", n, kind, e.count(kind))
		}
	}
}

// reminder is a submission reminder for userID, as the application use
// case will write it (二（一）).
func reminder(userID string) kaowu.Reminder {
	return kaowu.Reminder{
		UserID: userID,
		Kind:   "application.submitted",
		Title:  "网上报名已提交：请按时到考点现场确认",
		Body:   "您已提交2024年度卫生专业技术资格考试网上报名（368 护理学 中级）。请于2024年1月8日至12日携带申请表等材料到丰台考点现场确认，逾期视为网上报名无效。",
		Link:   "/me/application",
	}
}

// enqueue writes r in a transaction of its own that commits.
func enqueue(t testing.TB, s *store.Store, j *jobs.Jobs, r kaowu.Reminder) kaowu.Reminder {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error {
		var err error
		r, err = j.Enqueue(ctx, tx, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deliverJobs lists the reminder delivery jobs in the database.
func deliverJobs(t testing.TB, j *jobs.Jobs) []*rivertype.JobRow {
	t.Helper()
	res, err := j.Client().JobList(context.Background(), river.NewJobListParams().Kinds(notify.DeliverArgs{}.Kind()).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// shared opens a store that another process can open too, returning its
// DSN: a SQLite file, or a fresh PostgreSQL schema.
func shared(t *testing.T, engine store.Engine) (string, *store.Store) {
	t.Helper()
	var dsn string
	if engine == store.SQLite {
		dsn = filepath.Join(t.TempDir(), "kaowu.db")
	} else {
		base := os.Getenv(storetest.EnvPostgres)
		if base == "" {
			t.Skipf("PostgreSQL tests skipped: set %s", storetest.EnvPostgres)
		}
		schema := "kaowu_jobs_" + strings.ReplaceAll(store.NewID(), "-", "")
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if db, err := sql.Open("pgx", base); err == nil {
				db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
				db.Close()
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dsn, s
}

// engines runs fn on both engines.
func engines(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	storetest.Engines(t, fn)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return v
}
