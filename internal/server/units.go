package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// unitRoutes registers the units pages of the site office, the unit HR
// portal and the score-merge queue (issue 7). Whose data each reaches is
// decided in internal/app (units.go, merges.go).
func (s *Server) unitRoutes(mux *http.ServeMux) {
	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/units", office(s.unitsPage))
	s.handleFunc(mux, "POST /staff/units/import", office(s.unitsImport))
	s.handleFunc(mux, "GET /staff/units/edit", office(s.unitEditPage))
	s.handleFunc(mux, "POST /staff/units/edit", office(s.unitEdit))

	hr := s.requireRole(kaowu.RoleUnitHR)
	s.handleFunc(mux, "GET /unit", hr(s.unitPortal))
	s.handleFunc(mux, "GET /unit/roster.pdf", hr(s.unitRosterPDF))
	s.handleFunc(mux, "GET /unit/roster.xlsx", hr(s.unitRosterXLSX))

	site := s.requireRole(kaowu.RoleSiteStaff)
	s.handleFunc(mux, "GET /staff/merges", site(s.mergesPage))
	s.handleFunc(mux, "POST /staff/merges", site(s.mergeScores))
}

type unitsExtra struct {
	// List is the units list (the staff lists' one, lists.go) of the units
	// the actor manages, with its filter, sort and pages.
	List       listPage
	Categories map[string]string // key → Chinese name
	Header     []string
	Imported   string
	Saved      string
}

func (s *Server) unitsExtra(r *http.Request) (unitsExtra, error) {
	v, err := s.App.List(r.Context(), actorOf(r), store.ListUnits, listParams(r.URL.Query()))
	if err != nil && kaowu.ErrorCode(err) != kaowu.EINVALID {
		return unitsExtra{}, err
	}
	list := newListPage(r, "/staff/units", v, err)
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		return unitsExtra{}, err
	}
	cats := map[string]string{}
	for _, c := range y.UnitCategories {
		cats[c.Key] = c.Name
	}
	q := r.URL.Query()
	return unitsExtra{List: list, Categories: cats, Header: app.UnitFileHeader(), Imported: q.Get("imported"), Saved: q.Get("saved")}, nil
}

func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.unitsExtra(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "unit_list", formPage{Title: "用人单位管理", Form: newForm(nil, nil), Extra: extra})
}

// unitsImport adds the units of an uploaded .xlsx or .csv file, all or
// nothing; a refused file shows its row-by-row report.
func (s *Server) unitsImport(w http.ResponseWriter, r *http.Request) {
	data, err := readUpload(w, r, "file", "单位")
	name := ""
	if err == nil {
		if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
			name = fh[0].Filename
		}
		var rows [][]string
		rows, err = tabular.Read(name, bytes.NewReader(data))
		if err != nil {
			err = kaowu.FieldError("file", "无法读取文件“"+name+"”：请上传 .xlsx 或 .csv 文件（"+kaowu.ErrorMessage(err)+"）")
		} else {
			var n int
			if n, err = s.App.ImportUnits(r.Context(), actorOf(r), rows, "上传文件 "+name); err == nil {
				http.Redirect(w, r, fmt.Sprintf("/staff/units?imported=%d", n), http.StatusSeeOther)
				return
			}
		}
	}
	extra, e2 := s.unitsExtra(r)
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "unit_list", formPage{Title: "用人单位管理", Extra: extra}, err)
}

type unitEditExtra struct {
	Unit       kaowu.Unit
	Categories []policy.UnitCategory
}

func (s *Server) unitEditExtra(r *http.Request, id string) (unitEditExtra, error) {
	u, err := s.App.ManagedUnit(r.Context(), actorOf(r), id)
	if err != nil {
		return unitEditExtra{}, err
	}
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		return unitEditExtra{}, err
	}
	return unitEditExtra{Unit: u, Categories: y.UnitCategories}, nil
}

func (s *Server) unitEditPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.unitEditExtra(r, r.URL.Query().Get("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := extra.Unit
	v := url.Values{"id": {u.ID}, "name": {u.Name}, "district": {u.District}, "unit_category": {u.Category}}
	if u.Private {
		v.Set("private", "on")
	}
	s.render(w, r, http.StatusOK, "unit_edit", formPage{Title: "修改单位信息", Form: newForm(v, nil), Extra: extra})
}

func (s *Server) unitEdit(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	u, err := s.App.UpdateUnit(r.Context(), actorOf(r), v.Get("id"), app.UnitInput{Name: v.Get("name"), District: v.Get("district"),
		Category: v.Get("unit_category"), Private: v.Get("private") == "on"})
	if err == nil {
		http.Redirect(w, r, "/staff/units?saved="+url.QueryEscape(u.Name), http.StatusSeeOther)
		return
	}
	extra, e2 := s.unitEditExtra(r, v.Get("id"))
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "unit_edit", formPage{Title: "修改单位信息", Extra: extra}, err)
}

type portalData struct {
	app.UnitPortal
	// RosterProblem, when set, says why the roster cannot be printed.
	RosterProblem string
	Waiting       int
}

func (portalData) PageTitle() string { return "本单位考生" }

func (s *Server) unitPortal(w http.ResponseWriter, r *http.Request) {
	p, err := s.App.UnitPortal(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := portalData{UnitPortal: p}
	if _, err := p.Roster(); err != nil {
		d.RosterProblem = kaowu.ErrorMessage(err)
	}
	for _, c := range p.Candidates {
		if c.OnRoster() {
			d.Waiting++
		}
	}
	s.render(w, r, http.StatusOK, "unit_portal", d)
}

func (s *Server) unitRosterPDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.UnitRosterPDF(r.Context(), actorOf(r))
	s.sendPrivate(w, r, "application/pdf", "roster.pdf", b, err)
}

func (s *Server) unitRosterXLSX(w http.ResponseWriter, r *http.Request) {
	rows, err := s.App.UnitRosterRows(r.Context(), actorOf(r))
	var buf bytes.Buffer
	if err == nil {
		err = tabular.Write("roster.xlsx", &buf, rows)
	}
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "roster.xlsx", buf.Bytes(), err)
}

type mergesExtra struct {
	Queue []app.MergeEntry
	// Failed is the application whose merge was refused (its form shows
	// the errors); Done the one just merged.
	Failed string
	Done   string
}

func (s *Server) mergesPage(w http.ResponseWriter, r *http.Request) {
	q, err := s.App.MergeQueue(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "unit_merges", formPage{Title: "考试成绩合并", Form: newForm(nil, nil),
		Extra: mergesExtra{Queue: q, Done: r.URL.Query().Get("done")}})
}

// mergeScores links an application's account to last year's record once
// the desk has checked the evidence (二（一）).
func (s *Server) mergeScores(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	id := v.Get("application_id")
	_, err := s.App.MergeScores(r.Context(), actorOf(r), id, v.Get("note"), v.Get("verified") == "on")
	if err == nil {
		http.Redirect(w, r, "/staff/merges?done="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	q, e2 := s.App.MergeQueue(r.Context(), actorOf(r))
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "unit_merges", formPage{Title: "考试成绩合并", Extra: mergesExtra{Queue: q, Failed: id}}, err)
}
