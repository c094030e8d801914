package server

import (
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/policy"
)

// form is a submitted form as a page shows it again: the values typed
// (passwords excepted), the message of each refused field, and the
// overall message.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
	Code    string
}

// newForm returns the form for values v refused by err (nil for a fresh
// or accepted form). Passwords are never sent back.
func newForm(v url.Values, err error) form {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	for k, vs := range v {
		switch k {
		case "password", "password_confirm", "current_password", "recovery_answer", "answer", "code":
			continue
		}
		f.Values[k] = vs
	}
	if err != nil {
		f.Code = kaowu.ErrorCode(err)
		f.Message = kaowu.ErrorMessage(err)
		for k, m := range kaowu.ErrorFields(err) {
			f.Errors[k] = m
		}
	}
	return f
}

// V returns the value of a field.
func (f form) V(k string) string { return f.Values.Get(k) }

// E returns the message of a refused field.
func (f form) E(k string) string { return f.Errors[k] }

// On reports whether a checkbox was ticked.
func (f form) On(k string) bool { v := f.Values.Get(k); return v == "on" || v == "true" || v == "1" }

// formPage is the data of a page built around one form.
type formPage struct {
	Title string
	Form  form
	// Extra is what the page shows besides the form.
	Extra any
}

// PageTitle implements the page title interface of render.
func (p formPage) PageTitle() string { return p.Title }

// refuse shows a form again with what was typed and why it was refused;
// an internal error gets the error page.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, name string, p formPage, err error) {
	if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
		s.pageError(w, r, err)
		return
	}
	s.logIfInternal(r, err)
	p.Form = newForm(r.PostForm, err)
	s.render(w, r, status(kaowu.ErrorCode(err)), name, p)
}

// input is one labelled form field as the "input" template draws it.
type input struct {
	Name, Label, Type, Value, Err, Hint string
	Required                            bool
}

// selectField is one labelled select as the "select" template draws it.
type selectField struct {
	Name, Label, Err string
	Options          []option
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func options(selected string, pairs ...string) []option {
	out := make([]option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{pairs[i], pairs[i+1], pairs[i] == selected})
	}
	return out
}

func init() {
	funcs["in"] = func(f form, name, label, typ string, hint ...string) input {
		in := input{Name: name, Label: label, Type: typ, Value: f.V(name), Err: f.E(name)}
		if len(hint) > 0 {
			in.Hint = hint[0]
		}
		if typ == "password" {
			in.Value = ""
		}
		return in
	}
	funcs["sel"] = func(f form, name, label string, opts []option) selectField {
		return selectField{Name: name, Label: label, Err: f.E(name), Options: opts}
	}
	funcs["idTypeOptions"] = func(sel string) []option {
		var pairs []string
		for _, t := range kaowu.IDTypes {
			if t.Online() {
				pairs = append(pairs, string(t), t.Label())
			}
		}
		return options(sel, pairs...)
	}
	funcs["eduOptions"] = func(sel string) []option {
		var pairs []string
		for _, l := range []policy.EducationLevel{policy.EducationSecondary, policy.EducationCollege, policy.EducationBachelor, policy.EducationMaster, policy.EducationDoctorate} {
			pairs = append(pairs, string(l), l.Label())
		}
		return options(sel, pairs...)
	}
	funcs["levelOptions"] = func(sel string) []option {
		var pairs []string
		for _, l := range kaowu.Levels {
			pairs = append(pairs, string(l), l.Label())
		}
		return options(sel, pairs...)
	}
	funcs["licenceOptions"] = func(sel string) []option {
		var pairs []string
		for _, k := range []policy.LicenceKind{policy.LicencePhysician, policy.LicenceAssistantPhysician, policy.LicenceNurse} {
			pairs = append(pairs, string(k), k.Label())
		}
		return options(sel, pairs...)
	}
	funcs["categoryOptions"] = func(sel string) []option {
		var pairs []string
		for _, c := range []policy.PhysicianCategory{policy.CategoryClinical, policy.CategoryTCM, policy.CategoryDental, policy.CategoryPublicHealth} {
			pairs = append(pairs, string(c), c.Label())
		}
		return options(sel, pairs...)
	}
	funcs["awardOptions"] = func(sel string) []option {
		var pairs []string
		for _, a := range []policy.AwardLevel{policy.AwardOther, policy.AwardProvincial, policy.AwardNational} {
			pairs = append(pairs, string(a), a.Label())
		}
		return options(sel, pairs...)
	}
	funcs["staffRoleOptions"] = func(sel string) []option {
		var pairs []string
		for _, r := range kaowu.Roles {
			if r != kaowu.RoleCandidate {
				pairs = append(pairs, string(r), r.Label())
			}
		}
		return options(sel, pairs...)
	}
	// rawID shows a full ID number, for the staff who must compare it with
	// the evidence; everywhere else IDNumber prints masked.
	funcs["rawID"] = func(n kaowu.IDNumber) string { return string(n) }
	funcs["add1"] = func(i int) int { return i + 1 }
	funcs["roleLabel"] = func(r kaowu.Role) string { return r.Label() }
	funcs["idTypeLabel"] = func(t kaowu.IDType) string { return t.Label() }
	funcs["statusLabel"] = func(s kaowu.ChangeStatus) string { return s.Label() }
	funcs["slot"] = func(group string, i int, field string) string { return group + "[" + itoa(i) + "]." + field }
	funcs["seq"] = func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}
