package app

import (
	"context"
	"fmt"

	"kaowu"
	"kaowu/internal/store"
)

// Enqueuer writes a reminder inside the caller's transaction: the inbox row
// and one delivery job per external channel (internal/jobs). The reminder
// exists if and only if the state change commits.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx *store.Tx, r kaowu.Reminder) (kaowu.Reminder, error)
}

// remind writes a to-do reminder (待办事项提醒, 二（一）) in tx: through the
// job queue's outbox when one is set (inbox + WeChat + email), else to the
// in-app inbox alone.
func (a *App) remind(ctx context.Context, tx *store.Tx, r kaowu.Reminder) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = a.Clock.Now()
	}
	if a.Reminders != nil {
		_, err := a.Reminders.Enqueue(ctx, tx, r)
		return err
	}
	if r.ID == "" {
		r.ID = store.NewID()
	}
	return tx.InsertReminder(ctx, r)
}

// Inbox returns the actor's reminders, newest first.
func (a *App) Inbox(ctx context.Context, actor Actor, limit int) ([]kaowu.Reminder, error) {
	acc, err := a.actorAccount(ctx, actor)
	if err != nil {
		return nil, err
	}
	return a.Store.Inbox(ctx, acc.ID, limit, false)
}

// MarkAllRead marks every reminder of the actor read.
func (a *App) MarkAllRead(ctx context.Context, actor Actor) error {
	acc, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.MarkAllRemindersRead(ctx, acc.ID, a.Clock.Now())
		return err
	})
}

// submittedReminder tells a candidate what to do after submitting.
func submittedReminder(userID string, snap FormSnapshot, version int, auto bool) kaowu.Reminder {
	if auto {
		return kaowu.Reminder{UserID: userID, Kind: "application.confirmed", Link: "/application",
			Title: "报名已自动确认",
			Body: fmt.Sprintf("您已完成报名确认（%s %s，第%d版），请等待考点、考区考试管理机构进行资格审核；审核通过后请在网上缴费时间内缴费。",
				snap.Specialty.Code, snap.Specialty.Name, version)}
	}
	when := "按考点安排"
	if day, ok := snap.Site.ConfirmationDay(snap.Unit.Category); ok {
		when = day.Chinese()
	}
	return kaowu.Reminder{UserID: userID, Kind: "application.submitted", Link: "/application",
		Title: "请打印申报表并交单位盖章",
		Body: fmt.Sprintf("您的报名信息（%s %s，第%d版）已提交。请打印申报表交所在单位审查盖章，由单位于%s到%s现场确认；未按时确认的网上报名无效。",
			snap.Specialty.Code, snap.Specialty.Name, version, when, snap.Site.Name)}
}
