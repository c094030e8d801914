package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/payment"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var (
	payOpen   = time.Date(2024, 1, 30, 10, 0, 0, 0, kaowu.Shanghai)
	payClosed = time.Date(2024, 2, 9, 0, 0, 1, 0, kaowu.Shanghai)
)

// payFixture is an approved candidate and a sandbox provider reached over
// real HTTP; notifications go to a receiver that keeps them, so that each
// test decides when (and how often, and how concurrently) they arrive.
type payFixture struct {
	a      *app.App
	s      *store.Store
	clock  *kaowu.ManualClock
	sb     *payment.Sandbox
	me     app.Actor
	app    kaowu.Application
	site   app.Actor
	region app.Actor

	mu    sync.Mutex
	kept  []keptNotification
	apply bool // apply notifications as they arrive instead of keeping them
}

type keptNotification struct {
	h    http.Header
	body []byte
}

func newPayFixture(t testing.TB, s *store.Store, opts payment.SandboxOptions) *payFixture {
	t.Helper()
	fx := newReviewFixture(t, s)
	ctx := context.Background()
	if _, err := fx.a.Review(ctx, fx.region, app.ReviewInput{IDs: []string{fx.plain.ID}, Approve: true}); err != nil {
		t.Fatal(err)
	}
	p := &payFixture{a: fx.a, s: s, clock: fx.a.Clock.(*kaowu.ManualClock), me: actor(fx.accounts[fx.plain.ID]), region: fx.region}
	p.app, _ = s.Application(ctx, fx.plain.ID)
	p.site = siteStaff(t, s, "paysite", "fengtai")
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	opts.PublicURL, opts.Now = ts.URL+"/sandbox/wxpay", p.clock.Now
	sb, err := payment.NewSandbox(opts)
	if err != nil {
		t.Fatal(err)
	}
	p.sb = sb
	mux.Handle("/sandbox/wxpay/", http.StripPrefix("/sandbox/wxpay", sb.Handler()))
	mux.HandleFunc("POST /payment/notify", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		apply := p.apply
		if !apply {
			p.kept = append(p.kept, keptNotification{r.Header.Clone(), body})
		}
		p.mu.Unlock()
		if apply {
			if err := p.a.HandleNotification(r.Context(), r.Header, body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	client, err := payment.NewClient(sb.MerchantConfig(ts.URL + "/sandbox/wxpay"))
	if err != nil {
		t.Fatal(err)
	}
	p.a.Payments, p.a.Ledger, p.a.NotifyURL = client, sb, ts.URL+"/payment/notify"
	p.clock.Set(payOpen)
	return p
}

// pay opens a transaction as the candidate and pays it at the sandbox;
// it returns the transaction's number.
func (p *payFixture) pay(t testing.TB) string {
	t.Helper()
	code, err := p.a.StartPayment(context.Background(), p.me)
	if err != nil {
		t.Fatal(err)
	}
	attempts := p.attempts(t)
	no := attempts[len(attempts)-1].OutTradeNo
	if code != attempts[len(attempts)-1].CodeURL {
		t.Fatalf("code URL %q, stored %q", code, attempts[len(attempts)-1].CodeURL)
	}
	if err := p.sb.Pay(no); err != nil {
		t.Fatal(err)
	}
	return no
}

func (p *payFixture) attempts(t testing.TB) []kaowu.PaymentAttempt {
	t.Helper()
	o, err := p.s.OrderOf(context.Background(), p.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.s.Attempts(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (p *payFixture) state(t testing.TB) kaowu.ApplicationState {
	t.Helper()
	a, err := p.s.Application(context.Background(), p.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.State
}

func (p *payFixture) payments(t testing.TB) []kaowu.Payment {
	t.Helper()
	o, _ := p.s.OrderOf(context.Background(), p.app.ID)
	ps, err := p.s.PaymentsOf(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestPaymentOrderOnApproval(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		p := newPayFixture(t, s, payment.SandboxOptions{})
		v, err := p.a.MyOrder(context.Background(), p.me)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Order.Subjects) != 4 || v.Order.AmountFen != 20000 || v.Order.PerSubjectFen != 5000 || !v.Open {
			t.Errorf("order %+v open %v; want 4 subjects, 200.00 yuan, open", v.Order, v.Open)
		}
		if got := v.Order.DueAt.In(kaowu.Shanghai).Format("2006-01-02 15:04"); got != "2024-02-09 00:00" {
			t.Errorf("due %s", got)
		}
		// Outside the window, paying is refused with the window and clause.
		p.clock.Set(time.Date(2024, 1, 28, 23, 0, 0, 0, kaowu.Shanghai))
		if _, err := p.a.StartPayment(context.Background(), p.me); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN || !strings.Contains(kaowu.ErrorMessage(err), "三") {
			t.Errorf("before the window: %v", err)
		}
	})
}

// deliver has the sandbox send what is due and returns what arrived.
func (p *payFixture) deliver(t testing.TB) []keptNotification {
	t.Helper()
	p.sb.DeliverPending(context.Background())
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.kept
	p.kept = nil
	return got
}

// TestPaymentDuplicateNotifications: the provider reports one payment 100
// times at once (each delivery signed with its own nonce, as WeChat Pay
// does); exactly one payment is recorded and the application is paid once.
func TestPaymentDuplicateNotifications(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		p := newPayFixture(t, s, payment.SandboxOptions{Duplicates: 99})
		p.pay(t)
		got := p.deliver(t)
		if len(got) != 100 {
			t.Fatalf("%d notifications, want 100", len(got))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(got))
		for i, n := range got {
			wg.Go(func() { errs[i] = p.a.HandleNotification(context.Background(), n.h, n.body) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("notification %d: %v", i, err)
			}
		}
		ps := p.payments(t)
		if len(ps) != 1 || ps[0].Disposition != kaowu.PaymentApplied || ps[0].AmountFen != 20000 {
			t.Errorf("payments %+v, want one applied of 200.00", ps)
		}
		if st := p.state(t); st != kaowu.StatePaid {
			t.Errorf("state %s", st)
		}
		// A replayed notification (same nonce) is refused and changes nothing.
		if err := p.a.HandleNotification(context.Background(), got[0].h, got[0].body); kaowu.ErrorCode(err) != kaowu.EUNAUTHORIZED {
			t.Errorf("replay: %v", err)
		}
		// A tampered body is refused.
		forged := bytes.Replace(got[1].body, []byte(`"id"`), []byte(`"Id"`), 1)
		if err := p.a.HandleNotification(context.Background(), got[1].h, forged); kaowu.ErrorCode(err) != kaowu.EUNAUTHORIZED {
			t.Errorf("forged: %v", err)
		}
		if len(p.payments(t)) != 1 {
			t.Error("a refused notification recorded a payment")
		}
	})
}

// TestPaymentBeforeNotification: the payer comes back before the
// provider's notification; kaowu asks the provider and shows the payment
// at once; the notification arriving later changes nothing.
func TestPaymentBeforeNotification(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		p := newPayFixture(t, s, payment.SandboxOptions{})
		p.pay(t)
		if err := p.a.SyncMyPayment(context.Background(), p.me); err != nil {
			t.Fatal(err)
		}
		if st := p.state(t); st != kaowu.StatePaid {
			t.Fatalf("after return: %s", st)
		}
		for _, n := range p.deliver(t) {
			if err := p.a.HandleNotification(context.Background(), n.h, n.body); err != nil {
				t.Error(err)
			}
		}
		if ps := p.payments(t); len(ps) != 1 || ps[0].Source != "query" {
			t.Errorf("payments %+v", ps)
		}
		// Paying again is refused: nobody is charged twice.
		if _, err := p.a.StartPayment(context.Background(), p.me); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
			t.Errorf("second payment: %v", err)
		}
		if _, err := p.a.ReceiptPDF(context.Background(), p.me); err != nil {
			t.Errorf("receipt: %v", err)
		}
	})
}

// TestPaymentDeadline: at the close of the window the job first asks the
// provider (a payment at 23:59:59 whose notification has not arrived is
// recorded), then forfeits the unpaid; run twice, it does nothing more. A
// notification arriving after the forfeiture for a payment made inside the
// window restores the application.
func TestPaymentDeadline(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := newPayFixture(t, s, payment.SandboxOptions{})
		p.clock.Set(time.Date(2024, 2, 8, 23, 59, 59, 0, kaowu.Shanghai))
		p.pay(t)
		p.clock.Set(payClosed)
		rep, err := p.a.ForfeitUnpaid(ctx, payClosed)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Recovered != 1 || rep.Forfeited != 0 || p.state(t) != kaowu.StatePaid {
			t.Errorf("last-second payment: %+v, state %s", rep, p.state(t))
		}

		// Another candidate who never paid is forfeited, once.
		q := newPayFixture(t, storetest.SQLite(t), payment.SandboxOptions{})
		q.clock.Set(payClosed)
		for i, want := range []int{1, 0} {
			rep, err := q.a.ForfeitUnpaid(ctx, payClosed)
			if err != nil || rep.Forfeited != want {
				t.Errorf("run %d: %+v %v, want %d forfeited", i+1, rep, err, want)
			}
		}
		if st := q.state(t); st != kaowu.StateForfeited {
			t.Errorf("unpaid: %s", st)
		}
	})
}

// TestPaymentLateNotification: paid inside the window, but the
// notification (and no query) reached kaowu only after forfeiture: the
// payment is accepted and the application restored, never dropped.
func TestPaymentLateNotification(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := newPayFixture(t, s, payment.SandboxOptions{})
		no := p.pay(t)
		p.deliver(t) // lost on the way: kaowu never saw it
		// Forfeited as if the provider had not answered the deadline's
		// query.
		if err := s.Update(ctx, func(tx *store.Tx) error {
			return tx.SetApplicationState(ctx, p.app.ID, kaowu.StateApproved, kaowu.StateForfeited, payClosed)
		}); err != nil {
			t.Fatal(err)
		}
		p.clock.Set(payClosed.Add(time.Minute))
		// The provider's late report of the transaction arrives.
		tr, err := p.a.Payments.Query(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.a.RecordTransaction(ctx, tr, "notify")
		if err != nil {
			t.Fatal(err)
		}
		if got.Disposition != kaowu.PaymentRestored || p.state(t) != kaowu.StatePaid {
			t.Errorf("late payment: %s, state %s", got.Disposition, p.state(t))
		}
	})
}

// TestPaymentRefund: a payment that does not belong (here: a second
// payment of a paid order) is refunded automatically, and the refund's
// result is recorded from the provider's notification.
func TestPaymentRefund(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := newPayFixture(t, s, payment.SandboxOptions{})
		// Two transactions opened (two tabs), both paid.
		first := p.pay(t)
		second := payment.CreateRequest{OutTradeNo: "KWDUP" + first[:20], AmountFen: 20000, Description: "重复", NotifyURL: p.a.NotifyURL,
			ExpiresAt: payClosed}
		if _, err := p.a.Payments.Create(ctx, second); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertAttempt(ctx, kaowu.PaymentAttempt{OutTradeNo: second.OutTradeNo, OrderID: p.attempts(t)[0].OrderID, CodeURL: "x",
				CreatedAt: payOpen, ExpiresAt: payClosed})
		}); err != nil {
			t.Fatal(err)
		}
		if err := p.sb.Pay(second.OutTradeNo); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		p.apply = true
		p.mu.Unlock()
		p.sb.DeliverPending(ctx) // both payments, then the refund is requested
		p.sb.DeliverPending(ctx) // the refund's notification
		ps := p.payments(t)
		if len(ps) != 2 || ps[0].Disposition == ps[1].Disposition {
			t.Fatalf("payments %+v", ps)
		}
		refunds, err := s.RefundsOf(ctx, ps[0].OrderID, time.Time{}, time.Time{})
		if err != nil || len(refunds) != 1 || refunds[0].Status != payment.RefundSuccess || refunds[0].AmountFen != 20000 {
			t.Errorf("refunds %+v %v", refunds, err)
		}
		if p.state(t) != kaowu.StatePaid {
			t.Errorf("state %s", p.state(t))
		}
		// The office sees both, and no unexplained difference.
		rec, err := p.a.Reconcile(ctx, p.site, kaowu.DateOf(payOpen))
		if err != nil {
			t.Fatal(err)
		}
		if rec.PaidFen != 40000 || rec.ProviderPaidFen != 40000 || rec.RefundedFen != 20000 || len(rec.Differences) != 0 {
			t.Errorf("reconciliation %+v", rec)
		}
		if _, err := p.a.Reconcile(ctx, p.me, kaowu.DateOf(payOpen)); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("a candidate reconciled: %v", err)
		}
		for _, f := range rec.Refunds {
			if who := rec.Who[f.OrderID]; !strings.Contains(who, "368 护理学（中级）") || !strings.Contains(who, "丰台考点") || !strings.Contains(who, "****") {
				t.Errorf("refund of %q: whose it is reads %q", f.OrderID, who)
			}
		}

		// Another site's office sees none of it, not even as a provider
		// difference, and cannot refund it; the region sees it all.
		other := siteStaff(t, s, "chaoyang-pay", "chaoyang")
		rec, err = p.a.Reconcile(ctx, other, kaowu.DateOf(payOpen))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Orders)+len(rec.Payments)+len(rec.Refunds)+len(rec.Provider)+len(rec.Differences) != 0 || rec.PaidFen != 0 || rec.ProviderPaidFen != 0 {
			t.Errorf("another site's reconciliation shows %+v", rec)
		}
		if _, err := p.a.RefundPayment(ctx, other, ps[0].ID, "试图退款"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("another site refunded: %v", err)
		}
		rec, err = p.a.Reconcile(ctx, p.region, kaowu.DateOf(payOpen))
		if err != nil || rec.PaidFen != 40000 || rec.ProviderPaidFen != 40000 || len(rec.Differences) != 0 || rec.Site != "" {
			t.Errorf("the region's reconciliation %+v %v", rec, err)
		}
	})
}

// BenchmarkNotifications: verified notifications handled per second, on
// one paid transaction (signature check, decryption, nonce, the record-once
// lookup); the first applies the payment, the rest find it recorded.
func BenchmarkNotifications(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			p := newPayFixture(b, e.open(b), payment.SandboxOptions{Duplicates: b.N - 1})
			p.pay(b)
			got := p.deliver(b)
			b.ResetTimer()
			for i := range b.N {
				if err := p.a.HandleNotification(context.Background(), got[i].h, got[i].body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
		})
	}
}
