package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/store"
)

// Score merges (成绩合并, 二（一）, last paragraph): a returning candidate
// whose ID type or number changed since last year brings their ID document
// and evidence to the site office, which links this year's account to last
// year's record. Without the link, last year's results are given up.

const mergeClause = kaowu.AutoConfirmationClause // 二（一）

// MergeEntry is one candidate of the site office's score-merge queue.
type MergeEntry struct {
	ApplicationID string
	CandidateID   string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber // prints masked
	UnitName      string
	State         kaowu.ApplicationState
	Version       int
	// ArchiveNo is the archive number the candidate gave (档案号).
	ArchiveNo string
	// IDChange is the explanation the candidate was shown.
	IDChange string
	// Previous is last year's record under ArchiveNo, when still there.
	Previous *kaowu.PreviousRecord
	// Merge is set once the scores were merged.
	Merge *store.ScoreMerge
}

// PassedText lists the subjects passed in the previous record.
func (e MergeEntry) PassedText() string {
	if e.Previous == nil {
		return ""
	}
	return subjectsText(e.Previous.PassedSubjects())
}

func subjectsText(ss []kaowu.Subject) string {
	if len(ss) == 0 {
		return "无"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Label()
	}
	return strings.Join(out, "、")
}

// siteOffice returns the actor's site staff account: only the site office
// merges scores.
func (a *App) siteOffice(ctx context.Context, actor Actor) (kaowu.Account, error) {
	if actor.Role != kaowu.RoleSiteStaff {
		return kaowu.Account{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以办理考试成绩的合并（%s）", mergeClause)
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return me, err
	}
	if me.Site == "" {
		return me, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有绑定考点，请联系系统管理员")
	}
	return me, nil
}

// MergeQueue returns the candidates of the actor's site whose current
// application found last year's record under another ID document, merged
// or not yet, oldest submission first (site staff only).
func (a *App) MergeQueue(ctx context.Context, actor Actor) ([]MergeEntry, error) {
	me, err := a.siteOffice(ctx, actor)
	if err != nil {
		return nil, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	list, err := a.Store.MergeQueue(ctx, y.Year, me.Site)
	if err != nil {
		return nil, err
	}
	out := make([]MergeEntry, 0, len(list))
	for _, c := range list {
		var snap FormSnapshot
		if err := json.Unmarshal(c.Snapshot, &snap); err != nil {
			return nil, fmt.Errorf("merge queue: snapshot of %s: %w", c.ApplicationID, err)
		}
		if snap.IDChange == "" {
			continue // "id_change" appeared in some other text of the snapshot
		}
		e := MergeEntry{ApplicationID: c.ApplicationID, CandidateID: c.CandidateID, Name: c.Name, IDType: c.IDType, IDNumber: c.IDNumber,
			UnitName: snap.Unit.Name, State: c.State, Version: c.Version, ArchiveNo: snap.Decl.ArchiveNo, IDChange: snap.IDChange, Merge: c.Merge}
		if rec, err := a.Store.PreviousRecordByArchive(ctx, y.Year-1, snap.Decl.ArchiveNo); err == nil {
			e.Previous = &rec
		} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// MergeResult is a merge done, with what it does to the application: the
// eligibility decision with last year's record, whose passes carry over.
type MergeResult struct {
	Merge    store.ScoreMerge
	Record   kaowu.PreviousRecord
	Decision eligibility.Decision
}

// MergeScores links the account of an application of the actor's site to
// last year's record under the archive number the candidate gave, after
// the site office has checked the candidate's ID document and evidence in
// person (verified, note saying what was checked). The record must be the
// same person's (name and birth date) under another ID document
// (kaowu.IDChanged). One merge per account and year, and one account per
// record. Audited, and the candidate is reminded with the subjects that
// now carry over (七).
func (a *App) MergeScores(ctx context.Context, actor Actor, applicationID, note string, verified bool) (MergeResult, error) {
	me, err := a.siteOffice(ctx, actor)
	if err != nil {
		return MergeResult{}, err
	}
	app, err := a.Store.Application(ctx, applicationID)
	if err != nil {
		return MergeResult{}, notYours(err)
	}
	if app.Site != me.Site || app.Version == 0 {
		return MergeResult{}, errNotYours()
	}
	v, err := a.Store.Version(ctx, app.ID, app.Version)
	if err != nil {
		return MergeResult{}, err
	}
	var snap FormSnapshot
	if err := json.Unmarshal(v.Snapshot, &snap); err != nil {
		return MergeResult{}, fmt.Errorf("merge scores: snapshot of %s: %w", app.ID, err)
	}
	if snap.IDChange == "" {
		return MergeResult{}, kaowu.Errorf(kaowu.ECONFLICT, "该考生最终提交的报名信息没有证件变更提示（未填写上一年度档案号，或证件与上一年度一致），不需要也不能合并成绩（%s）", mergeClause)
	}
	f := fieldErrors{}
	if !verified {
		f.add("verified", fmt.Sprintf("请先当面核验考生本人有效身份证件及相关证明材料，再勾选确认（%s）", mergeClause))
	}
	note = f.text("note", "核验说明", note, 4, 200)
	if err := f.err(); err != nil {
		return MergeResult{}, err
	}
	y, err := a.Year(ctx, app.Year)
	if err != nil {
		return MergeResult{}, err
	}
	prevYear := app.Year - 1
	rec, err := a.Store.PreviousRecordByArchive(ctx, prevYear, snap.Decl.ArchiveNo)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return MergeResult{}, kaowu.Errorf(kaowu.ECONFLICT, "没有%d年度档案号为 %s 的记录（上一年度记录可能已重新导入），不能合并", prevYear, snap.Decl.ArchiveNo)
	} else if err != nil {
		return MergeResult{}, err
	}
	c, err := a.loadCandidate(ctx, app.CandidateID)
	if err != nil {
		return MergeResult{}, err
	}
	acc := c.acc
	if changed, _ := kaowu.IDChanged(rec, kaowu.ReturningSnapshot{Year: app.Year, Name: acc.Name, IDType: acc.IDType, IDNumber: acc.IDNumber,
		ArchiveNo: snap.Decl.ArchiveNo}); !changed {
		return MergeResult{}, kaowu.Errorf(kaowu.ECONFLICT, "%d年度档案号 %s 的记录与该考生不符（姓名、出生日期须一致，证件类型或号码不同），不能合并", prevYear, rec.ArchiveNo)
	}
	// The decision once merged: last year's passes carry over (七).
	facts, _, err := a.facts(ctx, y, app, c)
	if err != nil {
		return MergeResult{}, err
	}
	py, spec, passed, absent, misconduct := rec.CarryOver()
	facts.PreviousExam = &eligibility.PreviousExam{Year: py, Specialty: spec, Passed: passed, Absent: absent, Misconduct: misconduct}
	d := eligibility.Evaluate(facts, y, false)

	m := store.ScoreMerge{UserID: acc.ID, PreviousYear: prevYear, ArchiveNo: rec.ArchiveNo, Operator: actor.Username, EvidenceNote: note}
	body := fmt.Sprintf("考点已核验您的身份证件及相关证明材料，将您%d年度（档案号 %s）的考试成绩合并到本账号（%s）。%d年度通过的科目：%s。",
		prevYear, rec.ArchiveNo, mergeClause, prevYear, subjectsText(passed))
	switch {
	case len(d.CarriedOver) > 0:
		body += fmt.Sprintf("按两年滚动管理保留的科目：%s；本年度须参加的科目：%s（七）。", subjectsText(d.CarriedOver), subjectsText(d.Subjects))
	case len(passed) > 0:
		body += "这些科目不能计入本年度报考的专业（不同专业的合格成绩不得合并计算，七）。"
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		m.CreatedAt = a.Clock.Now()
		if err := tx.CreateScoreMerge(ctx, &m); err != nil {
			return err
		}
		if err := a.remind(ctx, tx, kaowu.Reminder{UserID: acc.ID, Kind: "score.merged", Link: "/application",
			Title: fmt.Sprintf("%d年度考试成绩已合并", prevYear), Body: body}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "score.merge", acc.ID, fmt.Sprintf("合并%d年度成绩：档案号 %s（原证件 %s %s）→ 本年度账号（%s %s），报名 %s；通过科目 %s；核验：%s",
			prevYear, rec.ArchiveNo, rec.IDType.Label(), kaowu.MaskID(string(rec.IDNumber)), acc.IDType.Label(), kaowu.MaskID(string(acc.IDNumber)),
			app.ID, subjectsText(passed), note))
	})
	if err != nil {
		return MergeResult{}, fmt.Errorf("merge scores: %w", err)
	}
	return MergeResult{Merge: m, Record: rec, Decision: d}, nil
}
