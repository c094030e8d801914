package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// listRoutes registers the staff lists (issue 11): one page per list, with
// its filters in the query string (bookmarkable), sortable headings and
// keyset pages; the export of exactly the filtered rows, at once or in the
// background with its progress. Who opens which list, and whose rows they
// see, is decided in internal/app (lists.go).
func (s *Server) listRoutes(mux *http.ServeMux) {
	for _, k := range app.ListKinds {
		s.handleFunc(mux, "GET /staff/lists/"+string(k), s.requireRole(app.ListRoles(k)...)(s.listPageOf(k)))
	}
	staff := s.requireRole(kaowu.RoleUnitHR, kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "POST /staff/lists/export", staff(s.listExport))
	s.handleFunc(mux, "GET /staff/lists/exports/{id}", staff(s.listExportPage))
	s.handleFunc(mux, "GET /staff/lists/exports/{id}/file", staff(s.listExportFile))
}

// listParams reads a list's parameters from query or form values.
func listParams(v url.Values) app.ListParams {
	p := app.ListParams{State: v.Get("state"), Specialty: v.Get("specialty"), Level: v.Get("level"), Site: v.Get("site"), Unit: v.Get("unit"),
		Category: v.Get("category"), District: v.Get("district"), From: v.Get("from"), To: v.Get("to"), Query: v.Get("q"),
		Field: v.Get("field"), Sort: v.Get("sort"), Order: v.Get("order"), Cursor: v.Get("cursor")}
	p.Limit, _ = strconv.Atoi(v.Get("n"))
	return p
}

// filterValues are the parameters of p's filter (not its sort or page).
func filterValues(p app.ListParams) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"state": p.State, "specialty": p.Specialty, "level": p.Level, "site": p.Site, "unit": p.Unit,
		"category": p.Category, "district": p.District, "from": p.From, "to": p.To, "q": p.Query, "field": p.Field} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p.Limit == 100 {
		q.Set("n", "100")
	}
	return q
}

// listHeading is a column heading with the link that sorts by it.
type listHeading struct {
	app.ListColumn
	URL  string // "" when the column does not sort
	Sort string // the aria-sort of the column: ascending, descending, or ""
}

// listTab is a link to another list.
type listTab struct {
	Title   string
	URL     string
	Current bool
}

// listPage is a list's page: the view, with every link worked out.
type listPage struct {
	View     app.ListView
	Path     string // the page's path
	Form     form
	Headings []listHeading
	// Cells are the rows' cells of the columns the page shows.
	Cells      [][]app.ListCell
	Labels     []string // their headings, for the cards of narrow screens
	NextURL    string
	PrevURL    string
	ExportForm url.Values // the filter and sort, for the export form
	Tabs       []listTab
	// Filtered says the filter selects rows (beyond the sort and the page
	// size); MoreFiltered, by more than the search.
	Filtered, MoreFiltered bool
}

func (p listPage) PageTitle() string { return p.View.Title }

// newListPage works out a page's links for view v served at path.
func newListPage(r *http.Request, path string, v app.ListView, err error) listPage {
	p := listPage{View: v, Path: path, Form: newForm(r.URL.Query(), err)}
	base := filterValues(v.Params)
	for k := range base {
		p.Filtered = p.Filtered || k != "n"
		p.MoreFiltered = p.MoreFiltered || k != "n" && k != "q" && k != "field"
	}
	at := func(extra map[string]string) string {
		q := url.Values{}
		for k, vs := range base {
			q[k] = vs
		}
		for k, x := range extra {
			if x != "" {
				q.Set(k, x)
			}
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	var keep []int
	for i, c := range v.Columns {
		if !c.Page {
			continue
		}
		keep = append(keep, i)
		h := listHeading{ListColumn: c}
		if c.Sort != "" {
			order := ""
			if c.Sort == v.Params.Sort {
				h.Sort = "ascending"
				order = "desc"
				if v.Params.Order == "desc" {
					h.Sort, order = "descending", "asc"
				}
			}
			h.URL = at(map[string]string{"sort": c.Sort, "order": order})
		}
		p.Headings = append(p.Headings, h)
		p.Labels = append(p.Labels, c.Label)
	}
	for _, row := range v.Rows {
		cells := make([]app.ListCell, len(keep))
		for j, i := range keep {
			cells[j] = row[i]
		}
		p.Cells = append(p.Cells, cells)
	}
	sortParams := map[string]string{"sort": v.Params.Sort, "order": v.Params.Order}
	if v.Next != "" {
		p.NextURL = at(map[string]string{"sort": v.Params.Sort, "order": v.Params.Order, "cursor": v.Next})
	}
	if v.Prev != "" {
		p.PrevURL = at(map[string]string{"sort": v.Params.Sort, "order": v.Params.Order, "cursor": v.Prev})
	}
	p.ExportForm = url.Values{"list": {string(v.Kind)}}
	for k, vs := range base {
		p.ExportForm[k] = vs
	}
	for k, x := range sortParams {
		if x != "" {
			p.ExportForm.Set(k, x)
		}
	}
	if u := accountFrom(r.Context()); u != nil {
		for _, k := range app.ListKinds {
			if app.ListAllowed(u.Role, k) {
				p.Tabs = append(p.Tabs, listTab{Title: app.ListTitle(k), URL: "/staff/lists/" + string(k), Current: k == v.Kind})
			}
		}
	}
	return p
}

// listPageOf serves list k.
func (s *Server) listPageOf(k store.ListKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.App.List(r.Context(), actorOf(r), k, listParams(r.URL.Query()))
		if err != nil && kaowu.ErrorCode(err) != kaowu.EINVALID {
			s.pageError(w, r, err)
			return
		}
		code := http.StatusOK
		if err != nil {
			code = status(kaowu.EINVALID)
		}
		s.render(w, r, code, "list", newListPage(r, "/staff/lists/"+string(k), v, err))
	}
}

// listExport exports the filtered rows of a list: a small list downloads
// at once, a larger one is made in the background and its page follows
// the progress.
func (s *Server) listExport(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	k := store.ListKind(r.PostForm.Get("list"))
	if !slices.Contains(app.ListKinds, k) {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "没有这个名单"))
		return
	}
	started := false
	res, err := s.App.ExportList(r.Context(), actorOf(r), k, listParams(r.PostForm), func(name string) io.Writer {
		started = true
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", attachment(name))
		w.Header().Set("Cache-Control", "private, no-store")
		return w
	})
	switch {
	case err != nil && started:
		// Headers are gone: the download is cut short, which the browser
		// reports; the log says why.
		s.Log.Error("list export", "list", k, "err", err, "request_id", requestID(r.Context()))
	case kaowu.ErrorCode(err) == kaowu.EINVALID:
		v, _ := s.App.List(r.Context(), actorOf(r), k, listParams(r.PostForm))
		s.render(w, r, status(kaowu.EINVALID), "list", newListPage(r, "/staff/lists/"+string(k), v, err))
	case err != nil:
		s.pageError(w, r, err)
	case res.Export != nil:
		http.Redirect(w, r, "/staff/lists/exports/"+res.Export.ID, http.StatusSeeOther)
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// attachment is a Content-Disposition for a download named name (UTF-8,
// with an ASCII fallback).
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, name)
	ascii = strings.TrimLeft(ascii, "-")
	if ascii == "" || strings.HasPrefix(ascii, ".") {
		ascii = "export" + ascii
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// exportJSON is a background export's progress as its page polls it.
type exportJSON struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Error string `json:"error,omitempty"`
	File  string `json:"file,omitempty"`
}

type exportPage struct {
	Export store.ListExport
	JSON   exportJSON
	Title  string
	Back   string
}

func (p exportPage) PageTitle() string { return p.Title }

func (s *Server) listExportPage(w http.ResponseWriter, r *http.Request) {
	e, err := s.App.ListExportOf(r.Context(), actorOf(r), r.PathValue("id"))
	wantJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if err != nil {
		if wantJSON {
			s.apiError(w, r, err)
		} else {
			s.pageError(w, r, err)
		}
		return
	}
	v := exportJSON{ID: e.ID, State: e.State, Done: e.Done, Total: e.Total, Error: e.Error}
	if e.State == "done" {
		v.File = "/staff/lists/exports/" + e.ID + "/file"
	}
	if wantJSON {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, v)
		return
	}
	s.render(w, r, http.StatusOK, "list_export", exportPage{Export: e, JSON: v, Title: "导出" + app.ListTitle(e.List),
		Back: "/staff/lists/" + string(e.List)})
}

func (s *Server) listExportFile(w http.ResponseWriter, r *http.Request) {
	name, b, err := s.App.ListExportFile(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", attachment(name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

func init() {
	funcs["listStates"] = app.ListStates
	funcs["fieldLabel"] = app.FieldLabel
	funcs["isList"] = func(k store.ListKind, names ...string) bool { return slices.Contains(names, string(k)) }
}
