package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/app"
	"kaowu/policy"
)

// apiEligibility answers POST /api/v1/eligibility/check[?year=2024][&trace=1]
// with the decision for the facts in the body. Open to anyone.
func (s *Server) apiEligibility(w http.ResponseWriter, r *http.Request) {
	year, trace, err := checkParams(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	facts, err := eligibility.DecodeFacts(http.MaxBytesReader(w, r.Body, eligibility.MaxFactsBytes))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.App.CheckEligibility(r.Context(), year, facts, trace)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func checkParams(q url.Values) (year int, trace bool, err error) {
	if v := q.Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return 0, false, kaowu.FieldError("year", "考试年度应为四位数字，例如 2024")
		}
	}
	switch q.Get("trace") {
	case "", "0", "false":
	case "1", "true":
		trace = true
	default:
		return 0, false, kaowu.FieldError("trace", "trace 应为 true 或 false")
	}
	return year, trace, nil
}

type eligibilityPage struct {
	Year     *policy.Year
	Form     form
	Decision *eligibility.Decision
	// Mine is set when a logged-in candidate checks their own profile.
	Mine bool
	User *kaowu.Account
}

func (eligibilityPage) PageTitle() string { return "报考资格自测" }

// eligibilityGet shows the self-check form. Open to anyone; a logged-in
// candidate may check with their own profile.
func (s *Server) eligibilityGet(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := newForm(url.Values{"id_type": {string(kaowu.IDResident)}, "site": {"fengtai"}, "unit_district": {"丰台区"}}, nil)
	s.render(w, r, http.StatusOK, "eligibility", eligibilityPage{Year: y, Form: f, User: accountFrom(r.Context())})
}

// eligibilityPost evaluates what was filled in (or, with source=profile,
// the logged-in candidate's stored profile) and shows the decision with
// the form kept as typed. Nothing is stored.
func (s *Server) eligibilityPost(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请返回重新填写"))
		return
	}
	v := r.PostForm
	page := eligibilityPage{Year: y, User: accountFrom(r.Context())}
	target := eligibility.Target{Specialty: strings.TrimSpace(v.Get("specialty")), Site: v.Get("site")}
	var facts eligibility.Facts
	errs := map[string]string{}
	if target.Specialty == "" {
		errs["specialty"] = "请选择报考专业"
	}
	if v.Get("source") == "profile" && page.User != nil && page.User.Role == kaowu.RoleCandidate {
		page.Mine = true
		if facts, err = s.App.CandidateFacts(r.Context(), actorOf(r), page.User.ID, target); err != nil {
			s.pageError(w, r, err)
			return
		}
	} else {
		p, perrs := app.ProfileFromForm(v)
		for k, m := range perrs {
			errs[k] = m
		}
		u := kaowu.Unit{District: v.Get("unit_district"), Category: v.Get("unit_category"), Private: v.Get("unit_private") == "on"}
		if u.District == "" {
			errs["unit_district"] = "请选择单位所在区"
		}
		facts = eligibility.FromProfile(kaowu.IDType(v.Get("id_type")), p, u, target, kaowu.DateOf(s.App.Clock.Now().In(kaowu.Shanghai)))
		facts.Military = facts.Military || v.Get("military") == "on"
		if sp := strings.TrimSpace(v.Get("prev_specialty")); sp != "" {
			prev := &eligibility.PreviousExam{Year: y.Year - 1, Specialty: sp, Absent: v.Get("prev_absent") == "on", Misconduct: v.Get("prev_misconduct") == "on"}
			for _, sub := range v["prev_passed"] {
				prev.Passed = append(prev.Passed, kaowu.Subject(sub))
			}
			facts.PreviousExam = prev
		}
	}
	assert(v.Get("edu_relevant"), func(b *bool) {
		for i := range facts.Education {
			facts.Education[i].Relevant = b
		}
	})
	assert(v.Get("edu_recognised"), func(b *bool) {
		for i := range facts.Education {
			facts.Education[i].Recognised = b
		}
	})
	assert(v.Get("title_relevant"), func(b *bool) {
		for i := range facts.Titles {
			facts.Titles[i].Relevant = b
		}
	})
	if len(errs) > 0 {
		page.Form = newForm(v, &kaowu.Error{Code: kaowu.EINVALID, Message: "有几项需要补充或改正，请看标红的地方", Fields: errs})
		s.render(w, r, http.StatusUnprocessableEntity, "eligibility", page)
		return
	}
	d, err := s.App.CheckEligibility(r.Context(), y.Year, facts, v.Get("trace") == "on")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page.Form, page.Decision = newForm(v, nil), &d
	s.render(w, r, http.StatusOK, "eligibility", page)
}

// decisionView is what the "decision" partial shows.
type decisionView struct {
	Year     *policy.Year
	Decision *eligibility.Decision
}

// assert applies a yes/no answer from the form ("yes", "no"; anything else
// leaves the fact unknown, for the site office to judge).
func assert(answer string, set func(*bool)) {
	switch answer {
	case "yes":
		b := true
		set(&b)
	case "no":
		b := false
		set(&b)
	}
}

func init() {
	funcs["outcomeLabel"] = func(o eligibility.Outcome) string { return o.Label() }
	funcs["yesNoOptions"] = func(sel string) []option { return options(sel, "yes", "是", "no", "否") }
	funcs["siteOptions"] = func(y *policy.Year, sel string) []option {
		var pairs []string
		for _, s := range y.Sites {
			pairs = append(pairs, s.Code, s.Name+"（"+s.District+"）")
		}
		return options(sel, pairs...)
	}
	funcs["districtOptions"] = func(y *policy.Year, sel string) []option {
		var pairs []string
		for _, s := range y.Sites {
			pairs = append(pairs, s.District, s.District)
		}
		return options(sel, append(pairs, "其他", "其他区")...)
	}
	funcs["unitCategoryOptions"] = func(y *policy.Year, sel string) []option {
		var pairs []string
		for _, c := range y.UnitCategories {
			pairs = append(pairs, c.Key, c.Name)
		}
		return options(sel, pairs...)
	}
	funcs["specialtyOptions"] = func(y *policy.Year, sel string) []option {
		var pairs []string
		for _, sp := range y.Catalog {
			if sp.Active() {
				pairs = append(pairs, sp.Code, sp.Code+" "+sp.Name+"（"+sp.Level.Label()+"）")
			}
		}
		return options(sel, pairs...)
	}
	funcs["idTypeAllOptions"] = func(sel string) []option {
		var pairs []string
		for _, t := range kaowu.IDTypes {
			pairs = append(pairs, string(t), t.Label())
		}
		return options(sel, pairs...)
	}
	funcs["subjects"] = func() []kaowu.Subject { return kaowu.Subjects }
	funcs["add"] = func(a, b int) int { return a + b }
	funcs["hasValue"] = func(f form, k, v string) bool {
		for _, x := range f.Values[k] {
			if x == v {
				return true
			}
		}
		return false
	}
	funcs["decisionView"] = func(y *policy.Year, d *eligibility.Decision) decisionView { return decisionView{y, d} }
	funcs["clauseHelp"] = func(y *policy.Year, id string) policy.Clause {
		c, _ := y.Clause(id)
		return c
	}
}
