package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"kaowu"
	"kaowu/internal/app"
)

// maxUpload bounds a request carrying an image: the 2 MB image and the
// other fields of the form.
const maxUpload = 2<<20 + 64<<10

var (
	everyone  = kaowu.Roles
	candidate = []kaowu.Role{kaowu.RoleCandidate}
	deciders  = []kaowu.Role{kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin}
	staff     = []kaowu.Role{kaowu.RoleUnitHR, kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin}
)

// accountRoutes registers the account pages and API. Each line says who
// may call the handler (requireRole); whose data it reaches is checked in
// the app layer.
func (s *Server) accountRoutes(mux *http.ServeMux) {
	// Anyone.
	s.handleFunc(mux, "GET /register", s.registerPage)
	s.handleFunc(mux, "POST /register", s.register)
	s.handleFunc(mux, "GET /login", s.loginPage)
	s.handleFunc(mux, "POST /login", s.login)
	s.handleFunc(mux, "POST /logout", s.logout)
	s.handleFunc(mux, "GET /recover", s.recoverPage)
	s.handleFunc(mux, "POST /recover", s.recoverSubmit)
	s.handleFunc(mux, "GET /recover/code", s.recoverCodePage)
	s.handleFunc(mux, "POST /recover/code", s.recoverCode)
	s.handleFunc(mux, "POST /api/v1/accounts", s.apiRegister)
	// The local WeChat provider's own pages (the "WeChat" side).
	s.handleFunc(mux, "GET /wechat/local/authorize", s.localAuthorize)
	s.handleFunc(mux, "POST /wechat/local/authorize", s.localAuthorize)
	s.handleFunc(mux, "GET /wechat/local/confirm", s.localConfirmPage)
	s.handleFunc(mux, "POST /wechat/local/confirm", s.localConfirm)

	// Any logged-in account: its own data.
	s.handleFunc(mux, "GET /me", s.requireRole(everyone...)(s.mePage))
	s.handleFunc(mux, "POST /me/logout-all", s.requireRole(everyone...)(s.logoutAll))
	s.handleFunc(mux, "GET /me/account", s.requireRole(everyone...)(s.accountPage))
	s.handleFunc(mux, "POST /me/password", s.requireRole(everyone...)(s.changePassword))
	s.handleFunc(mux, "POST /me/mobile", s.requireRole(everyone...)(s.changeMobile))
	s.handleFunc(mux, "GET /api/v1/me", s.requireRole(everyone...)(s.apiMe))
	// Candidates, their own data only (the id comes from the session).
	s.handleFunc(mux, "GET /me/profile", s.requireRole(candidate...)(s.profilePage))
	s.handleFunc(mux, "POST /me/profile", s.requireRole(candidate...)(s.saveProfile))
	s.handleFunc(mux, "POST /me/photo", s.requireRole(candidate...)(s.uploadPhoto))
	s.handleFunc(mux, "GET /me/wechat", s.requireRole(candidate...)(s.wechatPage))
	s.handleFunc(mux, "POST /me/wechat/bind", s.requireRole(candidate...)(s.wechatBind))
	s.handleFunc(mux, "GET /wechat/callback", s.requireRole(candidate...)(s.wechatCallback))
	s.handleFunc(mux, "POST /me/wechat/unbind", s.requireRole(candidate...)(s.wechatUnbind))
	s.handleFunc(mux, "GET /me/change-request", s.requireRole(candidate...)(s.changeRequestPage))
	s.handleFunc(mux, "POST /me/change-request", s.requireRole(candidate...)(s.submitChangeRequest))
	s.handleFunc(mux, "GET /me/export", s.requireRole(candidate...)(s.exportMe))
	// A candidate's data by id: the candidate themself, or staff whose
	// scope covers them (App.authorize).
	s.handleFunc(mux, "GET /candidates/{id}/photo", s.requireRole(everyone...)(s.candidatePhoto))
	s.handleFunc(mux, "GET /api/v1/candidates/{id}/profile", s.requireRole(everyone...)(s.apiProfile))
	s.handleFunc(mux, "GET /change-requests/{id}/evidence", s.requireRole(append(deciders, kaowu.RoleCandidate)...)(s.evidence))
	// Site, region office and admin.
	s.handleFunc(mux, "GET /staff/change-requests", s.requireRole(deciders...)(s.changeRequestsPage))
	s.handleFunc(mux, "GET /staff/change-requests/{id}", s.requireRole(deciders...)(s.changeRequestPageStaff))
	s.handleFunc(mux, "POST /staff/change-requests/{id}/decide", s.requireRole(deciders...)(s.decideChange))
	s.handleFunc(mux, "GET /staff/desk", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)(s.deskPage))
	s.handleFunc(mux, "POST /staff/desk/reset-code", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)(s.issueResetCode))
	// Admin.
	s.handleFunc(mux, "GET /admin/users", s.requireRole(kaowu.RoleAdmin)(s.usersPage))
	s.handleFunc(mux, "POST /admin/users", s.requireRole(kaowu.RoleAdmin)(s.addUser))
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "register", formPage{Title: "考生注册", Form: newForm(r.URL.Query(), nil)})
}

func registrationFrom(r *http.Request) app.Registration {
	v := r.PostForm
	return app.Registration{IDType: v.Get("id_type"), IDNumber: v.Get("id_number"), Name: v.Get("name"),
		Username: v.Get("username"), Password: v.Get("password"), PasswordConfirm: v.Get("password_confirm"),
		Mobile: v.Get("mobile"), RecoveryQuestion: v.Get("recovery_question"), RecoveryAnswer: v.Get("recovery_answer")}
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	page := formPage{Title: "考生注册"}
	if err := r.ParseForm(); err != nil {
		s.refuse(w, r, "register", page, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新填写"))
		return
	}
	acc, err := s.App.Register(r.Context(), registrationFrom(r))
	if err != nil {
		s.refuse(w, r, "register", page, err)
		return
	}
	if err := s.logIn(r.Context(), acc); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/wechat?registered=1", http.StatusSeeOther)
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) {
	var reg app.Registration
	dec := jsonDecoder(r, 64<<10)
	if err := dec.Decode(&reg); err != nil {
		s.apiError(w, r, kaowu.Errorf(kaowu.EINVALID, "请求内容不是有效的 JSON"))
		return
	}
	acc, err := s.App.Register(r.Context(), reg)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": acc.ID, "username": acc.Username, "id_type": acc.IDType,
		"id_number_masked": acc.IDNumber.String()})
}

type loginExtra struct{ Next string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", formPage{Title: "登录", Form: newForm(r.URL.Query(), nil),
		Extra: loginExtra{Next: localPath(r.URL.Query().Get("next"), "")}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	next := localPath(r.PostForm.Get("next"), "/me")
	page := formPage{Title: "登录", Extra: loginExtra{Next: r.PostForm.Get("next")}}
	acc, err := s.App.Login(r.Context(), r.PostForm.Get("login"), r.PostForm.Get("password"), clientIP(r))
	if err != nil {
		s.refuse(w, r, "login", page, err)
		return
	}
	if err := s.logIn(r.Context(), acc); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}

func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request) {
	if err := s.App.LogoutEverywhere(r.Context(), actorOf(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?out=all", http.StatusSeeOther)
}

type recoverExtra struct {
	Question string
}

func (s *Server) recoverPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := formPage{Title: "找回密码", Form: newForm(q, nil)}
	if login := q.Get("login"); login != "" {
		question, err := s.App.RecoveryQuestion(r.Context(), login)
		if err != nil {
			if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
				s.pageError(w, r, err)
				return
			}
			page.Form = newForm(q, err)
			s.render(w, r, status(kaowu.ErrorCode(err)), "recover", page)
			return
		}
		page.Extra = recoverExtra{Question: question}
	}
	s.render(w, r, http.StatusOK, "recover", page)
}

func (s *Server) recoverSubmit(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	question, _ := s.App.RecoveryQuestion(r.Context(), v.Get("login"))
	page := formPage{Title: "找回密码", Extra: recoverExtra{Question: question}}
	err := s.App.Recover(r.Context(), v.Get("login"), v.Get("answer"), v.Get("password"), v.Get("password_confirm"), clientIP(r))
	if err != nil {
		s.refuse(w, r, "recover", page, err)
		return
	}
	http.Redirect(w, r, "/login?reset=1", http.StatusSeeOther)
}

func (s *Server) recoverCodePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "recover_code", formPage{Title: "用重置码设置新密码", Form: newForm(r.URL.Query(), nil)})
}

func (s *Server) recoverCode(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	err := s.App.ResetWithCode(r.Context(), v.Get("login"), v.Get("code"), v.Get("password"), v.Get("password_confirm"), clientIP(r))
	if err != nil {
		s.refuse(w, r, "recover_code", formPage{Title: "用重置码设置新密码"}, err)
		return
	}
	http.Redirect(w, r, "/login?reset=1", http.StatusSeeOther)
}

// accountSettings is what the account page shows besides its forms.
type accountSettings struct {
	Account *kaowu.Account
	Done    string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	done := map[string]string{"password": "密码已修改；其他设备上的登录已退出。", "mobile": "手机号码已修改。"}[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "account", formPage{Title: "账号安全", Form: newForm(nil, nil),
		Extra: accountSettings{Account: accountFrom(r.Context()), Done: done}})
}

// changePassword changes the password; every other session ends (the
// account's epoch moves on) and this one continues under a new token.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	err := s.App.ChangePassword(r.Context(), actorOf(r), v.Get("current_password"), v.Get("password"), v.Get("password_confirm"))
	var acc kaowu.Account
	if err == nil {
		if acc, err = s.App.Account(r.Context(), accountFrom(r.Context()).ID); err == nil {
			err = s.logIn(r.Context(), acc)
		}
	}
	if err != nil {
		r.PostForm.Del("current_password") // never shown again
		s.refuse(w, r, "account", formPage{Title: "账号安全", Extra: accountSettings{Account: accountFrom(r.Context())}}, err)
		return
	}
	http.Redirect(w, r, "/me/account?done=password", http.StatusSeeOther)
}

func (s *Server) changeMobile(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if err := s.App.ChangeMobile(r.Context(), actorOf(r), r.PostForm.Get("mobile")); err != nil {
		s.refuse(w, r, "account", formPage{Title: "账号安全", Extra: accountSettings{Account: accountFrom(r.Context())}}, err)
		return
	}
	http.Redirect(w, r, "/me/account?done=mobile", http.StatusSeeOther)
}

type meData struct {
	Account  *kaowu.Account
	Profile  kaowu.Profile
	Requests []kaowu.ChangeRequest
}

func (meData) PageTitle() string { return "我的" }

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) {
	acc := accountFrom(r.Context())
	d := meData{Account: acc}
	if acc.Role == kaowu.RoleCandidate {
		var err error
		if d.Profile, err = s.App.Profile(r.Context(), actorOf(r), acc.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
		if d.Requests, err = s.App.MyChangeRequests(r.Context(), actorOf(r)); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "me", d)
}

// exportMe gives candidates everything kaowu holds about them (个人信息
// 查阅、复制): a ZIP of person.json and their photos and evidence scans.
func (s *Server) exportMe(w http.ResponseWriter, r *http.Request) {
	x, err := s.App.ExportPerson(r.Context(), actorOf(r), accountFrom(r.Context()).ID)
	var buf bytes.Buffer
	if err == nil {
		err = x.WriteZIP(&buf)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="kaowu-personal-data.zip"`)
	s.sendPrivate(w, r, "application/zip", "", buf.Bytes(), nil)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	acc := accountFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"account": acc, "id_number_masked": acc.IDNumber.String()})
}

// readUpload reads the image of a multipart form field, at most maxUpload
// bytes for the whole request; too large a request is a field refusal.
func readUpload(w http.ResponseWriter, r *http.Request, field, what string) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, kaowu.FieldError(field, what+"文件太大：不能超过 2 MB。")
		}
		return nil, kaowu.FieldError(field, "没有收到"+what+"文件，请重新选择后上传。")
	}
	f, _, err := r.FormFile(field)
	if err != nil {
		return nil, kaowu.FieldError(field, "请选择要上传的"+what+"文件。")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUpload))
	if err != nil {
		return nil, kaowu.FieldError(field, what+"文件读取失败，请重新上传。")
	}
	return b, nil
}

// wantsJSON reports whether a request asks for a JSON answer.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
