package payment

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests share one set of keys, generated once by GenerateSandboxKeys
// and kept in testdata: generating RSA keys in every fuzz worker would
// dominate the fuzzing time.
var (
	keysOnce sync.Once
	keysVal  SandboxKeys
	keysErr  error
)

func testKeys(tb testing.TB) *SandboxKeys {
	tb.Helper()
	keysOnce.Do(func() {
		read := func(name string) []byte {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil && keysErr == nil {
				keysErr = err
			}
			return b
		}
		keysVal = SandboxKeys{
			MerchantKeyPEM:  read("merchant_key.pem"),
			MerchantCertPEM: read("merchant_cert.pem"),
			PlatformKeyPEM:  read("platform_key.pem"),
			PlatformCertPEM: read("platform_cert.pem"),
			APIv3Key:        read("apiv3_key.txt"),
		}
	})
	if keysErr != nil {
		tb.Fatal(keysErr)
	}
	k := keysVal
	return &k
}

// fakeClock is the injected clock of every test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 2, 8, 10, 0, 0, 0, china)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is the merchant's notify_url: it parses every delivery with the
// client and answers 204, or 400 when it refuses, unless told to answer
// other statuses first.
type receiver struct {
	srv    *httptest.Server
	nonces MemoryNonces

	mu         sync.Mutex
	client     *Client
	script     []int // statuses to answer first, in order
	got        []Notification
	errs       []error
	deliveries int
	arrived    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{arrived: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (rc *receiver) URL() string { return rc.srv.URL + "/notify/wxpay" }

func (rc *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxNotificationSize+1))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	client := rc.client
	rc.deliveries++
	var status int
	if len(rc.script) > 0 {
		status, rc.script = rc.script[0], rc.script[1:]
	}
	rc.mu.Unlock()
	n, err := client.ParseNotification(req.Context(), req.Header, body, &rc.nonces)
	rc.mu.Lock()
	if err != nil {
		rc.errs = append(rc.errs, err)
	} else if status == 0 || status == http.StatusOK || status == http.StatusNoContent {
		rc.got = append(rc.got, n)
	}
	rc.mu.Unlock()
	switch {
	case status != 0:
		w.WriteHeader(status)
	case err != nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"FAIL","message":"失败"}`)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
	select {
	case rc.arrived <- struct{}{}:
	default:
	}
}

func (rc *receiver) notifications() []Notification {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Notification(nil), rc.got...)
}

func (rc *receiver) errors() []error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]error(nil), rc.errs...)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.deliveries
}

// env is a sandbox served over HTTP, a client of it and a receiver.
type env struct {
	clock  *fakeClock
	sb     *Sandbox
	srv    *httptest.Server
	base   string // where the API is (with the prefix)
	client *Client
	recv   *receiver
}

// newEnv serves a sandbox; mount is "" (the root) or a prefix such as
// "/sandbox/wxpay" or "/sandbox/wxpay/" given to http.StripPrefix.
func newEnv(t *testing.T, opts SandboxOptions, mount string) *env {
	t.Helper()
	e := &env{clock: newClock(), recv: newReceiver(t)}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + strings.TrimSuffix(mount, "/")
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.Keys == nil {
		opts.Keys = testKeys(t)
	}
	if mount != "" {
		opts.PublicURL = e.base
	}
	sb, err := NewSandbox(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.sb = sb
	if mount == "" {
		mux.Handle("/", sb.Handler())
	} else {
		mux.Handle(strings.TrimSuffix(mount, "/")+"/", http.StripPrefix(mount, sb.Handler()))
	}
	e.client, err = NewClient(sb.MerchantConfig(e.base))
	if err != nil {
		t.Fatal(err)
	}
	e.recv.mu.Lock()
	e.recv.client = e.client
	e.recv.mu.Unlock()
	return e
}

// order is a typical exam-fee order: two subjects.
func (e *env) order(no string) CreateRequest {
	return CreateRequest{
		OutTradeNo:  no,
		Description: "2025年卫生专业技术资格考试报名费（2科）",
		Attach:      "application=42",
		NotifyURL:   e.recv.URL(),
		AmountFen:   10000,
		ExpiresAt:   e.clock.Now().Add(30 * time.Minute),
	}
}

func (e *env) create(t *testing.T, no string) CreateResult {
	t.Helper()
	res, err := e.client.Create(context.Background(), e.order(no))
	if err != nil {
		t.Fatalf("create %s: %v", no, err)
	}
	return res
}

func (e *env) deliver(t *testing.T) (delivered, failed int) {
	t.Helper()
	return e.sb.DeliverPending(context.Background())
}
