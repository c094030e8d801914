package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store/storetest"
)

// TestPanicBecomesErrorPage checks that a panicking handler gives the user a
// Chinese error page with a request id, never a stack trace, and that the
// stack goes to the log.
func TestPanicBecomesErrorPage(t *testing.T) {
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	a := app.New(storetest.SQLite(t), kaowu.SystemClock{}, log)
	s, err := New(a, log, "")
	if err != nil {
		t.Fatal(err)
	}
	h := s.observe(s.recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") })))
	for _, path := range []string{"/page", "/api/v1/x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 500 {
			t.Errorf("%s: status %d, want 500", path, rec.Code)
		}
		if strings.Contains(string(body), "secret detail") || strings.Contains(string(body), "goroutine") {
			t.Errorf("%s: the panic leaked to the user: %s", path, body)
		}
		if !strings.Contains(string(body), "系统内部错误") || !strings.Contains(string(body), rec.Header().Get("X-Request-Id")) {
			t.Errorf("%s: no Chinese message and request id: %s", path, body)
		}
	}
	if !strings.Contains(logBuf.String(), "secret detail") || !strings.Contains(logBuf.String(), "goroutine") {
		t.Error("the panic and its stack were not logged")
	}
}
