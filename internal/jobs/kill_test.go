package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kaowu"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
	"kaowu/internal/store"
)

// The kill tests run a worker in a child process (this test binary again)
// and SIGKILL it in the middle of a delivery.
const (
	envChild   = "KAOWU_JOBS_TEST_CHILD"   // the mode: "hang" or "after-send"
	envDSN     = "KAOWU_JOBS_TEST_DSN"     // the database
	envChannel = "KAOWU_JOBS_TEST_CHANNEL" // "wechat" or "email"
	envTarget  = "KAOWU_JOBS_TEST_TARGET"  // the stub's URL or Mailpit's SMTP address
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		if err := child(mode); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pause wraps a channel: it says "DELIVERING" before the real delivery and,
// in mode after-send, "SENT" after it, then waits to be killed.
type pause struct {
	notify.Channel
	mode string
}

func (p pause) Deliver(ctx context.Context, r kaowu.Reminder) error {
	fmt.Println("DELIVERING")
	if err := p.Channel.Deliver(ctx, r); err != nil {
		fmt.Println("ERROR", err)
		return err
	}
	if p.mode == "after-send" {
		fmt.Println("SENT")
		<-ctx.Done()
		select {} // killed before anything is recorded
	}
	return nil
}

func child(mode string) error {
	ctx := context.Background()
	s, err := store.Open(ctx, os.Getenv(envDSN))
	if err != nil {
		return err
	}
	var ch notify.Channel
	switch target := os.Getenv(envTarget); os.Getenv(envChannel) {
	case notify.WeChatChannel:
		ch, err = notify.NewWeChat(target, appID, secret, templateID, func(_ context.Context, id string) (string, bool) { return openIDOf(id), true })
	case notify.EmailChannel:
		ch, err = notify.NewEmail(target, "丰台考点 <kaowu@fengtai.example>", func(_ context.Context, id string) (string, bool) { return emailOf(id), true })
	}
	if err != nil {
		return err
	}
	cfg := testConfig()
	cfg.LeaderElectionDisabled = true
	cfg.JobTimeout = time.Hour
	cfg.RescueAfter = 2 * time.Hour
	j, err := jobs.New(ctx, s, kaowu.SystemClock{}, nil, cfg, pause{ch, mode})
	if err != nil {
		return err
	}
	if err := j.Start(ctx); err != nil {
		return err
	}
	fmt.Println("READY")
	select {}
}

// runChild starts a child worker and returns when it printed want; the
// child is killed with SIGKILL by kill.
func runChild(t *testing.T, mode, dsn, channel, target, want string) (kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envDSN+"="+dsn, envChannel+"="+channel, envTarget+"="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	kill = func() {
		cmd.Process.Kill()
		<-exited
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		cmd.Wait()
		close(exited)
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before %s", want)
			}
			if strings.HasPrefix(l, "ERROR") {
				kill()
				t.Fatalf("child: %s", l)
			}
			if l == want {
				go func() {
					for range lines {
					}
				}()
				return kill
			}
		case <-deadline:
			kill()
			t.Fatalf("child did not say %s in 60 s", want)
		}
	}
}

// rescueConfig is a worker that takes over a dead process's jobs after one
// second.
func rescueConfig() jobs.Config {
	cfg := testConfig()
	cfg.JobTimeout = 500 * time.Millisecond
	cfg.RescueAfter = time.Second
	return cfg
}

// waitRescuable waits until the running job of the dead child is older
// than RescueAfter, by the database's own attempted_at: the rescuer of a
// newly started leader then takes it at once.
func waitRescuable(t *testing.T, j *jobs.Jobs, after time.Duration) {
	t.Helper()
	for _, job := range deliverJobs(t, j) {
		if job.State != rivertype.JobStateRunning || job.AttemptedAt == nil {
			t.Fatalf("job %d is %s after the kill, want running", job.ID, job.State)
		}
		time.Sleep(time.Until(job.AttemptedAt.Add(after + 50*time.Millisecond)))
	}
}

// A worker killed in the middle of a delivery, before WeChat accepted it,
// loses nothing: another process takes the job over and delivers once.
func TestKillDuringDeliveryNotLost(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dsn, s := shared(t, engine)
			k := newSinks(t)
			web, err := jobs.New(ctx, s, kaowu.SystemClock{}, nil, jobs.Config{InsertOnly: true}, k.channels(t)[1])
			if err != nil {
				t.Fatal(err)
			}
			user := newUser(t, s)
			k.stub.HangNext(1)
			r := enqueue(t, s, web, reminder(user))
			kill := runChild(t, "hang", dsn, notify.WeChatChannel, k.wechat, "DELIVERING")
			// Kill it while WeChat holds its request.
			for deadline := time.Now().Add(30 * time.Second); k.stub.Hanging() == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					kill()
					t.Fatal("the child's request did not reach the stub in 30 s")
				}
			}
			kill()
			if n := len(k.stub.Messages()); n != 0 {
				t.Fatalf("stub accepted %d messages from the killed worker", n)
			}
			waitRescuable(t, web, rescueConfig().RescueAfter)
			_, ev := start(t, s, rescueConfig(), k.channels(t)[1])
			ev.wait(t, river.EventKindJobCompleted, 1)
			if wx := k.stub.Messages(); len(wx) != 1 || wx[0].ToUser != openIDOf(user) {
				t.Errorf("stub received %+v, want one message", wx)
			}
			if d, ok, _ := s.Delivery(ctx, r.ID, notify.WeChatChannel); !ok || d.Attempt != 2 {
				t.Errorf("delivery = %+v, %v; want recorded on attempt 2", d, ok)
			}
		})
	}
}

// A worker killed after the SMTP server accepted the mail but before the
// delivery was recorded: the job runs again and the mail is sent again.
// This is the at-least-once window. Both copies carry the same
// Message-ID, so a receiver that drops duplicate Message-IDs (here Mailpit
// with --ignore-duplicate-ids) keeps one.
func TestKillAfterSendBeforeRecord(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dsn, s := shared(t, engine)
			k := newSinks(t, "--ignore-duplicate-ids")
			email := k.channels(t)[0]
			web, err := jobs.New(ctx, s, kaowu.SystemClock{}, nil, jobs.Config{InsertOnly: true}, email)
			if err != nil {
				t.Fatal(err)
			}
			user := newUser(t, s)
			r := enqueue(t, s, web, reminder(user))
			kill := runChild(t, "after-send", dsn, notify.EmailChannel, k.mailpit.SMTP, "SENT")
			kill()
			first, err := k.mailpit.Messages(ctx)
			if err != nil || len(first) != 1 {
				t.Fatalf("after the first send mailpit holds %d messages (%v), want 1", len(first), err)
			}
			if _, ok, _ := s.Delivery(ctx, r.ID, notify.EmailChannel); ok {
				t.Fatal("delivery recorded by the killed worker")
			}
			waitRescuable(t, web, rescueConfig().RescueAfter)
			_, ev := start(t, s, rescueConfig(), email)
			ev.wait(t, river.EventKindJobCompleted, 1)
			d, ok, _ := s.Delivery(ctx, r.ID, notify.EmailChannel)
			if !ok || d.Attempt != 2 || d.Status != store.DeliverySent {
				t.Fatalf("delivery = %+v, %v; want sent again on attempt 2", d, ok)
			}
			msgs, err := k.mailpit.Messages(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].MessageID != first[0].MessageID {
				t.Errorf("mailpit holds %d messages, want the one (duplicate Message-ID dropped)", len(msgs))
			}
		})
	}
}
