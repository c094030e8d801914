// Package server is kaowu's HTTP server: routes, middleware (request id,
// logging, metrics, recovery, CSRF), the HTML pages and the JSON API.
package server

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/wechat"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the pages and the API of one App.
type Server struct {
	App *app.App
	Log *slog.Logger
	// ClockNote, when set, is shown in a banner on every page: the clock is
	// not the real time (serve --now, --demo).
	ClockNote string

	// Sessions holds login sessions in the database (sessions.go).
	Sessions *scs.SessionManager
	// TrustedProxies are the reverse proxies (load balancers) whose
	// X-Forwarded-For names the client (proxy.go); set before serving.
	TrustedProxies []netip.Prefix
	// WeChat is the WeChat authorization provider; New sets the local one
	// (wechat.Local), which a real official account replaces
	// (docs/accounts.md).
	WeChat wechat.Provider

	pages         *pages
	metrics       *metrics
	catalogBodies catalogCache
	handler       http.Handler
	// patterns are the route patterns registered on the mux, in order
	// (handle); the access matrix test enumerates them.
	patterns []string
}

// New returns a Server for a.
func New(a *app.App, log *slog.Logger, clockNote string) (*Server, error) {
	s := &Server{App: a, Log: slog.New(kaowu.NewMaskingHandler(log.Handler())), ClockNote: clockNote}
	s.Sessions = s.newSessions()
	s.WeChat = wechat.NewLocal("wxlocal", a.Clock.Now)
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(a)
	s.handler = s.routes()
	return s, nil
}

// Mount serves h under prefix (with the prefix stripped), outside the
// site's own middleware: for the payment sandbox, which stands for another
// party's server. Call it before serving.
func (s *Server) Mount(prefix string, h http.Handler) {
	inner, strip := s.handler, http.StripPrefix(strings.TrimSuffix(prefix, "/"), h)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			strip.ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(s.TrustedProxies) > 0 {
		if client, ok := clientBehind(s.TrustedProxies, r); ok {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			r = &r2
		}
	}
	s.handler.ServeHTTP(w, r)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	s.handle(mux, "GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	s.handleFunc(mux, "GET /healthz", s.healthz)
	s.handle(mux, "GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))

	s.handleFunc(mux, "GET /{$}", s.home)
	s.handleFunc(mux, "GET /catalog", s.catalogPage)
	s.handleFunc(mux, "GET /api/v1/years/{year}/catalog", s.apiCatalog)
	s.handleFunc(mux, "POST /api/v1/eligibility/check", s.apiEligibility)
	s.handleFunc(mux, "GET /eligibility", s.eligibilityGet)
	s.handleFunc(mux, "POST /eligibility", s.eligibilityPost)
	s.handleFunc(mux, "GET /notice", s.noticeCurrent)
	s.handleFunc(mux, "GET /notice/{year}", s.noticePage)
	s.accountRoutes(mux)
	s.applyRoutes(mux)
	s.deskRoutes(mux)
	s.unitRoutes(mux)
	s.reviewMilitaryRoutes(mux)
	s.paymentRoutes(mux)
	s.seatingRoutes(mux)
	s.ticketRoutes(mux)
	s.scoreRoutes(mux)
	s.yearRoutes(mux)
	s.auditRoutes(mux)
	s.dashboardRoutes(mux)
	s.listRoutes(mux)
	s.handleFunc(mux, "/api/", func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "接口 %s %s 不存在", r.Method, r.URL.Path))
	})
	s.handleFunc(mux, "/", func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "您访问的页面不存在，请从首页重新进入"))
	})

	var h http.Handler = mux
	h = s.idempotent(h)
	h = s.withSessions(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.recover(h)
	h = s.observe(h)
	return h
}

// handle registers h for pattern on mux and records the pattern.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	mux.Handle(pattern, h)
}

// handleFunc is handle for a handler function.
func (s *Server) handleFunc(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	s.handle(mux, pattern, h)
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.App.Store.Ping(ctx); err != nil {
		s.Log.Error("healthz", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// Run serves on addr until ctx is cancelled, then drains in-flight requests
// (up to 20 s) and returns. ready, if not nil, is called with the listening
// address once the server accepts connections.
func (s *Server) Run(ctx context.Context, addr string, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(a *app.App) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaowu_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kaowu_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, db := range a.Store.DBs() {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, string(a.Store.Engine())+"_"+name))
	}
	for name, db := range a.Store.ReplicaDBs() {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, string(a.Store.Engine())+"_"+name))
	}
	m.registry.MustRegister(replicaCollector{a.Store})
	return m
}
