package server

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/policy"
)

// deskRoutes registers the confirmation desk (现场确认, 二（二）): the site
// office finds a candidate by the printed form's QR code, ID number or
// name, checks the form and the materials, and confirms or returns the
// application; a unit's roster confirms row by row; exceptions open a unit
// outside its day and slots. Site staff (their own site) and admin; whose
// applications they reach is checked in the app layer.
func (s *Server) deskRoutes(mux *http.ServeMux) {
	d := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/confirm", d(s.deskSearch))
	s.handleFunc(mux, "GET /staff/confirm/applications/{id}", d(s.deskCase))
	s.handleFunc(mux, "POST /staff/confirm/confirm", d(s.deskConfirm))
	s.handleFunc(mux, "POST /staff/confirm/return", d(s.deskReturn))
	s.handleFunc(mux, "GET /staff/confirm/roster", d(s.deskRoster))
	s.handleFunc(mux, "POST /staff/confirm/roster", d(s.deskRosterConfirm))
	s.handleFunc(mux, "GET /staff/confirm/exceptions", d(s.deskExceptions))
	s.handleFunc(mux, "POST /staff/confirm/exceptions", d(s.deskOpenException))
}

func init() {
	// photoURI inlines a submitted version's photo in the desk page.
	funcs["photoURI"] = func(b []byte) template.URL {
		return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b))
	}
	funcs["returnReasons"] = func() []app.ReturnReason { return app.ReturnReasons }
	funcs["maskID"] = func(n kaowu.IDNumber) string { return kaowu.MaskID(string(n)) }
	funcs["errorMessage"] = kaowu.ErrorMessage
	funcs["unitOptions"] = func(units []kaowu.Unit, sel string) []option {
		var pairs []string
		for _, u := range units {
			pairs = append(pairs, u.ID, u.Name)
		}
		return options(sel, pairs...)
	}
}

// deskSite is the site query value an admin may pass.
func deskSiteParam(r *http.Request) string {
	if v := r.URL.Query().Get("site"); v != "" {
		return v
	}
	return r.PostFormValue("site")
}

type deskSearchPage struct {
	Site  policy.Site
	Q     string
	Found app.DeskFound
	Flash string
}

func (deskSearchPage) PageTitle() string { return "现场确认" }

// deskSearch finds a candidate: a scanned QR code or a single match goes
// straight to the candidate's page.
func (s *Server) deskSearch(w http.ResponseWriter, r *http.Request) {
	ctx, me := r.Context(), actorOf(r)
	site, _, err := s.App.DeskSite(ctx, me, deskSiteParam(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := deskSearchPage{Site: site, Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	if p.Q != "" {
		if p.Found, err = s.App.DeskFind(ctx, me, site.Code, p.Q); err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(p.Found.Rows) == 1 && (p.Found.Check == nil || p.Found.Check.Genuine) {
			to := "/staff/confirm/applications/" + url.PathEscape(p.Found.Rows[0].ID)
			if p.Found.Check != nil {
				to += "?c=" + url.QueryEscape(p.Q)
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, http.StatusOK, "desk_search", p)
}

type deskCasePage struct {
	Case  app.DeskCase
	Q     string // the QR payload scanned, if any
	Form  form
	Flash string
}

func (p deskCasePage) PageTitle() string { return "现场确认 · " + p.Case.Row.Name }

// Decision returns a desk decision's reasons as text.
func (p deskCasePage) ReasonText(d store.DeskDecision) string {
	var parts []string
	for _, k := range d.Reasons {
		for _, rr := range app.ReturnReasons {
			if rr.Key == k && k != "other" {
				parts = append(parts, rr.Text)
			}
		}
	}
	if d.Note != "" {
		parts = append(parts, d.Note)
	}
	return strings.Join(parts, "；")
}

func deskFlash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "confirmed":
		return "✓ 已确认。请扫描下一位考生的申报表。"
	case "returned":
		return "已退回修改，考生将在“我的报名”和待办事项提醒中看到退回原因。"
	}
	return ""
}

// deskCase shows one candidate: the form check, photo, key facts, the
// checklist of materials and the two actions.
func (s *Server) deskCase(w http.ResponseWriter, r *http.Request) {
	s.renderCase(w, r, http.StatusOK, r.PathValue("id"), r.URL.Query().Get("c"), newForm(nil, nil))
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, code int, id, payload string, f form) {
	c, err := s.App.DeskCase(r.Context(), actorOf(r), id, payload)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, code, "desk_case", deskCasePage{Case: c, Q: payload, Form: f, Flash: deskFlash(r)})
}

// deskAct runs a desk decision and goes back to the candidate's page, or
// shows it again with the refusal.
func (s *Server) deskAct(w http.ResponseWriter, r *http.Request, act func(id string, version int) error, done string) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新操作"))
		return
	}
	id, payload := r.PostForm.Get("id"), r.PostForm.Get("c")
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	if err := act(id, version); err != nil {
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		// Another site's application or a missing one: the case page
		// refuses them alike.
		s.renderCase(w, r, status(kaowu.ErrorCode(err)), id, payload, newForm(r.PostForm, err))
		return
	}
	to := "/staff/confirm/applications/" + url.PathEscape(id) + "?done=" + done
	if payload != "" {
		to += "&c=" + url.QueryEscape(payload)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) deskConfirm(w http.ResponseWriter, r *http.Request) {
	s.deskAct(w, r, func(id string, version int) error {
		_, err := s.App.Confirm(r.Context(), actorOf(r), id, version)
		return err
	}, "confirmed")
}

func (s *Server) deskReturn(w http.ResponseWriter, r *http.Request) {
	s.deskAct(w, r, func(id string, version int) error {
		_, err := s.App.ReturnForCorrection(r.Context(), actorOf(r), id, version, r.PostForm["reasons"], r.PostForm.Get("note"))
		return err
	}, "returned")
}

type deskRosterPage struct {
	Site    policy.Site
	Units   []kaowu.Unit
	UnitID  string
	Roster  *app.Roster
	Results []app.BatchResult
	Form    form
}

func (deskRosterPage) PageTitle() string { return "按单位批量确认" }

// Confirmed counts the batch's confirmed rows.
func (p deskRosterPage) Confirmed() int {
	n := 0
	for _, r := range p.Results {
		if r.Err == nil {
			n++
		}
	}
	return n
}

func (s *Server) rosterPage(r *http.Request, unitID string) (deskRosterPage, error) {
	ctx, me := r.Context(), actorOf(r)
	site, _, err := s.App.DeskSite(ctx, me, deskSiteParam(r))
	if err != nil {
		return deskRosterPage{}, err
	}
	p := deskRosterPage{Site: site, UnitID: unitID, Form: newForm(nil, nil)}
	if p.Units, err = s.App.DeskUnits(ctx, me, site.Code); err != nil {
		return p, err
	}
	if unitID != "" {
		ro, err := s.App.UnitRoster(ctx, me, site.Code, unitID)
		if err != nil {
			return p, err
		}
		p.Roster = &ro
	}
	return p, nil
}

// deskRoster shows a unit's whole roster, each row confirmable.
func (s *Server) deskRoster(w http.ResponseWriter, r *http.Request) {
	p, err := s.rosterPage(r, r.URL.Query().Get("unit"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "desk_roster", p)
}

// deskRosterConfirm confirms one row ("one", a row's own button) or the
// rows ticked ("pick"); each value is "<id>.<version>".
func (s *Server) deskRosterConfirm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新操作"))
		return
	}
	values := r.PostForm["pick"]
	if one := r.PostForm.Get("one"); one != "" {
		values = []string{one}
	}
	var items []app.BatchItem
	for _, v := range values {
		id, n, _ := strings.Cut(v, ".")
		version, _ := strconv.Atoi(n)
		items = append(items, app.BatchItem{ID: id, Version: version})
	}
	results, batchErr := s.App.ConfirmBatch(r.Context(), actorOf(r), items)
	if kaowu.ErrorCode(batchErr) == kaowu.EINTERNAL || kaowu.ErrorCode(batchErr) == kaowu.EFORBIDDEN {
		s.pageError(w, r, batchErr)
		return
	}
	p, err := s.rosterPage(r, r.PostForm.Get("unit"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Results = results
	code := http.StatusOK
	if batchErr != nil {
		p.Form, code = newForm(r.PostForm, batchErr), status(kaowu.ErrorCode(batchErr))
	}
	s.render(w, r, code, "desk_roster", p)
}

type deskExceptionsPage struct {
	Site       policy.Site
	Units      []kaowu.Unit
	Exceptions []store.ConfirmationException
	Form       form
	Now        time.Time
}

func (deskExceptionsPage) PageTitle() string { return "现场确认例外" }

func (s *Server) exceptionsPage(r *http.Request, f form) (deskExceptionsPage, error) {
	ctx, me := r.Context(), actorOf(r)
	site, _, err := s.App.DeskSite(ctx, me, deskSiteParam(r))
	if err != nil {
		return deskExceptionsPage{}, err
	}
	p := deskExceptionsPage{Site: site, Form: f, Now: s.App.Clock.Now()}
	if p.Units, err = s.App.DeskUnits(ctx, me, site.Code); err != nil {
		return p, err
	}
	p.Exceptions, err = s.App.ConfirmationExceptions(ctx, me, site.Code)
	return p, err
}

// deskExceptions lists the site's exceptions with the form to open one.
func (s *Server) deskExceptions(w http.ResponseWriter, r *http.Request) {
	p, err := s.exceptionsPage(r, newForm(nil, nil))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "desk_exceptions", p)
}

// parseLocal reads a Beijing time typed as 2023-12-15T16:30 (the
// datetime-local field) or 2023-12-15 16:30.
func parseLocal(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, kaowu.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, kaowu.FieldError("until", fmt.Sprintf("时间 %q 无效，应为 2023-12-15 16:30 这样的北京时间", v))
}

func (s *Server) deskOpenException(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新操作"))
		return
	}
	v := r.PostForm
	until, err := parseLocal(v.Get("until"))
	if err == nil || v.Get("until") == "" {
		_, err = s.App.OpenException(r.Context(), actorOf(r), deskSiteParam(r), v.Get("unit"), until, v.Get("reason"))
	}
	if err != nil {
		if c := kaowu.ErrorCode(err); c == kaowu.EINTERNAL || c == kaowu.EFORBIDDEN {
			s.pageError(w, r, err)
			return
		}
		p, perr := s.exceptionsPage(r, newForm(v, err))
		if perr != nil {
			s.pageError(w, r, perr)
			return
		}
		s.render(w, r, status(kaowu.ErrorCode(err)), "desk_exceptions", p)
		return
	}
	http.Redirect(w, r, "/staff/confirm/exceptions", http.StatusSeeOther)
}
