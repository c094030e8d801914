package notify_test

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"io"
	"mime"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/notify"
	"kaowu/internal/notify/notifytest"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

func newUser(t *testing.T, s *store.Store) string {
	t.Helper()
	u := kaowu.User{Username: "u" + store.NewID()[24:], Name: "王犇", Role: kaowu.RoleCandidate, PasswordHash: "x", CreatedAt: time.Now()}
	if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateUser(context.Background(), &u) }); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func sample(userID string) kaowu.Reminder {
	return kaowu.Reminder{
		ID:        store.NewID(),
		UserID:    userID,
		Kind:      "application.returned",
		Title:     "报名信息被退回修改：请于1月12日前重新提交",
		Body:      "丰台考点审核您的网上报名后退回修改，原因：工作年限证明材料不全。请补充后重新提交。",
		Link:      "/me/application",
		CreatedAt: time.Date(2024, 1, 9, 2, 30, 0, 0, time.UTC),
	}
}

// The inbox: stored once however often delivered, listed newest first,
// read/unread per user.
func TestInbox(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newUser(t, s), newUser(t, s)
		in := notify.Inbox{Store: s}
		var ids []string
		for i := range 3 {
			r := sample(a)
			r.CreatedAt = r.CreatedAt.Add(time.Duration(i) * time.Minute)
			r.Title = r.Title + strings.Repeat("！", i)
			if err := in.Deliver(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := in.Deliver(ctx, r); err != nil {
				t.Fatalf("second delivery: %v", err)
			}
			ids = append(ids, r.ID)
		}
		if err := in.Deliver(ctx, sample(b)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Inbox(ctx, a, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != ids[2] || got[2].ID != ids[0] {
			t.Fatalf("inbox = %+v, want 3 newest first", got)
		}
		if got[0].Body != sample(a).Body || !got[0].CreatedAt.Equal(sample(a).CreatedAt.Add(2*time.Minute)) || got[0].Read() {
			t.Errorf("inbox[0] = %+v", got[0])
		}
		if n, _ := s.UnreadReminders(ctx, a); n != 3 {
			t.Errorf("unread = %d, want 3", n)
		}
		now := time.Date(2024, 1, 9, 3, 0, 0, 0, time.UTC)
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.MarkReminderRead(ctx, a, ids[1], now) }); err != nil {
			t.Fatal(err)
		}
		// Again: already read stays read.
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.MarkReminderRead(ctx, a, ids[1], now.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		// Another user's reminder is not found.
		err = s.Update(ctx, func(tx *store.Tx) error { return tx.MarkReminderRead(ctx, b, ids[0], now) })
		if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("marking another's reminder = %v, want not found", err)
		}
		r, err := s.Reminder(ctx, ids[1])
		if err != nil || r.ReadAt == nil || !r.ReadAt.Equal(now) {
			t.Errorf("reminder = %+v, %v", r, err)
		}
		unread, _ := s.Inbox(ctx, a, 10, true)
		if len(unread) != 2 {
			t.Errorf("unread inbox = %d, want 2", len(unread))
		}
		var n int
		if err := s.Update(ctx, func(tx *store.Tx) (err error) { n, err = tx.MarkAllRemindersRead(ctx, a, now); return }); err != nil || n != 2 {
			t.Errorf("mark all = %d, %v", n, err)
		}
		if n, _ := s.UnreadReminders(ctx, b); n != 1 {
			t.Errorf("other user's unread = %d, want 1", n)
		}
		if _, err := s.Reminder(ctx, "nope"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("missing reminder = %v", err)
		}
		// Deliveries: recorded once per (reminder, channel).
		d := store.ReminderDelivery{ReminderID: ids[0], Channel: "email", Status: store.DeliverySent, Attempt: 1, DeliveredAt: now}
		for i, want := range []bool{true, false} {
			var ok bool
			if err := s.Update(ctx, func(tx *store.Tx) (err error) { ok, err = tx.RecordDelivery(ctx, d); return }); err != nil || ok != want {
				t.Errorf("record %d = %v, %v; want %v", i, ok, err, want)
			}
			d.Attempt = 2
		}
		got1, ok, err := s.Delivery(ctx, ids[0], "email")
		if err != nil || !ok || got1.Attempt != 1 || !got1.DeliveredAt.Equal(now) {
			t.Errorf("delivery = %+v, %v, %v", got1, ok, err)
		}
		if _, ok, _ := s.Delivery(ctx, ids[0], "wechat"); ok {
			t.Error("wechat delivery found")
		}
	})
}

func newEmail(t *testing.T, addr string) *notify.Email {
	e, err := notify.NewEmail(addr, "北京市丰台区考点 <kaowu@fengtai.example>", func(_ context.Context, id string) (string, bool) {
		if id == "nobody" {
			return "", false
		}
		return "张三 <" + id + "@example.org>", true
	})
	if err != nil {
		t.Fatal(err)
	}
	e.LinkBase = "https://kaowu.example/"
	return e
}

// The mail is plain-text UTF-8 with the Chinese subject in RFC 2047
// encoded-words, readable by a standard parser.
func TestEmailMessage(t *testing.T) {
	e := newEmail(t, "127.0.0.1:25")
	r := sample("c1")
	r.Title = strings.Repeat("请按时到考点现场确认", 4) // long: several encoded-words
	raw, err := e.Message(r, &mail.Address{Address: "c1@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
		for _, c := range line {
			if c > 127 {
				t.Fatalf("non-ASCII in the raw message: %q", line)
			}
		}
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != r.Title {
		t.Errorf("subject = %q, %v; want %q", subject, err, r.Title)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || from[0].Name != "北京市丰台区考点" {
		t.Errorf("from = %v, %v", from, err)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("content type %q", ct)
	}
	if id := m.Header.Get("Message-ID"); id != "<reminder."+r.ID+"@fengtai.example>" {
		t.Errorf("Message-ID %q", id)
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{r.Body, "查看详情：https://kaowu.example/me/application", "2024-01-09 10:30（北京时间）"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if _, err := e.Message(kaowu.Reminder{Title: "a\r\nBcc: x@y"}, &mail.Address{Address: "c1@example.org"}); err == nil {
		t.Error("header injection accepted")
	}
}

// Delivery to a real Mailpit; no address on file is ErrNoAddress; a
// server that is down is a retryable error.
func TestEmailDeliver(t *testing.T) {
	ctx := context.Background()
	mp := notifytest.StartMailpit(t)
	e := newEmail(t, mp.SMTP)
	r := sample("c2")
	if err := e.Deliver(ctx, r); err != nil {
		t.Fatal(err)
	}
	msgs, err := mp.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.Subject != r.Title || len(m.To) != 1 || m.To[0].Address != "c2@example.org" || m.To[0].Name != "张三" || !strings.Contains(m.Text, r.Body) {
		t.Errorf("mailpit has %+v", m)
	}
	if err := e.Deliver(ctx, sample("nobody")); !errors.Is(err, notify.ErrNoAddress) {
		t.Errorf("no address: %v", err)
	}
	down := newEmail(t, "127.0.0.1:1")
	err = down.Deliver(ctx, r)
	var perm *notify.PermanentError
	if err == nil || errors.As(err, &perm) {
		t.Errorf("server down: %v, want a retryable error", err)
	}
}

func newWeChat(t *testing.T, api string) *notify.WeChat {
	w, err := notify.NewWeChat(api, "wxapp", "wxsecret", "TM1", func(_ context.Context, id string) (string, bool) {
		return "openid-" + id, id != "nobody"
	})
	if err != nil {
		t.Fatal(err)
	}
	w.LinkBase = "https://kaowu.example"
	return w
}

// The WeChat adapter speaks the official-account API: token fetched once
// and cached, template messages in WeChat's shape, errcodes acted on.
func TestWeChat(t *testing.T) {
	ctx := context.Background()
	stub := notify.NewStub("wxapp", "wxsecret")
	srv := httptest.NewServer(stub)
	defer srv.Close()
	w := newWeChat(t, srv.URL)
	r := sample("c3")
	for range 2 {
		if err := w.Deliver(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if n := stub.TokenRequests(); n != 1 {
		t.Errorf("token requests = %d, want 1 (cached)", n)
	}
	msgs := stub.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.ToUser != "openid-c3" || m.TemplateID != "TM1" || m.URL != "https://kaowu.example/me/application" ||
		m.Data["first"].Value != r.Title || m.Data["keyword1"].Value != r.Body ||
		m.Data["keyword2"].Value != "2024年01月09日 10:30" || m.Data["remark"].Value == "" {
		t.Errorf("message = %+v", m)
	}

	// 系统繁忙: retryable.
	stub.FailNext(1)
	err := w.Deliver(ctx, r)
	var we *notify.WeChatError
	var perm *notify.PermanentError
	if !errors.As(err, &we) || we.ErrCode != -1 || errors.As(err, &perm) {
		t.Errorf("busy: %v", err)
	}
	// An invalidated token: the failure drops it, the next try fetches a
	// new one.
	stub.ExpireTokens()
	if err := w.Deliver(ctx, r); !errors.As(err, &we) || we.ErrCode != 40001 {
		t.Errorf("expired token: %v", err)
	}
	if err := w.Deliver(ctx, r); err != nil {
		t.Errorf("after new token: %v", err)
	}
	if n := stub.TokenRequests(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	// Not bound: no address.
	if err := w.Deliver(ctx, sample("nobody")); !errors.Is(err, notify.ErrNoAddress) {
		t.Errorf("not bound: %v", err)
	}
	// Wrong secret: the token request fails.
	bad := newWeChat(t, srv.URL)
	bad.Secret = "wrong"
	if err := bad.Deliver(ctx, r); !errors.As(err, &we) || we.ErrCode != 40125 {
		t.Errorf("wrong secret: %v", err)
	}
	if len(stub.Messages()) != 3 {
		t.Errorf("%d messages, want 3", len(stub.Messages()))
	}
}

// A token is renewed five minutes before it expires.
func TestWeChatTokenExpiry(t *testing.T) {
	stub := notify.NewStub("wxapp", "wxsecret")
	srv := httptest.NewServer(stub)
	defer srv.Close()
	w := newWeChat(t, srv.URL)
	clock := kaowu.NewManualClock(time.Date(2024, 1, 9, 2, 0, 0, 0, time.UTC))
	w.Now = clock.Now
	ctx := context.Background()
	t1, err := w.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(7200*time.Second - 5*time.Minute - time.Second)
	if t2, _ := w.Token(ctx); t2 != t1 {
		t.Error("token not cached until five minutes before expiry")
	}
	clock.Advance(2 * time.Second)
	if t3, _ := w.Token(ctx); t3 == t1 {
		t.Error("token not renewed")
	}
	if n := stub.TokenRequests(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestLink(t *testing.T) {
	for _, c := range []struct{ base, link, want string }{
		{"https://a.example/", "/me", "https://a.example/me"},
		{"https://a.example", "me", "https://a.example/me"},
		{"", "/me", "/me"},
		{"https://a.example", "https://b.example/x", "https://b.example/x"},
		{"https://a.example", "", ""},
	} {
		if got := notify.Link(c.base, c.link); got != c.want {
			t.Errorf("Link(%q, %q) = %q, want %q", c.base, c.link, got, c.want)
		}
	}
}

func TestSettings(t *testing.T) {
	lookup := func(context.Context, string) (string, bool) { return "", false }
	var s notify.Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if chs, err := s.Channels(lookup, lookup); err != nil || len(chs) != 0 {
		t.Errorf("no settings: %v, %v", chs, err)
	}
	if err := fs.Parse([]string{"--smtp-addr", "127.0.0.1:1025", "--smtp-from", "丰台考点 <a@b.example>",
		"--wechat-appid", "wx1", "--wechat-secret", "s", "--wechat-template", "T", "--public-url", "https://k.example"}); err != nil {
		t.Fatal(err)
	}
	chs, err := s.Channels(lookup, lookup)
	if err != nil || len(chs) != 2 || chs[0].Name() != notify.EmailChannel || chs[1].Name() != notify.WeChatChannel {
		t.Fatalf("channels = %v, %v", chs, err)
	}
	if w := chs[1].(*notify.WeChat); w.API != notify.DefaultWeChatAPI || w.LinkBase != "https://k.example" {
		t.Errorf("wechat = %+v", w)
	}
	s.WeChatTemplate = ""
	if _, err := s.Channels(lookup, lookup); err == nil {
		t.Error("WeChat without a template accepted")
	}
	s.SMTPFrom = "not an address"
	if _, err := s.Channels(lookup, nil); err == nil {
		t.Error("bad --smtp-from accepted")
	}
}
