package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientBehindProxies: behind trusted proxies the client is the
// right-most address of X-Forwarded-For that is not a trusted proxy; a
// request from anyone else keeps its own address, whatever it claims.
func TestClientBehindProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1:5000", []string{"203.0.113.7"}, "203.0.113.7"},
		{"127.0.0.1:5000", nil, "127.0.0.1"},                                     // no header: the proxy itself
		{"127.0.0.1:5000", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"}, // a forged left part is ignored
		{"127.0.0.1:5000", []string{"203.0.113.7, 10.1.2.3"}, "203.0.113.7"},     // through two proxies of ours
		{"127.0.0.1:5000", []string{"198.51.100.1", "203.0.113.7"}, "203.0.113.7"},
		{"127.0.0.1:5000", []string{"10.1.2.3, 127.0.0.1"}, "10.1.2.3"}, // only our own proxies: the first
		{"127.0.0.1:5000", []string{"not-an-address"}, "127.0.0.1"},
		{"[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"[::ffff:127.0.0.1]:5000", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"}, // not a proxy of ours: its own address
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		s := &Server{TrustedProxies: proxies}
		var got string
		s.handler = httpHandlerFunc(func(r2 string) { got = r2 })
		s.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("%s with %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// httpHandlerFunc is a handler that reports the client address the
// handlers would see (clientIP).
type httpHandlerFunc func(client string)

func (f httpHandlerFunc) ServeHTTP(_ http.ResponseWriter, r *http.Request) { f(clientIP(r)) }
