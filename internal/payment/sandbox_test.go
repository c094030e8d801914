package payment

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawRequest sends a request to the sandbox signed by key as the merchant
// (serial, mchid and timestamp overridable), after tamper has changed the
// body it will send.
type rawRequest struct {
	key       *rsa.PrivateKey
	mchID     string
	serial    string
	skew      time.Duration
	tamper    func([]byte) []byte
	noAuth    bool
	signedFor string // sign this path instead of the real one
}

func (e *env) raw(t *testing.T, method, pathQuery string, body []byte, o rawRequest) (*http.Response, wireError) {
	t.Helper()
	key, mch, serial := cmpOr(o.key, e.sb.merchantKey), cmpOr(o.mchID, SandboxMchID), cmpOr(o.serial, e.sb.merchantSerial)
	ts := strconv.FormatInt(e.clock.Now().Add(o.skew).Unix(), 10)
	nonce := randomString(32)
	signedPath := cmpOr(o.signedFor, pathQuery)
	sig, err := sign(key, requestMessage(method, signedPath, ts, nonce, body))
	if err != nil {
		t.Fatal(err)
	}
	if o.tamper != nil {
		body = o.tamper(bytes.Clone(body))
	}
	req, _ := http.NewRequest(method, e.base+pathQuery, bytes.NewReader(body))
	if !o.noAuth {
		req.Header.Set("Authorization", authorization(mch, nonce, sig, ts, serial))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var we wireError
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &we)
	return resp, we
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func TestSandboxRefusesBadMerchantSignature(t *testing.T) {
	e := newEnv(t, SandboxOptions{}, "/sandbox/wxpay")
	other, err := rsa.GenerateKey(rand.Reader, 1024) // only needs to be another key
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(wireCreate{AppID: SandboxAppID, MchID: SandboxMchID, Description: "报名费", OutTradeNo: "KW-SIGN-1",
		NotifyURL: e.recv.URL(), Amount: wireAmount{Total: 5000, Currency: "CNY"}})
	cases := []struct {
		name string
		o    rawRequest
		want int
	}{
		{"valid", rawRequest{}, http.StatusOK},
		{"no Authorization", rawRequest{noAuth: true}, http.StatusUnauthorized},
		{"another key", rawRequest{key: other}, http.StatusUnauthorized},
		{"tampered body", rawRequest{tamper: func(b []byte) []byte { return bytes.Replace(b, []byte("5000"), []byte("0001"), 1) }}, http.StatusUnauthorized},
		{"signed for another path", rawRequest{signedFor: "/v3/refund/domestic/refunds"}, http.StatusUnauthorized},
		{"unknown serial", rawRequest{serial: "0123ABCD"}, http.StatusUnauthorized},
		{"another merchant", rawRequest{mchID: "1900000109"}, http.StatusUnauthorized},
		{"6 minutes old", rawRequest{skew: -6 * time.Minute}, http.StatusUnauthorized},
		{"6 minutes ahead", rawRequest{skew: 6 * time.Minute}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, we := e.raw(t, http.MethodPost, pathNative, body, tc.o)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d (%+v), want %d", resp.StatusCode, we, tc.want)
			}
			if tc.want == http.StatusUnauthorized {
				if we.Code != "SIGN_ERROR" || we.Message == "" {
					t.Errorf("refusal body %+v, want SIGN_ERROR", we)
				}
				if resp.Header.Get(hdrSignature) != "" {
					t.Errorf("refusal of a bad request signature is signed")
				}
			} else if resp.Header.Get(hdrSignature) == "" {
				t.Errorf("answer to a valid request is not signed")
			}
		})
	}

	// Through a client holding the wrong key: a typed, unverified error.
	cfg := e.sb.MerchantConfig(e.base)
	cfg.MerchantKey = other
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(context.Background(), e.order("KW-SIGN-2"))
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized || pe.Code != "SIGN_ERROR" || pe.Verified {
		t.Errorf("create with the wrong merchant key: %v (%+v)", err, pe)
	}
	if errors.Is(err, ErrSignature) || errors.Is(err, ErrNotFound) {
		t.Errorf("the provider refusing our signature is not ErrSignature/ErrNotFound: %v", err)
	}
}

func providerCode(err error) string {
	var pe *ProviderError
	if errors.As(err, &pe) && pe.Verified {
		return pe.Code
	}
	return ""
}

// TestSandboxRules: what the provider refuses, and what the client refuses
// before asking.
func TestSandboxRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, SandboxOptions{}, "")

	// Expiry: an order not paid by time_expire is closed.
	e.create(t, "KW-EXPIRE")
	e.clock.Advance(31 * time.Minute)
	if err := e.sb.Pay("KW-EXPIRE"); !errors.Is(err, ErrNotPayable) {
		t.Errorf("paying after time_expire: %v", err)
	}
	if tx, err := e.client.Query(ctx, "KW-EXPIRE"); err != nil || tx.State != StateClosed {
		t.Errorf("query after time_expire: %+v, %v", tx, err)
	}
	if _, err := e.client.Create(ctx, CreateRequest{OutTradeNo: "KW-EXPIRE", Description: "x", NotifyURL: e.recv.URL(), AmountFen: 1}); providerCode(err) != "ORDER_CLOSED" {
		t.Errorf("placing an expired order again: %v", err)
	}

	// One payment per order; closing.
	e.create(t, "KW-PAID")
	if err := e.sb.Pay("KW-PAID"); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Pay("KW-PAID"); !errors.Is(err, ErrNotPayable) {
		t.Errorf("paying twice: %v", err)
	}
	if err := e.sb.Fail("KW-PAID"); !errors.Is(err, ErrNotPayable) {
		t.Errorf("failing a paid order: %v", err)
	}
	if err := e.client.Close(ctx, "KW-PAID"); providerCode(err) != "ORDERPAID" {
		t.Errorf("closing a paid order: %v", err)
	}
	if _, err := e.client.Create(ctx, e.order("KW-PAID")); providerCode(err) != "ORDERPAID" {
		t.Errorf("placing a paid order again: %v", err)
	}
	e.create(t, "KW-CLOSE")
	for range 2 { // closing is idempotent
		if err := e.client.Close(ctx, "KW-CLOSE"); err != nil {
			t.Errorf("close: %v", err)
		}
	}
	if err := e.sb.Pay("KW-CLOSE"); !errors.Is(err, ErrNotPayable) {
		t.Errorf("paying a closed order: %v", err)
	}
	if err := e.sb.Pay("KW-NONE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("paying an unknown order: %v", err)
	}
	if err := e.client.Close(ctx, "KW-NONE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("closing an unknown order: %v", err)
	}
	changed := e.order("KW-CLOSE2")
	e.create(t, "KW-CLOSE2")
	changed.AmountFen = 15000
	if _, err := e.client.Create(ctx, changed); providerCode(err) != "OUT_TRADE_NO_USED" {
		t.Errorf("reusing an order number for another amount: %v", err)
	}
	expired := e.order("KW-PAST")
	expired.ExpiresAt = e.clock.Now().Add(-time.Second)
	if _, err := e.client.Create(ctx, expired); providerCode(err) != "INVALID_REQUEST" {
		t.Errorf("placing an order already expired: %v", err)
	}

	// Refunds: at most what was paid minus what was refunded.
	refunds := []struct {
		name           string
		no             string
		refund, total  int64
		wantCode       string // "" accepted
		wantInvalidArg bool
	}{
		{"more than paid", "R1", 10001, 10001, "PARAM_ERROR", false},
		{"total not the order's", "R2", 100, 20000, "PARAM_ERROR", false},
		{"part", "R3", 6000, 10000, "", false},
		{"same refund again", "R3", 6000, 10000, "", false},
		{"same number, other amount", "R3", 5000, 10000, "INVALID_REQUEST", false},
		{"above what remains", "R4", 4001, 10000, "INVALID_REQUEST", false},
		{"the rest", "R5", 4000, 10000, "", false},
		{"nothing remains", "R6", 1, 10000, "INVALID_REQUEST", false},
		{"refund above total (client)", "R7", 10001, 10000, "", true},
		{"zero (client)", "R8", 0, 10000, "", true},
	}
	for _, r := range refunds {
		_, err := e.client.Refund(ctx, RefundRequest{OutTradeNo: "KW-PAID", OutRefundNo: r.no, RefundFen: r.refund, TotalFen: r.total})
		switch {
		case r.wantInvalidArg:
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("refund %s: %v, want ErrInvalid", r.name, err)
			}
		case r.wantCode == "":
			if err != nil {
				t.Errorf("refund %s: %v", r.name, err)
			}
		case providerCode(err) != r.wantCode:
			t.Errorf("refund %s: %v, want %s", r.name, err, r.wantCode)
		}
	}
	if _, err := e.client.Refund(ctx, RefundRequest{OutTradeNo: "KW-CLOSE2", OutRefundNo: "R9", RefundFen: 1, TotalFen: 10000}); providerCode(err) != "INVALID_REQUEST" {
		t.Errorf("refunding an unpaid order: %v", err)
	}
	if _, err := e.client.Refund(ctx, RefundRequest{OutTradeNo: "KW-NONE", OutRefundNo: "R10", RefundFen: 1, TotalFen: 10000}); !errors.Is(err, ErrNotFound) {
		t.Errorf("refunding an unknown order: %v", err)
	}
	var refunded int64
	for _, r := range e.sb.Refunds() {
		refunded += r.RefundFen
	}
	if refunded != 10000 {
		t.Errorf("sandbox refunded %d fen of a 10000 fen order", refunded)
	}

	// The client refuses what WeChat would, without asking.
	good := e.order("KW-ARGS")
	bad := map[string]func(*CreateRequest){
		"short number":      func(r *CreateRequest) { r.OutTradeNo = "KW1" },
		"number with space": func(r *CreateRequest) { r.OutTradeNo = "KW 000001" },
		"no description":    func(r *CreateRequest) { r.Description = "" },
		"long description":  func(r *CreateRequest) { r.Description = strings.Repeat("考", 43) },
		"long attach":       func(r *CreateRequest) { r.Attach = strings.Repeat("a", 129) },
		"zero amount":       func(r *CreateRequest) { r.AmountFen = 0 },
		"relative notify":   func(r *CreateRequest) { r.NotifyURL = "/notify" },
		"notify with query": func(r *CreateRequest) { r.NotifyURL += "?a=1" },
	}
	for name, mutate := range bad {
		r := good
		mutate(&r)
		if _, err := e.client.Create(ctx, r); !errors.Is(err, ErrInvalid) {
			t.Errorf("create with %s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := e.client.Create(ctx, good); err != nil {
		t.Errorf("create: %v", err)
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	e := newEnv(t, SandboxOptions{}, "")
	bad := map[string]func(*Config){
		"no base URL":     func(c *Config) { c.BaseURL = "" },
		"relative base":   func(c *Config) { c.BaseURL = "/v3" },
		"no mchid":        func(c *Config) { c.MchID = "" },
		"no serial":       func(c *Config) { c.MerchantSerial = "" },
		"no key":          func(c *Config) { c.MerchantKey = nil },
		"short APIv3 key": func(c *Config) { c.APIv3Key = c.APIv3Key[:16] },
		"no platform":     func(c *Config) { c.PlatformCerts = nil },
	}
	for name, mutate := range bad {
		cfg := e.sb.MerchantConfig(e.base)
		mutate(&cfg)
		if _, err := NewClient(cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewClient with %s: %v", name, err)
		}
	}
}

// tamperingProxy serves the sandbox but rewrites its answers.
func tamperingProxy(sb *Sandbox, rewrite func(status int, h http.Header, body []byte) (int, []byte)) http.Handler {
	inner := sb.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		h := rec.Header().Clone()
		status, body := rewrite(rec.Code, h, rec.Body.Bytes())
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write(body)
	})
}

// TestClientVerifiesAnswers: every answer's signature is checked.
func TestClientVerifiesAnswers(t *testing.T) {
	cases := []struct {
		name    string
		rewrite func(e *env) func(int, http.Header, []byte) (int, []byte)
		check   func(t *testing.T, tx Transaction, err error)
	}{
		{"untouched", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, _ http.Header, b []byte) (int, []byte) { return s, b }
		}, func(t *testing.T, tx Transaction, err error) {
			if err != nil || tx.State != StateNotPay {
				t.Errorf("%+v, %v", tx, err)
			}
		}},
		{"forged SUCCESS", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, _ http.Header, b []byte) (int, []byte) {
				return s, bytes.Replace(b, []byte(`"NOTPAY"`), []byte(`"SUCCESS"`), 1)
			}
		}, func(t *testing.T, tx Transaction, err error) {
			if !errors.Is(err, ErrSignature) || tx.State != "" {
				t.Errorf("%+v, %v; want ErrSignature", tx, err)
			}
		}},
		{"signature stripped", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, h http.Header, b []byte) (int, []byte) {
				h.Del(hdrSignature)
				return s, b
			}
		}, func(t *testing.T, _ Transaction, err error) {
			if !errors.Is(err, ErrSignature) {
				t.Errorf("%v; want ErrSignature", err)
			}
		}},
		{"unknown serial", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, h http.Header, b []byte) (int, []byte) {
				h.Set(hdrSerial, "7132D72A03E93CDDF8C03BBD1F37EEDF")
				return s, b
			}
		}, func(t *testing.T, _ Transaction, err error) {
			if !errors.Is(err, ErrUnknownSerial) {
				t.Errorf("%v; want ErrUnknownSerial", err)
			}
		}},
		{"stale answer", func(e *env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, h http.Header, b []byte) (int, []byte) {
				e.sb.signHeadersAt(b, e.clock.Now().Add(-6*time.Minute), randomString(32)).set(h)
				return s, b
			}
		}, func(t *testing.T, _ Transaction, err error) {
			if !errors.Is(err, ErrStale) {
				t.Errorf("%v; want ErrStale", err)
			}
		}},
		{"unsigned 404", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(int, http.Header, []byte) (int, []byte) {
				return http.StatusNotFound, []byte(`{"code":"ORDER_NOT_EXIST","message":"订单不存在"}`)
			}
		}, func(t *testing.T, _ Transaction, err error) {
			var pe *ProviderError
			if !errors.As(err, &pe) || pe.Verified || errors.Is(err, ErrNotFound) {
				t.Errorf("%v; want an unverified ProviderError, not ErrNotFound", err)
			}
		}},
		{"gateway error", func(*env) func(int, http.Header, []byte) (int, []byte) {
			return func(int, http.Header, []byte) (int, []byte) {
				return http.StatusBadGateway, []byte("<html>502 Bad Gateway</html>")
			}
		}, func(t *testing.T, _ Transaction, err error) {
			var pe *ProviderError
			if !errors.As(err, &pe) || pe.Status != 502 || !strings.Contains(pe.Message, "Bad Gateway") {
				t.Errorf("%v; want a ProviderError 502", err)
			}
		}},
		{"not JSON", func(e *env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, h http.Header, _ []byte) (int, []byte) {
				b := []byte("<html>")
				e.sb.signHeaders(b).set(h)
				return s, b
			}
		}, func(t *testing.T, _ Transaction, err error) {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v; want ErrMalformed", err)
			}
		}},
		{"answer about another order", func(e *env) func(int, http.Header, []byte) (int, []byte) {
			return func(s int, h http.Header, b []byte) (int, []byte) {
				b = bytes.Replace(b, []byte("KW-ANSWER"), []byte("KW-OTHER1"), 1)
				e.sb.signHeaders(b).set(h)
				return s, b
			}
		}, func(t *testing.T, _ Transaction, err error) {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v; want ErrMalformed", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, SandboxOptions{}, "")
			e.create(t, "KW-ANSWER")
			srv := httptest.NewServer(tamperingProxy(e.sb, tc.rewrite(e)))
			defer srv.Close()
			c, err := NewClient(e.sb.MerchantConfig(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			tx, err := c.Query(context.Background(), "KW-ANSWER")
			tc.check(t, tx, err)
		})
	}
}

// TestDuplicatesAndShuffle counts deliveries at the receiver.
func TestDuplicatesAndShuffle(t *testing.T) {
	const orders = 8
	cases := []struct {
		name string
		opts SandboxOptions
	}{
		{"plain", SandboxOptions{}},
		{"duplicates", SandboxOptions{Duplicates: 2}},
		{"shuffle", SandboxOptions{Shuffle: true, Seed: 7}},
		{"both", SandboxOptions{Duplicates: 1, Shuffle: true, Seed: 11}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts, "")
			var paid []string
			for i := range orders {
				no := "KW-DUP-" + strconv.Itoa(i)
				e.create(t, no)
				if err := e.sb.Pay(no); err != nil {
					t.Fatal(err)
				}
				paid = append(paid, no)
			}
			copies := 1 + tc.opts.Duplicates
			if d, f := e.deliver(t); d != orders*copies || f != 0 {
				t.Fatalf("DeliverPending = %d delivered, %d failed; want %d, 0 (errors %v)", d, f, orders*copies, e.recv.errors())
			}
			if e.recv.count() != orders*copies || e.sb.Pending() != 0 {
				t.Fatalf("receiver got %d deliveries, %d pending; want %d", e.recv.count(), e.sb.Pending(), orders*copies)
			}
			perID := map[string]int{}
			var order []string // first arrival of each order
			for _, n := range e.recv.notifications() {
				if perID[n.ID]++; perID[n.ID] == 1 {
					order = append(order, n.Transaction.OutTradeNo)
				}
			}
			if len(perID) != orders {
				t.Errorf("%d distinct notification ids, want %d", len(perID), orders)
			}
			for id, n := range perID {
				if n != copies {
					t.Errorf("notification %s arrived %d times, want %d", id, n, copies)
				}
			}
			var arrival []string
			for _, n := range e.recv.notifications() {
				arrival = append(arrival, n.Transaction.OutTradeNo)
			}
			var inOrder []string
			for _, no := range paid {
				for range copies {
					inOrder = append(inOrder, no)
				}
			}
			if tc.opts.Shuffle == slices.Equal(arrival, inOrder) {
				t.Errorf("shuffle=%v, arrival order %v", tc.opts.Shuffle, arrival)
			}
			sorted := slices.Clone(order)
			slices.Sort(sorted)
			if !slices.Equal(sorted, paid) {
				t.Errorf("arrived orders %v, want %v", order, paid)
			}
		})
	}
}

// TestRetries: a failed delivery is retried on the schedule and given up
// after its end.
func TestRetries(t *testing.T) {
	t.Run("500 then 200", func(t *testing.T) {
		e := newEnv(t, SandboxOptions{}, "") // WeChat's schedule: 15 s first
		e.recv.script = []int{http.StatusInternalServerError, http.StatusOK}
		e.create(t, "KW-RETRY")
		if err := e.sb.Pay("KW-RETRY"); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			advance           time.Duration
			delivered, failed int
		}{
			{0, 0, 1},
			{0, 0, 0},
			{14 * time.Second, 0, 0},
			{time.Second, 1, 0},
			{time.Hour, 0, 0},
		}
		for i, s := range steps {
			e.clock.Advance(s.advance)
			if d, f := e.deliver(t); d != s.delivered || f != s.failed {
				t.Fatalf("step %d (+%v): %d delivered, %d failed; want %d, %d", i, s.advance, d, f, s.delivered, s.failed)
			}
		}
		if e.recv.count() != 2 || len(e.recv.notifications()) != 1 {
			t.Errorf("receiver: %d deliveries, %d accepted", e.recv.count(), len(e.recv.notifications()))
		}
		var got []string
		for _, l := range e.sb.Ledger() {
			if l.Kind == LedgerNotify {
				got = append(got, strconv.Itoa(l.Attempt)+":"+strconv.Itoa(l.HTTPStatus))
			}
		}
		if strings.Join(got, " ") != "1:500 2:200" {
			t.Errorf("ledger notify attempts %v", got)
		}
	})

	t.Run("give up", func(t *testing.T) {
		e := newEnv(t, SandboxOptions{RetrySchedule: []time.Duration{time.Second, 2 * time.Second}}, "")
		e.recv.script = []int{500, 500, 500, 500}
		e.create(t, "KW-GIVEUP")
		if err := e.sb.Pay("KW-GIVEUP"); err != nil {
			t.Fatal(err)
		}
		for i, adv := range []time.Duration{0, time.Second, 2 * time.Second} {
			e.clock.Advance(adv)
			if d, f := e.deliver(t); d != 0 || f != 1 {
				t.Fatalf("attempt %d: %d delivered, %d failed", i+1, d, f)
			}
		}
		e.clock.Advance(time.Hour)
		if d, f := e.deliver(t); d != 0 || f != 0 || e.sb.Pending() != 0 {
			t.Errorf("after giving up: %d delivered, %d failed, %d pending", d, f, e.sb.Pending())
		}
		ledger := e.sb.Ledger()
		if last := ledger[len(ledger)-1]; last.Kind != LedgerNotifyGiveUp || last.OutTradeNo != "KW-GIVEUP" || last.Attempt != 3 {
			t.Errorf("last ledger entry %+v", last)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		e := newEnv(t, SandboxOptions{}, "")
		order := e.order("KW-DOWN")
		down := httptest.NewServer(http.NotFoundHandler())
		order.NotifyURL = down.URL + "/notify"
		down.Close()
		if _, err := e.client.Create(context.Background(), order); err != nil {
			t.Fatal(err)
		}
		if err := e.sb.Pay("KW-DOWN"); err != nil {
			t.Fatal(err)
		}
		if d, f := e.deliver(t); d != 0 || f != 1 || e.sb.Pending() != 1 {
			t.Errorf("%d delivered, %d failed, %d pending", d, f, e.sb.Pending())
		}
		ledger := e.sb.Ledger()
		if last := ledger[len(ledger)-1]; last.Kind != LedgerNotify || last.HTTPStatus != 0 || last.Error == "" {
			t.Errorf("last ledger entry %+v", last)
		}
	})
}

// TestRun delivers in the background; the test waits for the receiver, not
// for time.
func TestRun(t *testing.T) {
	e := newEnv(t, SandboxOptions{Now: time.Now}, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sb.Run(ctx) }()

	order := e.order("KW-RUN")
	order.ExpiresAt = time.Now().Add(time.Hour)
	if _, err := e.client.Create(ctx, order); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Pay("KW-RUN"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.recv.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("Run delivered nothing in 10 s")
	}
	if got := e.recv.notifications(); len(got) != 1 || got[0].Transaction.OutTradeNo != "KW-RUN" {
		t.Errorf("received %+v, errors %v", got, e.recv.errors())
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
}

// TestSandboxKeysRoundTrip: a sandbox with generated keys; another loaded
// from its keys speaks with its clients.
func TestSandboxKeysRoundTrip(t *testing.T) {
	keys, err := GenerateSandboxKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, SandboxOptions{Keys: &keys}, "")
	if e.sb.PlatformSerial() == e.sb.merchantSerial || len(e.sb.PlatformSerial()) < 30 {
		t.Errorf("serials: platform %s, merchant %s", e.sb.PlatformSerial(), e.sb.merchantSerial)
	}
	keys = e.sb.Keys()
	again, err := NewSandbox(SandboxOptions{Keys: &keys, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(again.Handler())
	defer srv.Close()
	c, err := NewClient(e.sb.MerchantConfig(srv.URL)) // the first sandbox's merchant config
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), e.order("KW-KEYS")); err != nil {
		t.Errorf("create against the reloaded sandbox: %v", err)
	}
	mixed := keys
	mixed.PlatformCertPEM = keys.MerchantCertPEM
	if _, err := NewSandbox(SandboxOptions{Keys: &mixed}); err == nil {
		t.Error("a platform certificate for another key was accepted")
	}
}

func TestSafeReturn(t *testing.T) {
	sb, err := NewSandbox(SandboxOptions{Keys: testKeys(t), PublicURL: "https://kaowu.example/sandbox/wxpay"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/pay/x", nil)
	cases := map[string]string{
		"":                                     "",
		"/candidate/fee?id=1":                  "/candidate/fee?id=1",
		"//evil.example/x":                     "",
		"/\\evil.example":                      "",
		"https://evil.example/":                "",
		"javascript:alert(1)":                  "",
		"candidate/fee":                        "",
		"http://127.0.0.1:8080/candidate/fee":  "http://127.0.0.1:8080/candidate/fee",
		"https://kaowu.example/candidate/fee":  "https://kaowu.example/candidate/fee",
		"https://kaowu.example.evil/candidate": "",
		"/candidate/fee\r\nSet-Cookie: a=b":    "",
	}
	for in, want := range cases {
		if got := sb.safeReturn(r, in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseKeyPEM(t *testing.T) {
	k := testKeys(t)
	key, err := ParsePrivateKeyPEM(k.MerchantKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if k2, err := ParsePrivateKeyPEM(pkcs1); err != nil || !k2.Equal(key) {
		t.Errorf("PKCS #1 key: %v", err)
	}
	for name, data := range map[string][]byte{"nothing": nil, "certificate": k.MerchantCertPEM, "garbage key": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")} {
		if _, err := ParsePrivateKeyPEM(data); err == nil {
			t.Errorf("ParsePrivateKeyPEM(%s) accepted", name)
		}
	}
	if _, err := ParseCertificatePEM(k.MerchantKeyPEM); err == nil {
		t.Error("ParseCertificatePEM accepted a key")
	}
	if _, err := NewSandbox(SandboxOptions{Keys: &SandboxKeys{}}); err == nil {
		t.Error("NewSandbox accepted empty keys")
	}
	short := *k
	short.APIv3Key = short.APIv3Key[:31]
	if _, err := NewSandbox(SandboxOptions{Keys: &short}); err == nil {
		t.Error("NewSandbox accepted a 31-byte APIv3 key")
	}
}
