package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"kaowu/internal/store"
)

// Personal data retention (个人信息保存期限, 《个人信息保护法》第十九条): once
// an exam year's retention period has ended (policy.Retention), the purge
// deletes the personal data the exam's business no longer needs and keeps
// the records the law requires. See docs/operations.md.
//
// Deleted: photos (the account's, the copies in the application versions,
// the stored ticket PDFs), the scanned evidence of decided change requests,
// and contact details (the mobile number on the account and in the
// application versions' snapshots, the WeChat binding). Kept: the account
// and its identity (name, ID document: results are looked up by them), the
// password and recovery question (the person may still log in to see their
// results), the profile, applications and versions, decisions, orders,
// payments and refunds (accounting), tickets, seats, scores, results and
// certificates, score merges and transfers, reminders, and the audit log.
//
// An account's own data (photo, mobile, WeChat) goes only when every exam
// year it applied in is released and nothing of it was written after the
// latest released year closed: a person who applies again, or uploads a
// new photo, is kept.

// PhotoPurgedNote is what a page or PDF shows in place of a photo that the
// retention purge deleted.
const PhotoPurgedNote = "照片已按保存期限删除"

// PurgeInterval is how often the scheduled purge scans again once it has
// found nothing to do for the same released years (PurgePersonalDataDue);
// a newly released year is purged at the next run.
const PurgeInterval = time.Hour

// PurgeReport says what a purge run deleted.
type PurgeReport struct {
	// Years are the exam years whose retention had ended.
	Years        []int
	Accounts     store.AccountPurge
	Applications store.ApplicationPurge
	Evidence     int // change requests whose evidence was deleted
	TicketFiles  int // stored ticket PDFs deleted
	TicketBuilds int // ticket builds whose files were deleted
}

// Empty reports whether the run deleted nothing.
func (r PurgeReport) Empty() bool {
	return r.Accounts == (store.AccountPurge{}) && r.Applications == (store.ApplicationPurge{}) && r.Evidence == 0 &&
		r.TicketFiles == 0 && r.TicketBuilds == 0
}

// String says in Chinese what the run deleted and what it kept.
func (r PurgeReport) String() string {
	ys := make([]string, len(r.Years))
	for i, y := range r.Years {
		ys[i] = fmt.Sprint(y)
	}
	c, p := r.Accounts, r.Applications
	return fmt.Sprintf("按个人信息保存期限（《个人信息保护法》第十九条）删除%s年度的个人信息："+
		"账号 %d 个（照片 %d 张、手机号码 %d 个、微信绑定 %d 个），报名 %d 份（报名照片 %d 张、申报表中的手机号码 %d 处），"+
		"变更申请证明材料 %d 份，准考证文件 %d 个（%d 批）。姓名、证件号码、报名记录、成绩、证书、缴费记录和操作日志保留。",
		strings.Join(ys, "、"), c.Accounts, c.Photos, c.Mobiles, c.WeChat, p.Applications, p.Photos, p.Snapshots,
		r.Evidence, r.TicketFiles, r.TicketBuilds)
}

// retentionScope returns the stored exam years whose retention has ended
// at now, and the instant the latest of them closed.
func (a *App) retentionScope(ctx context.Context, now time.Time) (store.PurgeScope, error) {
	var sc store.PurgeScope
	years, err := a.Years(ctx)
	if err != nil {
		return sc, err
	}
	for _, y := range years {
		py, err := a.Year(ctx, y)
		if err != nil {
			return sc, err
		}
		ends, ok := py.RetentionEnds()
		if !ok || now.Before(ends) {
			continue
		}
		sc.Years = append(sc.Years, y)
		// The year's end: the start of the day after it closes.
		if closed := py.Retention.YearCloses.In(ends.Location()).AddDate(0, 0, 1); closed.After(sc.Cutoff) {
			sc.Cutoff = closed
		}
	}
	sort.Ints(sc.Years)
	return sc, nil
}

// PurgePersonalData deletes the personal data of every exam year whose
// retention has ended at now (see the package comment above for what goes
// and what stays), in batches of one transaction each, and appends one
// audit row with the counts when it deleted anything. It sends no
// reminders. Running it again deletes nothing more; two runs at once
// (two nodes) delete and count each row once.
func (a *App) PurgePersonalData(ctx context.Context, now time.Time) (PurgeReport, error) {
	sc, err := a.retentionScope(ctx, now)
	if err != nil || len(sc.Years) == 0 {
		return PurgeReport{}, err
	}
	rep := PurgeReport{Years: sc.Years}
	batches := func(what string, fn func(tx *store.Tx, after string) (string, error)) error {
		for after := ""; ; {
			err := a.Store.Update(ctx, func(tx *store.Tx) (err error) {
				after, err = fn(tx, after)
				return err
			})
			if err != nil {
				return fmt.Errorf("purge personal data: %s: %w", what, err)
			}
			if after == "" {
				return nil
			}
		}
	}
	err = batches("accounts", func(tx *store.Tx, after string) (string, error) {
		c, last, err := tx.PurgeAccounts(ctx, sc, after, now)
		r := &rep.Accounts
		r.Accounts, r.Photos, r.Mobiles, r.WeChat = r.Accounts+c.Accounts, r.Photos+c.Photos, r.Mobiles+c.Mobiles, r.WeChat+c.WeChat
		return last, err
	})
	if err != nil {
		return rep, err
	}
	err = batches("applications", func(tx *store.Tx, after string) (string, error) {
		c, last, err := tx.PurgeApplications(ctx, sc.Years, after, now, scrubSnapshot)
		r := &rep.Applications
		r.Applications, r.Photos, r.Snapshots = r.Applications+c.Applications, r.Photos+c.Photos, r.Snapshots+c.Snapshots
		return last, err
	})
	if err != nil {
		return rep, err
	}
	err = batches("change request evidence", func(tx *store.Tx, after string) (string, error) {
		n, last, err := tx.PurgeChangeEvidence(ctx, sc.Cutoff, after, now)
		rep.Evidence += n
		return last, err
	})
	if err != nil {
		return rep, err
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) (err error) {
		rep.TicketFiles, rep.TicketBuilds, err = tx.PurgeTicketBuilds(ctx, sc.Years, now)
		if err != nil || rep.Empty() {
			return err
		}
		// The run's audit row, with the last batch of work.
		return a.audit(ctx, tx, System, "retention.purge", "retention", rep.String())
	})
	if err != nil {
		return rep, fmt.Errorf("purge personal data: %w", err)
	}
	if !rep.Empty() {
		a.Log.Info("personal data purged", "years", rep.Years, "accounts", rep.Accounts.Accounts, "applications", rep.Applications.Applications,
			"evidence", rep.Evidence, "ticket_files", rep.TicketFiles)
	}
	return rep, nil
}

// PurgePersonalDataDue is the scheduled purge (serve's tasks, every
// minute): nothing when no year's retention has ended; otherwise
// PurgePersonalData, unless this process ran it within PurgeInterval for
// the same years and it found nothing.
func (a *App) PurgePersonalDataDue(ctx context.Context, now time.Time) (PurgeReport, error) {
	sc, err := a.retentionScope(ctx, now)
	if err != nil || len(sc.Years) == 0 {
		return PurgeReport{}, err
	}
	key := fmt.Sprint(sc.Years)
	a.mu.Lock()
	last, same := a.purged.at, a.purged.years == key
	a.mu.Unlock()
	if same && !last.IsZero() && now.Sub(last) < PurgeInterval && now.After(last) {
		return PurgeReport{}, nil
	}
	rep, err := a.PurgePersonalData(ctx, now)
	if err == nil && rep.Empty() {
		a.mu.Lock()
		a.purged.at, a.purged.years = now, key
		a.mu.Unlock()
	}
	return rep, err
}

// purgeMark is the last purge this process ran that found nothing.
type purgeMark struct {
	at    time.Time
	years string
}

// scrubSnapshot blanks the contact details (the mobile number) of an
// application version's form snapshot (FormSnapshot), leaving the rest as
// it is; nil when there are none.
func scrubSnapshot(b []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	v, ok := m["mobile"]
	if !ok || string(v) == `""` {
		return nil, nil
	}
	m["mobile"] = json.RawMessage(`""`)
	return json.Marshal(m)
}
