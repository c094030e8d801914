package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaowu"
)

// Delivery statuses of a reminder on one channel.
const (
	DeliverySent    = "sent"
	DeliverySkipped = "skipped"
	DeliveryFailed  = "failed"
)

// ReminderDelivery records that a reminder's delivery through one channel is
// done. (ReminderID, Channel) is unique: it is the idempotency key of the
// delivery job.
type ReminderDelivery struct {
	ReminderID  string
	Channel     string
	Status      string
	Detail      string
	Attempt     int
	DeliveredAt time.Time
}

// InsertReminder writes r to its user's inbox. r.ID and r.CreatedAt must be
// set; an id already stored is a conflict.
func (tx *Tx) InsertReminder(ctx context.Context, r kaowu.Reminder) error {
	if r.ID == "" || r.UserID == "" || r.CreatedAt.IsZero() {
		return fmt.Errorf("insert reminder: id, user and time are required")
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO reminders (id, user_id, kind, title, body, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, r.UserID, r.Kind, r.Title, r.Body, r.Link, utc(r.CreatedAt))
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: "该提醒已存在", Err: err}
	}
	if err != nil {
		return fmt.Errorf("insert reminder: %w", err)
	}
	return nil
}

const reminderColumns = `id, user_id, kind, title, body, link, created_at, read_at`

func scanReminder(row interface{ Scan(...any) error }) (kaowu.Reminder, error) {
	var r kaowu.Reminder
	var readAt sql.NullTime
	if err := row.Scan(&r.ID, &r.UserID, &r.Kind, &r.Title, &r.Body, &r.Link, &r.CreatedAt, &readAt); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if readAt.Valid {
		t := readAt.Time.UTC()
		r.ReadAt = &t
	}
	return r, nil
}

// Reminder returns the reminder with the given id.
func (r reader) Reminder(ctx context.Context, id string) (kaowu.Reminder, error) {
	rem, err := scanReminder(r.q.QueryRowContext(ctx, `SELECT `+reminderColumns+` FROM reminders WHERE id = $1`, id))
	if err != nil {
		return rem, fmt.Errorf("reminder %s: %w", id, notFound(err, "没有该提醒"))
	}
	return rem, nil
}

// Inbox returns a user's reminders newest first, at most limit of them
// (limit <= 0: 50), only the unread ones when unreadOnly.
func (r reader) Inbox(ctx context.Context, userID string, limit int, unreadOnly bool) ([]kaowu.Reminder, error) {
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT ` + reminderColumns + ` FROM reminders WHERE user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT $2`
	rows, err := r.q.QueryContext(ctx, q, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer rows.Close()
	var out []kaowu.Reminder
	for rows.Next() {
		rem, err := scanReminder(rows)
		if err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		out = append(out, rem)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return out, nil
}

// UnreadReminders counts a user's unread reminders (the badge on the inbox).
func (r reader) UnreadReminders(ctx context.Context, userID string) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminders WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread reminders: %w", err)
	}
	return n, nil
}

// MarkReminderRead marks one of userID's reminders read at now. A reminder
// of another user is ENOTFOUND; one already read stays read as it was.
func (tx *Tx) MarkReminderRead(ctx context.Context, userID, id string, now time.Time) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE reminders SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL`,
		id, userID, utc(now))
	if err != nil {
		return fmt.Errorf("mark reminder read: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark reminder read: %w", err)
	} else if n == 1 {
		return nil
	}
	var owner string
	err = tx.q.QueryRowContext(ctx, `SELECT user_id FROM reminders WHERE id = $1`, id).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != userID) {
		return &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "没有该提醒", Err: sql.ErrNoRows}
	}
	if err != nil {
		return fmt.Errorf("mark reminder read: %w", err)
	}
	return nil
}

// MarkAllRemindersRead marks every unread reminder of userID read at now and
// returns how many it marked.
func (tx *Tx) MarkAllRemindersRead(ctx context.Context, userID string, now time.Time) (int, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE reminders SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, utc(now))
	if err != nil {
		return 0, fmt.Errorf("mark reminders read: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// RecordDelivery records that the delivery of d.ReminderID through
// d.Channel is done. It reports false, changing nothing, when that delivery
// was already recorded: the caller must then not deliver again.
func (tx *Tx) RecordDelivery(ctx context.Context, d ReminderDelivery) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO reminder_deliveries (reminder_id, channel, status, detail, attempt, delivered_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reminder_id, channel) DO NOTHING`,
		d.ReminderID, d.Channel, d.Status, d.Detail, d.Attempt, utc(d.DeliveredAt))
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return n == 1, nil
}

// Delivery returns the recorded delivery of a reminder through a channel,
// with false when none is recorded.
func (r reader) Delivery(ctx context.Context, reminderID, channel string) (ReminderDelivery, bool, error) {
	d := ReminderDelivery{ReminderID: reminderID, Channel: channel}
	err := r.q.QueryRowContext(ctx, `SELECT status, detail, attempt, delivered_at FROM reminder_deliveries
		WHERE reminder_id = $1 AND channel = $2`, reminderID, channel).Scan(&d.Status, &d.Detail, &d.Attempt, &d.DeliveredAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("delivery: %w", err)
	}
	d.DeliveredAt = d.DeliveredAt.UTC()
	return d, true, nil
}

// Deliveries returns the recorded deliveries of a reminder, by channel.
func (r reader) Deliveries(ctx context.Context, reminderID string) ([]ReminderDelivery, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT channel, status, detail, attempt, delivered_at FROM reminder_deliveries
		WHERE reminder_id = $1 ORDER BY channel`, reminderID)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	var out []ReminderDelivery
	for rows.Next() {
		d := ReminderDelivery{ReminderID: reminderID}
		if err := rows.Scan(&d.Channel, &d.Status, &d.Detail, &d.Attempt, &d.DeliveredAt); err != nil {
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		d.DeliveredAt = d.DeliveredAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}
