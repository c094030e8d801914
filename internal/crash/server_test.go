package crash

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildKaowu builds cmd/kaowu into a temporary directory, once per test
// run, and returns the binary's path; it skips the test when no go command
// is at hand.
func buildKaowu(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			t.Skip("crash test skipped: no go command to build cmd/kaowu with")
		}
	}
	bin := filepath.Join(t.TempDir(), "kaowu")
	cmd := exec.Command(goCmd, "build", "-o", bin, "kaowu/cmd/kaowu")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build kaowu/cmd/kaowu: %v\n%s", err, out)
	}
	return bin
}

// output collects what the server prints and passes it to a channel, so
// that the test waits for the ready line instead of sleeping.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
	c   chan string
}

func (w *output) Write(p []byte) (int, error) {
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

func (w *output) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// server is one running `kaowu serve` process.
type server struct {
	t       *testing.T
	cmd     *exec.Cmd
	url     string
	printed string // standard output up to the ready line
	stderr  *output
	exited  chan struct{}
	waitErr error
}

var readyLine = regexp.MustCompile(`kaowu 已启动：(http://[0-9.:]+)`)

// startServer runs `bin serve --demo --db db` in a process group of its own
// and waits for it to say it is ready. The process is killed when the test
// ends if it still runs.
func startServer(t *testing.T, bin, db string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo", "--db", db, "--addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = cleanEnv()
	stdout := &output{c: make(chan string, 1)}
	s := &server{t: t, cmd: cmd, stderr: &output{c: make(chan string, 1)}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = stdout, s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.kill() })
	timeout := time.NewTimer(45 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case out := <-stdout.c:
			if m := readyLine.FindStringSubmatch(out); m != nil {
				s.url, s.printed = m[1], out
				return s
			}
		case <-s.exited:
			t.Fatalf("kaowu serve exited before it was ready (%v):\n%s\n%s", s.waitErr, stdout.String(), s.stderr.String())
		case <-timeout.C:
			s.kill()
			t.Fatalf("kaowu serve not ready after 45 s:\n%s\n%s", stdout.String(), s.stderr.String())
		}
	}
}

// cleanEnv is the test's environment without KAOWU_* variables, which
// the server would read as flag defaults.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAOWU_") {
			env = append(env, kv)
		}
	}
	return env
}

// kill sends SIGKILL to the server's process group and waits until the
// process is gone.
func (s *server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		s.t.Errorf("kill -9 %d: %v", s.cmd.Process.Pid, err)
	}
	<-s.exited
}

// stop asks the server to shut down gracefully (SIGTERM) and returns how
// it exited.
func (s *server) stop() error {
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("did not stop within 30 s of SIGTERM")
	}
}
