package server

import (
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// auditRoutes registers the audit search (issue 11): the offices search the
// audit log and export what they found.
func (s *Server) auditRoutes(mux *http.ServeMux) {
	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/audit", office(s.auditPage))
	s.handleFunc(mux, "GET /staff/audit.xlsx", office(s.auditXLSX))
}

// auditMatch is a candidate the search's text names, with the link that
// picks them.
type auditMatch struct {
	store.AuditCandidate
	URL string
}

type auditPageData struct {
	Form    form
	Result  app.AuditResult
	Actions []kaowu.AuditAction
	Matches []auditMatch
	// SiteName names the site an office's search is limited to.
	SiteName  string
	NextURL   string
	ExportURL string
}

func (auditPageData) PageTitle() string { return "审计日志" }

// auditQuery reads the search's filter from the query string.
func auditQuery(v url.Values) (app.AuditQuery, error) {
	q := app.AuditQuery{Candidate: v.Get("candidate"), CandidateID: v.Get("cid"), Actor: v.Get("actor"),
		Action: v.Get("action"), After: v.Get("after")}
	fields := map[string]string{}
	for name, d := range map[string]*kaowu.Date{"from": &q.From, "to": &q.To} {
		if t := v.Get(name); t != "" {
			x, err := kaowu.ParseDate(t)
			if err != nil {
				fields[name] = "日期应为 2024-01-29 这样的格式"
				continue
			}
			*d = x
		}
	}
	if len(fields) > 0 {
		return q, &kaowu.Error{Code: kaowu.EINVALID, Message: "请改正查询条件", Fields: fields}
	}
	return q, nil
}

// auditValues is the query string of the current search without its
// page: a resolved candidate is named by username, so that neither the
// ID number typed nor the account id travels in links.
func auditValues(v url.Values, res app.AuditResult) url.Values {
	out := url.Values{}
	for _, k := range []string{"candidate", "cid", "actor", "action", "from", "to"} {
		if x := v.Get(k); x != "" {
			out.Set(k, x)
		}
	}
	if res.Candidate != nil {
		out.Del("cid")
		out.Set("candidate", res.Candidate.Username)
	}
	return out
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	p := auditPageData{Actions: kaowu.AuditActions, Form: newForm(v, nil)}
	q, err := auditQuery(v)
	if err == nil {
		p.Result, err = s.App.SearchAudit(r.Context(), actorOf(r), q)
	}
	if err != nil {
		if kaowu.ErrorCode(err) != kaowu.EINVALID {
			s.pageError(w, r, err)
			return
		}
		p.Form = newForm(v, err)
		s.render(w, r, http.StatusBadRequest, "audit", p)
		return
	}
	base := auditValues(v, p.Result)
	p.Form.Values = base
	if p.Result.Site != "" {
		if y, err := s.App.CurrentYear(r.Context()); err == nil {
			if site, ok := y.Site(p.Result.Site); ok {
				p.SiteName = site.Name
			}
		}
		if p.SiteName == "" {
			p.SiteName = p.Result.Site
		}
	}
	for _, m := range p.Result.Matches {
		u := url.Values{}
		for k, vs := range base {
			u[k] = vs
		}
		u.Del("candidate")
		u.Set("cid", m.ID)
		p.Matches = append(p.Matches, auditMatch{AuditCandidate: m, URL: "/staff/audit?" + u.Encode()})
	}
	if p.Result.Next != "" {
		u := url.Values{}
		for k, vs := range base {
			u[k] = vs
		}
		u.Set("after", p.Result.Next)
		p.NextURL = "/staff/audit?" + u.Encode()
	}
	p.ExportURL = "/staff/audit.xlsx?" + base.Encode()
	s.render(w, r, http.StatusOK, "audit", p)
}

// auditXLSX streams the search's every entry as .xlsx: the sheet is
// complete before the first byte goes out, so that an error still gets
// its page.
func (s *Server) auditXLSX(w http.ResponseWriter, r *http.Request) {
	q, err := auditQuery(r.URL.Query())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	x, err := s.App.ExportAudit(r.Context(), actorOf(r), q)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	defer x.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.xlsx"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := x.WriteTo(w); err != nil {
		s.Log.Warn("audit export: write", "err", err, "request_id", requestID(r.Context()))
	}
}
