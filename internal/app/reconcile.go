package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/payment"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
)

// LedgerSource is a payment provider that can list its own ledger (the
// sandbox does; with WeChat Pay this is the daily trade bill download).
type LedgerSource interface {
	Ledger() []payment.LedgerEntry
}

// Reconciliation is one day's money, kaowu's records beside the provider's
// (三): orders created, payments recorded, refunds requested, the
// provider's paid and refunded transactions, and every difference. Site
// staff see their own site's records only (Site); the provider's
// transactions that kaowu cannot place at a site, only the region and
// administrators see.
type Reconciliation struct {
	Day         kaowu.Date
	Site        string // the site whose records these are; "" for all
	Orders      []kaowu.Order
	Payments    []kaowu.Payment
	Refunds     []kaowu.Refund
	Provider    []payment.LedgerEntry // pay and refund events of the day; nil when the provider gives no ledger
	HasLedger   bool
	Differences []string
	// Who says, by order id, whose order it is: name, masked ID number,
	// specialty and site.
	Who map[string]string

	OrderedFen, PaidFen, RefundedFen, ProviderPaidFen, ProviderRefundedFen int64
}

// Reconcile builds the reconciliation of one day (Beijing time). Site and
// region staff and administrators only; site staff get their site's.
func (a *App) Reconcile(ctx context.Context, actor Actor, day kaowu.Date) (Reconciliation, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return Reconciliation{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点、考区工作人员可以查看缴费对账")
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return Reconciliation{}, err
	}
	from := day.In(kaowu.Shanghai)
	to := from.AddDate(0, 0, 1)
	rec := Reconciliation{Day: day, Who: map[string]string{}}
	if me.Role == kaowu.RoleSiteStaff {
		if me.Site == "" {
			return rec, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有所属考点，不能查看缴费对账")
		}
		rec.Site = me.Site
	}
	orders, err := a.Store.OrdersCreated(ctx, from, to)
	if err != nil {
		return rec, err
	}
	payments, err := a.Store.PaymentsRecorded(ctx, from, to)
	if err != nil {
		return rec, err
	}
	refunds, err := a.Store.RefundsOf(ctx, "", from, to)
	if err != nil {
		return rec, err
	}
	var ledger []payment.LedgerEntry
	if a.Ledger != nil {
		rec.HasLedger = true
		for _, e := range a.Ledger.Ledger() {
			if !e.At.Before(from) && e.At.Before(to) && (e.Kind == payment.LedgerPay || e.Kind == payment.LedgerRefund) {
				ledger = append(ledger, e)
			}
		}
	}
	// Whose is each record, and at which site.
	var nos []string
	for _, e := range ledger {
		nos = append(nos, e.OutTradeNo)
	}
	orderOf, err := a.Store.AttemptOrders(ctx, nos)
	if err != nil {
		return rec, err
	}
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.ID)
	}
	for _, p := range payments {
		ids = append(ids, p.OrderID)
	}
	for _, f := range refunds {
		ids = append(ids, f.OrderID)
	}
	for _, id := range orderOf {
		ids = append(ids, id)
	}
	parties, err := a.Store.OrderParties(ctx, dedupe(ids))
	if err != nil {
		return rec, err
	}
	mine := func(orderID string) bool {
		p, ok := parties[orderID]
		return rec.Site == "" || (ok && p.Site == rec.Site)
	}
	for id, p := range parties {
		if mine(id) {
			rec.Who[id] = a.partyText(ctx, p)
		}
	}

	for _, o := range orders {
		if mine(o.ID) {
			rec.Orders = append(rec.Orders, o)
			rec.OrderedFen += o.AmountFen
		}
	}
	ours := map[string]kaowu.Payment{}
	for _, p := range payments {
		if !mine(p.OrderID) {
			continue
		}
		rec.Payments = append(rec.Payments, p)
		rec.PaidFen += p.AmountFen
		ours[p.TransactionID] = p
		if p.Disposition == kaowu.PaymentHeld {
			rec.Differences = append(rec.Differences, fmt.Sprintf("交易 %s（%s 元，%s）待人工核对：%s", p.TransactionID, kaowu.Yuan(p.AmountFen), rec.Who[p.OrderID], p.Note))
		}
	}
	for _, f := range refunds {
		if !mine(f.OrderID) {
			continue
		}
		rec.Refunds = append(rec.Refunds, f)
		rec.RefundedFen += f.AmountFen
		if f.Status != payment.RefundSuccess {
			rec.Differences = append(rec.Differences, fmt.Sprintf("退款 %s（%s 元，%s）尚未完成：%s", f.OutRefundNo, kaowu.Yuan(f.AmountFen), rec.Who[f.OrderID], orDash(f.Status)))
		}
	}
	if !rec.HasLedger {
		return rec, nil
	}
	theirs := map[string]bool{}
	for _, e := range ledger {
		order, known := orderOf[e.OutTradeNo]
		if (known && !mine(order)) || (!known && rec.Site != "") {
			continue
		}
		rec.Provider = append(rec.Provider, e)
		if e.Kind == payment.LedgerRefund {
			rec.ProviderRefundedFen += e.AmountFen
			continue
		}
		rec.ProviderPaidFen += e.AmountFen
		theirs[e.TransactionID] = true
		p, found := ours[e.TransactionID]
		switch {
		case !found:
			rec.Differences = append(rec.Differences, fmt.Sprintf("支付平台有交易 %s（%s 元，%s，%s），本系统当天无缴费记录：请在对账后核查（通知可能晚到，截止时将自动查询）",
				e.TransactionID, kaowu.Yuan(e.AmountFen), e.At.In(kaowu.Shanghai).Format("15:04:05"), orDash(rec.Who[order])))
		case p.AmountFen != e.AmountFen:
			rec.Differences = append(rec.Differences, fmt.Sprintf("交易 %s 金额不一致：支付平台 %s 元，本系统 %s 元", e.TransactionID, kaowu.Yuan(e.AmountFen), kaowu.Yuan(p.AmountFen)))
		}
	}
	for _, p := range rec.Payments {
		if !theirs[p.TransactionID] && p.PaidAt.In(kaowu.Shanghai).Format("2006-01-02") == day.String() {
			rec.Differences = append(rec.Differences, fmt.Sprintf("本系统有缴费 %s（%s 元，%s），支付平台当天无此交易", p.TransactionID, kaowu.Yuan(p.AmountFen), rec.Who[p.OrderID]))
		}
	}
	return rec, nil
}

// partyText is a party as the office reads it: 王芳 · 110106********0516 ·
// 368 护理学（中级） · 丰台考点.
func (a *App) partyText(ctx context.Context, p store.OrderParty) string {
	parts := []string{p.Name, kaowu.MaskID(string(p.IDNumber)), p.Specialty}
	if y, err := a.CurrentYear(ctx); err == nil {
		if sp, ok := y.Specialty(p.Specialty); ok {
			parts[2] = fmt.Sprintf("%s %s（%s）", sp.Code, sp.Name, sp.Level.Label())
		}
		if s, ok := y.Site(p.Site); ok {
			parts = append(parts, s.Name)
		}
	}
	return strings.Join(parts, " · ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// XLSX writes the reconciliation as a workbook sheet: totals, then every
// record, ours and the provider's, then the differences.
func (r Reconciliation) XLSX() ([]byte, error) {
	rows := [][]string{
		{"缴费对账", r.Day.String()},
		{"应缴（新订单）", kaowu.Yuan(r.OrderedFen), "本系统收款", kaowu.Yuan(r.PaidFen), "本系统退款", kaowu.Yuan(r.RefundedFen)},
		{"支付平台收款", kaowu.Yuan(r.ProviderPaidFen), "支付平台退款", kaowu.Yuan(r.ProviderRefundedFen)},
		{},
		{"类别", "时间", "订单号", "考生", "交易单号/退款单号", "金额（元）", "状态", "说明"},
	}
	t := func(at time.Time) string { return at.In(kaowu.Shanghai).Format("2006-01-02 15:04:05") }
	for _, o := range r.Orders {
		rows = append(rows, []string{"订单", t(o.CreatedAt), o.ID, r.Who[o.ID], "", kaowu.Yuan(o.AmountFen), fmt.Sprintf("%d科", len(o.Subjects)), ""})
	}
	for _, p := range r.Payments {
		rows = append(rows, []string{"本系统收款", t(p.RecordedAt), p.OrderID, r.Who[p.OrderID], p.TransactionID, kaowu.Yuan(p.AmountFen), p.Disposition.Label(), p.Note})
	}
	for _, f := range r.Refunds {
		rows = append(rows, []string{"本系统退款", t(f.RequestedAt), f.OrderID, r.Who[f.OrderID], f.OutRefundNo, kaowu.Yuan(f.AmountFen), orDash(f.Status), f.Reason})
	}
	for _, e := range r.Provider {
		kind := "支付平台收款"
		if e.Kind == payment.LedgerRefund {
			kind = "支付平台退款"
		}
		rows = append(rows, []string{kind, t(e.At), e.OutTradeNo, "", e.TransactionID + e.OutRefundNo, kaowu.Yuan(e.AmountFen), e.State, ""})
	}
	rows = append(rows, []string{})
	if len(r.Differences) == 0 {
		rows = append(rows, []string{"差异", "无"})
	}
	for _, d := range r.Differences {
		rows = append(rows, []string{"差异", d})
	}
	var b bytes.Buffer
	if err := tabular.Write("对账.xlsx", &b, rows); err != nil {
		return nil, fmt.Errorf("reconciliation xlsx: %w", err)
	}
	return b.Bytes(), nil
}

// ReceiptPDF returns the actor's fee receipt, once the order is paid.
func (a *App) ReceiptPDF(ctx context.Context, actor Actor) ([]byte, error) {
	v, err := a.MyOrder(ctx, actor)
	if err != nil {
		return nil, err
	}
	if v.Paid == nil {
		return nil, kaowu.Errorf(kaowu.ECONFLICT, "尚未缴费，没有缴费凭证")
	}
	snap, _, err := a.Snapshot(ctx, actor, v.Application.ID, v.Application.Version)
	if err != nil {
		return nil, err
	}
	y, err := a.Year(ctx, v.Application.Year)
	if err != nil {
		return nil, err
	}
	subjects := make([]string, len(v.Order.Subjects))
	for i, s := range v.Order.Subjects {
		subjects[i] = s.Label()
	}
	return pdf.Receipt(pdf.ReceiptData{Year: v.Order.Year, CandidateName: snap.Name, IDNumber: kaowu.MaskID(snap.IDNumber),
		SpecialtyCode: snap.Specialty.Code, SpecialtyName: snap.Specialty.Name, LevelLabel: snap.Specialty.Level.Label(),
		Site: snap.Site.Name, Subjects: subjects, PerSubjectFen: v.Order.PerSubjectFen, AmountFen: v.Paid.AmountFen,
		TransactionID: v.Paid.TransactionID, OrderID: v.Order.ID,
		PaidAt: v.Paid.PaidAt.In(kaowu.Shanghai).Format("2006年1月2日 15:04:05"), Clause: y.Fee.Clause})
}
