package app_test

import (
	"context"
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

func TestPaymentReminderTimes(t *testing.T) {
	at := func(m time.Month, d, h, min int) time.Time {
		return time.Date(2024, m, d, h, min, 0, 0, kaowu.Shanghai)
	}
	for _, c := range []struct {
		name          string
		w             kaowu.Window
		open, closing time.Time
	}{
		{"2024 (三)", kaowu.Window{Start: at(1, 29, 0, 0), End: at(2, 9, 0, 0)}, at(1, 29, 9, 0), at(2, 6, 9, 0)},
		{"opens in the afternoon", kaowu.Window{Start: at(1, 29, 14, 0), End: at(2, 9, 0, 0)}, at(1, 29, 14, 0), at(2, 6, 9, 0)},
		{"closes at 17:00", kaowu.Window{Start: at(1, 29, 0, 0), End: at(2, 8, 17, 0)}, at(1, 29, 9, 0), at(2, 6, 9, 0)},
		{"two days long", kaowu.Window{Start: at(1, 29, 0, 0), End: at(1, 31, 0, 0)}, at(1, 29, 9, 0), at(1, 29, 9, 0)},
	} {
		open, closing := app.PaymentReminderTimes(c.w)
		if !open.Equal(c.open) || !closing.Equal(c.closing) {
			t.Errorf("%s: %s, %s; want %s, %s", c.name, open, closing, c.open, c.closing)
		}
	}
}

// TestPaymentReminders: "payment opens" and "closes soon" reach an unpaid
// candidate once each, at their times, however many runs race; a paid
// candidate is not told to pay.
func TestPaymentReminders(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := newPayFixture(t, s, payment.SandboxOptions{})
		run := func(now time.Time) app.PaymentReminderReport {
			t.Helper()
			rep, err := p.a.RemindPayment(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		at := func(m time.Month, d, h, min int) time.Time {
			return time.Date(2024, m, d, h, min, 0, 0, kaowu.Shanghai)
		}
		for _, c := range []struct {
			now  time.Time
			want app.PaymentReminderReport
		}{
			{at(1, 29, 8, 59), app.PaymentReminderReport{}},
			{at(1, 29, 9, 0), app.PaymentReminderReport{Opened: 1}},
			{at(1, 29, 9, 1), app.PaymentReminderReport{}},
			{at(2, 6, 8, 59), app.PaymentReminderReport{}},
		} {
			if got := run(c.now); got != c.want {
				t.Errorf("at %s: %+v, want %+v", c.now, got, c.want)
			}
		}
		// Two days before the close, eight runs at once (several nodes):
		// one reminder.
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rep, err := p.a.RemindPayment(ctx, at(2, 6, 9, 0))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += rep.Closing
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != 1 {
			t.Errorf("closing reminders from 8 concurrent runs: %d, want 1", total)
		}
		if got := run(at(2, 9, 0, 0)); got != (app.PaymentReminderReport{}) {
			t.Errorf("after the window: %+v", got)
		}
		inbox, err := p.a.Inbox(ctx, p.me, 20)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]string{}
		for _, r := range inbox {
			found[r.Kind] = r.Title + " " + r.Body
		}
		for kind, want := range map[string][]string{
			app.KindPaymentOpen:    {"网上缴费已开始", "2024年1月29日至2024年2月8日 24:00", "4科×50.00元=200.00元", "（三）"},
			app.KindPaymentClosing: {"即将截止", "2024年2月8日 24:00截止", "200.00元", "视为放弃报名"},
		} {
			for _, w := range want {
				if !strings.Contains(found[kind], w) {
					t.Errorf("%s reminder %q lacks %q", kind, found[kind], w)
				}
			}
		}

		// A candidate who paid before the last days is not told to pay.
		q := newPayFixture(t, storetest.SQLite(t), payment.SandboxOptions{})
		q.apply = true
		q.pay(t)
		q.deliver(t)
		if st := q.state(t); st != kaowu.StatePaid {
			t.Fatalf("paid candidate: %s", st)
		}
		if rep, err := q.a.RemindPayment(ctx, at(2, 6, 9, 0)); err != nil || rep != (app.PaymentReminderReport{}) {
			t.Errorf("paid candidate reminded: %+v %v", rep, err)
		}
	})
}
