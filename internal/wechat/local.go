package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Local is a WeChat stand-in for demonstrations and tests. Its authorize
// page (served by the server at AuthorizePath) shows a six-digit code; the
// "phone" page (ConfirmPath) takes that code and a WeChat account name
// and confirms; the authorize page then sends the browser back with an
// authorization code, which Exchange turns into an openid derived from the
// WeChat account name (the same "phone" always has the same openid).
//
// Its pending authorizations live in this process's memory, as the real
// WeChat keeps them on its own servers: a demo runs one process, and a
// cluster sends the pages under /wechat/ to one node (scripts/cluster.sh).
// A real deployment uses OfficialAccount.
type Local struct {
	// AppID is shown on the pages and mixed into openids.
	AppID string
	Now   func() time.Time

	mu      sync.Mutex
	tickets map[string]*ticket // by ticket id
	codes   map[string]grant   // authorization codes, by code
}

// Paths of the local provider's pages.
const (
	AuthorizePath = "/wechat/local/authorize"
	ConfirmPath   = "/wechat/local/confirm"
)

// ticketLifetime bounds how long an authorization may wait for the phone.
const ticketLifetime = 10 * time.Minute

type ticket struct {
	id, state, redirect, pin string
	created                  time.Time
	wechatID                 string // set when the phone confirms
}

type grant struct {
	identity Identity
	expires  time.Time
}

// NewLocal returns a local provider.
func NewLocal(appID string, now func() time.Time) *Local {
	return &Local{AppID: appID, Now: now, tickets: map[string]*ticket{}, codes: map[string]grant{}}
}

// AuthorizeURL implements Provider: the local authorize page.
func (l *Local) AuthorizeURL(state, redirectURI string) string {
	v := url.Values{"appid": {l.AppID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"snsapi_base"}, "state": {state}}
	return AuthorizePath + "?" + v.Encode()
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Pending is an authorization waiting for the phone, as the authorize page
// shows it.
type Pending struct {
	Ticket    string
	PIN       string
	Confirmed bool
}

// Begin starts (or, given its ticket, resumes) an authorization and returns
// what the authorize page shows. redirectURI must be a path on this site.
func (l *Local) Begin(ticketID, state, redirectURI string) (Pending, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire()
	if t, ok := l.tickets[ticketID]; ok && ticketID != "" {
		return Pending{Ticket: t.id, PIN: t.pin, Confirmed: t.wechatID != ""}, nil
	}
	if !strings.HasPrefix(redirectURI, "/") || strings.HasPrefix(redirectURI, "//") || state == "" {
		return Pending{}, errors.New("redirect_uri 或 state 无效")
	}
	n := make([]byte, 3)
	rand.Read(n)
	t := &ticket{id: random(16), state: state, redirect: redirectURI,
		pin:     fmt.Sprintf("%06d", (int(n[0])<<16|int(n[1])<<8|int(n[2]))%1000000),
		created: l.Now()}
	l.tickets[t.id] = t
	return Pending{Ticket: t.id, PIN: t.pin}, nil
}

// Confirm is the phone's answer: the WeChat account wechatID confirms the
// authorization showing pin.
func (l *Local) Confirm(pin, wechatID string) error {
	wechatID = strings.TrimSpace(wechatID)
	if wechatID == "" || len(wechatID) > 64 {
		return errors.New("请填写手机上的微信号（1 至 64 个字符）")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire()
	for _, t := range l.tickets {
		if t.pin == strings.TrimSpace(pin) && t.wechatID == "" {
			t.wechatID = wechatID
			return nil
		}
	}
	return errors.New("确认码不正确或已过期，请核对电脑屏幕上显示的 6 位确认码")
}

// Finish returns where to send the browser once the phone has confirmed:
// the redirect URI with a fresh authorization code and the state.
func (l *Local) Finish(ticketID string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire()
	t, ok := l.tickets[ticketID]
	if !ok {
		return "", errors.New("授权已过期，请重新绑定")
	}
	if t.wechatID == "" {
		return "", errors.New("手机尚未确认，请先在手机上输入确认码")
	}
	delete(l.tickets, ticketID)
	code := random(16)
	l.codes[code] = grant{identity: l.identity(t.wechatID), expires: l.Now().Add(5 * time.Minute)}
	sep := "?"
	if strings.Contains(t.redirect, "?") {
		sep = "&"
	}
	return t.redirect + sep + url.Values{"code": {code}, "state": {t.state}}.Encode(), nil
}

// identity derives a stable openid from the app id and the WeChat account.
func (l *Local) identity(wechatID string) Identity {
	sum := sha256.Sum256([]byte(l.AppID + "\x00" + wechatID))
	return Identity{OpenID: "o" + hex.EncodeToString(sum[:])[:27]}
}

// Exchange implements Provider: a code works once, within five minutes.
func (l *Local) Exchange(_ context.Context, code string) (Identity, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.codes[code]
	delete(l.codes, code)
	if !ok || !l.Now().Before(g.expires) {
		return Identity{}, errors.New("wechat local: invalid or expired code")
	}
	return g.identity, nil
}

// expire drops stale tickets and codes; l.mu is held.
func (l *Local) expire() {
	now := l.Now()
	for id, t := range l.tickets {
		if now.Sub(t.created) > ticketLifetime || now.Before(t.created.Add(-ticketLifetime)) {
			delete(l.tickets, id)
		}
	}
	for c, g := range l.codes {
		if !now.Before(g.expires) {
			delete(l.codes, c)
		}
	}
}
