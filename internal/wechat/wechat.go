// Package wechat binds WeChat identities to accounts through an OAuth2-style
// provider modelled on WeChat's web authorization (网页授权): the browser is
// sent to an authorize URL with appid, redirect_uri and state; the provider
// sends it back to redirect_uri with a code and the same state; the server
// exchanges the code for the user's openid.
//
// Two providers: OfficialAccount speaks to WeChat's real endpoints (an
// official account's appid and secret are needed), and Local plays WeChat
// on this machine for demonstrations and tests: its authorize page shows a
// code that a "phone" page confirms.
package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Identity is who the provider says the user is: openid is unique per
// official account, unionid (when the account is tied to an open platform)
// across the operator's apps.
type Identity struct {
	OpenID  string
	UnionID string
}

// Provider is an OAuth2-style WeChat authorization.
type Provider interface {
	// AuthorizeURL returns where to send the browser to authorize, with
	// the state to come back and redirectURI to come back to.
	AuthorizeURL(state, redirectURI string) string
	// Exchange turns the code the provider sent back into an identity.
	Exchange(ctx context.Context, code string) (Identity, error)
}

// OfficialAccount is WeChat's web authorization for an official account
// (公众号网页授权, scope snsapi_base): the page must be opened inside WeChat.
type OfficialAccount struct {
	AppID, Secret string
	// AuthorizeBase and APIBase default to WeChat's endpoints; tests point
	// them at a fake.
	AuthorizeBase string
	APIBase       string
	Client        *http.Client
}

// AuthorizeURL implements Provider:
// https://open.weixin.qq.com/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect
func (o *OfficialAccount) AuthorizeURL(state, redirectURI string) string {
	base := o.AuthorizeBase
	if base == "" {
		base = "https://open.weixin.qq.com/connect/oauth2/authorize"
	}
	v := url.Values{"appid": {o.AppID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"snsapi_base"}, "state": {state}}
	return base + "?" + v.Encode() + "#wechat_redirect"
}

// Exchange implements Provider: GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code,
// which answers {"access_token","expires_in","refresh_token","openid","scope","unionid"} or {"errcode","errmsg"}.
func (o *OfficialAccount) Exchange(ctx context.Context, code string) (Identity, error) {
	base := o.APIBase
	if base == "" {
		base = "https://api.weixin.qq.com"
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	v := url.Values{"appid": {o.AppID}, "secret": {o.Secret}, "code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/sns/oauth2/access_token?"+v.Encode(), nil)
	if err != nil {
		return Identity{}, fmt.Errorf("wechat exchange: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("wechat exchange: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		OpenID  string `json:"openid"`
		UnionID string `json:"unionid"`
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil {
		return Identity{}, fmt.Errorf("wechat exchange: status %d: %w", resp.StatusCode, err)
	}
	if body.ErrCode != 0 || body.OpenID == "" {
		return Identity{}, fmt.Errorf("wechat exchange: errcode %d: %s", body.ErrCode, body.ErrMsg)
	}
	return Identity{OpenID: body.OpenID, UnionID: body.UnionID}, nil
}
