package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestOfficialAccount(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/sns/oauth2/access_token" || q.Get("appid") != "wxapp" || q.Get("secret") != "s3cret" || q.Get("grant_type") != "authorization_code" {
			http.Error(w, "bad request", 400)
			return
		}
		if q.Get("code") == "good" {
			w.Write([]byte(`{"access_token":"AT","expires_in":7200,"refresh_token":"RT","openid":"oOPENID","scope":"snsapi_base","unionid":"uUNION"}`))
			return
		}
		w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
	}))
	defer fake.Close()
	o := &OfficialAccount{AppID: "wxapp", Secret: "s3cret", APIBase: fake.URL}
	u, _ := url.Parse(o.AuthorizeURL("st", "https://kaowu.example/wechat/callback"))
	if u.Host != "open.weixin.qq.com" || u.Query().Get("appid") != "wxapp" || u.Query().Get("state") != "st" ||
		u.Query().Get("redirect_uri") != "https://kaowu.example/wechat/callback" || u.Fragment != "wechat_redirect" {
		t.Errorf("authorize URL = %s", u)
	}
	id, err := o.Exchange(context.Background(), "good")
	if err != nil || id.OpenID != "oOPENID" || id.UnionID != "uUNION" {
		t.Errorf("exchange = %+v, %v", id, err)
	}
	if _, err := o.Exchange(context.Background(), "bad"); err == nil || !strings.Contains(err.Error(), "40029") {
		t.Errorf("bad code: %v", err)
	}
}

func TestLocal(t *testing.T) {
	now := time.Date(2023, 12, 5, 10, 0, 0, 0, time.UTC)
	l := NewLocal("wxlocal", func() time.Time { return now })
	if _, err := l.Begin("", "st", "https://evil.example/cb"); err == nil {
		t.Error("an off-site redirect was accepted")
	}
	p, err := l.Begin("", "st", "/wechat/callback")
	if err != nil || len(p.PIN) != 6 {
		t.Fatalf("begin = %+v, %v", p, err)
	}
	if _, err := l.Finish(p.Ticket); err == nil {
		t.Error("finished before the phone confirmed")
	}
	if err := l.Confirm("000000x", "me"); err == nil {
		t.Error("a wrong PIN confirmed")
	}
	if err := l.Confirm(p.PIN, "phone-1"); err != nil {
		t.Fatal(err)
	}
	next, err := l.Finish(p.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(next)
	if u.Path != "/wechat/callback" || u.Query().Get("state") != "st" {
		t.Fatalf("redirect = %s", next)
	}
	id, err := l.Exchange(context.Background(), u.Query().Get("code"))
	if err != nil || id.OpenID == "" {
		t.Fatalf("exchange = %+v, %v", id, err)
	}
	if _, err := l.Exchange(context.Background(), u.Query().Get("code")); err == nil {
		t.Error("a code worked twice")
	}
	// The same phone is the same identity; another phone another.
	again := func(phone string) Identity {
		p, _ := l.Begin("", "s2", "/cb")
		l.Confirm(p.PIN, phone)
		next, _ := l.Finish(p.Ticket)
		u, _ := url.Parse(next)
		id, _ := l.Exchange(context.Background(), u.Query().Get("code"))
		return id
	}
	if again("phone-1") != id || again("phone-2") == id {
		t.Error("openids are not stable per phone")
	}
	// Tickets expire.
	p, _ = l.Begin("", "s3", "/cb")
	now = now.Add(11 * time.Minute)
	if err := l.Confirm(p.PIN, "phone-1"); err == nil {
		t.Error("an expired ticket was confirmed")
	}
}
