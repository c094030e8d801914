package server

import (
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/policy"
)

// reviewMilitaryRoutes registers the region's eligibility review and the
// military registration (二（二）, 二（三）).
func (s *Server) reviewMilitaryRoutes(mux *http.ServeMux) {
	region := s.requireRole(kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /review", region(s.reviewPage))
	s.handleFunc(mux, "POST /review/decide", region(s.reviewDecide))
	s.militaryRoutes(mux)
}

// reviewRow is one application of the review list as the page shows it.
type reviewRow struct {
	store.ApplicationRow
	SpecialtyName string
	SiteName      string
}

type reviewPage struct {
	Year    *policy.Year
	Filter  app.ReviewFilter
	Rows    []reviewRow
	NextURL string
	PrevURL string
	Units   []kaowu.Unit
	Form    form
	Results []app.ReviewResult
	Done    int
	// FilterQuery is the current filter, for the decision form to return to.
	FilterQuery url.Values
}

func (reviewPage) PageTitle() string { return "资格审核" }

// reviewFilter reads the list's filter from query or form values.
func reviewFilter(v url.Values) app.ReviewFilter {
	f := app.ReviewFilter{Site: v.Get("site"), Specialty: v.Get("specialty"), UnitID: v.Get("unit"), Cursor: v.Get("cursor")}
	if v.Get("outcome") == "review" {
		f.Outcome = "review"
	}
	f.AutoConfirmed = v.Get("auto") == "on" || v.Get("auto") == "1"
	return f
}

func filterQuery(f app.ReviewFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"site": f.Site, "specialty": f.Specialty, "unit": f.UnitID, "outcome": f.Outcome} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.AutoConfirmed {
		q.Set("auto", "1")
	}
	return q
}

// reviewData loads the page for filter f.
func (s *Server) reviewData(r *http.Request, f app.ReviewFilter) (reviewPage, error) {
	page, y, err := s.App.ReviewList(r.Context(), actorOf(r), f)
	if err != nil {
		return reviewPage{}, err
	}
	p := reviewPage{Year: y, Filter: f, FilterQuery: filterQuery(f), Form: newForm(nil, nil)}
	for _, row := range page.Rows {
		sp, _ := y.Specialty(row.Specialty)
		site, _ := y.Site(row.Site)
		p.Rows = append(p.Rows, reviewRow{ApplicationRow: row, SpecialtyName: sp.Name, SiteName: site.Name})
	}
	at := func(c string) string {
		q := filterQuery(f)
		q.Set("cursor", c)
		return "/review?" + q.Encode()
	}
	if page.Next != "" {
		p.NextURL = at(page.Next)
	}
	if page.Prev != "" {
		p.PrevURL = at(page.Prev)
	}
	if p.Units, err = s.App.Store.Units(r.Context()); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.reviewData(r, reviewFilter(r.URL.Query()))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "review", p)
}

// reviewDecide applies one decision to the selected applications and shows
// what became of each, above the list as it now stands.
func (s *Server) reviewDecide(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	in := app.ReviewInput{IDs: v["ids"], Approve: v.Get("decision") == "approve", Reason: v.Get("reason"), Clause: v.Get("clause")}
	f := reviewFilter(v)
	f.Cursor = ""
	if d := v.Get("decision"); d != "approve" && d != "reject" {
		err := kaowu.FieldError("decision", "请选择“审核通过”或“审核不通过”")
		s.reviewRefuse(w, r, f, err)
		return
	}
	results, err := s.App.Review(r.Context(), actorOf(r), in)
	if err != nil {
		s.reviewRefuse(w, r, f, err)
		return
	}
	p, err := s.reviewData(r, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Results = results
	for _, x := range results {
		if x.Done {
			p.Done++
		}
	}
	s.render(w, r, http.StatusOK, "review", p)
}

func (s *Server) reviewRefuse(w http.ResponseWriter, r *http.Request, f app.ReviewFilter, err error) {
	if kaowu.ErrorCode(err) == kaowu.EINTERNAL || kaowu.ErrorCode(err) == kaowu.EFORBIDDEN {
		s.pageError(w, r, err)
		return
	}
	p, e2 := s.reviewData(r, f)
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	p.Form = newForm(r.PostForm, err)
	s.render(w, r, status(kaowu.ErrorCode(err)), "review", p)
}

func init() {
	funcs["selectedIn"] = func(v url.Values, id string) bool {
		for _, x := range v["ids"] {
			if x == id {
				return true
			}
		}
		return false
	}
	funcs["stateLabel"] = func(st kaowu.ApplicationState) string { return st.Label() }
}
