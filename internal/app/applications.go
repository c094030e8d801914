package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/policy"
)

// Choices are what a candidate picks in the application flow (二（一）3).
type Choices struct {
	Site      string
	Specialty string
	Decl      kaowu.Declarations
}

// windowError explains, in Chinese with its clause, why an action is not
// possible now: the window has not opened or has closed.
func windowError(w kaowu.Window, now time.Time, action string) error {
	switch w.PhaseAt(now) {
	case kaowu.PhaseBefore:
		return kaowu.Errorf(kaowu.EFORBIDDEN, "%s尚未开始：%s时间为%s起（%s）", action, w.Name, w.Start.In(kaowu.Shanghai).Format("2006年1月2日 15:04"), w.Clause)
	case kaowu.PhaseClosed:
		return kaowu.Errorf(kaowu.EFORBIDDEN, "%s已于%s截止（%s），不能再%s", w.Name, endText(w.End), w.Clause, action)
	}
	return nil
}

func endText(t time.Time) string {
	t = t.In(kaowu.Shanghai)
	if t.Hour() == 0 && t.Minute() == 0 {
		return kaowu.DateOf(t.Add(-time.Nanosecond)).Chinese() + " 24:00"
	}
	return kaowu.DateOf(t).Chinese() + " " + t.Format("15:04")
}

// applicationWindow returns the current year and refuses when its online
// application window is not open at now.
func (a *App) applicationWindow(ctx context.Context, now time.Time, action string) (*policy.Year, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	w, ok := y.Window(kaowu.WindowApplication)
	if !ok {
		return nil, fmt.Errorf("year %d has no application window", y.Year)
	}
	return y, windowError(w, now, action)
}

// SubmitWindow is when an application in state s may be changed and
// submitted: the online application window (二（一）1); for one returned
// for correction at the desk, until the confirmation window closes, since
// it must be confirmed by then (二（二）).
func SubmitWindow(y *policy.Year, s kaowu.ApplicationState) kaowu.Window {
	w, _ := y.Window(kaowu.WindowApplication)
	if s == kaowu.StateReturned {
		if c, ok := y.Window(kaowu.WindowConfirmation); ok && c.End.After(w.End) {
			w.End, w.Name, w.Clause = c.End, "退回修改", c.Clause
		}
	}
	return w
}

// candidateOnly returns the actor's own candidate account.
func (a *App) candidateOnly(ctx context.Context, actor Actor) (kaowu.Account, error) {
	acc, err := a.actorAccount(ctx, actor)
	if err != nil {
		return acc, err
	}
	if acc.Role != kaowu.RoleCandidate {
		return acc, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考生本人可以网上报名")
	}
	if acc.IDType == kaowu.IDMilitaryOfficer {
		return acc, kaowu.Errorf(kaowu.EFORBIDDEN, "军队卫生人员不实行网上报名，由团级以上单位负责报名组织工作（二（三）1）")
	}
	return acc, nil
}

// MyApplication returns the actor's application in the current exam year;
// ENOTFOUND when they have none.
func (a *App) MyApplication(ctx context.Context, actor Actor) (kaowu.Application, *policy.Year, error) {
	acc, err := a.candidateOnly(ctx, actor)
	if err != nil {
		return kaowu.Application{}, nil, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return kaowu.Application{}, nil, err
	}
	app, err := a.Store.ApplicationOf(ctx, acc.ID, y.Year)
	return app, y, err
}

// Status is what the candidate's status page shows: the application, its
// submitted versions, the current version's snapshot (zero before the
// first submission), the desk's reasons when it was returned, and the
// region's decision once there is one.
type Status struct {
	Application kaowu.Application
	Year        *policy.Year
	Versions    []kaowu.ApplicationVersion
	Snapshot    FormSnapshot
	Returned    *ReturnNote
	Review      *store.ReviewDecision
}

// MyStatus returns the actor's status, each part read once.
func (a *App) MyStatus(ctx context.Context, actor Actor) (Status, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return Status{}, err
	}
	st := Status{Application: app, Year: y}
	if st.Versions, err = a.Store.Versions(ctx, app.ID); err != nil {
		return st, err
	}
	if app.Version > 0 {
		b, err := a.Store.VersionSnapshot(ctx, app.ID, app.Version)
		if err != nil {
			return st, err
		}
		if err := json.Unmarshal(b, &st.Snapshot); err != nil {
			return st, fmt.Errorf("snapshot %s v%d: %w", app.ID, app.Version, err)
		}
	}
	if app.State == kaowu.StateReturned {
		if st.Returned, err = a.returnNote(ctx, app.ID); err != nil {
			return st, err
		}
	}
	switch app.State {
	case kaowu.StateApproved, kaowu.StateRejected, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored:
		d, err := a.Store.ReviewDecisionOf(ctx, app.ID)
		switch {
		case err == nil:
			st.Review = &d
		case kaowu.ErrorCode(err) != kaowu.ENOTFOUND: // military candidates have none
			return st, err
		}
	}
	return st, nil
}

// StartApplication opens the actor's application for the current year, or
// returns the one they have. It requires the online application window
// (二（一）1) and a bound WeChat identity (二（一）4(5)).
func (a *App) StartApplication(ctx context.Context, actor Actor) (kaowu.Application, error) {
	acc, err := a.candidateOnly(ctx, actor)
	if err != nil {
		return kaowu.Application{}, err
	}
	now := a.Clock.Now()
	y, err := a.applicationWindow(ctx, now, "报名")
	if err != nil {
		return kaowu.Application{}, err
	}
	if existing, err := a.Store.ApplicationOf(ctx, acc.ID, y.Year); err == nil {
		return existing, nil
	}
	if err := a.RequireBinding(ctx, acc.ID); err != nil {
		return kaowu.Application{}, err
	}
	app := kaowu.Application{CandidateID: acc.ID, Year: y.Year, State: kaowu.StateDraft, CreatedAt: now}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateApplication(ctx, &app); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "application.start", app.ID, fmt.Sprintf("开始%d年度网上报名", y.Year))
	})
	if kaowu.ErrorCode(err) == kaowu.ECONFLICT { // started in another tab meanwhile
		return a.Store.ApplicationOf(ctx, acc.ID, y.Year)
	}
	return app, err
}

// AllowedSite returns the one site the candidate's unit district allows
// (二（一）), or an error saying what to do.
func (a *App) AllowedSite(ctx context.Context, y *policy.Year, candidateID string) (policy.Site, kaowu.Unit, error) {
	p, err := a.Store.Profile(ctx, candidateID)
	if err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return policy.Site{}, kaowu.Unit{}, err
	}
	if p.Work.UnitID == "" {
		return policy.Site{}, kaowu.Unit{}, kaowu.Errorf(kaowu.EINVALID, "请先在“基本信息维护”中选择工作单位：考点按单位所在区确定（二（一））")
	}
	u, err := a.Store.Unit(ctx, p.Work.UnitID)
	if err != nil {
		return policy.Site{}, u, err
	}
	s, ok := y.SiteForDistrict(u.District)
	if !ok {
		return s, u, kaowu.Errorf(kaowu.EINVALID, "您的单位在%s，本考区没有对应的考点；请联系所在区的考试管理机构（二（一））", u.District)
	}
	return s, u, nil
}

// SaveChoices stores the site, specialty and declarations on the actor's
// editable application, inside the window. The site must be the one the
// unit's district allows; the specialty must be active this year.
func (a *App) SaveChoices(ctx context.Context, actor Actor, c Choices) (kaowu.Application, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return app, err
	}
	now := a.Clock.Now()
	if err := windowError(SubmitWindow(y, app.State), now, "修改报名信息"); err != nil {
		return app, err
	}
	if !app.State.Editable() {
		return app, kaowu.Errorf(kaowu.ECONFLICT, "报名信息已提交，不能直接修改；如需修改，请先撤回（二（一）4(6)）")
	}
	if c.Site != "" {
		site, _, err := a.AllowedSite(ctx, y, app.CandidateID)
		if err != nil {
			return app, err
		}
		if c.Site != site.Code {
			other, _ := y.Site(c.Site)
			return app, kaowu.FieldError("site", fmt.Sprintf("不能选择%s：在%s医疗机构工作的考生须选择%s（二（一））", orCode(other.Name, c.Site), site.District, site.Name))
		}
		app.Site = c.Site
	}
	if c.Specialty != "" {
		sp, ok := y.Specialty(strings.TrimSpace(c.Specialty))
		switch {
		case !ok:
			return app, kaowu.FieldError("specialty", fmt.Sprintf("专业代码 %s 不在%d年度专业目录中，请从目录中选择", c.Specialty, y.Year))
		case !sp.Active():
			var into []string
			for _, code := range sp.MergedInto {
				t, _ := y.Specialty(code)
				into = append(into, code+" "+t.Name)
			}
			return app, kaowu.FieldError("specialty", fmt.Sprintf("%s %s 自%d年起取消，已并入 %s，请改报相应专业（一（十））", sp.Code, sp.Name, y.Year, strings.Join(into, "、")))
		}
		app.Specialty, app.Level = sp.Code, sp.Level
	}
	for field, v := range map[string]string{"education_relevant": c.Decl.EducationRelevant, "education_recognised": c.Decl.EducationRecognised, "title_relevant": c.Decl.TitleRelevant} {
		if v != "" && v != "yes" && v != "no" {
			return app, kaowu.FieldError(field, "请选择“是”或“否”，不确定的可以不选")
		}
	}
	if len(c.Decl.ArchiveNo) > 40 {
		return app, kaowu.FieldError("archive_no", "档案号过长，请核对")
	}
	app.Decl = c.Decl
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateChoices(ctx, app, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "application.choose", app.ID, fmt.Sprintf("考点 %s，专业 %s", app.Site, app.Specialty))
	})
	return app, err
}

func orCode(name, code string) string {
	if name != "" {
		return name
	}
	return code
}

// facts returns the eligibility facts of an application's candidate for its
// current choices and declarations, and what last year's records say of
// them (二（一）): the automatic confirmation, an ID change, and the
// subjects passed last year, which carry over (七, 一（十）).
func (a *App) facts(ctx context.Context, y *policy.Year, app kaowu.Application, c candidate) (eligibility.Facts, ReturningCheck, error) {
	f := eligibility.FromProfile(c.acc.IDType, c.profile, c.unit, eligibility.Target{Specialty: app.Specialty, Site: app.Site}, a.today())
	check, err := a.returning(ctx, y, app, c)
	if err != nil {
		return f, check, err
	}
	if check.Found {
		py, spec, passed, absent, misconduct := check.Record.CarryOver()
		f.PreviousExam = &eligibility.PreviousExam{Year: py, Specialty: spec, Passed: passed, Absent: absent, Misconduct: misconduct}
	}
	decl := func(v string) *bool {
		switch v {
		case "yes":
			b := true
			return &b
		case "no":
			b := false
			return &b
		}
		return nil
	}
	for i := range f.Education {
		f.Education[i].Relevant, f.Education[i].Recognised = decl(app.Decl.EducationRelevant), decl(app.Decl.EducationRecognised)
	}
	for i := range f.Titles {
		f.Titles[i].Relevant = decl(app.Decl.TitleRelevant)
	}
	return f, check, nil
}

// candidate is what the application use cases read of a candidate: the
// account, the profile and the unit, loaded once per call.
type candidate struct {
	acc     kaowu.Account
	profile kaowu.Profile
	unit    kaowu.Unit
}

func (a *App) loadCandidate(ctx context.Context, id string) (candidate, error) {
	var c candidate
	var err error
	if c.acc, err = a.Store.Account(ctx, id); err != nil {
		return c, err
	}
	if c.profile, err = a.Store.Profile(ctx, id); err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return c, err
	}
	if c.profile.Work.UnitID != "" {
		if c.unit, err = a.Store.Unit(ctx, c.profile.Work.UnitID); err != nil {
			return c, err
		}
	}
	return c, nil
}

// returning checks an application against last year's records.
func (a *App) returning(ctx context.Context, y *policy.Year, app kaowu.Application, c candidate) (ReturningCheck, error) {
	acc, p := c.acc, c.profile
	now := kaowu.ReturningSnapshot{Year: y.Year, Name: acc.Name, IDType: acc.IDType, IDNumber: acc.IDNumber, ArchiveNo: app.Decl.ArchiveNo,
		Region: y.Region.Code, Site: app.Site, SpecialtyCode: app.Specialty, Level: app.Level, Education: p.Education, Post: p.Work.Post}
	if parsed, err := kaowu.ParseIDNumber(acc.IDType, string(acc.IDNumber), kaowu.Date{}); err == nil {
		now.BirthDate = parsed.Birth
	}
	now.UnitName = c.unit.Name
	return a.CheckReturningOf(ctx, nil, acc.ID, now)
}

// Preview returns the eligibility decision for the actor's current choices.
func (a *App) Preview(ctx context.Context, actor Actor) (eligibility.Decision, kaowu.Application, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return eligibility.Decision{}, app, err
	}
	c, err := a.loadCandidate(ctx, app.CandidateID)
	if err != nil {
		return eligibility.Decision{}, app, err
	}
	f, _, err := a.facts(ctx, y, app, c)
	if err != nil {
		return eligibility.Decision{}, app, err
	}
	return eligibility.Evaluate(f, y, false), app, nil
}

// FormSnapshot is everything the printed application form shows, frozen at
// submission; its digest (with the photo) is what the form's QR code signs.
type FormSnapshot struct {
	Year      int                  `json:"year"`
	Title     string               `json:"title"`
	Region    string               `json:"region"`
	Site      policy.Site          `json:"site"`
	Name      string               `json:"name"`
	IDType    kaowu.IDType         `json:"id_type"`
	IDNumber  string               `json:"id_number"`
	Gender    string               `json:"gender"`
	BirthDate kaowu.Date           `json:"birth_date"`
	Mobile    string               `json:"mobile"`
	Specialty kaowu.Specialty      `json:"specialty"`
	Profile   kaowu.Profile        `json:"profile"`
	Unit      kaowu.Unit           `json:"unit"`
	Category  string               `json:"unit_category_name"`
	Decl      kaowu.Declarations   `json:"declarations"`
	Decision  eligibility.Decision `json:"decision"`
	// Returning is the automatic-confirmation decision when last year's
	// records hold the candidate (二（一）); IDChange explains a score merge
	// to request when their ID document changed.
	Returning *kaowu.ReturningResult `json:"returning,omitempty"`
	IDChange  string                 `json:"id_change,omitempty"`
}

// Submit submits the actor's application as its next version: inside the
// online application window by the server's clock, decided once inside the
// transaction (二（一）1); with a bound WeChat identity (二（一）4(5)) and a
// confirmed photo; refused when the eligibility decision is ineligible;
// flagged for the site office when it is review. expected is the version
// the candidate's page showed: of two tabs submitting at once, one version
// is made, the other is told it was already submitted.
func (a *App) Submit(ctx context.Context, actor Actor, expected int, photoConfirmed bool) (kaowu.Application, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return app, err
	}
	if !photoConfirmed {
		return app, kaowu.FieldError("photo_confirmed", "请确认报名照片后再提交（二（一）3）")
	}
	if app.Version != expected || !app.State.Editable() {
		return app, kaowu.Errorf(kaowu.ECONFLICT, "报名信息已经提交过了（可能在另一个页面中提交），请刷新后查看")
	}
	if app.Site == "" || app.Specialty == "" {
		return app, kaowu.Errorf(kaowu.EINVALID, "请先选择考点和报考专业")
	}
	if err := a.RequireBinding(ctx, app.CandidateID); err != nil {
		return app, err
	}
	c, err := a.loadCandidate(ctx, app.CandidateID)
	if err != nil {
		return app, err
	}
	photo, _, err := a.Store.Photo(ctx, app.CandidateID)
	if err != nil {
		if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
			return app, kaowu.Errorf(kaowu.EINVALID, "请先在“基本信息维护”中上传本人照片")
		}
		return app, err
	}
	f, check, err := a.facts(ctx, y, app, c)
	if err != nil {
		return app, err
	}
	d := eligibility.Evaluate(f, y, false)
	if d.Outcome == eligibility.Ineligible {
		var why []string
		for _, r := range d.Reasons {
			if r.Kind == eligibility.KindRefusal {
				why = append(why, r.Text+"（"+r.Clause+"）")
			}
		}
		return app, kaowu.Errorf(kaowu.EINVALID, "不符合报考条件，不能提交：%s", strings.Join(why, "；"))
	}
	snap := snapshot(y, app, c, d)
	// 二（一）: a returning candidate whose information has not changed is
	// confirmed at once; otherwise the differences are kept to be shown.
	to, auto := kaowu.StateSubmitted, false
	if check.Found {
		snap.Returning = &check.Result
		if check.Result.Eligible {
			to, auto = kaowu.StateConfirmed, true
		}
	}
	snap.IDChange = check.IDChange
	b, err := json.Marshal(snap)
	if err != nil {
		return app, fmt.Errorf("submit: %w", err)
	}
	version := app.Version + 1
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now() // decided once, inside the transaction
		if w := SubmitWindow(y, app.State); !w.Open(now) {
			return windowError(w, now, "提交报名信息")
		}
		if err := tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: app.ID, Version: version, SubmittedAt: now,
			Outcome: string(d.Outcome), Snapshot: b, Digest: digest(b, photo), Photo: photo}); err != nil {
			return err
		}
		if err := tx.SubmitApplication(ctx, app.ID, version, to, string(d.Outcome), auto, now); err != nil {
			return err
		}
		app.State, app.Version, app.Outcome, app.SubmittedAt, app.AutoConfirmed = to, version, string(d.Outcome), &now, auto
		detail := fmt.Sprintf("提交第%d版：%s %s，资格判断 %s", version, snap.Specialty.Code, snap.Specialty.Name, d.Outcome.Label())
		if auto {
			detail += "；历史考生信息未变化，自动确认（二（一））"
		}
		if err := a.remind(ctx, tx, submittedReminder(app.CandidateID, snap, version, auto)); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "application.submit", app.ID, detail)
	})
	if err != nil {
		return app, fmt.Errorf("submit application: %w", err)
	}
	return app, nil
}

func snapshot(y *policy.Year, app kaowu.Application, c candidate, d eligibility.Decision) FormSnapshot {
	acc, p, u := c.acc, c.profile, c.unit
	site, _ := y.Site(app.Site)
	sp, _ := y.Specialty(app.Specialty)
	cat, _ := y.UnitCategory(u.Category)
	snap := FormSnapshot{Year: y.Year, Title: y.Title, Region: y.Region.Name, Site: site, Name: acc.Name, IDType: acc.IDType,
		IDNumber: string(acc.IDNumber), Gender: kaowu.GenderOf(acc.IDType, acc.IDNumber), Mobile: acc.Mobile, Specialty: sp,
		Profile: p, Unit: u, Category: cat.Name, Decl: app.Decl, Decision: d}
	snap.Profile.Photo, snap.Profile.UpdatedAt, snap.Profile.PurgedAt = nil, time.Time{}, nil
	if parsed, err := kaowu.ParseIDNumber(acc.IDType, string(acc.IDNumber), kaowu.Date{}); err == nil {
		snap.BirthDate = parsed.Birth
	}
	return snap
}

func digest(snapshot, photo []byte) string {
	h := sha256.New()
	h.Write(snapshot)
	h.Write([]byte{0})
	h.Write(photo)
	return hex.EncodeToString(h.Sum(nil))
}

// Withdraw takes back the actor's submitted application so that it can be
// changed and submitted again as a new version (二（一）4(6)); only inside
// the window and before it is confirmed.
func (a *App) Withdraw(ctx context.Context, actor Actor) (kaowu.Application, error) {
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return app, err
	}
	if app.State != kaowu.StateSubmitted {
		if app.State == kaowu.StateConfirmed {
			return app, kaowu.Errorf(kaowu.ECONFLICT, "报名已确认，不能再撤回修改")
		}
		return app, kaowu.Errorf(kaowu.ECONFLICT, "当前状态（%s）不能撤回", app.State.Label())
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now()
		if _, err := a.applicationWindow(ctx, now, "撤回报名信息"); err != nil {
			return err
		}
		if err := tx.SetApplicationState(ctx, app.ID, kaowu.StateSubmitted, kaowu.StateDraft, now); err != nil {
			return err
		}
		app.State = kaowu.StateDraft
		w, _ := y.Window(kaowu.WindowApplication)
		if err := a.remind(ctx, tx, kaowu.Reminder{UserID: app.CandidateID, Kind: "application.withdrawn", Link: "/apply",
			Title: "已撤回报名信息，请修改后重新提交",
			Body:  fmt.Sprintf("您已撤回第%d版报名信息。修改后须在%s前重新提交并重新打印申报表，否则不能进行现场确认（二（一）4(6)）。", app.Version, endText(w.End))}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "application.withdraw", app.ID, fmt.Sprintf("撤回第%d版，修改后须重新提交", app.Version))
	})
	return app, err
}

// Application returns an application and its versions for an actor allowed
// to read the candidate's data.
func (a *App) Application(ctx context.Context, actor Actor, id string) (kaowu.Application, []kaowu.ApplicationVersion, error) {
	app, err := a.Store.Application(ctx, id)
	if err != nil {
		return app, nil, notYours(err)
	}
	if _, err := a.authorize(ctx, actor, app.CandidateID, false); err != nil {
		return kaowu.Application{}, nil, err
	}
	vs, err := a.Store.Versions(ctx, id)
	return app, vs, err
}

// Snapshot returns a submitted version's form snapshot and photo, for an
// actor allowed to read the candidate's data.
func (a *App) Snapshot(ctx context.Context, actor Actor, id string, version int) (FormSnapshot, kaowu.ApplicationVersion, error) {
	app, err := a.Store.Application(ctx, id)
	if err != nil {
		return FormSnapshot{}, kaowu.ApplicationVersion{}, notYours(err)
	}
	if _, err := a.authorize(ctx, actor, app.CandidateID, false); err != nil {
		return FormSnapshot{}, kaowu.ApplicationVersion{}, err
	}
	v, err := a.Store.Version(ctx, id, version)
	if err != nil {
		return FormSnapshot{}, v, notYours(err)
	}
	var snap FormSnapshot
	if err := json.Unmarshal(v.Snapshot, &snap); err != nil {
		return snap, v, fmt.Errorf("snapshot %s v%d: %w", id, version, err)
	}
	return snap, v, nil
}

const formKeySetting = "form_hmac_key"

// formKey returns the server key that signs printed forms, made once and
// shared by every process through the database.
func (a *App) formKey(ctx context.Context) ([]byte, error) {
	a.mu.Lock()
	k := a.key
	a.mu.Unlock()
	if k != nil {
		return k, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var v string
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.SeedSetting(ctx, formKeySetting, hex.EncodeToString(fresh))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("form key: %w", err)
	}
	if k, err = hex.DecodeString(v); err != nil {
		return nil, fmt.Errorf("form key: %w", err)
	}
	a.mu.Lock()
	a.key = k
	a.mu.Unlock()
	return k, nil
}

// qrPrefix starts every form QR payload: KW1.<application id>.<version>.<signature>.
const qrPrefix = "KW1"

// FormPayload returns the QR payload of a version: the application id,
// the version and an HMAC over both and the version's digest.
func (a *App) FormPayload(ctx context.Context, v kaowu.ApplicationVersion) (string, error) {
	key, err := a.formKey(ctx)
	if err != nil {
		return "", err
	}
	return strings.Join([]string{qrPrefix, v.ApplicationID, strconv.Itoa(v.Version), sign(key, v)}, "."), nil
}

func sign(key []byte, v kaowu.ApplicationVersion) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s|%d|%s", v.ApplicationID, v.Version, v.Digest)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// FormCheck is what the confirmation desk learns from a printed form's QR
// code.
type FormCheck struct {
	Genuine     bool              // the signature is ours and matches the stored version
	Final       bool              // it is the candidate's last submission, still in force
	Application kaowu.Application // when genuine
	Version     int               // the version printed
	Snapshot    FormSnapshot      // what the printed version says
	Message     string            // what the desk should do, in Chinese
	Versions    []kaowu.ApplicationVersion
}

// VerifyForm checks a printed form's QR payload (二（一）: the form handed in
// must match the final submission). Site and region staff only.
func (a *App) VerifyForm(ctx context.Context, actor Actor, payload string) (FormCheck, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return FormCheck{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点、考区工作人员可以核验申报表")
	}
	bad := FormCheck{Message: "二维码无效：不是本系统生成的申报表，或已被改动。请考生重新登录打印最终提交的申报表。"}
	parts := strings.Split(strings.TrimSpace(payload), ".")
	if len(parts) != 4 || parts[0] != qrPrefix {
		return bad, nil
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		return bad, nil
	}
	app, err := a.Store.Application(ctx, parts[1])
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return bad, nil
	} else if err != nil {
		return FormCheck{}, err
	}
	v, err := a.Store.Version(ctx, app.ID, n)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return bad, nil
	} else if err != nil {
		return FormCheck{}, err
	}
	key, err := a.formKey(ctx)
	if err != nil {
		return FormCheck{}, err
	}
	if !hmac.Equal([]byte(sign(key, v)), []byte(parts[3])) {
		return bad, nil
	}
	snap, _, err := a.Snapshot(ctx, actor, app.ID, n)
	if err != nil {
		return FormCheck{}, err
	}
	c := FormCheck{Genuine: true, Application: app, Version: n, Snapshot: snap}
	c.Versions, _ = a.Store.Versions(ctx, app.ID)
	switch {
	case app.State.Editable():
		c.Message = fmt.Sprintf("考生已撤回第%d版，尚未重新提交：此表不能用于现场确认。", n)
	case n < app.Version:
		c.Message = fmt.Sprintf("此表是第%d版，考生后来提交了第%d版：不是最终提交的信息，不能用于现场确认，请考生打印第%d版（二（一）4(6)）。", n, app.Version, app.Version)
	default:
		c.Final = true
		c.Message = fmt.Sprintf("此表是考生最终提交的第%d版，与系统一致。", n)
	}
	return c, nil
}

// ApplicationFormPDF returns the printed application form
// (《申报表》) of one submitted version, with the QR code that the
// confirmation desk checks. For actors allowed to read the candidate's data.
func (a *App) ApplicationFormPDF(ctx context.Context, actor Actor, id string, version int) ([]byte, error) {
	snap, v, err := a.Snapshot(ctx, actor, id, version)
	if err != nil {
		return nil, err
	}
	payload, err := a.FormPayload(ctx, v)
	if err != nil {
		return nil, err
	}
	f := pdf.ApplicationFormData{
		Year: snap.Year, ApplicationID: id, Version: version, SubmittedAt: v.SubmittedAt,
		Name: snap.Name, Gender: snap.Gender, BirthDate: snap.BirthDate, IDTypeLabel: snap.IDType.Label(), IDNumber: snap.IDNumber,
		Mobile: snap.Mobile, Photo: v.Photo, Region: snap.Region, Site: snap.Site.Name,
		SpecialtyCode: snap.Specialty.Code, SpecialtyName: snap.Specialty.Name, LevelLabel: snap.Specialty.Level.Label(),
		ModeLabel: snap.Specialty.Mode.Label(), QRPayload: payload,
	}
	if v.PurgedAt != nil {
		f.PhotoNote = PhotoPurgedNote
	}
	for _, s := range snap.Decision.Subjects {
		f.Subjects = append(f.Subjects, s.Label())
	}
	for _, e := range snap.Profile.Education {
		f.Education = append(f.Education, pdf.EducationRow{Level: policy.EducationLevel(e.Level).Label(), School: e.School, Major: e.Major, GraduatedOn: e.GraduatedOn, FullTime: e.FullTime})
	}
	w := snap.Profile.Work
	f.Work = pdf.WorkRow{UnitName: snap.Unit.Name, UnitCategory: snap.Category, Post: w.Post, StartedOn: w.SpecialtyStartedOn, PracticeRegisteredOn: w.PracticeRegisteredOn}
	for _, t := range snap.Profile.Titles {
		f.Work.Titles = append(f.Work.Titles, pdf.TitleRow{Name: t.Specialty, Level: t.Level.Label(), ObtainedOn: t.ObtainedOn})
	}
	for _, l := range snap.Profile.Licences {
		f.Work.Licences = append(f.Work.Licences, pdf.LicenceRow{Name: policy.LicenceKind(l.Kind).Label(), Category: categoryLabel(l.Category), Scope: l.Scope, ObtainedOn: l.ObtainedOn})
	}
	if r := snap.Decision.Route; r != nil {
		f.Route, f.RouteClauses = r.Text, r.Clauses
	}
	for _, m := range snap.Decision.Materials {
		f.Materials = append(f.Materials, pdf.MaterialRow{Text: m.Text, Clause: m.Clause})
	}
	return pdf.ApplicationForm(f)
}

func categoryLabel(c string) string {
	if c == "" {
		return ""
	}
	return policy.PhysicianCategory(c).Label()
}

// PledgePDF returns the personal truthfulness pledge (附件3) for the
// actor's last submitted version, pre-filled; the candidate signs it.
func (a *App) PledgePDF(ctx context.Context, actor Actor) ([]byte, error) {
	app, _, err := a.MyApplication(ctx, actor)
	if err != nil {
		return nil, err
	}
	if app.Version == 0 {
		return nil, kaowu.Errorf(kaowu.ECONFLICT, "请先提交报名信息，再打印承诺书")
	}
	snap, _, err := a.Snapshot(ctx, actor, app.ID, app.Version)
	if err != nil {
		return nil, err
	}
	return pdf.Pledge(pdf.PledgeData{Kind: pdf.PledgePersonal, Year: snap.Year, CandidateName: snap.Name, IDNumber: snap.IDNumber,
		UnitName: snap.Unit.Name, SpecialtyCode: snap.Specialty.Code, SpecialtyName: snap.Specialty.Name,
		LevelLabel: snap.Specialty.Level.Label(), Region: snap.Region, Site: snap.Site.Name})
}

// UnitPledgePDF returns the unit truthfulness pledge (附件4, 二（二）1) of
// the actor's unit, listing its candidates who have submitted an
// application this year; unit HR only, for their own unit.
func (a *App) UnitPledgePDF(ctx context.Context, actor Actor) ([]byte, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return nil, err
	}
	if me.Role != kaowu.RoleUnitHR || me.UnitID == "" {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有单位人事可以打印本单位的承诺书")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	u, err := a.Store.Unit(ctx, me.UnitID)
	if err != nil {
		return nil, err
	}
	list, err := a.Store.UnitApplicants(ctx, u.ID, y.Year)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "本单位还没有考生提交%d年度的报名信息", y.Year)
	}
	p := pdf.PledgeData{Kind: pdf.PledgeUnit, Year: y.Year, UnitName: u.Name, Region: y.Region.Name}
	if site, ok := y.SiteForDistrict(u.District); ok {
		p.Site = site.Name
	}
	for _, c := range list {
		sp, _ := y.Specialty(c.Specialty)
		p.Candidates = append(p.Candidates, pdf.PledgeCandidate{Name: c.Name, IDNumber: kaowu.MaskID(string(c.IDNumber)),
			SpecialtyCode: c.Specialty, SpecialtyName: sp.Name, LevelLabel: c.Level.Label()})
	}
	return pdf.Pledge(p)
}
