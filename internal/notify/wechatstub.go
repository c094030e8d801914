package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Stub plays WeChat's official-account API on this machine, for demos and
// tests: GET /cgi-bin/token and POST /cgi-bin/message/template/send with
// WeChat's request and reply shapes. It records the messages it accepted and
// can be told to fail or hang the next sends. Mount it at the root of a
// server (or behind http.StripPrefix) and give that address as --wechat-api.
type Stub struct {
	AppID, Secret string
	// TokenTTL is the expires_in of the tokens it issues; 7200 s when zero.
	TokenTTL time.Duration

	mu            sync.Mutex
	tokens        map[string]time.Time
	tokenRequests int
	fail          int
	hang          int
	hanging       int
	nextID        int64
	messages      []StubMessage
	changed       chan struct{}
}

// StubMessage is a template message the stub accepted.
type StubMessage struct {
	TemplateMessage
	MsgID int64
	At    time.Time
}

// NewStub returns a stub for the official account appID with secret.
func NewStub(appID, secret string) *Stub {
	return &Stub{AppID: appID, Secret: secret, tokens: map[string]time.Time{}, nextID: 1000, changed: make(chan struct{})}
}

// FailNext makes the next n template sends answer errcode -1 (系统繁忙).
func (s *Stub) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// HangNext makes the next n template sends wait, accepting nothing, until
// the client goes away.
func (s *Stub) HangNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = n
}

// Hanging returns how many sends are being held by HangNext now.
func (s *Stub) Hanging() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hanging
}

// ExpireTokens invalidates every token issued so far.
func (s *Stub) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokenRequests returns how many tokens were issued.
func (s *Stub) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// Messages returns the messages accepted so far.
func (s *Stub) Messages() []StubMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StubMessage(nil), s.messages...)
}

// Wait returns the accepted messages once there are at least n, or ctx's
// error.
func (s *Stub) Wait(ctx context.Context, n int) ([]StubMessage, error) {
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			m := append([]StubMessage(nil), s.messages...)
			s.mu.Unlock()
			return m, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Messages(), ctx.Err()
		}
	}
}

// ServeHTTP implements http.Handler.
func (s *Stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cgi-bin/token":
		s.token(w, r)
	case "/cgi-bin/message/template/send":
		s.send(w, r)
	default:
		reply(w, apiReply{ErrCode: 40066, ErrMsg: "invalid url"})
	}
}

func reply(w http.ResponseWriter, a apiReply) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(a)
}

func (s *Stub) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		reply(w, apiReply{ErrCode: 43001, ErrMsg: "require GET method"})
	case q.Get("grant_type") != "client_credential":
		reply(w, apiReply{ErrCode: 40002, ErrMsg: "invalid grant_type"})
	case q.Get("appid") != s.AppID:
		reply(w, apiReply{ErrCode: 40013, ErrMsg: "invalid appid"})
	case q.Get("secret") != s.Secret:
		reply(w, apiReply{ErrCode: 40125, ErrMsg: "invalid appsecret"})
	default:
		ttl := s.TokenTTL
		if ttl <= 0 {
			ttl = 7200 * time.Second
		}
		b := make([]byte, 16)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		s.mu.Lock()
		s.tokens[tok] = time.Now().Add(ttl)
		s.tokenRequests++
		s.mu.Unlock()
		reply(w, apiReply{AccessToken: tok, ExpiresIn: int64(ttl / time.Second)})
	}
}

func (s *Stub) send(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		reply(w, apiReply{ErrCode: 43002, ErrMsg: "require POST method"})
		return
	}
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	hang := s.hang > 0
	if hang {
		s.hang--
	}
	s.mu.Unlock()
	switch {
	case tok == "":
		reply(w, apiReply{ErrCode: 41001, ErrMsg: "access_token missing"})
		return
	case !ok:
		reply(w, apiReply{ErrCode: 40001, ErrMsg: "invalid credential, access_token is invalid or not latest"})
		return
	case time.Now().After(exp):
		reply(w, apiReply{ErrCode: 42001, ErrMsg: "access_token expired"})
		return
	}
	var m TemplateMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		reply(w, apiReply{ErrCode: 47001, ErrMsg: "data format error"})
		return
	}
	if hang {
		// The body is read, so the server notices the client going away.
		s.mu.Lock()
		s.hanging++
		s.mu.Unlock()
		<-r.Context().Done()
		s.mu.Lock()
		s.hanging--
		s.mu.Unlock()
		return
	}
	switch {
	case m.ToUser == "":
		reply(w, apiReply{ErrCode: 40003, ErrMsg: "invalid openid"})
		return
	case m.TemplateID == "":
		reply(w, apiReply{ErrCode: 40037, ErrMsg: "invalid template_id"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		reply(w, apiReply{ErrCode: wxBusy, ErrMsg: "system error"})
		return
	}
	s.nextID++
	s.messages = append(s.messages, StubMessage{TemplateMessage: m, MsgID: s.nextID, At: time.Now()})
	close(s.changed)
	s.changed = make(chan struct{})
	reply(w, apiReply{ErrCode: 0, ErrMsg: "ok", MsgID: s.nextID})
}
