package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lineWriter passes what a command prints to a channel, so that a test can
// wait for a line instead of sleeping.
type lineWriter struct {
	mu  sync.Mutex
	buf strings.Builder
	c   chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	// Replace any unread value with the whole output so far: the reader
	// always sees the latest, and the send never blocks (cap 1, and only
	// writers send, under the mutex).
	select {
	case <-w.c:
	default:
	}
	w.c <- w.buf.String()
	return len(p), nil
}

// startServe runs `kaowu serve args…` until the test ends and returns the
// base URL and everything printed before the server was ready.
func startServe(t *testing.T, args ...string) (string, string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWriter{c: make(chan string, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), out, io.Discard)
	}()
	re := regexp.MustCompile(`kaowu 已启动：(http://[0-9.:]+)`)
	for {
		select {
		case s := <-out.c:
			if m := re.FindStringSubmatch(s); m != nil {
				stop := func() int { cancel(); return <-done }
				t.Cleanup(func() { cancel() })
				return m[1], s, stop
			}
		case code := <-done:
			cancel()
			t.Fatalf("serve exited with %d before it was ready: %s", code, out.buf.String())
		}
	}
}

func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	url, printed, stop := startServe(t, "--demo", "--db", db)
	for _, w := range []string{"已创建演示数据", "演示账号（密码均为 Kaowu@2024）", "fengtai", "hr-direct", "military", "cand0001", "系统时间 2023-12-05 10:00 +08:00", "共 12 份已确认、86 份已提交、8 份草稿"} {
		if !strings.Contains(printed, w) {
			t.Errorf("start-up output lacks %q:\n%s", w, printed)
		}
	}
	for path, want := range map[string]string{
		"/healthz":                      "ok",
		"/":                             "演示模式",
		"/api/v1/years/2024/catalog":    `"active":113`,
		"/catalog?q=%E6%8A%A4%E7%90%86": "护理学",
	} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("graceful shutdown exited with %d", code)
	}

	// A second start on the same database seeds nothing again.
	_, printed, stop = startServe(t, "--demo", "--db", db)
	if strings.Contains(printed, "已创建演示数据") {
		t.Error("the demo data was created twice")
	}
	stop()
}

func TestServeNowBanner(t *testing.T) {
	url, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "k.db"), "--now", "2024-01-30 09:00")
	defer stop()
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, w := range []string{"已设定系统时间（--now）", "系统时间为 2024年1月30日 09:00", "网上缴费"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("home lacks %q", w)
		}
	}
}

// TestServeVoidsAfterTheConfirmationDeadline: a server that starts after
// the confirmation window has made every still-unconfirmed application void
// (二（二）) by the time it serves, and a second start changes nothing.
func TestServeVoidsAfterTheConfirmationDeadline(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	_, _, stop := startServe(t, "--demo", "--db", db) // seeds submitted and auto-confirmed applications
	stop()
	count := func() (submitted, void, confirmed int) {
		s, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for state, n := range map[string]*int{"submitted": &submitted, "void": &void, "confirmed": &confirmed} {
			if err := s.QueryRow(`SELECT COUNT(*) FROM applications WHERE state = ?`, state).Scan(n); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	sub, _, conf := count()
	if sub == 0 {
		t.Fatal("test setup: the demo has no submitted application")
	}
	for range 2 {
		_, _, stop = startServe(t, "--demo", "--db", db, "--now", "2023-12-15T16:30:00+08:00")
		stop()
		s2, v2, c2 := count()
		if s2 != 0 || v2 != sub || c2 != conf {
			t.Errorf("after the deadline: %d submitted, %d void, %d confirmed; want 0, %d, %d", s2, v2, c2, sub, conf)
		}
	}
}
