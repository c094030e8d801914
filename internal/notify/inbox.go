package notify

import (
	"context"

	"kaowu"
	"kaowu/internal/store"
)

// Inbox is the in-app inbox (站内待办): the reminders table, read on the
// user's pages with store's Inbox, UnreadReminders and MarkReminderRead.
// Every reminder goes there: Outbox.Enqueue writes the row in the business
// transaction itself, so the inbox needs no job. Inbox as a Channel is for
// writing a reminder outside a business transaction (a broadcast from the
// command line, say); delivering the same reminder twice stores it once.
type Inbox struct {
	Store *store.Store
}

// InboxChannel is the inbox's channel name.
const InboxChannel = "inbox"

// Name implements Channel.
func (Inbox) Name() string { return InboxChannel }

// Deliver implements Channel: it stores r (with its ID and CreatedAt set)
// unless it is stored already.
func (i Inbox) Deliver(ctx context.Context, r kaowu.Reminder) error {
	err := i.Store.Update(ctx, func(tx *store.Tx) error { return tx.InsertReminder(ctx, r) })
	if kaowu.ErrorCode(err) == kaowu.ECONFLICT {
		return nil
	}
	return err
}
