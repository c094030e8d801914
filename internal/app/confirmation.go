package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/store"
	"kaowu/policy"
)

// On-site confirmation (现场确认, 二（二）): the site office checks each
// candidate's stamped form and materials at the desk and confirms the
// application, or returns it for correction; at the end of the
// confirmation window every application not confirmed is void.

// ReturnReason is one reason the desk may give for returning an
// application for correction.
type ReturnReason struct {
	Key, Text, Clause string
}

// ReturnReasons is the desk's list of reasons, in the order shown.
var ReturnReasons = []ReturnReason{
	{"unstamped", "申报表未盖章", "二（二）2"},
	{"materials", "材料不全", "二（二）"},
	{"mismatch", "信息与申报表不一致", "二（一）4(6)"},
	{"education", "学历证明不符", "二（二）4"},
	{"licence", "执业证书不符", "二（二）6"},
	{"other", "其他", "二（二）"},
}

func returnReason(key string) (ReturnReason, bool) {
	for _, r := range ReturnReasons {
		if r.Key == key {
			return r, true
		}
	}
	return ReturnReason{}, false
}

const confirmationClause = "二（二）"

// deskReader is what the desk reads, on the store or inside a transaction.
type deskReader interface {
	DeskApplication(ctx context.Context, id string) (store.DeskRow, error)
	ConfirmationExceptions(ctx context.Context, site, unitID string) ([]store.ConfirmationException, error)
}

// deskAccount returns the actor's account if it may work at a
// confirmation desk: site staff (of their own site) and admin.
func (a *App) deskAccount(ctx context.Context, actor Actor) (kaowu.Account, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return kaowu.Account{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以办理现场确认（二（二））")
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return me, err
	}
	if me.Role == kaowu.RoleSiteStaff && me.Site == "" {
		return me, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有所属考点，不能办理现场确认")
	}
	return me, nil
}

// DeskSite returns the site whose desk the actor works: site staff their
// own, admin the one asked for (the first site with a confirmation
// arrangement when none is asked), with the current year.
func (a *App) DeskSite(ctx context.Context, actor Actor, asked string) (policy.Site, *policy.Year, error) {
	if _, err := a.deskAccount(ctx, actor); err != nil {
		return policy.Site{}, nil, err
	}
	return a.OfficeSite(ctx, actor, asked)
}

// deskRow loads an application for the desk: submitted at least once and,
// for site staff, at their site. Another site's application and a missing
// one are refused alike.
func (a *App) deskRow(ctx context.Context, r deskReader, me kaowu.Account, id string) (store.DeskRow, error) {
	row, err := r.DeskApplication(ctx, id)
	if err != nil {
		return row, notYours(err)
	}
	if row.Version == 0 || (me.Role == kaowu.RoleSiteStaff && row.Site != me.Site) {
		return store.DeskRow{}, errNotYours()
	}
	return row, nil
}

// ConfirmationOpen says whether the desk may confirm (or return) the
// candidates of unit at site now (二（二）): inside the confirmation window;
// within it, on the unit's day and during a half-day slot, unless the site
// office has opened an exception for the unit that still runs. It returns
// the exception in force, if any, and nil or the refusal with its rule.
func (a *App) confirmationOpen(ctx context.Context, r deskReader, y *policy.Year, site policy.Site, unit kaowu.Unit, now time.Time) (*store.ConfirmationException, error) {
	w, ok := y.Window(kaowu.WindowConfirmation)
	if !ok {
		return nil, fmt.Errorf("year %d has no confirmation window", y.Year)
	}
	if err := windowError(w, now, "现场确认"); err != nil {
		return nil, err
	}
	if unit.ID != "" {
		excs, err := r.ConfirmationExceptions(ctx, site.Code, unit.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range excs {
			if now.Before(e.Until) && !now.Before(e.CreatedAt) {
				return &e, nil
			}
		}
	}
	c := site.Confirmation
	if c == nil {
		return nil, nil
	}
	local := now.In(kaowu.Shanghai)
	clause := orCode(c.Clause, confirmationClause)
	if day, ok := site.ConfirmationDay(unit.Category); ok && kaowu.DateOf(local) != day {
		cat, _ := y.UnitCategory(unit.Category)
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "按%s的安排，%s（%s）的现场确认日期为%s，今天（%s）不办理该单位的确认（%s）；确有特殊情况的，可由考点为该单位开放例外",
			site.Name, orCode(unit.Name, "该单位"), orCode(cat.Name, unit.Category), day.Chinese(), kaowu.DateOf(local).Chinese(), clause)
	}
	hm := local.Format("15:04")
	for _, s := range c.Slots {
		if hm >= s.Start && hm < s.End {
			return nil, nil
		}
	}
	return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "现在（%s）不在现场确认时间内：现场确认时间为%s（%s）；确有特殊情况的，可由考点为单位开放例外",
		local.Format("15:04"), slotsText(c.Slots), clause)
}

func slotsText(slots []policy.Slot) string {
	parts := make([]string, len(slots))
	for i, s := range slots {
		parts[i] = s.Name + strings.TrimPrefix(s.Start, "0") + "—" + s.End
	}
	return strings.Join(parts, "，")
}

// DeskCase is what the desk shows of one application.
type DeskCase struct {
	Row      store.DeskRow
	Site     policy.Site
	Year     *policy.Year
	Snapshot FormSnapshot // of the last submitted version
	Photo    []byte       // confirmed with the last submitted version
	// PhotoPurged: the retention purge deleted the version's photo.
	PhotoPurged bool
	SubmittedAt time.Time
	Materials   []eligibility.Material
	// Check is the QR check of the printed form, when it was scanned.
	Check *FormCheck
	// Printed is the version on the form handed in (from the QR code, or
	// else the last submitted version, which the desk compares by eye).
	Printed   int
	Decisions []store.DeskDecision
	// Closed says why the desk cannot confirm now ("" when it can), and
	// Exception is the exception in force for the candidate's unit.
	Closed    string
	Exception *store.ConfirmationException
}

// Confirmable reports whether the case can be confirmed as printed.
func (c DeskCase) Confirmable() bool {
	return c.Row.State == kaowu.StateSubmitted && c.Printed == c.Row.Version && c.Closed == ""
}

// DeskCase returns an application as the desk sees it; printed is the
// version read from the form's QR code (0 when not scanned), payload the
// QR code itself.
func (a *App) DeskCase(ctx context.Context, actor Actor, id, payload string) (DeskCase, error) {
	me, err := a.deskAccount(ctx, actor)
	if err != nil {
		return DeskCase{}, err
	}
	row, err := a.deskRow(ctx, a.Store, me, id)
	if err != nil {
		return DeskCase{}, err
	}
	c := DeskCase{Row: row, Printed: row.Version}
	if payload != "" {
		check, err := a.VerifyForm(ctx, actor, payload)
		if err != nil {
			return DeskCase{}, err
		}
		if check.Genuine && check.Application.ID == row.ID {
			c.Check, c.Printed = &check, check.Version
		}
	}
	if c.Year, err = a.Year(ctx, row.Year); err != nil {
		return c, err
	}
	c.Site, _ = c.Year.Site(row.Site)
	v, err := a.Store.Version(ctx, row.ID, row.Version)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(v.Snapshot, &c.Snapshot); err != nil {
		return c, fmt.Errorf("snapshot %s v%d: %w", row.ID, row.Version, err)
	}
	c.Photo, c.SubmittedAt, c.Materials = v.Photo, v.SubmittedAt, c.Snapshot.Decision.Materials
	c.PhotoPurged = v.PurgedAt != nil
	if c.Decisions, err = a.Store.DeskDecisions(ctx, row.ID); err != nil {
		return c, err
	}
	c.Exception, err = a.confirmationOpen(ctx, a.Store, c.Year, c.Site, row.Unit(), a.Clock.Now())
	if kaowu.ErrorCode(err) == kaowu.EFORBIDDEN {
		c.Closed, err = kaowu.ErrorMessage(err), nil
	}
	return c, err
}

// confirmable refuses a desk action on an application that is not
// submitted, or whose printed version is not the last submitted one.
func confirmable(row store.DeskRow, printed int) error {
	switch {
	case row.State == kaowu.StateConfirmed:
		return kaowu.Errorf(kaowu.ECONFLICT, "%s的报名已经确认（第%d版），无需重复确认", row.Name, row.Version)
	case row.State == kaowu.StateReturned:
		return kaowu.Errorf(kaowu.ECONFLICT, "%s的报名已退回修改：考生须修改后重新提交、重新打印申报表并由单位盖章，再来现场确认（%s）", row.Name, confirmationClause)
	case row.State == kaowu.StateDraft:
		return kaowu.Errorf(kaowu.ECONFLICT, "%s已撤回第%d版，尚未重新提交：此表不能用于现场确认（二（一）4(6)）", row.Name, row.Version)
	case row.State != kaowu.StateSubmitted:
		return kaowu.Errorf(kaowu.ECONFLICT, "%s的报名当前状态为“%s”，不能办理现场确认", row.Name, row.State.Label())
	case printed <= 0 || printed > row.Version:
		return kaowu.Errorf(kaowu.EINVALID, "申报表版本号无效：请扫描申报表右上角的二维码")
	case printed < row.Version:
		return kaowu.Errorf(kaowu.ECONFLICT, "递交的申报表是第%d版，%s后来提交了第%d版：不是最终提交的信息，不能确认；请考生打印第%d版并由单位盖章后再来（二（一）4(6)）",
			printed, row.Name, row.Version, row.Version)
	}
	return nil
}

// DeskResult is the outcome of a desk action.
type DeskResult struct {
	Application kaowu.Application
	Name        string
}

// Confirm confirms an application at the desk (submitted → confirmed, 二
// （二）): printed is the version of the form handed in, which must be the
// last submitted one; only inside the confirmation window and the unit's
// day and slots (or an exception). Of two operators confirming the same
// candidate at once, one confirms and the other is told it is done.
func (a *App) Confirm(ctx context.Context, actor Actor, id string, printed int) (DeskResult, error) {
	return a.deskDecide(ctx, actor, id, printed, store.DeskDecision{Action: store.DeskConfirm})
}

// ReturnForCorrection returns an application for correction (submitted →
// returned) with reasons from ReturnReasons and a note; the candidate sees
// them on their status page and in a reminder, corrects and resubmits.
func (a *App) ReturnForCorrection(ctx context.Context, actor Actor, id string, printed int, reasons []string, note string) (DeskResult, error) {
	note = strings.TrimSpace(note)
	seen := map[string]bool{}
	var keys []string
	for _, k := range reasons {
		if _, ok := returnReason(k); !ok {
			return DeskResult{}, kaowu.FieldError("reasons", "退回原因无效，请从列表中选择")
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	switch {
	case len(keys) == 0:
		return DeskResult{}, kaowu.FieldError("reasons", "请至少选择一项退回原因，考生将看到这些原因")
	case seen["other"] && note == "":
		return DeskResult{}, kaowu.FieldError("note", "选择“其他”时请写明原因")
	case utf8.RuneCountInString(note) > 200:
		return DeskResult{}, kaowu.FieldError("note", "说明最多 200 字")
	}
	return a.deskDecide(ctx, actor, id, printed, store.DeskDecision{Action: store.DeskReturn, Reasons: keys, Note: note})
}

func (a *App) deskDecide(ctx context.Context, actor Actor, id string, printed int, d store.DeskDecision) (DeskResult, error) {
	me, err := a.deskAccount(ctx, actor)
	if err != nil {
		return DeskResult{}, err
	}
	to, verb := kaowu.StateConfirmed, "现场确认"
	if d.Action == store.DeskReturn {
		to, verb = kaowu.StateReturned, "退回修改"
	}
	var res DeskResult
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now() // decided once, inside the transaction
		row, err := a.deskRow(ctx, tx, me, id)
		if err != nil {
			return err
		}
		res.Name = row.Name
		if err := confirmable(row, printed); err != nil {
			return err
		}
		y, err := a.Year(ctx, row.Year)
		if err != nil {
			return err
		}
		site, _ := y.Site(row.Site)
		exc, err := a.confirmationOpen(ctx, tx, y, site, row.Unit(), now)
		if err != nil {
			return err
		}
		if err := tx.SetStateAtVersion(ctx, row.ID, row.Version, kaowu.StateSubmitted, to, now); err != nil {
			return err
		}
		d.ApplicationID, d.Version, d.Operator, d.At = row.ID, row.Version, me.Username, now
		if err := tx.InsertDeskDecision(ctx, &d); err != nil {
			return err
		}
		row.State, row.UpdatedAt = to, now
		res.Application = row.Application
		sp, _ := y.Specialty(row.Specialty)
		detail := fmt.Sprintf("%s%s第%d版（%s %s），操作员 %s", verb, row.Name, row.Version, row.Specialty, sp.Name, me.Username)
		if exc != nil {
			detail += fmt.Sprintf("；按考点开放的例外办理（至%s：%s）", datetimeText(exc.Until), exc.Reason)
		}
		var r kaowu.Reminder
		if d.Action == store.DeskConfirm {
			r = kaowu.Reminder{UserID: row.CandidateID, Kind: "application.confirmed", Link: "/application", Title: "报名已现场确认",
				Body: fmt.Sprintf("您的报名信息（%s %s，第%d版）已于%s由%s现场确认，请等待考点、考区考试管理机构进行资格审核；审核通过后请在网上缴费时间内缴费。",
					row.Specialty, sp.Name, row.Version, datetimeText(now), site.Name)}
		} else {
			text := reasonsText(d.Reasons, d.Note)
			detail += "；原因：" + text
			appWin, _ := y.Window(kaowu.WindowApplication)
			confWin, _ := y.Window(kaowu.WindowConfirmation)
			r = kaowu.Reminder{UserID: row.CandidateID, Kind: "application.returned", Link: "/application", Title: "报名被考点退回修改",
				Body: fmt.Sprintf("您的报名信息（%s %s，第%d版）在现场确认时被退回：%s。请登录修改后重新提交（网上报名截止%s），重新打印申报表交单位盖章，并在%s前再次现场确认；逾期未确认的，网上报名无效（%s）。",
					row.Specialty, sp.Name, row.Version, text, endText(appWin.End), endText(confWin.End), confirmationClause)}
		}
		if err := a.remind(ctx, tx, r); err != nil {
			return err
		}
		action := "application.confirm"
		if d.Action == store.DeskReturn {
			action = "application.return"
		}
		return a.audit(ctx, tx, actor, action, row.ID, detail)
	})
	if kaowu.ErrorCode(err) == kaowu.ECONFLICT {
		// Another operator (or the candidate) changed it meanwhile: say what it is now.
		if row, rerr := a.deskRow(ctx, a.Store, me, id); rerr == nil {
			if cerr := confirmable(row, printed); cerr != nil {
				return res, cerr
			}
		}
		return res, err
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", verb, err)
	}
	return res, nil
}

func reasonsText(keys []string, note string) string {
	var parts []string
	for _, k := range keys {
		if r, ok := returnReason(k); ok && k != "other" {
			parts = append(parts, r.Text)
		}
	}
	if note != "" {
		parts = append(parts, note)
	}
	return strings.Join(parts, "；")
}

func datetimeText(t time.Time) string {
	t = t.In(kaowu.Shanghai)
	return kaowu.DateOf(t).Chinese() + " " + t.Format("15:04")
}

// BatchItem is one row ticked on a unit's roster: the application and the
// version the roster showed.
type BatchItem struct {
	ID      string
	Version int
}

// BatchResult is the outcome of one row of a batch confirmation.
type BatchResult struct {
	ID   string
	Name string
	Err  error
}

// ConfirmBatch confirms the rows ticked on a unit's roster, each in its
// own transaction (one refused row does not hold back the others).
func (a *App) ConfirmBatch(ctx context.Context, actor Actor, items []BatchItem) ([]BatchResult, error) {
	if _, err := a.deskAccount(ctx, actor); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, kaowu.FieldError("pick", "请勾选要确认的考生")
	}
	out := make([]BatchResult, 0, len(items))
	for _, it := range items {
		r, err := a.Confirm(ctx, actor, it.ID, it.Version)
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			return out, err
		}
		out = append(out, BatchResult{ID: it.ID, Name: r.Name, Err: err})
	}
	return out, nil
}

// DeskFound is what a desk search finds: the QR check of a scanned form,
// or the site's applications matching an ID number or a name.
type DeskFound struct {
	Check   *FormCheck
	Rows    []store.DeskRow
	Message string // why a scanned genuine form leads nowhere here
}

// DeskFind searches the site's applications of the current year: a QR
// payload (KW1.…, typed by a USB scanner) finds its form; anything else is
// an ID number or part of a name.
func (a *App) DeskFind(ctx context.Context, actor Actor, site, q string) (DeskFound, error) {
	q = strings.TrimSpace(q)
	me, err := a.deskAccount(ctx, actor)
	if err != nil {
		return DeskFound{}, err
	}
	s, y, err := a.DeskSite(ctx, actor, site)
	if err != nil {
		return DeskFound{}, err
	}
	if strings.HasPrefix(q, qrPrefix+".") {
		check, err := a.VerifyForm(ctx, actor, q)
		if kaowu.ErrorCode(err) == kaowu.EFORBIDDEN {
			return DeskFound{Message: "此申报表的考生不在本考点现场确认，请考生到所报考点办理（二（一））"}, nil
		}
		if err != nil {
			return DeskFound{}, err
		}
		if !check.Genuine {
			return DeskFound{Check: &check}, nil
		}
		row, err := a.deskRow(ctx, a.Store, me, check.Application.ID)
		if err != nil {
			return DeskFound{Message: "此申报表的考生不在本考点现场确认，请考生到所报考点办理（二（一））"}, nil
		}
		return DeskFound{Check: &check, Rows: []store.DeskRow{row}}, nil
	}
	if q == "" {
		return DeskFound{}, nil
	}
	rows, err := a.Store.DeskSearch(ctx, y.Year, s.Code, q, 50)
	if err != nil {
		return DeskFound{}, err
	}
	if len(rows) == 0 {
		return DeskFound{Message: fmt.Sprintf("%s没有证件号码为或姓名含“%s”的已提交报名", s.Name, q)}, nil
	}
	return DeskFound{Rows: rows}, nil
}

// Roster is a unit's candidates at a site, for batch confirmation.
type Roster struct {
	Site      policy.Site
	Unit      kaowu.Unit
	Category  string
	Day       kaowu.Date
	Rows      []store.DeskRow
	Closed    string
	Exception *store.ConfirmationException
}

// Pending counts the rows awaiting confirmation.
func (r Roster) Pending() int {
	n := 0
	for _, row := range r.Rows {
		if row.State == kaowu.StateSubmitted {
			n++
		}
	}
	return n
}

// DeskUnits returns the units of a site's district, by name.
func (a *App) DeskUnits(ctx context.Context, actor Actor, site string) ([]kaowu.Unit, error) {
	s, _, err := a.DeskSite(ctx, actor, site)
	if err != nil {
		return nil, err
	}
	all, err := a.Store.Units(ctx)
	if err != nil {
		return nil, err
	}
	var out []kaowu.Unit
	for _, u := range all {
		if u.District == s.District {
			out = append(out, u)
		}
	}
	return out, nil
}

// deskUnit returns a unit of the site's district; another district's unit
// and a missing one are refused alike.
func (a *App) deskUnit(ctx context.Context, s policy.Site, unitID string) (kaowu.Unit, error) {
	u, err := a.Store.Unit(ctx, unitID)
	if err != nil {
		return u, notYours(err)
	}
	if u.District != s.District {
		return kaowu.Unit{}, kaowu.Errorf(kaowu.EFORBIDDEN, "该单位不在本考点负责的范围内")
	}
	return u, nil
}

// UnitRoster returns a unit's whole roster at the site: its candidates'
// applications submitted at least once, with whether the desk may confirm
// now.
func (a *App) UnitRoster(ctx context.Context, actor Actor, site, unitID string) (Roster, error) {
	s, y, err := a.DeskSite(ctx, actor, site)
	if err != nil {
		return Roster{}, err
	}
	u, err := a.deskUnit(ctx, s, unitID)
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Site: s, Unit: u}
	cat, _ := y.UnitCategory(u.Category)
	r.Category = cat.Name
	r.Day, _ = s.ConfirmationDay(u.Category)
	if r.Rows, err = a.Store.UnitRoster(ctx, y.Year, s.Code, u.ID); err != nil {
		return r, err
	}
	r.Exception, err = a.confirmationOpen(ctx, a.Store, y, s, u, a.Clock.Now())
	if kaowu.ErrorCode(err) == kaowu.EFORBIDDEN {
		r.Closed, err = kaowu.ErrorMessage(err), nil
	}
	return r, err
}

// OpenException lets the site office confirm a unit's candidates outside
// the unit's day and the half-day slots until a time, inside the
// confirmation window (二（二））; audited with the reason.
func (a *App) OpenException(ctx context.Context, actor Actor, site, unitID string, until time.Time, reason string) (store.ConfirmationException, error) {
	reason = strings.TrimSpace(reason)
	s, y, err := a.DeskSite(ctx, actor, site)
	if err != nil {
		return store.ConfirmationException{}, err
	}
	if unitID == "" {
		return store.ConfirmationException{}, kaowu.FieldError("unit", "请选择单位")
	}
	u, err := a.deskUnit(ctx, s, unitID)
	if err != nil {
		return store.ConfirmationException{}, err
	}
	now := a.Clock.Now()
	w, _ := y.Window(kaowu.WindowConfirmation)
	switch {
	case until.IsZero():
		return store.ConfirmationException{}, kaowu.FieldError("until", "请填写例外的截止时间，如 2023-12-15 16:30")
	case !until.After(now):
		return store.ConfirmationException{}, kaowu.FieldError("until", "截止时间须晚于现在（"+datetimeText(now)+"）")
	case until.After(w.End):
		return store.ConfirmationException{}, kaowu.FieldError("until", fmt.Sprintf("例外不能超过现场确认截止时间（%s，%s）：截止后未确认的网上报名无效", endText(w.End), w.Clause))
	case reason == "":
		return store.ConfirmationException{}, kaowu.FieldError("reason", "请写明开放例外的原因")
	case utf8.RuneCountInString(reason) > 200:
		return store.ConfirmationException{}, kaowu.FieldError("reason", "原因最多 200 字")
	}
	e := store.ConfirmationException{Site: s.Code, UnitID: u.ID, UnitName: u.Name, Until: until.UTC(), Reason: reason, Operator: actor.Username, CreatedAt: now.UTC()}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertConfirmationException(ctx, &e); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "confirmation.exception", u.ID,
			fmt.Sprintf("为%s开放现场确认例外至%s（不受确认日期和时段限制，%s）：%s", u.Name, datetimeText(until), confirmationClause, reason))
	})
	return e, err
}

// ConfirmationExceptions returns the exceptions opened at the site.
func (a *App) ConfirmationExceptions(ctx context.Context, actor Actor, site string) ([]store.ConfirmationException, error) {
	s, _, err := a.DeskSite(ctx, actor, site)
	if err != nil {
		return nil, err
	}
	return a.Store.ConfirmationExceptions(ctx, s.Code, "")
}

// ReturnNote is what the candidate sees of a return for correction.
type ReturnNote struct {
	Version int
	At      time.Time
	Reasons []ReturnReason
	Note    string
}

// ReturnNote returns why the actor's returned application was returned,
// or nil when it is not returned.
func (a *App) ReturnNote(ctx context.Context, actor Actor, applicationID string) (*ReturnNote, error) {
	app, _, err := a.Application(ctx, actor, applicationID)
	if err != nil {
		return nil, err
	}
	if app.State != kaowu.StateReturned {
		return nil, nil
	}
	return a.returnNote(ctx, applicationID)
}

// returnNote is the desk's last return of an application, if any.
func (a *App) returnNote(ctx context.Context, applicationID string) (*ReturnNote, error) {
	ds, err := a.Store.DeskDecisions(ctx, applicationID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Action != store.DeskReturn {
			continue
		}
		n := &ReturnNote{Version: d.Version, At: d.At, Note: d.Note}
		for _, k := range d.Reasons {
			if r, ok := returnReason(k); ok {
				n.Reasons = append(n.Reasons, r)
			}
		}
		return n, nil
	}
	return nil, nil
}

// VoidReport says what VoidUnconfirmed did.
type VoidReport struct {
	// Years are the exam years whose confirmation window had closed.
	Years  []int
	Voided int
	// Open are the exam years whose window has not closed yet (nothing
	// done for them).
	Open []int
}

// VoidUnconfirmed makes void every application still submitted or
// returned in each exam year whose confirmation window has closed at now
// (视为网上报名无效, 二（二）), each in its own transaction with its audit
// row and a reminder to the candidate. Running it again changes nothing:
// the state compare-and-swap skips what is already void.
func (a *App) VoidUnconfirmed(ctx context.Context, now time.Time) (VoidReport, error) {
	var rep VoidReport
	years, err := a.Years(ctx)
	if err != nil {
		return rep, err
	}
	for _, yr := range years {
		y, err := a.Year(ctx, yr)
		if err != nil {
			return rep, err
		}
		w, ok := y.Window(kaowu.WindowConfirmation)
		if !ok {
			continue
		}
		if now.Before(w.End) {
			rep.Open = append(rep.Open, yr)
			continue
		}
		rep.Years = append(rep.Years, yr)
		for {
			list, err := a.Store.Unconfirmed(ctx, yr, 500)
			if err != nil {
				return rep, err
			}
			done := 0
			for _, ap := range list {
				ok, err := a.voidOne(ctx, y, w, ap, now)
				if err != nil {
					return rep, err
				}
				if ok {
					done++
				}
			}
			rep.Voided += done
			if done == 0 {
				break
			}
		}
	}
	return rep, nil
}

func (a *App) voidOne(ctx context.Context, y *policy.Year, w kaowu.Window, ap kaowu.Application, now time.Time) (bool, error) {
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetStateAtVersion(ctx, ap.ID, ap.Version, ap.State, kaowu.StateVoid, now); err != nil {
			return err
		}
		sp, _ := y.Specialty(ap.Specialty)
		clause := orCode(w.Clause, confirmationClause)
		if err := a.remind(ctx, tx, kaowu.Reminder{UserID: ap.CandidateID, Kind: "application.void", Link: "/application", Title: "网上报名无效",
			Body: fmt.Sprintf("现场确认已于%s截止，您的报名（%s %s，第%d版）未完成现场确认，按规定视为网上报名无效（%s）。",
				endText(w.End), ap.Specialty, sp.Name, ap.Version, clause)}); err != nil {
			return err
		}
		return a.audit(ctx, tx, System, "application.void", ap.ID,
			fmt.Sprintf("现场确认截止（%s）时仍为“%s”（第%d版），视为网上报名无效（%s）", endText(w.End), ap.State.Label(), ap.Version, clause))
	})
	if kaowu.ErrorCode(err) == kaowu.ECONFLICT {
		return false, nil // changed meanwhile (confirmed, resubmitted, voided by another run)
	}
	if err != nil {
		return false, fmt.Errorf("void %s: %w", ap.ID, err)
	}
	return true, nil
}
