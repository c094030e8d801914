package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
)

// InsertOrder stores an approved application's order; one per application.
func (tx *Tx) InsertOrder(ctx context.Context, o kaowu.Order) error {
	subjects := make([]string, len(o.Subjects))
	for i, s := range o.Subjects {
		subjects[i] = string(s)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO orders (id, application_id, candidate_id, year, subjects, per_subject_fen, amount_fen, due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, o.ID, o.ApplicationID, o.CandidateID, o.Year, strings.Join(subjects, ","),
		o.PerSubjectFen, o.AmountFen, utc(o.DueAt), utc(o.CreatedAt))
	if isUnique(err) {
		return kaowu.Errorf(kaowu.ECONFLICT, "该报名已有缴费订单")
	}
	if err != nil {
		return fmt.Errorf("insert order for %s: %w", o.ApplicationID, err)
	}
	return nil
}

const orderColumns = `id, application_id, candidate_id, year, subjects, per_subject_fen, amount_fen, due_at, created_at`

func scanOrder(row interface{ Scan(...any) error }) (kaowu.Order, error) {
	var o kaowu.Order
	var subjects string
	err := row.Scan(&o.ID, &o.ApplicationID, &o.CandidateID, &o.Year, &subjects, &o.PerSubjectFen, &o.AmountFen, &o.DueAt, &o.CreatedAt)
	for _, s := range strings.Split(subjects, ",") {
		if s != "" {
			o.Subjects = append(o.Subjects, kaowu.Subject(s))
		}
	}
	return o, err
}

// OrderOf returns the order of an application.
func (r reader) OrderOf(ctx context.Context, applicationID string) (kaowu.Order, error) {
	o, err := scanOrder(r.q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE application_id = $1`, applicationID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, kaowu.Errorf(kaowu.ENOTFOUND, "没有缴费订单：报名通过资格审核后才需缴费")
	}
	if err != nil {
		return o, fmt.Errorf("order of %s: %w", applicationID, err)
	}
	return o, nil
}

// Order returns an order by its id.
func (r reader) Order(ctx context.Context, id string) (kaowu.Order, error) {
	o, err := scanOrder(r.q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, kaowu.Errorf(kaowu.ENOTFOUND, "缴费订单不存在")
	}
	if err != nil {
		return o, fmt.Errorf("order %s: %w", id, err)
	}
	return o, nil
}

// InsertAttempt stores a transaction opened with the provider.
func (tx *Tx) InsertAttempt(ctx context.Context, a kaowu.PaymentAttempt) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO payment_attempts (out_trade_no, order_id, code_url, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, a.OutTradeNo, a.OrderID, a.CodeURL, utc(a.CreatedAt), utc(a.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert payment attempt %s: %w", a.OutTradeNo, err)
	}
	return nil
}

// Attempt returns a transaction opened with the provider, by its number.
func (r reader) Attempt(ctx context.Context, outTradeNo string) (kaowu.PaymentAttempt, error) {
	var a kaowu.PaymentAttempt
	err := r.q.QueryRowContext(ctx, `SELECT out_trade_no, order_id, code_url, created_at, expires_at FROM payment_attempts WHERE out_trade_no = $1`,
		outTradeNo).Scan(&a.OutTradeNo, &a.OrderID, &a.CodeURL, &a.CreatedAt, &a.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, kaowu.Errorf(kaowu.ENOTFOUND, "支付交易 %s 不存在", outTradeNo)
	}
	if err != nil {
		return a, fmt.Errorf("payment attempt %s: %w", outTradeNo, err)
	}
	return a, nil
}

// Attempts returns an order's transactions, oldest first.
func (r reader) Attempts(ctx context.Context, orderID string) ([]kaowu.PaymentAttempt, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT out_trade_no, order_id, code_url, created_at, expires_at FROM payment_attempts
		WHERE order_id = $1 ORDER BY created_at, out_trade_no`, orderID)
	if err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", orderID, err)
	}
	defer rows.Close()
	var out []kaowu.PaymentAttempt
	for rows.Next() {
		var a kaowu.PaymentAttempt
		if err := rows.Scan(&a.OutTradeNo, &a.OrderID, &a.CodeURL, &a.CreatedAt, &a.ExpiresAt); err != nil {
			return nil, fmt.Errorf("attempts of %s: %w", orderID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UnpaidAttempts returns the transactions of the year's orders whose
// application is still approved (not paid): those to ask the provider about
// before forfeiting anyone.
func (r reader) UnpaidAttempts(ctx context.Context, year int) ([]kaowu.PaymentAttempt, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT t.out_trade_no, t.order_id, t.code_url, t.created_at, t.expires_at
		FROM payment_attempts t JOIN orders o ON o.id = t.order_id JOIN applications a ON a.id = o.application_id
		WHERE o.year = $1 AND a.state IN ('approved', 'forfeited') ORDER BY t.out_trade_no`, year)
	if err != nil {
		return nil, fmt.Errorf("unpaid attempts %d: %w", year, err)
	}
	defer rows.Close()
	var out []kaowu.PaymentAttempt
	for rows.Next() {
		var a kaowu.PaymentAttempt
		if err := rows.Scan(&a.OutTradeNo, &a.OrderID, &a.CodeURL, &a.CreatedAt, &a.ExpiresAt); err != nil {
			return nil, fmt.Errorf("unpaid attempts %d: %w", year, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// InsertPayment records money received, once per provider transaction: it
// reports false, storing nothing, when the transaction is recorded already.
func (tx *Tx) InsertPayment(ctx context.Context, p kaowu.Payment) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO payments (id, transaction_id, out_trade_no, order_id, amount_fen, payer, paid_at, source, disposition, note, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (transaction_id) DO NOTHING`,
		p.ID, p.TransactionID, p.OutTradeNo, p.OrderID, p.AmountFen, p.Payer, utc(p.PaidAt), p.Source, string(p.Disposition), p.Note, utc(p.RecordedAt))
	if err != nil {
		return false, fmt.Errorf("insert payment %s: %w", p.TransactionID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const paymentColumns = `id, transaction_id, out_trade_no, order_id, amount_fen, payer, paid_at, source, disposition, note, recorded_at`

func scanPayments(rows *sql.Rows, err error) ([]kaowu.Payment, error) {
	if err != nil {
		return nil, fmt.Errorf("payments: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Payment
	for rows.Next() {
		var p kaowu.Payment
		var d string
		if err := rows.Scan(&p.ID, &p.TransactionID, &p.OutTradeNo, &p.OrderID, &p.AmountFen, &p.Payer, &p.PaidAt, &p.Source, &d, &p.Note, &p.RecordedAt); err != nil {
			return nil, fmt.Errorf("payments: %w", err)
		}
		p.Disposition = kaowu.PaymentDisposition(d)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PaymentsOf returns an order's payments, in the order recorded.
func (r reader) PaymentsOf(ctx context.Context, orderID string) ([]kaowu.Payment, error) {
	return scanPayments(r.q.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE order_id = $1 ORDER BY recorded_at, id`, orderID))
}

// Payment returns one payment.
func (r reader) Payment(ctx context.Context, id string) (kaowu.Payment, error) {
	ps, err := scanPayments(r.q.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id))
	if err != nil {
		return kaowu.Payment{}, err
	}
	if len(ps) == 0 {
		return kaowu.Payment{}, kaowu.Errorf(kaowu.ENOTFOUND, "缴费记录不存在")
	}
	return ps[0], nil
}

// PaymentsRecorded returns the payments recorded in [from, to).
func (r reader) PaymentsRecorded(ctx context.Context, from, to time.Time) ([]kaowu.Payment, error) {
	return scanPayments(r.q.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY recorded_at, id`, utc(from), utc(to)))
}

// InsertRefund records a refund requested from the provider.
func (tx *Tx) InsertRefund(ctx context.Context, f kaowu.Refund) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO refunds (out_refund_no, payment_id, order_id, amount_fen, reason, requested_by, requested_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.OutRefundNo, f.PaymentID, f.OrderID, f.AmountFen, f.Reason, f.RequestedBy, utc(f.RequestedAt))
	if err != nil {
		return fmt.Errorf("insert refund %s: %w", f.OutRefundNo, err)
	}
	return nil
}

// InsertRefundResult records a result the provider reported for a refund;
// the same status twice is recorded once.
func (tx *Tx) InsertRefundResult(ctx context.Context, outRefundNo, status, refundID string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO refund_results (out_refund_no, status, refund_id, recorded_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (out_refund_no, status) DO NOTHING`, outRefundNo, status, refundID, utc(at))
	if err != nil {
		return fmt.Errorf("insert refund result %s: %w", outRefundNo, err)
	}
	return nil
}

// RefundsOf returns the refunds of an order (every order when orderID is
// empty, and then only those requested in [from, to)), each with its latest
// result.
func (r reader) RefundsOf(ctx context.Context, orderID string, from, to time.Time) ([]kaowu.Refund, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT f.out_refund_no, f.payment_id, f.order_id, f.amount_fen, f.reason, f.requested_by, f.requested_at,
		COALESCE((SELECT x.status FROM refund_results x WHERE x.out_refund_no = f.out_refund_no ORDER BY x.recorded_at DESC, (x.status = 'PROCESSING') LIMIT 1), ''),
		COALESCE((SELECT x.refund_id FROM refund_results x WHERE x.out_refund_no = f.out_refund_no ORDER BY x.recorded_at DESC, (x.status = 'PROCESSING') LIMIT 1), '')
		FROM refunds f WHERE ($1 <> '' AND f.order_id = $1) OR ($1 = '' AND f.requested_at >= $2 AND f.requested_at < $3)
		ORDER BY f.requested_at, f.out_refund_no`, orderID, utc(from), utc(to))
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Refund
	for rows.Next() {
		var f kaowu.Refund
		if err := rows.Scan(&f.OutRefundNo, &f.PaymentID, &f.OrderID, &f.AmountFen, &f.Reason, &f.RequestedBy, &f.RequestedAt, &f.Status, &f.RefundID); err != nil {
			return nil, fmt.Errorf("refunds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RememberNonce records a notification's nonce; fresh is false when it was
// seen before (a replay). Every node shares the table.
func (s *Store) RememberNonce(ctx context.Context, nonce string, at time.Time) (fresh bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		res, err := tx.q.ExecContext(ctx, `INSERT INTO payment_nonces (nonce, seen_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`, nonce, utc(at))
		if err != nil {
			return fmt.Errorf("remember nonce: %w", err)
		}
		n, err := res.RowsAffected()
		fresh = n == 1
		return err
	})
	return fresh, err
}

// ApprovedUnpaid returns the ids of the year's applications still approved
// and not paid.
func (r reader) ApprovedUnpaid(ctx context.Context, year int) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id FROM applications WHERE year = $1 AND state = 'approved' ORDER BY id`, year)
	if err != nil {
		return nil, fmt.Errorf("approved unpaid %d: %w", year, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// OrdersCreated returns the orders created in [from, to).
func (r reader) OrdersCreated(ctx context.Context, from, to time.Time) ([]kaowu.Order, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id`, utc(from), utc(to))
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ForgetNonce forgets a nonce whose notification could not be applied, so
// that the provider's retry of it is not taken for a replay.
func (s *Store) ForgetNonce(ctx context.Context, nonce string) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.q.ExecContext(ctx, `DELETE FROM payment_nonces WHERE nonce = $1`, nonce)
		return err
	})
}

// Unreminded returns the year's orders whose application is still approved
// (unpaid), created before createdBefore (any when zero), and not yet
// marked reminded of kind (MarkReminded).
func (r reader) Unreminded(ctx context.Context, year int, kind string, createdBefore time.Time) ([]kaowu.Order, error) {
	if createdBefore.IsZero() {
		createdBefore = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rows, err := r.q.QueryContext(ctx, `SELECT o.`+strings.ReplaceAll(orderColumns, ", ", ", o.")+` FROM orders o JOIN applications a ON a.id = o.application_id
		WHERE a.year = $1 AND a.state = 'approved' AND o.created_at < $2
		AND NOT EXISTS (SELECT 1 FROM reminder_marks m WHERE m.application_id = o.application_id AND m.kind = $3)
		ORDER BY o.id`, year, utc(createdBefore), kind)
	if err != nil {
		return nil, fmt.Errorf("unreminded %s %d: %w", kind, year, err)
	}
	defer rows.Close()
	var out []kaowu.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("unreminded %s %d: %w", kind, year, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkReminded records that the application's reminder of kind was sent;
// it reports false when it was marked before (by another run or node), in
// which case the caller sends nothing.
func (t *Tx) MarkReminded(ctx context.Context, applicationID, kind string, at time.Time) (bool, error) {
	res, err := t.q.ExecContext(ctx, `INSERT INTO reminder_marks (application_id, kind, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT (application_id, kind) DO NOTHING`, applicationID, kind, utc(at))
	if err != nil {
		return false, fmt.Errorf("mark reminded %s %s: %w", applicationID, kind, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// OrderParty is who an order is for and where they sit: what the site
// office needs beside a payment to know whose money it is.
type OrderParty struct {
	Name      string
	IDNumber  kaowu.IDNumber
	Specialty string
	Site      string
}

// OrderParties returns the party of each order among ids, by order id.
func (r reader) OrderParties(ctx context.Context, ids []string) (map[string]OrderParty, error) {
	out := map[string]OrderParty{}
	err := r.eachIn(ctx, `SELECT o.id, u.name, COALESCE(u.id_number, ''), a.specialty, a.site FROM orders o
		JOIN applications a ON a.id = o.application_id JOIN users u ON u.id = o.candidate_id WHERE o.id IN %s`, ids, func(rows *sql.Rows) error {
		var id string
		var p OrderParty
		if err := rows.Scan(&id, &p.Name, &p.IDNumber, &p.Specialty, &p.Site); err != nil {
			return err
		}
		out[id] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("order parties: %w", err)
	}
	return out, nil
}

// AttemptOrders returns the order of each transaction number among nos
// that kaowu opened, by transaction number.
func (r reader) AttemptOrders(ctx context.Context, nos []string) (map[string]string, error) {
	out := map[string]string{}
	err := r.eachIn(ctx, `SELECT out_trade_no, order_id FROM payment_attempts WHERE out_trade_no IN %s`, nos, func(rows *sql.Rows) error {
		var no, order string
		if err := rows.Scan(&no, &order); err != nil {
			return err
		}
		out[no] = order
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attempt orders: %w", err)
	}
	return out, nil
}

// eachIn runs query, whose %s is replaced by a parenthesised list of
// parameters, over keys in chunks (batchRows), calling scan for every row.
// args, when given, are the query's own parameters ($1…), before the
// list's.
func (r reader) eachIn(ctx context.Context, query string, keys []string, scan func(*sql.Rows) error, args ...any) error {
	for len(keys) > 0 {
		n := min(len(keys), r.batchRows(1))
		all := append(make([]any, 0, len(args)+n), args...)
		marks := make([]string, n)
		for i, k := range keys[:n] {
			all = append(all, k)
			marks[i] = "$" + strconv.Itoa(len(args)+i+1)
		}
		keys = keys[n:]
		rows, err := r.q.QueryContext(ctx, fmt.Sprintf(query, "("+strings.Join(marks, ", ")+")"), all...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
