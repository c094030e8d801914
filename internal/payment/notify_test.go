package payment

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// paidResource is the decrypted resource of a TRANSACTION.SUCCESS for the
// sandbox's merchant.
func (e *env) paidResource() []byte {
	b, _ := json.Marshal(wireTransaction{
		AppID: SandboxAppID, MchID: SandboxMchID, OutTradeNo: "KW2025000042", TransactionID: "4200000000000000000000000042",
		TradeType: "NATIVE", TradeState: "SUCCESS", TradeStateDesc: "支付成功", Attach: "application=42",
		SuccessTime: formatTime(e.clock.Now()), Payer: &wirePayer{OpenID: SandboxPayerOpenID},
		Amount: &wireAmount{Total: 10000, PayerTotal: 10000, Currency: "CNY", PayerCurrency: "CNY"},
	})
	return b
}

// notification builds a notification body as the sandbox would, after
// mutate has had its way with the envelope.
func (e *env) notification(event string, plain []byte, mutate func(*wireNotification)) []byte {
	summary, originalType := "支付成功", "transaction"
	if strings.HasPrefix(event, "REFUND.") {
		summary, originalType = "退款成功", "refund"
	}
	body := e.sb.sealNotification("EV-test-1", e.clock.Now(), event, summary, originalType, plain)
	if mutate == nil {
		return body
	}
	var w wireNotification
	if err := json.Unmarshal(body, &w); err != nil {
		panic(err)
	}
	mutate(&w)
	body, _ = json.Marshal(w)
	return body
}

// signed signs body as the platform at the clock's now plus skew.
func (e *env) signed(body []byte, skew time.Duration) http.Header {
	h := http.Header{}
	e.sb.signHeadersAt(body, e.clock.Now().Add(skew), randomString(32)).set(h)
	return h
}

type failingStore struct{}

var errStoreDown = errors.New("database is down")

func (failingStore) Remember(context.Context, string, time.Time) (bool, error) {
	return false, errStoreDown
}

func TestParseNotificationRefusals(t *testing.T) {
	e := newEnv(t, SandboxOptions{}, "")
	valid := e.notification(EventTransactionSuccess, e.paidResource(), nil)
	otherKey := func(w *wireNotification) {
		block, _ := aes.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
		aead, _ := cipher.NewGCM(block)
		w.Resource.Ciphertext = base64.StdEncoding.EncodeToString(aead.Seal(nil, []byte(w.Resource.Nonce), e.paidResource(), []byte("transaction")))
	}
	replayed := e.signed(valid, 0)

	cases := []struct {
		name   string
		body   []byte
		header func(body []byte) http.Header
		store  NonceStore
		want   error // nil: accepted
	}{
		{name: "valid", body: valid},
		{name: "4 minutes old", body: valid, header: func(b []byte) http.Header { return e.signed(b, -4*time.Minute) }},
		{name: "4 minutes ahead", body: valid, header: func(b []byte) http.Header { return e.signed(b, 4*time.Minute) }},
		{name: "tampered body", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			copy(b[strings.Index(string(b), "支付成功"):], "退款成功")
			return h
		}, want: ErrSignature},
		{name: "signed by the merchant key", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			sig, _ := sign(e.sb.merchantKey, responseMessage(h.Get(hdrTimestamp), h.Get(hdrNonce), b))
			h.Set(hdrSignature, sig)
			return h
		}, want: ErrSignature},
		{name: "signature not base64", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrSignature, "not base64!")
			return h
		}, want: ErrSignature},
		{name: "another nonce than signed", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrNonce, "X"+h.Get(hdrNonce))
			return h
		}, want: ErrSignature},
		{name: "no signature headers", body: valid, header: func([]byte) http.Header { return http.Header{} }, want: ErrSignature},
		{name: "other signature type", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrSigType, "WECHATPAY2-SM2-WITH-SM3")
			return h
		}, want: ErrSignature},
		{name: "unknown serial", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrSerial, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
			return h
		}, want: ErrUnknownSerial},
		{name: "unknown serial is a signature refusal", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrSerial, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
			return h
		}, want: ErrSignature},
		{name: "lower-case serial", body: valid, header: func(b []byte) http.Header {
			h := e.signed(b, 0)
			h.Set(hdrSerial, strings.ToLower(h.Get(hdrSerial)))
			return h
		}},
		{name: "6 minutes old", body: valid, header: func(b []byte) http.Header { return e.signed(b, -6*time.Minute) }, want: ErrStale},
		{name: "6 minutes ahead", body: valid, header: func(b []byte) http.Header { return e.signed(b, 6*time.Minute) }, want: ErrStale},
		{name: "replayed nonce", body: valid, header: func([]byte) http.Header { return replayed }, want: ErrReplay},
		{name: "bad GCM tag", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			c, _ := base64.StdEncoding.DecodeString(w.Resource.Ciphertext)
			c[len(c)-1] ^= 1
			w.Resource.Ciphertext = base64.StdEncoding.EncodeToString(c)
		}), want: ErrDecrypt},
		{name: "other APIv3 key", body: e.notification(EventTransactionSuccess, e.paidResource(), otherKey), want: ErrDecrypt},
		{name: "other associated data", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource.AssociatedData = "refund"
		}), want: ErrDecrypt},
		{name: "nonce of 13 bytes", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource.Nonce += "x"
		}), want: ErrDecrypt},
		{name: "ciphertext shorter than the tag", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource.Ciphertext = "AAAA"
		}), want: ErrDecrypt},
		{name: "wrong algorithm", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource.Algorithm = "AEAD_AES_128_GCM"
		}), want: ErrMalformed},
		{name: "not encrypted", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.ResourceType = "plain"
		}), want: ErrMalformed},
		{name: "no resource", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource = nil
		}), want: ErrMalformed},
		{name: "ciphertext not base64", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.Resource.Ciphertext = "%%%"
		}), want: ErrMalformed},
		{name: "no id", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.ID = ""
		}), want: ErrMalformed},
		{name: "bad create_time", body: e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
			w.CreateTime = "yesterday"
		}), want: ErrMalformed},
		{name: "unknown event", body: e.notification("PARTNER.SUCCESS", e.paidResource(), nil), want: ErrMalformed},
		{name: "another merchant's order", body: e.notification(EventTransactionSuccess,
			[]byte(strings.Replace(string(e.paidResource()), SandboxMchID, "1900000109", 1)), nil), want: ErrMalformed},
		{name: "resource not JSON", body: e.notification(EventTransactionSuccess, []byte("SUCCESS"), nil), want: ErrMalformed},
		{name: "malformed JSON", body: []byte(`{"id":"EV-1","event_type":`), want: ErrMalformed},
		{name: "JSON null", body: []byte(`null`), want: ErrMalformed},
		{name: "too large", body: []byte(strings.Repeat(" ", MaxNotificationSize+1)), want: ErrMalformed},
		{name: "no nonce store", body: valid, store: NonceStore(nil), want: ErrInvalid},
		{name: "nonce store down", body: valid, store: failingStore{}, want: errStoreDown},
	}
	shared := &MemoryNonces{} // the replay case needs the valid case's store
	if _, err := e.client.ParseNotification(context.Background(), replayed, valid, shared); err != nil {
		t.Fatalf("first delivery of the replayed notification: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := append([]byte(nil), tc.body...)
			h := e.signed(body, 0)
			if tc.header != nil {
				h = tc.header(body)
			}
			var store NonceStore = shared
			if tc.store != nil || tc.name == "no nonce store" {
				store = tc.store
			}
			n, err := e.client.ParseNotification(context.Background(), h, body, store)
			if tc.want == nil {
				if err != nil || n.Transaction == nil || n.Transaction.OutTradeNo != "KW2025000042" || n.Transaction.State != StateSuccess {
					t.Fatalf("refused a valid notification: %+v, %v", n, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if n.Transaction != nil || n.Refund != nil || n.ID != "" {
				t.Errorf("refusal returned content %+v", n)
			}
			// Each refusal is one kind only (unknown serial is also a signature refusal).
			for _, other := range []error{ErrSignature, ErrStale, ErrReplay, ErrMalformed, ErrDecrypt, ErrInvalid} {
				if other != tc.want && errors.Is(err, other) && !(tc.want == ErrUnknownSerial && other == ErrSignature) {
					t.Errorf("err %v is also %v", err, other)
				}
			}
		})
	}
}

func TestMemoryNonces(t *testing.T) {
	ctx := context.Background()
	t0 := newClock().Now()

	// Concurrent deliveries of one nonce: exactly one is fresh.
	var m MemoryNonces
	var wg sync.WaitGroup
	fresh := make(chan bool, 16)
	for range 16 {
		wg.Go(func() {
			ok, _ := m.Remember(ctx, "N1", t0)
			fresh <- ok
		})
	}
	wg.Wait()
	close(fresh)
	n := 0
	for ok := range fresh {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of 16 concurrent Remember calls were fresh", n)
	}

	// A nonce is kept 2*MaxClockSkew, then forgotten (its message is stale by then).
	steps := []struct {
		nonce string
		at    time.Duration
		fresh bool
	}{
		{"N1", 9 * time.Minute, false},
		{"N2", 9 * time.Minute, true},
		{"N1", 10*time.Minute + 2*time.Second, true},
		{"N2", 10*time.Minute + 3*time.Second, false},
	}
	for _, s := range steps {
		if ok, err := m.Remember(ctx, s.nonce, t0.Add(s.at)); ok != s.fresh || err != nil {
			t.Errorf("Remember(%s, +%v) = %v, %v; want %v", s.nonce, s.at, ok, err, s.fresh)
		}
	}
}
