package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/payment"
	"kaowu/internal/server"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// newPayServer is newServer paying through the sandbox provider mounted on
// the same server, as serve --demo runs it: every exchange with the
// provider is real HTTP in WeChat Pay API v3's protocol.
func newPayServer(t *testing.T, s *store.Store, now time.Time) (*httptest.Server, *app.App, *payment.Sandbox) {
	t.Helper()
	a := app.New(s, kaowu.NewManualClock(now), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(a, a.Log, "演示模式")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	base := "http://" + ts.Listener.Addr().String()
	sb, err := payment.NewSandbox(payment.SandboxOptions{PublicURL: base + "/sandbox/wxpay", Now: a.Clock.Now, Duplicates: 2})
	if err != nil {
		t.Fatal(err)
	}
	client, err := payment.NewClient(sb.MerchantConfig(base + "/sandbox/wxpay"))
	if err != nil {
		t.Fatal(err)
	}
	a.Payments, a.Ledger, a.NotifyURL = client, sb, base+"/payment/notify"
	srv.Mount("/sandbox/wxpay/", sb.Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, a, sb
}

// TestPaymentWalk pays through the pages and the sandbox over HTTP: the
// order page, the provider's payer page, back to "paid"; the provider's
// notifications (each sent three times) then arrive and change nothing;
// paying again is refused; a forged notification is refused.
func TestPaymentWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a, sb := newPayServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台缴费医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		ap := confirmedCandidate(t, a, "payer", "缴费考生", 71, unit.ID)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-pay", Name: "考区"})
		if _, err := a.Review(ctx, app.Actor{Username: "region-pay", Role: kaowu.RoleRegionStaff}, app.ReviewInput{IDs: []string{ap.ID}, Approve: true}); err != nil {
			t.Fatal(err)
		}
		cand := login(t, ts.URL, "payer")
		status, body, _ := cand.get("/application/payment")
		cand.expect(status, body, "网上缴费时间为 2024年1月29日 至 2024年2月8日 24:00，届时请回到本页缴费")
		if status, _, _ := cand.post("/application/payment", nil); status != http.StatusForbidden {
			t.Errorf("paying before the window = %d, want 403", status)
		}

		a.Clock.(*kaowu.ManualClock).Set(time.Date(2024, 1, 30, 10, 0, 0, 0, kaowu.Shanghai))
		cand = login(t, ts.URL, "payer") // weeks later: a new session
		status, body, _ = cand.get("/application/payment")
		cand.expect(status, body, "合计 4 科", "200.00", "缴费截止：<strong>2024年2月8日 24:00</strong>", "微信支付 200.00 元")
		status, body, resp := cand.post("/application/payment", nil)
		if status != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/sandbox/wxpay/pay/") {
			t.Fatalf("pay = %d at %s\n%s", status, resp.Request.URL, excerpt(body))
		}
		cand.expect(status, body, "¥200.00", "确认支付")
		payPage := resp.Request.URL
		req, _ := http.NewRequest("POST", payPage.String(), strings.NewReader(url.Values{"action": {"pay"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, body, resp = cand.do(req)
		if resp.Request.URL.RequestURI() != "/application/payment?done=paid" {
			t.Fatalf("after paying = %d at %s\n%s", status, resp.Request.URL, excerpt(body))
		}
		cand.expect(status, body, "缴费成功，已入账。", "✓ 已缴费", "下载缴费凭证（PDF）")

		// The provider's notifications arrive after the redirect, three
		// deliveries of one payment: all accepted, one payment recorded.
		sb.DeliverPending(ctx)
		o, err := s.OrderOf(ctx, ap.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ps, err := s.PaymentsOf(ctx, o.ID); err != nil || len(ps) != 1 || ps[0].Disposition != kaowu.PaymentApplied {
			t.Errorf("payments after the notifications: %+v %v", ps, err)
		}
		var delivered int
		for _, e := range sb.Ledger() {
			if e.Kind == payment.LedgerNotify && e.HTTPStatus == http.StatusNoContent {
				delivered++
			}
		}
		if delivered != 3 {
			t.Errorf("notifications answered 204: %d, want 3", delivered)
		}
		if got, _ := s.Application(ctx, ap.ID); got.State != kaowu.StatePaid {
			t.Errorf("state %s", got.State)
		}
		status, body, resp = cand.get("/application/receipt.pdf")
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
			t.Errorf("receipt = %d %s", status, resp.Header.Get("Content-Type"))
		}
		status, body, _ = cand.post("/application/payment", nil)
		if status != http.StatusConflict {
			t.Errorf("paying twice = %d", status)
		}
		cand.expect(status, body, "考试费已缴纳，无需再次缴费")

		// A notification not signed by the provider: refused, nothing changes.
		req, _ = http.NewRequest("POST", ts.URL+"/payment/notify", strings.NewReader(`{"id":"x","event_type":"TRANSACTION.SUCCESS"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Wechatpay-Signature", "Zm9yZ2Vk")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged notification = %d, want 400", resp.StatusCode)
		}
		if ps, _ := s.PaymentsOf(ctx, o.ID); len(ps) != 1 {
			t.Errorf("after the forged notification: %d payments", len(ps))
		}
	})
}
