package payment

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// noRedirect is a browser that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postPage(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestRoundTrip runs the whole exchange over HTTP: create, the payer page,
// pay, the verified TRANSACTION.SUCCESS notification, query, refund, the
// REFUND.SUCCESS notification, query again; at the root and under a prefix.
func TestRoundTrip(t *testing.T) {
	for _, mount := range []string{"", "/sandbox/wxpay", "/sandbox/wxpay/"} {
		t.Run("mount="+mount, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, SandboxOptions{}, mount)
			const no = "KW2025|0042*A" // | and * must survive path escaping and signing

			res := e.create(t, no)
			if !strings.HasPrefix(res.CodeURL, e.base+"/pay/") {
				t.Fatalf("CodeURL %q does not point at the payer page under %s", res.CodeURL, e.base)
			}
			again := e.create(t, no)
			if again.CodeURL != res.CodeURL {
				t.Errorf("placing the same order again: CodeURL %q, first %q", again.CodeURL, res.CodeURL)
			}
			tx, err := e.client.Query(ctx, no)
			if err != nil || tx.State != StateNotPay || tx.AmountFen != 10000 {
				t.Fatalf("query before paying: %+v, %v", tx, err)
			}

			status, page := getPage(t, res.CodeURL+"?return=/candidate/fee")
			for _, want := range []string{"¥100.00", "2025年卫生专业技术资格考试报名费（2科）", "确认支付", "模拟支付失败", "未支付", `value="/candidate/fee"`} {
				if status != http.StatusOK || !strings.Contains(page, want) {
					t.Fatalf("payer page (%d) lacks %q:\n%s", status, want, page)
				}
			}
			resp := postPage(t, res.CodeURL+"?return=/candidate/fee", url.Values{"action": {"pay"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/candidate/fee" {
				t.Fatalf("paying from the page: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, page := getPage(t, res.CodeURL); strings.Contains(page, "确认支付") || !strings.Contains(page, "支付成功") {
				t.Errorf("payer page of a paid order still offers to pay:\n%s", page)
			}

			if d, f := e.deliver(t); d != 1 || f != 0 {
				t.Fatalf("DeliverPending after paying = %d delivered, %d failed; receiver errors %v", d, f, e.recv.errors())
			}
			got := e.recv.notifications()
			if len(got) != 1 || got[0].EventType != EventTransactionSuccess || got[0].Transaction == nil || got[0].Refund != nil {
				t.Fatalf("notifications %+v", got)
			}
			paid := *got[0].Transaction
			if paid.OutTradeNo != no || paid.State != StateSuccess || paid.AmountFen != 10000 || paid.PayerTotalFen != 10000 ||
				paid.Attach != "application=42" || paid.PayerOpenID != SandboxPayerOpenID || len(paid.TransactionID) != 28 ||
				!paid.SuccessTime.Equal(e.clock.Now()) {
				t.Errorf("TRANSACTION.SUCCESS carries %+v", paid)
			}
			if got[0].ID == "" || !got[0].Created.Equal(e.clock.Now()) {
				t.Errorf("notification id %q, created %v", got[0].ID, got[0].Created)
			}
			tx, err = e.client.Query(ctx, no)
			if err != nil || !sameTx(tx, paid) {
				t.Fatalf("query after paying = %+v, %v; notified %+v", tx, err, paid)
			}

			e.clock.Advance(time.Hour) // refunds come later: the signatures use the new time
			ref, err := e.client.Refund(ctx, RefundRequest{OutTradeNo: no, OutRefundNo: "R" + no, Reason: "考生撤回报名", RefundFen: 10000, TotalFen: 10000})
			if err != nil || ref.Status != RefundProcessing || ref.RefundID == "" || ref.RefundFen != 10000 || ref.OutTradeNo != no {
				t.Fatalf("refund = %+v, %v", ref, err)
			}
			again2, err := e.client.Refund(ctx, RefundRequest{OutTradeNo: no, OutRefundNo: "R" + no, RefundFen: 10000, TotalFen: 10000})
			if err != nil || again2.RefundID != ref.RefundID {
				t.Errorf("asking for the same refund again = %+v, %v; want refund %s", again2, err, ref.RefundID)
			}
			if d, f := e.deliver(t); d != 1 || f != 0 {
				t.Fatalf("DeliverPending after refunding = %d delivered, %d failed; receiver errors %v", d, f, e.recv.errors())
			}
			got = e.recv.notifications()
			if len(got) != 2 || got[1].EventType != EventRefundSuccess || got[1].Refund == nil || got[1].Transaction != nil {
				t.Fatalf("notifications %+v", got)
			}
			if r := *got[1].Refund; r.OutRefundNo != "R"+no || r.OutTradeNo != no || r.RefundID != ref.RefundID ||
				r.Status != RefundSuccess || r.RefundFen != 10000 || r.TotalFen != 10000 || !r.SuccessTime.Equal(e.clock.Now()) {
				t.Errorf("REFUND.SUCCESS carries %+v", r)
			}
			if r, err := e.client.QueryRefund(ctx, "R"+no); err != nil || r.Status != RefundSuccess {
				t.Errorf("query refund = %+v, %v", r, err)
			}
			tx, err = e.client.Query(ctx, no)
			if err != nil || tx.State != StateRefund || tx.TransactionID != paid.TransactionID {
				t.Errorf("query after refunding = %+v, %v", tx, err)
			}

			var kinds []string
			for _, l := range e.sb.Ledger() {
				kinds = append(kinds, string(l.Kind))
			}
			if want := "create pay notify refund notify"; strings.Join(kinds, " ") != want {
				t.Errorf("ledger kinds %v, want %s", kinds, want)
			}
			if txs := e.sb.Transactions(); len(txs) != 1 || txs[0].State != StateRefund {
				t.Errorf("sandbox transactions %+v", txs)
			}
			if refs := e.sb.Refunds(); len(refs) != 1 || refs[0].RefundID != ref.RefundID {
				t.Errorf("sandbox refunds %+v", refs)
			}
		})
	}
}

// TestPayerPage covers the page's other paths: failing, paying without a
// return URL, an unsafe return URL, an unknown link.
func TestPayerPage(t *testing.T) {
	e := newEnv(t, SandboxOptions{}, "/sandbox/wxpay")
	res := e.create(t, "KW-PAGE-1")

	resp := postPage(t, res.CodeURL, url.Values{"action": {"fail"}})
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "支付失败") || !strings.Contains(string(b), "确认支付") {
		t.Errorf("failing: %d\n%s", resp.StatusCode, b)
	}
	if tx, err := e.client.Query(context.Background(), "KW-PAGE-1"); err != nil || tx.State != StatePayError {
		t.Errorf("after a failed payment: %+v, %v", tx, err)
	}

	resp = postPage(t, res.CodeURL+"?return=https://evil.example/steal", url.Values{"action": {"pay"}})
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "支付成功") || strings.Contains(string(b), "evil.example") {
		t.Errorf("paying with a foreign return URL: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	resp = postPage(t, res.CodeURL, url.Values{"action": {"pay"}})
	b, _ = io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "无法支付") {
		t.Errorf("paying twice from the page:\n%s", b)
	}
	if d, _ := e.deliver(t); d != 1 {
		t.Errorf("one payment, %d notifications delivered", d)
	}

	if status, page := getPage(t, e.base+"/pay/nosuchtoken"); status != http.StatusNotFound || !strings.Contains(page, "订单不存在") {
		t.Errorf("unknown link: %d\n%s", status, page)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 5000: "¥50.00", 12345: "¥123.45", -250: "-¥2.50"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestErrNotFoundNeedsVerifiedAnswer(t *testing.T) {
	e := newEnv(t, SandboxOptions{}, "")
	_, err := e.client.Query(context.Background(), "NOSUCHORDER")
	var pe *ProviderError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &pe) || pe.Code != "ORDER_NOT_EXIST" || !pe.Verified {
		t.Errorf("query of an unknown order: %v (%+v)", err, pe)
	}
	_, err = e.client.QueryRefund(context.Background(), "NOSUCHREFUND")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("query of an unknown refund: %v", err)
	}
}

// sameTx compares transactions, times by instant.
func sameTx(a, b Transaction) bool {
	a.SuccessTime, b.SuccessTime = a.SuccessTime.UTC(), b.SuccessTime.UTC()
	return a == b
}
