package server

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// Session settings: 30 minutes without a request end a session; none lives
// longer than 12 hours.
const (
	SessionIdleTimeout = 30 * time.Minute
	SessionLifetime    = 12 * time.Hour
	sessionCookie      = "kaowu_session"
)

// sessionStore is the scs.Store over internal/store: sessions are rows of
// the sessions table, shared by every server process on one database, with
// one query text for both engines. scs computes expiry instants on the
// real clock; the store keeps the same remaining time on the App's clock,
// so that idle timeouts follow `serve --now` and the tests' ManualClock.
//
// scs commits a session on every request to push its idle expiry on. The
// store skips that write when the data are what it read at the start of
// the request and the stored expiry is less than sessionSlack old: a page
// view then costs no write transaction (on SQLite, no turn at its single
// writer), and the idle timeout holds to within sessionSlack.
type sessionStore struct {
	app  *app.App
	seen *lru.Cache[string, seenSession] // token → as last read or written here
}

// sessionSlack is how much of a session's idle time a request may leave
// unrecorded.
const sessionSlack = time.Minute

type seenSession struct {
	data    string
	expires time.Time
}

var _ scs.CtxStore = sessionStore{}

// sameSession reports whether two encoded sessions hold the same deadline
// and values. Gob encodes a map in no fixed order, so equal sessions need
// not be equal bytes.
func sameSession(a string, b []byte) bool {
	if a == string(b) {
		return true
	}
	var codec scs.GobCodec
	da, va, err1 := codec.Decode([]byte(a))
	db, vb, err2 := codec.Decode(b)
	return err1 == nil && err2 == nil && da.Equal(db) && reflect.DeepEqual(va, vb)
}

// FindCtx implements scs.CtxStore.
func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, expires, found, err := s.app.Store.FindSession(ctx, token, s.app.Clock.Now())
	if found {
		s.seen.Add(token, seenSession{string(b), expires})
	} else {
		s.seen.Remove(token)
	}
	return b, found, err
}

// CommitCtx implements scs.CtxStore.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	expires := s.app.Clock.Now().Add(time.Until(expiry))
	if old, ok := s.seen.Get(token); ok && !expires.Before(old.expires) && expires.Sub(old.expires) < sessionSlack && sameSession(old.data, b) {
		return nil
	}
	err := s.app.Store.Update(ctx, func(tx *store.Tx) error { return tx.PutSession(ctx, token, b, expires) })
	if err == nil {
		s.seen.Add(token, seenSession{string(b), expires})
	}
	return err
}

// DeleteCtx implements scs.CtxStore.
func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	s.seen.Remove(token)
	return s.app.Store.Update(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, token) })
}

// Find implements scs.Store.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

func (s *Server) newSessions() *scs.SessionManager {
	sm := scs.New()
	seen, _ := lru.New[string, seenSession](100_000) // fails only for a size ≤ 0
	sm.Store = sessionStore{app: s.App, seen: seen}
	sm.IdleTimeout = SessionIdleTimeout
	sm.Lifetime = SessionLifetime
	sm.HashTokenInStore = true
	sm.Cookie.Name = sessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }
	return sm
}

const (
	accountKey ctxKey = iota + 100
	patternKey
)

// accountFrom returns the logged-in account of a request, or nil.
func accountFrom(ctx context.Context) *kaowu.Account {
	a, _ := ctx.Value(accountKey).(*kaowu.Account)
	return a
}

// actorOf returns the app actor of the logged-in account.
func actorOf(r *http.Request) app.Actor {
	a := accountFrom(r.Context())
	if a == nil {
		return app.Actor{}
	}
	return app.Actor{Username: a.Username, Role: a.Role, Account: a}
}

// withSessions loads the session of every request except static files and
// probes, and puts the logged-in account in the context. A session whose
// account was deleted, or whose epoch is older than the account's ("log out
// everywhere", password reset), is ended.
func (s *Server) withSessions(next http.Handler) http.Handler {
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if uid := s.Sessions.GetString(ctx, "uid"); uid != "" {
			acc, err := s.App.Account(ctx, uid)
			switch {
			case err == nil && acc.SessionEpoch == s.Sessions.GetInt64(ctx, "epoch"):
				r = r.WithContext(context.WithValue(ctx, accountKey, &acc))
			case err == nil || kaowu.ErrorCode(err) == kaowu.ENOTFOUND:
				if err := s.Sessions.Destroy(ctx); err != nil {
					s.fail(w, r, err)
					return
				}
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
		if p, ok := ctx.Value(patternKey).(*string); ok {
			*p = r.Pattern
		}
	})
	loaded := s.Sessions.LoadAndSave(auth)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		// The handlers see a derived request; the route pattern the mux
		// finds is copied back for the metrics and logs of observe.
		var pattern string
		loaded.ServeHTTP(secureCookies(w, r), r.WithContext(context.WithValue(r.Context(), patternKey, &pattern)))
		r.Pattern = pattern
	})
}

// logIn starts a session for acc with a new token (no session fixation).
func (s *Server) logIn(ctx context.Context, acc kaowu.Account) error {
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Put(ctx, "uid", acc.ID)
	s.Sessions.Put(ctx, "epoch", acc.SessionEpoch)
	return nil
}

// secureCookies marks cookies Secure when the request came over TLS
// (directly, or through a proxy that says so).
func secureCookies(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
		return w
	}
	return &secureWriter{ResponseWriter: w}
}

type secureWriter struct {
	http.ResponseWriter
	done bool
}

func (w *secureWriter) mark() {
	if w.done {
		return
	}
	w.done = true
	h := w.ResponseWriter.Header()
	for i, c := range h["Set-Cookie"] {
		if !strings.Contains(c, "; Secure") {
			h["Set-Cookie"][i] = c + "; Secure"
		}
	}
}

func (w *secureWriter) WriteHeader(code int) { w.mark(); w.ResponseWriter.WriteHeader(code) }

func (w *secureWriter) Write(b []byte) (int, error) { w.mark(); return w.ResponseWriter.Write(b) }

func (w *secureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requireRole lets through requests of a logged-in account of one of the
// roles: others get 401 (to the login page, for pages) or 403. Every
// handler of an account says here who may call it; whose data it reaches
// is decided in the app layer (App.authorize).
func (s *Server) requireRole(roles ...kaowu.Role) func(http.HandlerFunc) http.HandlerFunc {
	return func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			acc := accountFrom(r.Context())
			if acc == nil {
				if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
					s.fail(w, r, kaowu.Errorf(kaowu.EUNAUTHORIZED, "请先登录"))
					return
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			for _, role := range roles {
				if acc.Role == role {
					h(w, r)
					return
				}
			}
			s.fail(w, r, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号（%s）无权使用此功能", acc.Role.Label()))
		}
	}
}

// clientIP is the address a request came from, for throttling. Behind a
// proxy, it is the proxy's unless the proxy is configured to pass the
// client's (see docs/accounts.md).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// localPath returns next if it is a path on this site, else fallback: a
// login's "next" must not send the user elsewhere.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}
