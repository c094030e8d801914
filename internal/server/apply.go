package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/policy"
)

// applyRoutes registers the online application flow (二（一）3) and the
// application's status page. Candidates only, each on their own
// application; the form PDF and the desk's QR check follow the app layer's
// authorization.
func (s *Server) applyRoutes(mux *http.ServeMux) {
	c := s.requireRole(candidate...)
	s.handleFunc(mux, "GET /apply", c(s.applyStart))
	s.handleFunc(mux, "POST /apply/start", c(s.applyBegin))
	s.handleFunc(mux, "GET /apply/site", c(s.applyStep("site")))
	s.handleFunc(mux, "POST /apply/site", c(s.applyChoose("site")))
	s.handleFunc(mux, "GET /apply/specialty", c(s.applyStep("specialty")))
	s.handleFunc(mux, "POST /apply/specialty", c(s.applyChoose("specialty")))
	s.handleFunc(mux, "GET /apply/info", c(s.applyStep("info")))
	s.handleFunc(mux, "POST /apply/info", c(s.applyChoose("info")))
	s.handleFunc(mux, "GET /apply/check", c(s.applyStep("check")))
	s.handleFunc(mux, "GET /apply/photo", c(s.applyStep("photo")))
	s.handleFunc(mux, "POST /apply/submit", c(s.applySubmit))
	s.handleFunc(mux, "GET /application", c(s.applicationStatus))
	s.handleFunc(mux, "POST /application/withdraw", c(s.applicationWithdraw))
	s.handleFunc(mux, "GET /application/pledge.pdf", c(s.pledgePDF))
	s.handleFunc(mux, "GET /unit/pledge.pdf", s.requireRole(kaowu.RoleUnitHR)(s.unitPledgePDF))
	s.handleFunc(mux, "GET /me/inbox", s.requireRole(everyone...)(s.inboxPage))
	s.handleFunc(mux, "POST /me/inbox/read", s.requireRole(everyone...)(s.inboxRead))
	s.handleFunc(mux, "GET /applications/{id}/versions/{n}/form.pdf", s.requireRole(everyone...)(s.applicationFormPDF))
	s.handleFunc(mux, "GET /staff/verify", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)(s.verifyForm))
}

// applySteps are the flow's steps as the progress bar shows them.
var applySteps = []struct{ Key, Label string }{
	{"site", "考点"}, {"specialty", "专业"}, {"info", "报考信息"}, {"check", "资格判断"}, {"photo", "照片与提交"},
}

// check is one precondition shown on the start page.
type check struct {
	OK          bool
	Text, Fix   string
	Link, Label string
}

type applyPage struct {
	Title    string
	Step     string
	Steps    []struct{ Key, Label string }
	Year     *policy.Year
	App      kaowu.Application
	Started  bool
	Form     form
	Checks   []check
	Ready    bool
	Window   kaowu.Window
	Open     bool
	Site     policy.Site
	Unit     kaowu.Unit
	SiteErr  string
	Query    string
	Groups   []catalogGroup
	Profile  kaowu.Profile
	Decision *eligibility.Decision
	Photo    bool
	Flash    string
	Hint     string
}

func (p applyPage) PageTitle() string { return p.Title }

// applyStart shows where the candidate stands: what must be done before
// applying, the window, and the way in.
func (s *Server) applyStart(w http.ResponseWriter, r *http.Request) {
	ctx, me := r.Context(), actorOf(r)
	acc := accountFrom(ctx)
	app_, y, err := s.App.MyApplication(ctx, me)
	started := err == nil
	if err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if started && !app_.State.Editable() {
		http.Redirect(w, r, "/application", http.StatusSeeOther)
		return
	}
	if y == nil {
		if y, err = s.App.CurrentYear(ctx); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	p := applyPage{Title: "网上报名", Year: y, App: app_, Started: started, Flash: flash(r)}
	p.Window = app.SubmitWindow(y, app_.State)
	p.Open = p.Window.Open(s.App.Clock.Now())
	p.Hint = hint(p.Window, s.App.Clock.Now())
	bound := s.App.RequireBinding(ctx, acc.ID) == nil
	prof, _ := s.App.Profile(ctx, me, acc.ID)
	_, photoErr := s.App.Photo(ctx, me, acc.ID)
	_, _, siteErr := s.App.AllowedSite(ctx, y, acc.ID)
	p.Checks = []check{
		{OK: true, Text: "已注册并登录"},
		{OK: bound, Text: "已绑定微信（二（一）4(5)）", Fix: "绑定微信后才能报名", Link: "/me/wechat", Label: "去绑定"},
		{OK: len(prof.Education) > 0 && prof.Work.UnitID != "", Text: "已填写学历和工作信息", Fix: "请先填写基本信息", Link: "/me/profile", Label: "去填写"},
		{OK: photoErr == nil, Text: "已上传本人照片", Fix: "请上传照片", Link: "/me/profile#photo", Label: "去上传"},
		{OK: siteErr == nil, Text: "工作单位所在区有对应的考点（二（一））", Fix: kaowu.ErrorMessage(siteErr), Link: "/me/profile", Label: "修改单位"},
	}
	p.Ready = p.Open
	for _, c := range p.Checks {
		p.Ready = p.Ready && c.OK
	}
	s.render(w, r, http.StatusOK, "apply", p)
}

func init() {
	funcs["siteName"] = func(y *policy.Year, code string) string {
		if s, ok := y.Site(code); ok {
			return s.Name
		}
		return code
	}
	funcs["stateLabel"] = func(s kaowu.ApplicationState) string { return s.Label() }
	funcs["eduLabel"] = func(l string) string { return policy.EducationLevel(l).Label() }
	funcs["licenceKindLabel"] = func(k string) string { return policy.LicenceKind(k).Label() }
	funcs["span"] = span
	funcs["confirmedOrLater"] = func(s kaowu.ApplicationState) bool {
		switch s {
		case kaowu.StateConfirmed, kaowu.StateApproved, kaowu.StatePaid, kaowu.StateTicketed, kaowu.StateScored, kaowu.StateRejected, kaowu.StateForfeited:
			return true
		}
		return false
	}
	funcs["approvedOrLater"] = approvedOrLater
	funcs["paidOrLater"] = func(s kaowu.ApplicationState) bool {
		return s == kaowu.StatePaid || s == kaowu.StateTicketed || s == kaowu.StateScored
	}
	funcs["ticketedOrLater"] = func(s kaowu.ApplicationState) bool { return s == kaowu.StateTicketed || s == kaowu.StateScored }
}

// approvedOrLater reports whether the region has approved an application
// (whatever came after).
func approvedOrLater(s kaowu.ApplicationState) bool {
	switch s {
	case kaowu.StateApproved, kaowu.StatePaid, kaowu.StateTicketed, kaowu.StateScored, kaowu.StateForfeited:
		return true
	}
	return false
}

func flash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "withdrawn":
		return "已撤回。请修改后重新提交；修改后须重新打印申报表（二（一）4(6)）。"
	case "submitted":
		return "提交成功。请打印申报表，交所在单位审查盖章（二（一））。"
	case "confirmed":
		return "提交成功。您是上一年度的考生且信息未变化，已自动完成报名确认（二（一））。"
	}
	return ""
}

func (s *Server) applyBegin(w http.ResponseWriter, r *http.Request) {
	if _, err := s.App.StartApplication(r.Context(), actorOf(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/apply/site", http.StatusSeeOther)
}

// applyPageFor loads what a step shows.
func (s *Server) applyPageFor(r *http.Request, step string) (applyPage, error) {
	ctx, me := r.Context(), actorOf(r)
	application, y, err := s.App.MyApplication(ctx, me)
	if err != nil {
		return applyPage{}, err
	}
	p := applyPage{Title: "网上报名", Step: step, Steps: applySteps, Year: y, App: application, Started: true}
	p.Form = newForm(nil, nil)
	p.Form.Values.Set("site", application.Site)
	p.Form.Values.Set("specialty", application.Specialty)
	p.Form.Values.Set("education_relevant", application.Decl.EducationRelevant)
	p.Form.Values.Set("education_recognised", application.Decl.EducationRecognised)
	p.Form.Values.Set("title_relevant", application.Decl.TitleRelevant)
	p.Form.Values.Set("archive_no", application.Decl.ArchiveNo)
	switch step {
	case "site":
		var err error
		p.Site, p.Unit, err = s.App.AllowedSite(ctx, y, application.CandidateID)
		p.SiteErr = kaowu.ErrorMessage(err)
	case "specialty":
		p.Query = strings.TrimSpace(r.URL.Query().Get("q"))
		p.Groups = catalogGroups(y, p.Query, "")
	case "info":
		p.Profile, _ = s.App.Profile(ctx, me, application.CandidateID)
	case "check":
		d, _, err := s.App.Preview(ctx, me)
		if err != nil {
			return p, err
		}
		p.Decision = &d
	case "photo":
		_, err := s.App.Photo(ctx, me, application.CandidateID)
		p.Photo = err == nil
		d, _, err := s.App.Preview(ctx, me)
		if err != nil {
			return p, err
		}
		p.Decision = &d
	}
	return p, nil
}

// applyStep shows one step of the flow.
func (s *Server) applyStep(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.applyPageFor(r, step)
		if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
			http.Redirect(w, r, "/apply", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if !p.App.State.Editable() {
			http.Redirect(w, r, "/application", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "apply_"+step, p)
	}
}

// applyChoose saves one step's choices and moves to the next step; a
// refused choice shows the step again with what was typed and why.
func (s *Server) applyChoose(step string) http.HandlerFunc {
	next := map[string]string{"site": "/apply/specialty", "specialty": "/apply/info", "info": "/apply/check"}
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新填写"))
			return
		}
		v := r.PostForm
		var c app.Choices
		switch step {
		case "site":
			c.Site = v.Get("site")
			if c.Site == "" {
				c.Site = "-"
			}
		case "specialty":
			c.Specialty = strings.TrimSpace(v.Get("specialty"))
			if c.Specialty == "" {
				c.Specialty = "-"
			}
		case "info":
			c.Decl = kaowu.Declarations{EducationRelevant: v.Get("education_relevant"), EducationRecognised: v.Get("education_recognised"),
				TitleRelevant: v.Get("title_relevant"), ArchiveNo: strings.TrimSpace(v.Get("archive_no"))}
		}
		if step != "info" {
			cur, _, err := s.App.MyApplication(r.Context(), actorOf(r))
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			c.Decl = cur.Decl
		}
		if _, err := s.App.SaveChoices(r.Context(), actorOf(r), c); err != nil {
			p, perr := s.applyPageFor(r, step)
			if perr != nil {
				s.pageError(w, r, perr)
				return
			}
			if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
				s.pageError(w, r, err)
				return
			}
			p.Form = newForm(v, err)
			s.render(w, r, status(kaowu.ErrorCode(err)), "apply_"+step, p)
			return
		}
		http.Redirect(w, r, next[step], http.StatusSeeOther)
	}
}

func (s *Server) applySubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新填写"))
		return
	}
	expected, _ := strconv.Atoi(r.PostForm.Get("version"))
	submitted, err := s.App.Submit(r.Context(), actorOf(r), expected, r.PostForm.Get("photo_confirmed") == "on")
	switch kaowu.ErrorCode(err) {
	case "":
		done := "submitted"
		if submitted.AutoConfirmed {
			done = "confirmed"
		}
		http.Redirect(w, r, "/application?done="+done, http.StatusSeeOther)
	case kaowu.ECONFLICT:
		http.Redirect(w, r, "/application", http.StatusSeeOther)
	case kaowu.EINTERNAL:
		s.pageError(w, r, err)
	default:
		p, perr := s.applyPageFor(r, "photo")
		if perr != nil {
			s.pageError(w, r, perr)
			return
		}
		p.Form = newForm(r.PostForm, err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "apply_photo", p)
	}
}

// nextStep is one thing the candidate has to do, with its deadline.
type nextStep struct {
	Text, When, Clause, Link, Label string
}

type statusPage struct {
	Year       *policy.Year
	App        kaowu.Application
	Versions   []kaowu.ApplicationVersion
	Snapshot   app.FormSnapshot
	Next       []nextStep
	Flash      string
	CanChange  bool
	Materials  []eligibility.Material
	ReviewNote bool
	// Review is the region's decision, once made.
	Review *store.ReviewDecision
	// Returned says why the site office returned the application (二（二）).
	Returned *app.ReturnNote
}

func (statusPage) PageTitle() string { return "我的报名" }

// applicationStatus shows the application's state, its versions with their
// forms, and what to do next and by when.
func (s *Server) applicationStatus(w http.ResponseWriter, r *http.Request) {
	ctx, me := r.Context(), actorOf(r)
	st, err := s.App.MyStatus(ctx, me)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		http.Redirect(w, r, "/apply", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	application, y := st.Application, st.Year
	p := statusPage{Year: y, App: application, Flash: flash(r), Versions: st.Versions, Snapshot: st.Snapshot, Returned: st.Returned, Review: st.Review}
	now := s.App.Clock.Now()
	appWin, _ := y.Window(kaowu.WindowApplication)
	p.CanChange = application.State == kaowu.StateSubmitted && appWin.Open(now)
	if application.Version > 0 {
		// The materials matter until the desk has confirmed them.
		if application.State == kaowu.StateSubmitted || application.State.Editable() {
			p.Materials = p.Snapshot.Decision.Materials
		}
		p.ReviewNote = p.Snapshot.Decision.Outcome == eligibility.Review
	}
	var pub store.ScorePublication
	if application.State == kaowu.StateScored {
		if pub, _, err = s.App.ScorePublished(ctx, y.Year); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	p.Next = nextSteps(y, application, p.Snapshot, p.Review, pub, now)
	s.render(w, r, http.StatusOK, "application", p)
}

// nextSteps says what the candidate must do next and by when, from the
// application's state, the region's decision (nil before it), the scores'
// publication (once scored) and the year's calendar.
func nextSteps(y *policy.Year, a kaowu.Application, snap app.FormSnapshot, review *store.ReviewDecision, pub store.ScorePublication, now time.Time) []nextStep {
	var out []nextStep
	appWin, _ := y.Window(kaowu.WindowApplication)
	pay, _ := y.Window(kaowu.WindowPayment)
	tickets, _ := y.Window(kaowu.WindowTicketPrint)
	deadline := "网上报名截止：" + datetime(appWin.End)
	switch a.State {
	case kaowu.StateDraft, kaowu.StateReturned:
		text := "完成网上报名：选择考点和专业，确认照片后提交"
		if a.Version > 0 {
			text = fmt.Sprintf("您已撤回第%d版：修改后须重新提交，否则不能进行现场确认", a.Version)
		}
		if a.State == kaowu.StateReturned {
			conf, _ := y.Window(kaowu.WindowConfirmation)
			text = fmt.Sprintf("考点已将第%d版退回修改（原因见上）：按原因修改后重新提交，重新打印申报表交单位盖章，在%s前再次现场确认；逾期未确认的，网上报名无效（二（二））", a.Version, datetime(conf.End))
		}
		out = append(out, nextStep{Text: text, When: deadline + "（" + hint(appWin, now) + "）", Clause: appWin.Clause, Link: "/apply/site", Label: "继续报名"})
	case kaowu.StateSubmitted:
		form := fmt.Sprintf("/applications/%s/versions/%d/form.pdf", a.ID, a.Version)
		out = append(out,
			nextStep{Text: fmt.Sprintf("打印《申报表》第%d版：递交的申报表须与最终提交的信息一致", a.Version), Clause: "二（一）4(6)", Link: form, Label: "下载申报表"},
			nextStep{Text: "把申报表交所在单位审查盖章，联系方式栏手工填写；按下方清单准备材料交给单位", Clause: "二（二）2"})
		if day, ok := snap.Site.ConfirmationDay(snap.Unit.Category); ok {
			c := snap.Site.Confirmation
			slots := ""
			for i, sl := range c.Slots {
				if i > 0 {
					slots += "，"
				}
				slots += sl.Name + sl.Start + "—" + sl.End
			}
			out = append(out, nextStep{Text: fmt.Sprintf("由单位（%s）统一到%s现场确认；未按时确认的，网上报名无效", snap.Category, c.Venue),
				When: day.Chinese() + "（" + slots + "）", Clause: c.Clause})
		} else {
			out = append(out, nextStep{Text: "按" + snap.Site.Name + "的安排由单位现场确认；未按时确认的，网上报名无效", Clause: "二（二）"})
		}
		if appWin.Open(now) {
			out = append(out, nextStep{Text: "发现填写错误可以撤回修改，修改后须重新提交并重新打印申报表", When: deadline, Clause: "二（一）4(6)"})
		}
	case kaowu.StateConfirmed:
		out = append(out, nextStep{Text: "您已完成报名确认，请等待考点、考区考试管理机构进行资格审核", Clause: "二（一）"})
	case kaowu.StateVoid:
		out = append(out, nextStep{Text: "未在规定时间内完成现场确认，网上报名无效；本年度不能再报名，请关注下一年度的考试通知", Clause: "二（二）"})
	case kaowu.StateApproved:
		fee := ""
		if review != nil {
			fee = fmt.Sprintf("应缴 %s 元（%d 科 × %s 元）", yuan(review.FeeFen), len(review.Subjects), yuan(y.Fee.PerSubjectFen))
		}
		switch pay.PhaseAt(now) {
		case kaowu.PhaseOpen:
			out = append(out, nextStep{Text: "网上缴费：" + fee + "；逾期未缴费的视为放弃报名",
				When: hint(pay, now), Clause: pay.Clause, Link: "/application/payment", Label: "去缴费"})
		default:
			out = append(out, nextStep{Text: "资格审核已通过，请在网上缴费时间内缴费：" + fee + "；逾期未缴费的视为放弃报名",
				When: span(pay) + "（" + hint(pay, now) + "）", Clause: pay.Clause, Link: "/application/payment", Label: "查看缴费订单"})
		}
	case kaowu.StatePaid:
		out = append(out, nextStep{Text: "考试费已缴纳，可下载缴费凭证；考点编排考场后生成准考证", Clause: pay.Clause, Link: "/application/payment", Label: "查看缴费记录"})
	case kaowu.StateTicketed:
		text, label := "准考证已生成：请在打印时间内下载打印，考试时携带准考证和有效身份证件", "打印准考证"
		if tickets.PhaseAt(now) == kaowu.PhaseBefore {
			text, label = "准考证已生成，可查看考试地点和时间；打印时间开始后请下载打印", "查看准考证"
		}
		out = append(out, nextStep{Text: text, When: span(tickets) + "（" + hint(tickets, now) + "）", Clause: tickets.Clause, Link: "/application/ticket", Label: label})
	case kaowu.StateForfeited:
		out = append(out, nextStep{Text: "未在网上缴费时间内缴费，视为放弃报名；如您已在截止前付款，请携付款凭证联系考点", Clause: pay.Clause,
			Link: "/application/payment", Label: "查看缴费记录"})
	case kaowu.StateScored:
		switch {
		case pub.PublishAt != nil && !now.Before(*pub.PublishAt):
			out = append(out, nextStep{Text: "成绩已公布：查看各科成绩和两年滚动结果，下载成绩单", Clause: "六", Link: "/application/scores", Label: "查看成绩"})
		case pub.PublishAt != nil:
			out = append(out, nextStep{Text: "成绩公布后，可在此查看各科成绩和两年滚动结果，并下载成绩单", When: "公布时间：" + pub.PublishAt.In(kaowu.Shanghai).Format("2006年1月2日 15:04"), Clause: "六"})
		default:
			out = append(out, nextStep{Text: "成绩在考后两个月内公布，公布后可在此查看各科成绩和两年滚动结果，并下载成绩单", Clause: "六"})
		}
	case kaowu.StateRejected:
		out = append(out, nextStep{Text: "资格审核未通过（原因见上）；如有疑问，请联系所在考点考试管理机构", Clause: "二（二）"})
	}
	if a.State.Editable() || a.State == kaowu.StateSubmitted || a.State == kaowu.StateConfirmed {
		out = append(out, nextStep{Text: fmt.Sprintf("考区审核通过后网上缴费，每科 %s 元；逾期未缴费视为放弃报名", yuan(y.Fee.PerSubjectFen)),
			When: span(pay), Clause: pay.Clause})
	}
	if a.State.Editable() || a.State == kaowu.StateSubmitted || a.State == kaowu.StateConfirmed || a.State == kaowu.StateApproved || a.State == kaowu.StatePaid {
		out = append(out, nextStep{Text: "网上打印准考证", When: span(tickets), Clause: tickets.Clause})
	}
	return out
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func (s *Server) applicationWithdraw(w http.ResponseWriter, r *http.Request) {
	if _, err := s.App.Withdraw(r.Context(), actorOf(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/apply?done=withdrawn", http.StatusSeeOther)
}

func (s *Server) applicationFormPDF(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "申报表版本号无效"))
		return
	}
	b, err := s.App.ApplicationFormPDF(r.Context(), actorOf(r), r.PathValue("id"), n)
	s.sendPrivate(w, r, "application/pdf", fmt.Sprintf("application-form-v%d.pdf", n), b, err)
}

// pledgePDF sends the candidate's personal pledge (附件3), pre-filled.
func (s *Server) pledgePDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.PledgePDF(r.Context(), actorOf(r))
	s.sendPrivate(w, r, "application/pdf", "pledge-personal.pdf", b, err)
}

// unitPledgePDF sends the unit pledge (附件4) listing the unit's applicants.
func (s *Server) unitPledgePDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.UnitPledgePDF(r.Context(), actorOf(r))
	s.sendPrivate(w, r, "application/pdf", "pledge-unit.pdf", b, err)
}

type inboxPage struct {
	Reminders []kaowu.Reminder
}

func (inboxPage) PageTitle() string { return "待办事项提醒" }

// inboxPage lists the actor's reminders, newest first.
func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	rs, err := s.App.Inbox(r.Context(), actorOf(r), 100)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inbox", inboxPage{Reminders: rs})
}

func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) {
	if err := s.App.MarkAllRead(r.Context(), actorOf(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/inbox", http.StatusSeeOther)
}

type verifyPage struct {
	Payload string
	Check   *app.FormCheck
}

func (verifyPage) PageTitle() string { return "申报表核验" }

// verifyForm lets the confirmation desk check a printed form's QR code
// (scanners type it into the field).
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) {
	p := verifyPage{Payload: strings.TrimSpace(r.URL.Query().Get("c"))}
	if p.Payload != "" {
		c, err := s.App.VerifyForm(r.Context(), actorOf(r), p.Payload)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Check = &c
	}
	s.render(w, r, http.StatusOK, "verify", p)
}
