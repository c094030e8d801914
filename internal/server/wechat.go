package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/internal/wechat"
)

type wechatData struct {
	Account    *kaowu.Account
	Registered bool
	Message    string
	Error      string
}

func (wechatData) PageTitle() string { return "微信绑定" }

func (s *Server) wechatPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := wechatData{Account: accountFrom(r.Context()), Registered: q.Get("registered") != ""}
	switch q.Get("done") {
	case "bound":
		d.Message = "已绑定微信。现在可以维护基本信息，并在报名开始后进行网上报名。"
	case "unbound":
		d.Message = "已解除微信绑定。注意：未绑定微信无法进行网上报名（二（一）4(5)）。"
	}
	s.render(w, r, http.StatusOK, "wechat", d)
}

// wechatBind starts the authorization: a fresh state in the session, then
// to the provider.
func (s *Server) wechatBind(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 16)
	rand.Read(b)
	state := hex.EncodeToString(b)
	s.Sessions.Put(r.Context(), "wx_state", state)
	http.Redirect(w, r, s.WeChat.AuthorizeURL(state, "/wechat/callback"), http.StatusSeeOther)
}

// wechatCallback finishes the authorization: the state must be this
// session's, the code is exchanged for the openid, which is bound.
func (s *Server) wechatCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := s.Sessions.PopString(r.Context(), "wx_state")
	d := wechatData{Account: accountFrom(r.Context())}
	if want == "" || q.Get("state") != want || q.Get("code") == "" {
		d.Error = "微信授权已失效或不是从本页面发起的，请重新点击“绑定微信”。"
		s.render(w, r, http.StatusBadRequest, "wechat", d)
		return
	}
	id, err := s.WeChat.Exchange(r.Context(), q.Get("code"))
	if err != nil {
		s.Log.Warn("wechat exchange", "err", err, "request_id", requestID(r.Context()))
		d.Error = "微信授权没有成功，请重新绑定。"
		s.render(w, r, http.StatusBadGateway, "wechat", d)
		return
	}
	if err := s.App.BindWeChat(r.Context(), actorOf(r), id.OpenID, id.UnionID); err != nil {
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		d.Error = kaowu.ErrorMessage(err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "wechat", d)
		return
	}
	http.Redirect(w, r, "/me/wechat?done=bound", http.StatusSeeOther)
}

func (s *Server) wechatUnbind(w http.ResponseWriter, r *http.Request) {
	if err := s.App.UnbindWeChat(r.Context(), actorOf(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/wechat?done=unbound", http.StatusSeeOther)
}

type localData struct {
	AppID     string
	Ticket    string
	PIN       string
	Confirmed bool
	Error     string
	Done      bool
	PhoneURL  string
}

func (localData) PageTitle() string { return "微信授权（本地模拟）" }

// localAuthorize is the local provider's authorize page: it shows the
// code for the phone; once the phone has confirmed, "继续" sends the
// browser back to the site with an authorization code.
func (s *Server) localAuthorize(w http.ResponseWriter, r *http.Request) {
	l, ok := s.WeChat.(*wechat.Local)
	if !ok {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "本地微信模拟未启用"))
		return
	}
	r.ParseForm()
	q := r.Form
	p, err := l.Begin(q.Get("ticket"), q.Get("state"), q.Get("redirect_uri"))
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "wechat_authorize", localData{AppID: l.AppID, Error: err.Error()})
		return
	}
	d := localData{AppID: l.AppID, Ticket: p.Ticket, PIN: p.PIN, Confirmed: p.Confirmed, PhoneURL: wechat.ConfirmPath}
	if r.Method == http.MethodPost {
		next, err := l.Finish(p.Ticket)
		if err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		d.Error = err.Error()
	}
	s.render(w, r, http.StatusOK, "wechat_authorize", d)
}

func (s *Server) localConfirmPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "wechat_confirm", formPage{Title: "手机微信确认（本地模拟）", Form: newForm(r.URL.Query(), nil)})
}

// localConfirm is the "phone": a WeChat account confirms the code shown on
// the computer.
func (s *Server) localConfirm(w http.ResponseWriter, r *http.Request) {
	l, ok := s.WeChat.(*wechat.Local)
	if !ok {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "本地微信模拟未启用"))
		return
	}
	r.ParseForm()
	page := formPage{Title: "手机微信确认（本地模拟）"}
	if err := l.Confirm(r.PostForm.Get("pin"), r.PostForm.Get("wechat_id")); err != nil {
		s.refuse(w, r, "wechat_confirm", page, &kaowu.Error{Code: kaowu.EINVALID, Message: err.Error(), Fields: map[string]string{"pin": err.Error()}})
		return
	}
	page.Form = newForm(url.Values{}, nil)
	page.Extra = true
	s.render(w, r, http.StatusOK, "wechat_confirm", page)
}
