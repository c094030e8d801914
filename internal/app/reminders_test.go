package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestRemindersInInbox: each state change of an application leaves its
// to-do reminder in the candidate's inbox, in the same transaction.
func TestRemindersInInbox(t *testing.T) {
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	ctx := context.Background()
	acc, _ := applicant(t, a, s, "inboxer", 51)
	me := actor(acc)
	apply(t, a, me, app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	if _, err := a.Submit(ctx, me, 0, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Withdraw(ctx, me); err != nil {
		t.Fatal(err)
	}
	rs, err := a.Inbox(ctx, me, 10)
	if err != nil || len(rs) != 2 {
		t.Fatalf("inbox = %d %v, want 2", len(rs), err)
	}
	if !strings.Contains(rs[1].Body, "2023年12月11日") || !strings.Contains(rs[1].Title, "打印申报表") || !strings.Contains(rs[0].Title, "已撤回") {
		t.Errorf("reminders = %+v", rs)
	}
	// A refused submission leaves nothing.
	if _, err := a.Submit(ctx, me, 0, true); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
		t.Fatalf("stale submit: %v", err)
	}
	if rs, _ := a.Inbox(ctx, me, 10); len(rs) != 2 {
		t.Errorf("a refused submission left a reminder: %d", len(rs))
	}
	if err := a.MarkAllRead(ctx, me); err != nil {
		t.Fatal(err)
	}
	if rs, _ := a.Inbox(ctx, me, 10); !rs[0].Read() || !rs[1].Read() {
		t.Error("mark all read did not")
	}
}

// TestSubmissionReachesWeChat: with the job queue running, a submission's
// reminder is delivered once as a WeChat template message to the bound
// openid (through the local stub of WeChat's API).
func TestSubmissionReachesWeChat(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, clock := newApp(t, s)
		ctx := context.Background()
		stub := notify.NewStub("wx-app", "wx-secret")
		api := httptest.NewServer(stub)
		t.Cleanup(api.Close)
		ch, err := notify.NewWeChat(api.URL, "wx-app", "wx-secret", "tpl-todo", func(ctx context.Context, uid string) (string, bool) {
			b, err := s.WeChatBinding(ctx, uid)
			return b.OpenID, err == nil
		})
		if err != nil {
			t.Fatal(err)
		}
		j, err := jobs.New(ctx, s, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Config{PollInterval: 50 * time.Millisecond}, ch)
		if err != nil {
			t.Fatal(err)
		}
		a.Reminders = j
		if err := j.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			j.Stop(sctx)
		})
		acc, _ := applicant(t, a, s, "wechatter", 52)
		apply(t, a, actor(acc), app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
		if _, err := a.Submit(ctx, actor(acc), 0, true); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		msgs, err := stub.Wait(wctx, 1)
		if err != nil {
			t.Fatalf("no WeChat message: %v", err)
		}
		if len(msgs) != 1 || msgs[0].ToUser != "openid-wechatter" || msgs[0].TemplateID != "tpl-todo" {
			t.Errorf("messages = %+v", msgs)
		}
		if rs, _ := a.Inbox(ctx, actor(acc), 10); len(rs) != 1 {
			t.Errorf("inbox has %d reminders, want 1", len(rs))
		}
	})
}
