package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kaowu"
)

// WeChatChannel is the WeChat channel's name.
const WeChatChannel = "wechat"

// DefaultWeChatAPI is WeChat's official-account API.
const DefaultWeChatAPI = "https://api.weixin.qq.com"

// TemplateValue is one field of a template message.
type TemplateValue struct {
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

// TemplateMessage is the body of POST /cgi-bin/message/template/send.
type TemplateMessage struct {
	ToUser     string                   `json:"touser"`
	TemplateID string                   `json:"template_id"`
	URL        string                   `json:"url,omitempty"`
	Data       map[string]TemplateValue `json:"data"`
}

// apiReply is WeChat's reply: errcode 0 is success.
type apiReply struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	MsgID       int64  `json:"msgid,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	ExpiresIn   int64  `json:"expires_in,omitempty"`
}

// WeChat error codes the channel acts on.
const (
	wxBusy              = -1    // 系统繁忙
	wxInvalidCredential = 40001 // access_token invalid
	wxInvalidOpenID     = 40003
	wxInvalidToken      = 40014
	wxInvalidTemplateID = 40037
	wxTokenExpired      = 42001
	wxNotFollowing      = 43004 // 需要接收者关注
	wxDeniedByUser      = 43101 // 用户拒绝接受消息
)

// WeChatError is an errcode/errmsg reply.
type WeChatError struct {
	Op      string
	ErrCode int
	ErrMsg  string
}

func (e *WeChatError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.Op, e.ErrCode, e.ErrMsg)
}

// WeChat sends reminders as template messages (模板消息) of an official
// account (公众号) to the user's bound openid.
type WeChat struct {
	// API is the base URL, DefaultWeChatAPI when empty; a Stub's address
	// in demos and tests.
	API           string
	AppID, Secret string
	// TemplateID is the 待办事项提醒 template chosen in the official
	// account's console.
	TemplateID string
	// OpenID returns the openid bound to the user, false when none.
	OpenID func(ctx context.Context, userID string) (openid string, ok bool)
	// LinkBase is the site's public address, joined to relative links.
	LinkBase string
	// Data maps a reminder to the template's fields; DefaultTemplateData
	// when nil.
	Data   func(r kaowu.Reminder) map[string]TemplateValue
	Client *http.Client
	// Now tells the time for the token's expiry; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewWeChat returns the WeChat channel.
func NewWeChat(api, appID, secret, templateID string, openID func(ctx context.Context, userID string) (string, bool)) (*WeChat, error) {
	if appID == "" || secret == "" || templateID == "" {
		return nil, errors.New("wechat channel: --wechat-appid, --wechat-secret and --wechat-template are required")
	}
	if openID == nil {
		return nil, errors.New("wechat channel: no openid lookup")
	}
	if api != "" {
		if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("--wechat-api %q: want an http(s) URL", api)
		}
	}
	return &WeChat{API: api, AppID: appID, Secret: secret, TemplateID: templateID, OpenID: openID}, nil
}

// Name implements Channel.
func (*WeChat) Name() string { return WeChatChannel }

// DefaultTemplateData fills the classic template layout: first (the
// title), keyword1 (what to do), keyword2 (when), remark.
func DefaultTemplateData(r kaowu.Reminder) map[string]TemplateValue {
	return map[string]TemplateValue{
		"first":    {Value: r.Title},
		"keyword1": {Value: r.Body},
		"keyword2": {Value: r.CreatedAt.In(kaowu.Shanghai).Format("2006年01月02日 15:04")},
		"remark":   {Value: "请登录报名系统查看并及时办理。"},
	}
}

// Deliver implements Channel.
func (w *WeChat) Deliver(ctx context.Context, r kaowu.Reminder) error {
	openid, ok := w.OpenID(ctx, r.UserID)
	if !ok || openid == "" {
		return fmt.Errorf("wechat: %w", ErrNoAddress)
	}
	data := DefaultTemplateData
	if w.Data != nil {
		data = w.Data
	}
	msg := TemplateMessage{ToUser: openid, TemplateID: w.TemplateID, URL: Link(w.LinkBase, r.Link), Data: data(r)}
	_, err := w.Send(ctx, msg)
	var we *WeChatError
	if errors.As(err, &we) {
		switch we.ErrCode {
		case wxInvalidOpenID, wxNotFollowing, wxDeniedByUser:
			return Permanent(err)
		}
	}
	return err
}

// Send posts one template message and returns its msgid. An expired or
// invalid access token is dropped so that the next try fetches a new one.
func (w *WeChat) Send(ctx context.Context, msg TemplateMessage) (int64, error) {
	token, err := w.Token(ctx)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	u := w.base() + "/cgi-bin/message/template/send?access_token=" + url.QueryEscape(token)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	reply, err := w.do(req, "template send")
	if err != nil {
		return 0, err
	}
	if reply.ErrCode != 0 {
		switch reply.ErrCode {
		case wxInvalidCredential, wxInvalidToken, wxTokenExpired:
			w.dropToken(token)
		}
		return 0, &WeChatError{Op: "template send", ErrCode: reply.ErrCode, ErrMsg: reply.ErrMsg}
	}
	return reply.MsgID, nil
}

// Token returns the cached access token, fetching a new one from
// /cgi-bin/token when there is none or it is about to expire.
func (w *WeChat) Token(ctx context.Context) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	if w.token != "" && now().Before(w.expires) {
		return w.token, nil
	}
	v := url.Values{"grant_type": {"client_credential"}, "appid": {w.AppID}, "secret": {w.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base()+"/cgi-bin/token?"+v.Encode(), nil)
	if err != nil {
		return "", err
	}
	reply, err := w.do(req, "token")
	if err != nil {
		return "", err
	}
	if reply.ErrCode != 0 || reply.AccessToken == "" {
		return "", &WeChatError{Op: "token", ErrCode: reply.ErrCode, ErrMsg: reply.ErrMsg}
	}
	ttl := time.Duration(reply.ExpiresIn) * time.Second
	// Renew early: five minutes before expiry, or at half of a short life.
	margin := min(5*time.Minute, ttl/2)
	w.token, w.expires = reply.AccessToken, now().Add(ttl-margin)
	return w.token, nil
}

func (w *WeChat) dropToken(token string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.token == token {
		w.token = ""
	}
}

func (w *WeChat) base() string {
	if w.API == "" {
		return DefaultWeChatAPI
	}
	return strings.TrimRight(w.API, "/")
}

func (w *WeChat) do(req *http.Request, op string) (apiReply, error) {
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	var reply apiReply
	resp, err := client.Do(req)
	if err != nil {
		return reply, fmt.Errorf("wechat %s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return reply, fmt.Errorf("wechat %s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return reply, fmt.Errorf("wechat %s: HTTP %s", op, resp.Status)
	}
	if err := json.Unmarshal(b, &reply); err != nil {
		return reply, fmt.Errorf("wechat %s: reply %q: %w", op, b, err)
	}
	return reply, nil
}
