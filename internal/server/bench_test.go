package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/server"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkStatusPage measures the candidate's status page (/application),
// the page candidates reload most, through the whole handler chain
// (session, account, application, snapshot, render) without the network,
// on SQLite and PostgreSQL.
func BenchmarkStatusPage(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			a := app.New(s, kaowu.NewManualClock(inWindow), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := a.Bootstrap(context.Background()); err != nil {
				b.Fatal(err)
			}
			srv, err := server.New(a, a.Log, "")
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			unit := kaowu.Unit{Name: "丰台基准医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
			if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateUnit(context.Background(), &unit) }); err != nil {
				b.Fatal(err)
			}
			t := &testing.T{}
			submittedCandidate(t, a, "bench-status", "基准考生", 91, unit.ID)
			cookie := sessionCookie(b, ts.URL, "bench-status")
			req := httptest.NewRequest(http.MethodGet, "/application", nil)
			req.AddCookie(cookie)
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status page = %d", w.Code)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// sessionCookie logs username in and returns the session cookie.
func sessionCookie(b *testing.B, base, username string) *http.Cookie {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", map[string][]string{"login": {username}, "password": {pw}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "kaowu_session" {
			return ck
		}
	}
	b.Fatal("no session cookie")
	return nil
}

// BenchmarkCatalogAPI measures the catalogue API (GET
// /api/v1/years/2024/catalog, gzip accepted), the public read that every
// application page's specialty choice makes.
func BenchmarkCatalogAPI(b *testing.B) {
	s := storetest.SQLite(b)
	a := app.New(s, kaowu.NewManualClock(inWindow), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(a, a.Log, "")
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/years/2024/catalog", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("catalog = %d", w.Code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}
