package payment

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// offlineEnv is a sandbox and a client that never talk over HTTP: enough
// to sign notifications and parse them.
func offlineEnv(tb testing.TB) *env {
	tb.Helper()
	clock := newClock()
	sb, err := NewSandbox(SandboxOptions{Keys: testKeys(tb), Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := NewClient(sb.MerchantConfig("http://sandbox.invalid"))
	if err != nil {
		tb.Fatal(err)
	}
	return &env{clock: clock, sb: sb, client: c}
}

func (e *env) refundResource() []byte {
	b, _ := json.Marshal(wireRefundNotice{
		MchID: SandboxMchID, TransactionID: "4200000000000000000000000042", OutTradeNo: "KW2025000042",
		RefundID: "50000000000000000000000000042", OutRefundNo: "RKW2025000042", RefundStatus: RefundSuccess,
		SuccessTime: formatTime(e.clock.Now()), UserReceivedAccount: "支付用户零钱",
		Amount: wireRefundAmount{Refund: 5000, Total: 10000, PayerTotal: 10000, PayerRefund: 5000},
	})
	return b
}

// FuzzParseNotification: ParseNotification never panics, and whatever it
// accepts carries a valid platform signature over exactly what it read.
// The decoder behind the signature check is fuzzed directly as well, since
// random input rarely gets past the signature.
func FuzzParseNotification(f *testing.F) {
	e := offlineEnv(f)
	add := func(body []byte, h http.Header) {
		f.Add(body, h.Get(hdrTimestamp), h.Get(hdrNonce), h.Get(hdrSignature), h.Get(hdrSerial))
	}
	signedAdd := func(body []byte) { add(body, e.signed(body, 0)) }

	paid := e.notification(EventTransactionSuccess, e.paidResource(), nil)
	signedAdd(paid)
	signedAdd(e.notification(EventRefundSuccess, e.refundResource(), nil))
	signedAdd(e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) { w.Resource.Algorithm = "AEAD_AES_128_GCM" }))
	signedAdd(e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) { w.Resource.Nonce = "short" }))
	signedAdd(e.notification(EventTransactionSuccess, e.paidResource(), func(w *wireNotification) {
		c, _ := base64.StdEncoding.DecodeString(w.Resource.Ciphertext)
		c[0] ^= 0x80
		w.Resource.Ciphertext = base64.StdEncoding.EncodeToString(c)
	}))
	signedAdd(e.notification("REFUND.SUCCESS", []byte(`{"mchid":"1230000109"}`), nil))
	signedAdd([]byte(`{}`))
	signedAdd([]byte(`null`))
	signedAdd([]byte(`{"id":"EV-1","event_type":"TRANSACTION.SUCCESS","resource_type":"encrypt-resource","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"123456789012","ciphertext":""}}`))
	signedAdd([]byte(`{"id":`))
	h := e.signed(paid, 0)
	add([]byte(strings.Replace(string(paid), "SUCCESS", "SUCCESX", 1)), h)          // tampered
	add(paid, e.signed(paid, -6*time.Minute))                                       // stale
	add(paid, http.Header{hdrSerial: {"ABC"}, hdrTimestamp: {h.Get(hdrTimestamp)}}) // unsigned
	add(nil, http.Header{})

	pub := e.sb.platformCert.PublicKey.(*rsa.PublicKey)
	f.Fuzz(func(t *testing.T, body []byte, ts, nonce, sig, serial string) {
		h := http.Header{}
		h.Set(hdrTimestamp, ts)
		h.Set(hdrNonce, nonce)
		h.Set(hdrSignature, sig)
		h.Set(hdrSerial, serial)
		n, err := e.client.ParseNotification(context.Background(), h, body, &MemoryNonces{})
		if err == nil {
			if !strings.EqualFold(serial, e.sb.platformSerial) {
				t.Fatalf("accepted serial %q", serial)
			}
			if verr := verify(pub, responseMessage(ts, nonce, body), sig); verr != nil {
				t.Fatalf("accepted a notification whose signature does not verify: %v", verr)
			}
			if (n.Transaction == nil) == (n.Refund == nil) || n.ID == "" {
				t.Fatalf("accepted notification %+v", n)
			}
		}
		if n, err := e.client.decodeNotification(body); err == nil && (n.Transaction == nil) == (n.Refund == nil) {
			t.Fatalf("decoded notification %+v", n)
		}
	})
}

type alwaysFresh struct{}

func (alwaysFresh) Remember(context.Context, string, time.Time) (bool, error) { return true, nil }

// BenchmarkParseNotification: one valid TRANSACTION.SUCCESS, verified and
// decrypted (the nonce store is a no-op so the same delivery can repeat).
func BenchmarkParseNotification(b *testing.B) {
	e := offlineEnv(b)
	body := e.notification(EventTransactionSuccess, e.paidResource(), nil)
	h := e.signed(body, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.ParseNotification(ctx, h, body, alwaysFresh{}); err != nil {
			b.Fatal(err)
		}
	}
}
