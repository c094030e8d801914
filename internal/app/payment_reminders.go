package app

import (
	"context"
	"fmt"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
)

// The kinds of the payment window's scheduled reminders (三).
const (
	KindPaymentOpen    = "payment.open"
	KindPaymentClosing = "payment.closing"
)

// PaymentReminderTimes returns when the payment window w's scheduled
// reminders go out, Beijing time: "payment opens" at 09:00 on its first
// day (or at its start, when that is later), and "payment closes soon" at
// 09:00 two days before its last day — for 2024, 2024-01-29 09:00 and
// 2024-02-06 09:00, which leaves three calendar days (6, 7 and 8
// February) to pay before the close at 2024-02-08 24:00. Reminders are
// sent in the daytime, not at the midnight the window opens.
func PaymentReminderTimes(w kaowu.Window) (open, closing time.Time) {
	at9 := func(d kaowu.Date) time.Time { return d.In(kaowu.Shanghai).Add(9 * time.Hour) }
	open = at9(kaowu.DateOf(w.Start.In(kaowu.Shanghai)))
	if w.Start.After(open) {
		open = w.Start
	}
	last := w.End.Add(-time.Nanosecond).In(kaowu.Shanghai)
	closing = at9(kaowu.DateOf(last.AddDate(0, 0, -2)))
	if closing.Before(open) {
		closing = open
	}
	return open, closing
}

// PaymentReminderReport says what one run of RemindPayment sent.
type PaymentReminderReport struct {
	Opened  int // "payment opens" reminders sent
	Closing int // "payment closes soon" reminders sent
}

// RemindPayment sends the payment window's scheduled to-do reminders
// (三, 二（一） 待办事项提醒): once the window opens, to every candidate
// approved before it opened (those approved later were told in their
// approval reminder); two days before it closes, to every candidate still
// unpaid. Each reminder is sent once per application, however often and on
// however many nodes this runs (a mark written in the reminder's own
// transaction); serve runs it every minute.
func (a *App) RemindPayment(ctx context.Context, now time.Time) (PaymentReminderReport, error) {
	var rep PaymentReminderReport
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
		if !ok || !now.Before(w.End) {
			continue
		}
		openAt, closingAt := PaymentReminderTimes(w)
		if now.Before(openAt) {
			continue
		}
		sent, err := a.remindOrders(ctx, y, w, KindPaymentOpen, w.Start, now)
		rep.Opened += sent
		if err != nil {
			return rep, err
		}
		if now.Before(closingAt) {
			continue
		}
		sent, err = a.remindOrders(ctx, y, w, KindPaymentClosing, time.Time{}, now)
		rep.Closing += sent
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// remindOrders sends the reminder kind to the holder of every unpaid order
// of y created before createdBefore (any when zero) not reminded yet.
func (a *App) remindOrders(ctx context.Context, y *policy.Year, w kaowu.Window, kind string, createdBefore, now time.Time) (int, error) {
	orders, err := a.Store.Unreminded(ctx, y.Year, kind, createdBefore)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, o := range orders {
		did := false
		err := a.Store.Update(ctx, func(tx *store.Tx) error {
			app, err := tx.Application(ctx, o.ApplicationID)
			if err != nil {
				return err
			}
			if app.State != kaowu.StateApproved { // paid meanwhile
				return nil
			}
			first, err := tx.MarkReminded(ctx, o.ApplicationID, kind, now)
			if err != nil || !first {
				return err
			}
			sp, _ := y.Specialty(app.Specialty)
			fee := fmt.Sprintf("%d科×%s元=%s元", len(o.Subjects), yuan(o.PerSubjectFen), yuan(o.AmountFen))
			r := kaowu.Reminder{UserID: o.CandidateID, Kind: kind, Link: "/application/payment", CreatedAt: now}
			switch kind {
			case KindPaymentOpen:
				r.Title = "网上缴费已开始，请按时缴费"
				r.Body = fmt.Sprintf("网上缴费时间为%s至%s。您的报名（%s %s）应缴考试费%s，请登录后在“网上缴费”页面缴纳；逾期未缴费的视为放弃报名（%s）。",
					kaowu.DateOf(w.Start.In(kaowu.Shanghai)).Chinese(), endText(w.End), app.Specialty, sp.Name, fee, y.Fee.Clause)
			default:
				r.Title = "网上缴费即将截止，您尚未缴费"
				r.Body = fmt.Sprintf("网上缴费将于%s截止，您的报名（%s %s）尚未缴纳考试费%s。请尽快登录缴费；逾期未缴费的视为放弃报名（%s）。",
					endText(w.End), app.Specialty, sp.Name, fee, y.Fee.Clause)
			}
			did = true
			return a.remind(ctx, tx, r)
		})
		if err != nil {
			return sent, fmt.Errorf("remind %s %s: %w", kind, o.ApplicationID, err)
		}
		if did {
			sent++
		}
	}
	return sent, nil
}
