package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"kaowu"
	"kaowu/internal/payment"
	"kaowu/internal/store"
	"kaowu/policy"
)

// PaymentProvider is the online payment provider as the app uses it
// (payment.Client speaks WeChat Pay API v3 to the real provider or to the
// sandbox).
type PaymentProvider interface {
	Create(ctx context.Context, r payment.CreateRequest) (payment.CreateResult, error)
	Query(ctx context.Context, outTradeNo string) (payment.Transaction, error)
	Refund(ctx context.Context, r payment.RefundRequest) (payment.Refund, error)
	ParseNotification(ctx context.Context, h http.Header, body []byte, nonces payment.NonceStore) (payment.Notification, error)
}

// tradeNo returns a new provider transaction or refund number: 32 letters
// and digits (WeChat Pay allows 6–32), time ordered.
func tradeNo() string { return strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "") }

// newOrder is the order of an application approved now: the subjects it
// sits at the year's fee, due at the close of the payment window (三).
func newOrder(y *policy.Year, app kaowu.Application, subjects []kaowu.Subject, fee int64, now time.Time) kaowu.Order {
	pay, _ := y.Window(kaowu.WindowPayment)
	return kaowu.Order{ID: store.NewID(), ApplicationID: app.ID, CandidateID: app.CandidateID, Year: app.Year,
		Subjects: subjects, PerSubjectFen: y.Fee.PerSubjectFen, AmountFen: fee, DueAt: pay.End, CreatedAt: now}
}

// OrderView is what the candidate's payment page shows.
type OrderView struct {
	Application kaowu.Application
	Order       kaowu.Order
	Window      kaowu.Window
	Open        bool // paying is possible now
	Payments    []kaowu.Payment
	Refunds     []kaowu.Refund
	Paid        *kaowu.Payment // the payment that paid the order, if any
}

// MyOrder returns the actor's order for the current year.
func (a *App) MyOrder(ctx context.Context, actor Actor) (OrderView, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return OrderView{}, err
	}
	return a.orderView(ctx, y, app)
}

func (a *App) orderView(ctx context.Context, y *policy.Year, app kaowu.Application) (OrderView, error) {
	v := OrderView{Application: app}
	v.Window, _ = y.Window(kaowu.WindowPayment)
	o, err := a.Store.OrderOf(ctx, app.ID)
	if err != nil {
		return v, err
	}
	v.Order = o
	v.Open = v.Window.Open(a.Clock.Now()) && app.State == kaowu.StateApproved
	if v.Payments, err = a.Store.PaymentsOf(ctx, o.ID); err != nil {
		return v, err
	}
	for i, p := range v.Payments {
		if p.Disposition == kaowu.PaymentApplied || p.Disposition == kaowu.PaymentRestored {
			v.Paid = &v.Payments[i]
		}
	}
	v.Refunds, err = a.Store.RefundsOf(ctx, o.ID, time.Time{}, time.Time{})
	return v, err
}

// StartPayment opens (or reopens) a transaction with the provider for the
// actor's order and returns where the payer pays. Only inside the payment
// window (三) and only while the application is approved; a transaction
// still open is reused, and one the provider reports paid is recorded
// instead, so clicking twice never charges twice.
func (a *App) StartPayment(ctx context.Context, actor Actor) (string, error) {
	if a.Payments == nil {
		return "", kaowu.Errorf(kaowu.EFORBIDDEN, "本考点未开通网上缴费，请联系考点")
	}
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return "", err
	}
	v, err := a.orderView(ctx, y, app)
	if err != nil {
		return "", err
	}
	now := a.Clock.Now()
	switch {
	case v.Paid != nil || app.State == kaowu.StatePaid:
		return "", kaowu.Errorf(kaowu.ECONFLICT, "考试费已缴纳，无需再次缴费")
	case app.State != kaowu.StateApproved:
		return "", kaowu.Errorf(kaowu.EFORBIDDEN, "当前报名状态为“%s”，不能缴费（%s）", app.State.Label(), y.Fee.Clause)
	case !v.Window.Open(now):
		return "", windowError(v.Window, now, "缴费")
	}
	attempts, err := a.Store.Attempts(ctx, v.Order.ID)
	if err != nil {
		return "", err
	}
	if n := len(attempts); n > 0 {
		last := attempts[n-1]
		t, err := a.Payments.Query(ctx, last.OutTradeNo)
		switch {
		case err != nil:
			a.Log.Warn("payment: query before reuse", "out_trade_no", last.OutTradeNo, "err", err)
		case t.State == payment.StateSuccess:
			if _, err := a.RecordTransaction(ctx, t, "query"); err != nil {
				return "", err
			}
			return "", kaowu.Errorf(kaowu.ECONFLICT, "考试费已缴纳，无需再次缴费")
		case t.State == payment.StateNotPay || t.State == payment.StateUserPaying:
			return last.CodeURL, nil
		}
	}
	// A transaction expires with the window, so that nobody can pay after
	// it closes.
	at := kaowu.PaymentAttempt{OutTradeNo: tradeNo(), OrderID: v.Order.ID, CreatedAt: now, ExpiresAt: v.Window.End}
	sp, _ := y.Specialty(app.Specialty)
	res, err := a.Payments.Create(ctx, payment.CreateRequest{OutTradeNo: at.OutTradeNo, AmountFen: v.Order.AmountFen,
		Description: fmt.Sprintf("%d年卫生专业技术资格考试考试费 %s %s（%d科）", y.Year, app.Specialty, sp.Name, len(v.Order.Subjects)),
		Attach:      app.ID, NotifyURL: a.NotifyURL, ExpiresAt: at.ExpiresAt})
	if err != nil {
		return "", &kaowu.Error{Code: kaowu.EINTERNAL, Message: "支付平台暂时无法创建订单，请稍后再试", Err: fmt.Errorf("create transaction: %w", err)}
	}
	at.CodeURL = res.CodeURL
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAttempt(ctx, at); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "payment.start", app.ID, fmt.Sprintf("发起缴费：交易 %s，%s 元", at.OutTradeNo, kaowu.Yuan(v.Order.AmountFen)))
	})
	if err != nil {
		return "", fmt.Errorf("start payment: %w", err)
	}
	return at.CodeURL, nil
}

// SyncMyPayment asks the provider about the actor's latest transaction and
// records it if paid: the page the payer returns to does this, so that a
// payment shows at once even before the provider's notification arrives.
func (a *App) SyncMyPayment(ctx context.Context, actor Actor) error {
	if a.Payments == nil {
		return nil
	}
	app, _, err := a.MyApplication(ctx, actor)
	if err != nil {
		return err
	}
	o, err := a.Store.OrderOf(ctx, app.ID)
	if err != nil {
		return err
	}
	attempts, err := a.Store.Attempts(ctx, o.ID)
	if err != nil || len(attempts) == 0 {
		return err
	}
	_, err = a.SyncAttempt(ctx, attempts[len(attempts)-1].OutTradeNo)
	return err
}

// SyncAttempt asks the provider about one transaction and records it when
// paid; it reports whether it was paid.
func (a *App) SyncAttempt(ctx context.Context, outTradeNo string) (bool, error) {
	t, err := a.Payments.Query(ctx, outTradeNo)
	if errors.Is(err, payment.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("query transaction %s: %w", outTradeNo, err)
	}
	if t.State != payment.StateSuccess && t.State != payment.StateRefund {
		return false, nil
	}
	_, err = a.RecordTransaction(ctx, t, "query")
	return err == nil, err
}

// RecordTransaction records a paid provider transaction, once however often
// it is reported, and applies it by these rules (shown to the site office
// on the payments page):
//   - the order's amount, application approved → paid;
//   - application forfeited, paid before the window closed (notified
//     late) → restored to paid;
//   - order paid already → recorded as a duplicate and refunded at once;
//   - amount not the order's, or any other state → held for the site
//     office, never applied.
//
// It returns the payment as recorded (the first record when it was
// recorded before).
func (a *App) RecordTransaction(ctx context.Context, t payment.Transaction, source string) (kaowu.Payment, error) {
	if t.State != payment.StateSuccess && t.State != payment.StateRefund {
		return kaowu.Payment{}, kaowu.Errorf(kaowu.EINVALID, "交易 %s 未支付成功（%s）", t.OutTradeNo, t.State)
	}
	at, err := a.Store.Attempt(ctx, t.OutTradeNo)
	if err != nil {
		return kaowu.Payment{}, fmt.Errorf("record transaction: %w", err)
	}
	var p kaowu.Payment
	var inserted bool
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now()
		o, err := tx.Order(ctx, at.OrderID)
		if err != nil {
			return err
		}
		app, err := tx.Application(ctx, o.ApplicationID)
		if err != nil {
			return err
		}
		prior, err := tx.PaymentsOf(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, q := range prior {
			if q.TransactionID == t.TransactionID {
				p = q // reported before: nothing changes
				return nil
			}
		}
		paid := t.SuccessTime
		if paid.IsZero() {
			paid = now
		}
		p = kaowu.Payment{ID: store.NewID(), TransactionID: t.TransactionID, OutTradeNo: t.OutTradeNo, OrderID: o.ID,
			AmountFen: t.AmountFen, Payer: t.PayerOpenID, PaidAt: paid, Source: source, RecordedAt: now}
		already := false
		for _, q := range prior {
			already = already || q.Disposition == kaowu.PaymentApplied || q.Disposition == kaowu.PaymentRestored
		}
		to := kaowu.StatePaid
		switch {
		case t.AmountFen != o.AmountFen:
			p.Disposition, p.Note = kaowu.PaymentHeld, fmt.Sprintf("金额不符：应缴 %s 元，实付 %s 元", kaowu.Yuan(o.AmountFen), kaowu.Yuan(t.AmountFen))
		case already || app.State == kaowu.StatePaid || app.State == kaowu.StateTicketed || app.State == kaowu.StateScored:
			p.Disposition, p.Note = kaowu.PaymentDuplicate, "该订单已缴费，本笔重复支付将原路退回"
		case app.State == kaowu.StateApproved:
			p.Disposition = kaowu.PaymentApplied
		case app.State == kaowu.StateForfeited && !paid.After(o.DueAt):
			p.Disposition, p.Note = kaowu.PaymentRestored, "缴费时间在缴费截止前，通知晚到：恢复报名"
		default:
			p.Disposition, p.Note = kaowu.PaymentHeld, fmt.Sprintf("报名状态为“%s”，不能入账，待考点核对", app.State.Label())
		}
		if inserted, err = tx.InsertPayment(ctx, p); err != nil || !inserted {
			if err == nil { // a concurrent report recorded it first
				p, err = firstPayment(ctx, tx, o.ID, t.TransactionID)
			}
			return err
		}
		if p.Disposition == kaowu.PaymentApplied || p.Disposition == kaowu.PaymentRestored {
			if err := tx.SetApplicationState(ctx, app.ID, app.State, to, now); err != nil {
				return err
			}
			if err := a.remind(ctx, tx, kaowu.Reminder{UserID: app.CandidateID, Kind: "payment.paid", Link: "/application/payment",
				Title: "考试费缴纳成功", Body: fmt.Sprintf("已收到您缴纳的考试费 %s 元（%d科）。请于准考证打印时间内登录打印准考证。",
					kaowu.Yuan(p.AmountFen), len(o.Subjects))}); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, System, "payment.record", app.ID, fmt.Sprintf("收到缴费 %s 元（交易 %s，%s）：%s %s",
			kaowu.Yuan(p.AmountFen), t.TransactionID, source, p.Disposition.Label(), p.Note))
	})
	if err != nil {
		return p, fmt.Errorf("record transaction %s: %w", t.TransactionID, err)
	}
	if inserted && p.Disposition == kaowu.PaymentDuplicate {
		if _, err := a.refund(ctx, System, p, "重复支付，原路退回"); err != nil {
			a.Log.Error("payment: refunding a duplicate payment failed; the site office must refund it", "payment", p.ID, "err", err)
		}
	}
	return p, nil
}

func firstPayment(ctx context.Context, tx *store.Tx, orderID, transactionID string) (kaowu.Payment, error) {
	ps, err := tx.PaymentsOf(ctx, orderID)
	for _, q := range ps {
		if q.TransactionID == transactionID {
			return q, err
		}
	}
	return kaowu.Payment{}, fmt.Errorf("payment %s recorded concurrently but not found: %w", transactionID, err)
}

// nonceStore keeps notification nonces in the database, for every node.
type nonceStore struct{ s *store.Store }

func (n nonceStore) Remember(ctx context.Context, nonce string, at time.Time) (bool, error) {
	return n.s.RememberNonce(ctx, nonce, at)
}

// HandleNotification verifies and applies one notification from the
// provider. A notification that fails verification (forged, tampered,
// stale, replayed, malformed) is refused with EUNAUTHORIZED and changes
// nothing.
func (a *App) HandleNotification(ctx context.Context, h http.Header, body []byte) error {
	if a.Payments == nil {
		return kaowu.Errorf(kaowu.ENOTFOUND, "未开通网上缴费")
	}
	n, err := a.Payments.ParseNotification(ctx, h, body, nonceStore{a.Store})
	if err != nil {
		return &kaowu.Error{Code: kaowu.EUNAUTHORIZED, Message: "通知验证失败", Err: err}
	}
	switch {
	case n.Transaction != nil:
		_, err = a.RecordTransaction(ctx, *n.Transaction, "notify")
	case n.Refund != nil:
		err = a.Store.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertRefundResult(ctx, n.Refund.OutRefundNo, n.Refund.Status, n.Refund.RefundID, a.Clock.Now())
		})
	}
	if err != nil {
		// Let the provider's retry through: it carries the same nonce.
		a.Store.ForgetNonce(ctx, h.Get("Wechatpay-Nonce"))
	}
	return err
}

// RefundPayment returns a payment to the payer, in full: a duplicate, a
// held payment, or one the site office decides to return. Site staff and
// administrators only.
func (a *App) RefundPayment(ctx context.Context, actor Actor, paymentID, reason string) (kaowu.Refund, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return kaowu.Refund{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点工作人员可以办理退款")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return kaowu.Refund{}, kaowu.FieldError("reason", "请填写退款原因")
	}
	p, err := a.Store.Payment(ctx, paymentID)
	if err != nil {
		return kaowu.Refund{}, notYours(err)
	}
	if actor.Role == kaowu.RoleSiteStaff { // their own site's payments only
		me, err := a.actorAccount(ctx, actor)
		if err != nil {
			return kaowu.Refund{}, err
		}
		parties, err := a.Store.OrderParties(ctx, []string{p.OrderID})
		if err != nil {
			return kaowu.Refund{}, err
		}
		if me.Site == "" || parties[p.OrderID].Site != me.Site {
			return kaowu.Refund{}, errNotYours()
		}
	}
	return a.refund(ctx, actor, p, reason)
}

func (a *App) refund(ctx context.Context, actor Actor, p kaowu.Payment, reason string) (kaowu.Refund, error) {
	if a.Payments == nil {
		return kaowu.Refund{}, kaowu.Errorf(kaowu.EFORBIDDEN, "未开通网上缴费，不能原路退款")
	}
	prior, err := a.Store.RefundsOf(ctx, p.OrderID, time.Time{}, time.Time{})
	if err != nil {
		return kaowu.Refund{}, err
	}
	for _, f := range prior {
		if f.PaymentID == p.ID && f.Status != "CLOSED" && f.Status != "ABNORMAL" {
			return f, kaowu.Errorf(kaowu.ECONFLICT, "这笔缴费已申请退款（%s），不能重复退款", f.OutRefundNo)
		}
	}
	if p.Disposition == kaowu.PaymentApplied || p.Disposition == kaowu.PaymentRestored {
		return kaowu.Refund{}, kaowu.Errorf(kaowu.EFORBIDDEN, "这笔缴费已为报名入账，不能在此退款；如确需处理，请报考区决定")
	}
	f := kaowu.Refund{OutRefundNo: tradeNo(), PaymentID: p.ID, OrderID: p.OrderID, AmountFen: p.AmountFen, Reason: reason,
		RequestedBy: actor.Username, RequestedAt: a.Clock.Now()}
	// The refund is recorded before the provider is asked, so that a crash
	// between the two leaves a record to retry, never money out unrecorded.
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertRefund(ctx, f); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "payment.refund", p.OrderID, fmt.Sprintf("申请退款 %s 元（交易 %s）：%s", kaowu.Yuan(p.AmountFen), p.TransactionID, reason))
	})
	if err != nil {
		return f, fmt.Errorf("refund %s: %w", p.ID, err)
	}
	r, err := a.Payments.Refund(ctx, payment.RefundRequest{OutTradeNo: p.OutTradeNo, OutRefundNo: f.OutRefundNo, Reason: reason,
		RefundFen: p.AmountFen, TotalFen: p.AmountFen})
	if err != nil {
		return f, &kaowu.Error{Code: kaowu.EINTERNAL, Message: "支付平台暂时无法受理退款，已记录退款申请，请稍后在对账页面重试", Err: err}
	}
	f.Status, f.RefundID = r.Status, r.RefundID
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		return tx.InsertRefundResult(ctx, f.OutRefundNo, r.Status, r.RefundID, a.Clock.Now())
	})
	return f, err
}

// ForfeitReport says what one run of the payment deadline did.
type ForfeitReport struct {
	Queried   int // open transactions asked about
	Recovered int // of which paid: recorded now, not forfeited
	Forfeited int
	Years     []int
}

// ForfeitUnpaid runs the payment deadline (三: 逾期未缴费的考生视为放弃报名)
// for every stored year whose payment window has closed by now: it first
// asks the provider about every open transaction of the year's unpaid
// applications, so that a payment made at the last second and notified
// late is recorded, then marks each application still approved as
// forfeited, with a reminder. Idempotent: a second run finds nothing to do.
func (a *App) ForfeitUnpaid(ctx context.Context, now time.Time) (ForfeitReport, error) {
	var rep ForfeitReport
	years, err := a.Years(ctx)
	if err != nil {
		return rep, err
	}
	for _, n := range years {
		y, err := a.Year(ctx, n)
		if err != nil {
			return rep, err
		}
		w, ok := y.Window(kaowu.WindowPayment)
		if !ok || now.Before(w.End) {
			continue
		}
		ids, err := a.Store.ApprovedUnpaid(ctx, n)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return rep, err
			}
			continue
		}
		rep.Years = append(rep.Years, n)
		if a.Payments != nil {
			attempts, err := a.Store.UnpaidAttempts(ctx, n)
			if err != nil {
				return rep, err
			}
			for _, at := range attempts {
				rep.Queried++
				paid, err := a.SyncAttempt(ctx, at.OutTradeNo)
				if err != nil {
					// Unknown is not unpaid: forfeit nobody of this year
					// until the provider answers (the next run retries).
					return rep, fmt.Errorf("payment deadline %d: %w", n, err)
				}
				if paid {
					rep.Recovered++
				}
			}
		}
		ids, err = a.Store.ApprovedUnpaid(ctx, n)
		if err != nil {
			return rep, err
		}
		for _, id := range ids {
			err := a.Store.Update(ctx, func(tx *store.Tx) error {
				app, err := tx.Application(ctx, id)
				if err != nil {
					return err
				}
				if err := tx.SetApplicationState(ctx, id, kaowu.StateApproved, kaowu.StateForfeited, now); err != nil {
					return err
				}
				if err := a.remind(ctx, tx, kaowu.Reminder{UserID: app.CandidateID, Kind: "payment.forfeited", Link: "/application/payment",
					Title: "未在规定时间内缴费，视为放弃报名",
					Body: fmt.Sprintf("网上缴费已于%s截止，您未缴纳考试费，按通知要求视为放弃报名（%s）。如您已在截止前付款，请携付款凭证联系考点。",
						endText(w.End), y.Fee.Clause)}); err != nil {
					return err
				}
				return a.audit(ctx, tx, System, "application.forfeit", id, "网上缴费截止未缴费，视为放弃报名（"+y.Fee.Clause+"）")
			})
			switch {
			case kaowu.ErrorCode(err) == kaowu.ECONFLICT: // paid meanwhile
			case err != nil:
				return rep, fmt.Errorf("forfeit %s: %w", id, err)
			default:
				rep.Forfeited++
			}
		}
	}
	return rep, nil
}
