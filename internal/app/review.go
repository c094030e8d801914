package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
)

// MaxReviewBatch is the most applications one bulk decision may cover.
const MaxReviewBatch = 500

// reviewer refuses every actor but region staff and administrators.
func reviewer(actor Actor) error {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以进行资格审核")
	}
	return nil
}

// ReviewFilter selects the confirmed applications of the region's review;
// empty fields do not filter.
type ReviewFilter struct {
	Site          string
	Specialty     string
	UnitID        string
	Outcome       string // "review": those the engine could not decide
	AutoConfirmed bool   // only those confirmed automatically (二（一）)
	Cursor        string // a page's Next or Prev
	Limit         int
}

// ReviewList returns one page of the current year's confirmed applications
// for the region's review (资格审核), filtered by f, oldest submission
// first, military applications excepted (their division-level unit
// reviews them, 二（三）1), and the year. It is the applications list
// (store.Applications) with the review's filter.
func (a *App) ReviewList(ctx context.Context, actor Actor, f ReviewFilter) (store.ListPage[store.ApplicationRow], *policy.Year, error) {
	if err := reviewer(actor); err != nil {
		return store.ListPage[store.ApplicationRow]{}, nil, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return store.ListPage[store.ApplicationRow]{}, nil, err
	}
	q := store.ListQuery{Year: y.Year, Sort: "submitted", Cursor: f.Cursor, Limit: f.Limit, Filter: store.ListFilter{
		State: string(kaowu.StateConfirmed), Site: f.Site, Specialty: f.Specialty, UnitID: f.UnitID, Outcome: f.Outcome,
		AutoConfirmed: f.AutoConfirmed, NoMilitary: true}}
	p, err := store.Applications.Page(ctx, a.Store, q)
	return p, y, err
}

// ReviewInput is one decision on one or more applications: approve, or
// reject with a reason and the clause of the notice it applies.
type ReviewInput struct {
	IDs     []string
	Approve bool
	Reason  string
	Clause  string
}

// ReviewResult says what became of one application of a decision.
type ReviewResult struct {
	ApplicationID string
	Name          string
	Done          bool
	Message       string
}

// Review applies one decision to every application of in.IDs, in one
// transaction: each confirmed application moves to approved or rejected
// by the state's compare-and-swap, with its decision, its audit row and a
// reminder to the candidate (approved: the fee to pay in the payment
// window, 三; rejected: the reason and the clause). An application that is
// no longer confirmed (another reviewer decided it meanwhile), a military
// one (二（三）1: reviewed by its division-level unit) or one of another
// year is left as it is and reported. Region staff and administrators only.
func (a *App) Review(ctx context.Context, actor Actor, in ReviewInput) ([]ReviewResult, error) {
	if err := reviewer(actor); err != nil {
		return nil, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	f := fieldErrors{}
	ids := dedupe(in.IDs)
	switch {
	case len(ids) == 0:
		f.add("ids", "请至少选择一条报名记录")
	case len(ids) > MaxReviewBatch:
		f.add("ids", fmt.Sprintf("一次最多审核 %d 条，请分批处理", MaxReviewBatch))
	}
	in.Reason, in.Clause = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Clause)
	if !in.Approve && in.Reason == "" {
		f.add("reason", "审核不通过须填写原因，告知考生哪项条件不符合")
	}
	if n := utf8.RuneCountInString(in.Reason); n > 300 {
		f.add("reason", "原因不能超过 300 字")
	}
	var clause policy.Clause
	switch {
	case in.Clause != "":
		var ok bool
		if clause, ok = y.Clause(in.Clause); !ok {
			f.add("clause", fmt.Sprintf("条款“%s”不在%d年度通知中，请按通知原文填写，如 一（四）、二（二）2", in.Clause, y.Year))
		}
	case !in.Approve:
		f.add("clause", "审核不通过须注明所依据的通知条款，如 一（四）")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	pay, _ := y.Window(kaowu.WindowPayment)
	out := make([]ReviewResult, 0, len(ids))
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		out = out[:0]
		now := a.Clock.Now()
		for _, id := range ids {
			r, err := a.reviewOne(ctx, tx, actor, y, pay, clause, in, id, now)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return out, nil
}

func (a *App) reviewOne(ctx context.Context, tx *store.Tx, actor Actor, y *policy.Year, pay kaowu.Window, clause policy.Clause,
	in ReviewInput, id string, now time.Time) (ReviewResult, error) {
	res := ReviewResult{ApplicationID: id}
	app, err := tx.Application(ctx, id)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		res.Message = "报名记录不存在"
		return res, nil
	} else if err != nil {
		return res, err
	}
	acc, err := tx.Account(ctx, app.CandidateID)
	if err != nil {
		return res, err
	}
	res.Name = acc.Name
	military, err := tx.IsMilitaryApplication(ctx, id)
	if err != nil {
		return res, err
	}
	switch {
	case app.Year != y.Year:
		res.Message = fmt.Sprintf("不是%d年度的报名", y.Year)
		return res, nil
	case military:
		res.Message = "军队考生由师级以上单位审核报考资格（二（三）1），不在考区审核范围"
		return res, nil
	case app.State != kaowu.StateConfirmed:
		res.Message = "当前状态为“" + app.State.Label() + "”，不能审核（可能已由其他审核人员处理）"
		return res, nil
	}
	sp, _ := y.Specialty(app.Specialty)
	d := store.ReviewDecision{ApplicationID: id, Reason: in.Reason, Clause: in.Clause, DecidedBy: actor.Username, DecidedAt: now}
	var reminder kaowu.Reminder
	var detail string
	if in.Approve {
		d.Decision = kaowu.StateApproved
		if d.Subjects, err = subjectsOf(ctx, tx, app); err != nil {
			return res, err
		}
		d.FeeFen = int64(len(d.Subjects)) * y.Fee.PerSubjectFen
		labels := make([]string, len(d.Subjects))
		for i, s := range d.Subjects {
			labels[i] = s.Label()
		}
		reminder = kaowu.Reminder{UserID: app.CandidateID, Kind: "application.approved", Link: "/application",
			Title: "资格审核已通过，请按时网上缴费",
			Body: fmt.Sprintf("您的报名（%s %s）已通过考区资格审核。请在网上缴费时间%s至%s内缴纳考试费：%s，共%d科×%s元=%s元（%s）；逾期未缴费的视为放弃报名。",
				app.Specialty, sp.Name, kaowu.DateOf(pay.Start.In(kaowu.Shanghai)).Chinese(), endText(pay.End),
				strings.Join(labels, "、"), len(d.Subjects), yuan(y.Fee.PerSubjectFen), yuan(d.FeeFen), y.Fee.Clause)}
		detail = fmt.Sprintf("资格审核通过：%d科，应缴%s元", len(d.Subjects), yuan(d.FeeFen))
	} else {
		d.Decision = kaowu.StateRejected
		reminder = kaowu.Reminder{UserID: app.CandidateID, Kind: "application.rejected", Link: "/application",
			Title: "资格审核未通过",
			Body: fmt.Sprintf("您的报名（%s %s）未通过考区资格审核：%s（%s %s）。如有疑问，请联系所在考点考试管理机构。",
				app.Specialty, sp.Name, in.Reason, clause.ID, clause.Title)}
		detail = fmt.Sprintf("资格审核不通过：%s（%s）", in.Reason, in.Clause)
	}
	if err := tx.SetApplicationState(ctx, id, kaowu.StateConfirmed, d.Decision, now); err != nil {
		if kaowu.ErrorCode(err) == kaowu.ECONFLICT {
			res.Message = "已由其他审核人员处理，请刷新后查看"
			return res, nil
		}
		return res, err
	}
	if err := tx.InsertReviewDecision(ctx, d); err != nil {
		return res, err
	}
	if in.Approve {
		// 三: the order to pay, one line per subject.
		if err := tx.InsertOrder(ctx, newOrder(y, app, d.Subjects, d.FeeFen, now)); err != nil {
			return res, err
		}
	}
	if err := a.remind(ctx, tx, reminder); err != nil {
		return res, err
	}
	if err := a.audit(ctx, tx, actor, "application."+map[bool]string{true: "approve", false: "reject"}[in.Approve], id, kaowu.MaskIDsIn(detail)); err != nil {
		return res, err
	}
	res.Done = true
	res.Message = d.Decision.Label()
	return res, nil
}

// subjectsOf returns the subjects an application sits: those of the
// eligibility decision of its last submitted version (passes of last year
// carried over are not paid again, 七), else all four.
func subjectsOf(ctx context.Context, tx *store.Tx, app kaowu.Application) ([]kaowu.Subject, error) {
	if app.Version > 0 {
		v, err := tx.Version(ctx, app.ID, app.Version)
		if err != nil {
			return nil, err
		}
		var snap FormSnapshot
		if err := json.Unmarshal(v.Snapshot, &snap); err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", app.ID, err)
		}
		if len(snap.Decision.Subjects) > 0 {
			return snap.Decision.Subjects, nil
		}
	}
	return kaowu.Subjects, nil
}

// yuan formats fen as yuan with two decimals.
func yuan(fen int64) string { return kaowu.Yuan(fen) }

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
