// Package notifytest runs the real services reminders are delivered to, for
// tests: Mailpit (github.com/axllent/mailpit, a tool dependency in go.mod)
// as an SMTP server with an HTTP API, in a subprocess.
package notifytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mailpit is a running Mailpit.
type Mailpit struct {
	// SMTP is the SMTP address, API the base URL of the HTTP API.
	SMTP, API string
}

// MailpitMessage is a message as Mailpit's API reports it.
type MailpitMessage struct {
	ID        string
	MessageID string
	From      *mail.Address
	To        []*mail.Address
	Subject   string
	Text      string
	Created   time.Time
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// mailpitBinary builds Mailpit once per test binary (go tool caches the
// build across runs: the first build on a fresh machine takes a minute or
// two).
func mailpitBinary() (string, error) {
	buildOnce.Do(func() {
		var out, stderr bytes.Buffer
		cmd := exec.Command("go", "tool", "-n", "mailpit")
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if buildErr = cmd.Run(); buildErr != nil {
			buildErr = fmt.Errorf("go tool -n mailpit: %v: %s", buildErr, stderr.String())
			return
		}
		binary = strings.TrimSpace(out.String())
	})
	return binary, buildErr
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartMailpit starts Mailpit on two free loopback ports and stops it when
// the test ends. extra flags are passed on (e.g. --ignore-duplicate-ids).
func StartMailpit(t testing.TB, extra ...string) *Mailpit {
	t.Helper()
	bin, err := mailpitBinary()
	if err != nil {
		t.Fatal(err)
	}
	for try := 0; ; try++ {
		m := &Mailpit{SMTP: freeAddr(t)}
		httpAddr := freeAddr(t)
		m.API = "http://" + httpAddr
		dir := t.TempDir()
		args := append([]string{"--smtp", m.SMTP, "--listen", httpAddr, "--database", filepath.Join(dir, "mailpit.db"),
			"--disable-version-check", "--smtp-disable-rdns", "--quiet"}, extra...)
		cmd := exec.Command(bin, args...)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := m.waitReady(ctx, exited)
		cancel()
		if err == nil {
			t.Cleanup(func() {
				cmd.Process.Signal(os.Interrupt)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			return m
		}
		cmd.Process.Kill()
		<-exited
		if try == 2 {
			t.Fatalf("mailpit did not start: %v\n%s", err, logs.String())
		}
	}
}

func (m *Mailpit) waitReady(ctx context.Context, exited <-chan error) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.API+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", m.SMTP); err == nil {
					c.Close()
					return nil
				}
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (m *Mailpit) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.API+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Messages returns the messages Mailpit holds, newest first, with their
// text bodies (GET /api/v1/messages, then /api/v1/message/{id}).
func (m *Mailpit) Messages(ctx context.Context) ([]MailpitMessage, error) {
	var list struct {
		Total    int              `json:"total"`
		Messages []MailpitMessage `json:"messages"`
	}
	if err := m.get(ctx, "/api/v1/messages?limit=1000", &list); err != nil {
		return nil, err
	}
	for i, s := range list.Messages {
		var full MailpitMessage
		if err := m.get(ctx, "/api/v1/message/"+s.ID, &full); err != nil {
			return nil, err
		}
		full.Created = s.Created
		list.Messages[i] = full
	}
	return list.Messages, nil
}

// Wait polls Mailpit until it holds at least n messages or ctx ends, and
// returns what it holds.
func (m *Mailpit) Wait(ctx context.Context, n int) ([]MailpitMessage, error) {
	for {
		msgs, err := m.Messages(ctx)
		if err == nil && len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
			return msgs, err
		case <-time.After(25 * time.Millisecond):
		}
	}
}
