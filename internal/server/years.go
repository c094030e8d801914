package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/policy"
)

// yearRoutes registers the region office's exam-year pages: the stored
// years, the comparison of two of them, and a draft's review before it is
// loaded (kaowu policy diff / load on the web).
func (s *Server) yearRoutes(mux *http.ServeMux) {
	region := s.requireRole(kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /review/years", region(s.yearsPage))
	s.handleFunc(mux, "GET /review/years/diff", region(s.yearsDiff))
	s.handleFunc(mux, "POST /review/years/preview", region(s.yearsPreview))
	s.handleFunc(mux, "POST /review/years/load", region(s.yearsLoad))
}

// storedYear is one stored exam year as the years page lists it.
type storedYear struct {
	*policy.Year
	Active, Removed int
	Previous        int // the stored year before it, 0 if none
}

type yearsPage struct {
	Years  []storedYear
	Loaded string
}

func (yearsPage) PageTitle() string { return "考试年度数据" }

// yearsData loads the stored years, newest first.
func (s *Server) yearsData(r *http.Request) (yearsPage, error) {
	ys, err := s.App.Years(r.Context())
	if err != nil {
		return yearsPage{}, err
	}
	var p yearsPage
	for i, y := range ys {
		py, err := s.App.Year(r.Context(), y)
		if err != nil {
			return p, err
		}
		sy := storedYear{Year: py}
		sy.Active, sy.Removed = py.CatalogCounts()
		if i+1 < len(ys) {
			sy.Previous = ys[i+1]
		}
		p.Years = append(p.Years, sy)
	}
	return p, nil
}

func (s *Server) yearsPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.yearsData(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if y := r.URL.Query().Get("loaded"); y != "" {
		p.Loaded = fmt.Sprintf("%s年度数据已载入，新的日程、费用、专业目录和报考条件即时生效。", y)
	}
	s.render(w, r, http.StatusOK, "years", formPage{Title: "考试年度数据", Form: newForm(nil, nil), Extra: p})
}

// changeSection is the changes of one part of the year, labelled.
type changeSection struct {
	Key, Label string
	Changes    []policy.Change
}

// sectionLabels names the parts of a year document as the office knows them.
var sectionLabels = map[string]string{
	"year": "年度", "title": "标题", "clauses": "通知条款原文", "cutoff": "学历和工作年限计算截止日期（一（四））",
	"fee": "报名费（三）", "pass_line": "合格标准", "calendar": "日程安排", "sessions": "考试科目与时间（五）",
	"region": "考区", "unit_categories": "单位类别", "sites": "考点与现场确认日程", "licence_rules": "执业资格要求（一（七））",
	"eligibility": "报考条件（附件1）", "catalog": "专业目录（附件2）", "retention": "个人信息保存期限",
}

type yearsDiffPage struct {
	app.YearPreview
	Sections []changeSection
	// Doc is the uploaded draft, carried to the load form; empty when two
	// stored years are compared.
	Doc string
}

func (yearsDiffPage) PageTitle() string { return "考试年度变化" }

func diffPage(p app.YearPreview, doc string) yearsDiffPage {
	d := yearsDiffPage{YearPreview: p, Doc: doc}
	for _, c := range p.Changes {
		if n := len(d.Sections); n == 0 || d.Sections[n-1].Key != c.Section {
			label := sectionLabels[c.Section]
			if label == "" {
				label = c.Section
			}
			d.Sections = append(d.Sections, changeSection{Key: c.Section, Label: label})
		}
		last := &d.Sections[len(d.Sections)-1]
		last.Changes = append(last.Changes, c)
	}
	return d
}

func (s *Server) yearsDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	if err1 != nil || err2 != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "请从考试年度数据页选择要比较的两个年度"))
		return
	}
	p, err := s.App.CompareYears(r.Context(), from, to)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "years_diff", diffPage(p, ""))
}

// yearsPreview shows what an uploaded year document would change, with a
// button to load it; nothing is stored yet.
func (s *Server) yearsPreview(w http.ResponseWriter, r *http.Request) {
	doc, err := readUpload(w, r, "file", "考试年度数据")
	var p app.YearPreview
	if err == nil {
		p, err = s.App.PreviewYear(r.Context(), actorOf(r), doc)
	}
	if err != nil {
		s.yearsRefuse(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "years_diff", diffPage(p, string(doc)))
}

func (s *Server) yearsLoad(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	r.ParseForm()
	y, err := s.App.LoadYear(r.Context(), actorOf(r), []byte(r.PostForm.Get("doc")))
	if err != nil {
		s.yearsRefuse(w, r, err)
		return
	}
	http.Redirect(w, r, "/review/years?loaded="+url.QueryEscape(strconv.Itoa(y.Year)), http.StatusSeeOther)
}

// yearsRefuse shows the years page with why a document was refused.
func (s *Server) yearsRefuse(w http.ResponseWriter, r *http.Request, err error) {
	p, e2 := s.yearsData(r)
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	s.refuse(w, r, "years", formPage{Title: "考试年度数据", Extra: p}, err)
}
