package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestIdempotencyKey: a POST sent again with its Idempotency-Key gets the
// first answer back and does not run again; the same key with another body
// is refused; a malformed key is refused; keys belong to their account.
func TestIdempotencyKey(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, _ := newServer(t, s, inWindow)
		post := func(c *http.Client, path, ctype, key, body string) (int, string, http.Header) {
			t.Helper()
			req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), resp.Header
		}
		reg := func(n int, username string) string {
			f := registerForm(username, n)
			m := map[string]string{}
			for k := range f {
				m[k] = f.Get(k)
			}
			b, _ := json.Marshal(m)
			return string(b)
		}
		api := http.DefaultClient
		first := reg(60, "idem1")
		st1, body1, h1 := post(api, "/api/v1/accounts", "application/json", "k-register-1", first)
		if st1 != 201 || h1.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first = %d %s %v", st1, body1, h1)
		}
		st2, body2, h2 := post(api, "/api/v1/accounts", "application/json", "k-register-1", first)
		if st2 != 201 || body2 != body1 || h2.Get("Idempotent-Replayed") != "true" || !strings.HasPrefix(h2.Get("Content-Type"), "application/json") {
			t.Errorf("retry = %d %s %v; want the first answer replayed", st2, body2, h2)
		}
		// Without the key the same request runs, and the account exists.
		if st, body, _ := post(api, "/api/v1/accounts", "application/json", "", first); st != 409 {
			t.Errorf("without key = %d %s; want 409", st, body)
		}
		if st, body, _ := post(api, "/api/v1/accounts", "application/json", "k-register-1", reg(61, "idem2")); st != 409 || !strings.Contains(body, "已用于另一个请求") {
			t.Errorf("same key, other body = %d %s", st, body)
		}
		for _, key := range []string{"has space", strings.Repeat("x", 256), "键"} {
			if st, body, _ := post(api, "/api/v1/accounts", "application/json", key, reg(62, "idem3")); st != 422 || !strings.Contains(body, `"code":"invalid"`) {
				t.Errorf("key %q = %d %s", key, st, body)
			}
		}

		// Logged in, the key is the account's: another account's request
		// under the same key runs, and is not given the first's answer.
		noFollow := func(username string) *http.Client {
			c := login(t, ts.URL, username).c
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			return c
		}
		if st, body, _ := post(api, "/api/v1/accounts", "application/json", "", reg(63, "idem4")); st != 201 {
			t.Fatalf("register idem4 = %d %s", st, body)
		}
		a, b := noFollow("idem1"), noFollow("idem4")
		form := "application/x-www-form-urlencoded"
		if st, _, h := post(a, "/me/inbox/read", form, "shared", ""); st != 303 || h.Get("Idempotent-Replayed") != "" {
			t.Errorf("a = %d %v", st, h)
		}
		if st, _, h := post(a, "/me/inbox/read", form, "shared", ""); st != 303 || h.Get("Idempotent-Replayed") != "true" || h.Get("Location") == "" {
			t.Errorf("a again = %d %v", st, h)
		}
		if st, _, h := post(b, "/me/inbox/read", form, "shared", ""); st != 303 || h.Get("Idempotent-Replayed") != "" {
			t.Errorf("b = %d %v; want its own run", st, h)
		}
	})
}
