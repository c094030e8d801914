package server

import (
	"net/http"
	"net/url"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/photo"
	"kaowu/internal/store"
)

type changeExtra struct {
	Account     *kaowu.Account
	Requests    []kaowu.ChangeRequest
	Requirement string
	Submitted   bool
}

func (s *Server) changeExtra(r *http.Request) (changeExtra, error) {
	reqs, err := s.App.MyChangeRequests(r.Context(), actorOf(r))
	return changeExtra{Account: accountFrom(r.Context()), Requests: reqs, Requirement: photo.Evidence.Requirement()}, err
}

func (s *Server) changeRequestPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.changeExtra(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	extra.Submitted = r.URL.Query().Get("submitted") != ""
	s.render(w, r, http.StatusOK, "change_request", formPage{Title: "申请修改/删除注册信息", Form: newForm(url.Values{"kind": {"change"}}, nil), Extra: extra})
}

func (s *Server) submitChangeRequest(w http.ResponseWriter, r *http.Request) {
	data, err := readUpload(w, r, "evidence", "证明材料")
	if err == nil || kaowu.ErrorFields(err)["evidence"] != "" && r.MultipartForm != nil {
		v := r.PostForm
		_, err = s.App.RequestChange(r.Context(), actorOf(r), app.ChangeInput{Kind: kaowu.ChangeKind(v.Get("kind")),
			NewName: v.Get("new_name"), NewIDType: v.Get("new_id_type"), NewIDNumber: v.Get("new_id_number"),
			Reason: v.Get("reason"), Evidence: data})
	}
	if err != nil {
		extra, e2 := s.changeExtra(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		s.refuse(w, r, "change_request", formPage{Title: "申请修改/删除注册信息", Extra: extra}, err)
		return
	}
	http.Redirect(w, r, "/me/change-request?submitted=1", http.StatusSeeOther)
}

// evidence serves the image of a change request to its requester or to
// staff who may decide it.
func (s *Server) evidence(w http.ResponseWriter, r *http.Request) {
	c, err := s.App.ChangeRequest(r.Context(), actorOf(r), r.PathValue("id"))
	s.sendPrivate(w, r, "image/jpeg", "", c.Evidence, err)
}

type changesData struct {
	Status   string
	Requests []kaowu.ChangeRequest
}

func (changesData) PageTitle() string { return "注册信息修改申请" }

func (s *Server) changeRequestsPage(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("status")
	if st == "" {
		st = string(kaowu.ChangePending)
	}
	if st == "all" {
		st = ""
	}
	reqs, err := s.App.ChangeRequests(r.Context(), actorOf(r), kaowu.ChangeStatus(st))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_changes", changesData{Status: st, Requests: reqs})
}

func (s *Server) changeRequestPageStaff(w http.ResponseWriter, r *http.Request) {
	c, err := s.App.ChangeRequest(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c.Evidence = nil
	s.render(w, r, http.StatusOK, "staff_change", formPage{Title: "审核申请", Form: newForm(nil, nil), Extra: c})
}

func (s *Server) decideChange(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := r.PathValue("id")
	err := s.App.DecideChange(r.Context(), actorOf(r), id, r.PostForm.Get("decision") == "approve", r.PostForm.Get("decision_reason"))
	if err != nil {
		c, e2 := s.App.ChangeRequest(r.Context(), actorOf(r), id)
		if e2 != nil {
			s.pageError(w, r, err)
			return
		}
		c.Evidence = nil
		s.refuse(w, r, "staff_change", formPage{Title: "审核申请", Extra: c}, err)
		return
	}
	http.Redirect(w, r, "/staff/change-requests?done="+url.QueryEscape(id), http.StatusSeeOther)
}

type deskExtra struct {
	Candidate *kaowu.Account
	Code      string
	Expires   time.Time
}

func (s *Server) deskPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := formPage{Title: "考点服务台", Form: newForm(q, nil), Extra: deskExtra{}}
	if query := q.Get("q"); query != "" {
		c, err := s.App.FindCandidate(r.Context(), actorOf(r), query)
		if err != nil {
			if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
				s.pageError(w, r, err)
				return
			}
			page.Form = newForm(q, err)
		} else {
			page.Extra = deskExtra{Candidate: &c}
		}
	}
	s.render(w, r, http.StatusOK, "desk", page)
}

// issueResetCode issues a one-time reset code after the desk has checked
// the person's ID document in person (二（一）4(3)); the code is shown once.
func (s *Server) issueResetCode(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	page := formPage{Title: "考点服务台", Extra: deskExtra{}}
	c, err := s.App.FindCandidate(r.Context(), actorOf(r), v.Get("q"))
	if err == nil {
		page.Extra = deskExtra{Candidate: &c}
		var code string
		var expires time.Time
		code, expires, err = s.App.IssueResetCode(r.Context(), actorOf(r), c.ID, app.IdentityCheck{Method: app.IdentityDesk, Note: v.Get("note")})
		if err == nil {
			page.Form = newForm(url.Values{"q": {v.Get("q")}}, nil)
			page.Extra = deskExtra{Candidate: &c, Code: code, Expires: expires}
			s.render(w, r, http.StatusOK, "desk", page)
			return
		}
	}
	s.refuse(w, r, "desk", page, err)
}

type usersExtra struct {
	Accounts  []kaowu.Account
	Units     []kaowu.Unit
	Created   *kaowu.Account
	Password  string
	RoleQuery string
}

func (s *Server) usersExtra(r *http.Request) (usersExtra, error) {
	role := kaowu.Role(r.URL.Query().Get("role"))
	accs, err := s.App.Users(r.Context(), actorOf(r), store.AccountFilter{Role: role, Query: r.URL.Query().Get("q"), Limit: 200})
	if err != nil {
		return usersExtra{}, err
	}
	units, err := s.App.Store.Units(r.Context())
	return usersExtra{Accounts: accs, Units: units, RoleQuery: string(role)}, err
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.usersExtra(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_users", formPage{Title: "账号管理", Form: newForm(nil, nil), Extra: extra})
}

// addUser creates a staff account; a generated password is shown once.
func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	acc, pw, err := s.App.CreateStaff(r.Context(), actorOf(r), app.StaffInput{Role: kaowu.Role(v.Get("role")), Username: v.Get("username"),
		Name: v.Get("name"), Password: v.Get("password"), Unit: v.Get("unit"), Site: v.Get("site"), MilitaryUnit: v.Get("military_unit")})
	extra, e2 := s.usersExtra(r)
	if e2 != nil {
		s.pageError(w, r, e2)
		return
	}
	if err != nil {
		s.refuse(w, r, "admin_users", formPage{Title: "账号管理", Extra: extra}, err)
		return
	}
	extra.Created = &acc
	if v.Get("password") == "" {
		extra.Password = pw
	}
	s.render(w, r, http.StatusOK, "admin_users", formPage{Title: "账号管理", Form: newForm(nil, nil), Extra: extra})
}
