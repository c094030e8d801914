package payment

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// payerPage is the sandbox's stand-in for WeChat's payment sheet.
var payerPage = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付（沙箱）</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f2f2;color:#111}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}
.sandbox{background:#fff7e0;color:#8a6100;border-radius:.4rem;padding:.5rem .75rem;font-size:.85rem;text-align:center}
.card{background:#fff;border-radius:.6rem;padding:1.5rem 1rem;margin-top:1rem;text-align:center}
.desc{font-size:1rem;color:#333;margin:0}
.amount{font-size:2.4rem;font-weight:600;margin:.75rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;text-align:left;font-size:.9rem;margin:1rem 0 0}
dt{color:#666}dd{margin:0;word-break:break-all}
.msg{border-radius:.4rem;padding:.75rem;margin-top:1rem;text-align:center;font-weight:600}
.ok{background:#e7f8ee;color:#07a050}.err{background:#fdecec;color:#c62828}
form{margin-top:1.25rem}
button{display:block;width:100%;font-size:1.05rem;padding:.85rem;border:0;border-radius:.4rem;margin-top:.75rem;cursor:pointer}
.pay{background:#057a44;color:#fff}.fail{background:#fff;color:#c62828;border:1px solid #e0e0e0}
.back{display:block;text-align:center;margin-top:1.25rem;color:#576b95}
</style>
</head>
<body>
<main>
<p class="sandbox">沙箱环境：模拟微信支付，不会真实扣款</p>
{{if .Found}}<div class="card">
<p class="desc">{{.Description}}</p>
<p class="amount">{{.Amount}}</p>
<dl>
<dt>商户订单号</dt><dd>{{.OutTradeNo}}</dd>
<dt>订单状态</dt><dd>{{.State}}</dd>
{{if .Expires}}<dt>支付截止</dt><dd>{{.Expires}}</dd>{{end}}
</dl>
</div>
{{if .Message}}<p class="msg {{if .OK}}ok{{else}}err{{end}}">{{.Message}}</p>{{end}}
{{if .Payable}}<form method="post">
<input type="hidden" name="return" value="{{.Return}}">
<button class="pay" name="action" value="pay">确认支付</button>
<button class="fail" name="action" value="fail">模拟支付失败</button>
</form>{{end}}
{{else}}<p class="msg err">订单不存在或支付链接已失效</p>{{end}}
{{if .Return}}<a class="back" href="{{.Return}}">返回商户页面</a>{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Found                                  bool
	Description, Amount, OutTradeNo, State string
	Expires, Message, Return               string
	OK, Payable                            bool
}

// yuan writes an amount in fen as ¥xx.xx.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}

// handlePage serves the payer page (GET) and its two buttons (POST
// action=pay|fail). After paying it sends the browser to the return URL
// when one was given (query or form parameter "return"), else shows 支付成功.
func (s *Sandbox) handlePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ret := s.safeReturn(r, r.FormValue("return"))
	s.mu.Lock()
	no, found := s.byPR[r.PathValue("pr")]
	s.mu.Unlock()
	data := pageData{Found: found, Return: ret}
	if !found {
		renderPage(w, http.StatusNotFound, data)
		return
	}
	if r.Method == http.MethodPost {
		var err error
		switch r.PostFormValue("action") {
		case "pay":
			if err = s.Pay(no); err == nil {
				if ret != "" {
					http.Redirect(w, r, ret, http.StatusSeeOther)
					return
				}
				data.Message, data.OK = "支付成功", true
			}
		case "fail":
			if err = s.Fail(no); err == nil {
				data.Message = "支付失败（模拟）：可重新支付"
			}
		default:
			http.Error(w, "未知操作", http.StatusBadRequest)
			return
		}
		if errors.Is(err, ErrNotPayable) {
			data.Message = "无法支付：订单已支付、已关闭或已过期"
		} else if err != nil {
			data.Message = "无法支付：" + err.Error()
		}
	}
	s.mu.Lock()
	t := s.trades[no]
	s.expireLocked(t, s.now())
	data.Description = t.req.Description
	data.Amount = yuan(t.req.Amount.Total)
	data.OutTradeNo = t.req.OutTradeNo
	data.State = stateText[t.state]
	data.Payable = t.state == StateNotPay || t.state == StatePayError || t.state == StateUserPaying
	if data.Payable {
		data.Expires = t.expires.In(china).Format("2006-01-02 15:04")
	}
	s.mu.Unlock()
	renderPage(w, http.StatusOK, data)
}

func renderPage(w http.ResponseWriter, status int, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	payerPage.Execute(w, data)
}

// safeReturn keeps a return URL only if it stays on this site: a path
// ("/…"), or an http(s) URL to the request's host or the public URL's
// host. Anything else is dropped (no open redirect).
func (s *Sandbox) safeReturn(r *http.Request, ret string) string {
	if ret == "" || strings.ContainsAny(ret, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(ret)
	if err != nil {
		return ""
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(ret, "/") && !strings.HasPrefix(ret, "//") {
		return ret
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	if u.Host == r.Host {
		return ret
	}
	if pu, err := url.Parse(s.publicURL); err == nil && s.publicURL != "" && u.Host == pu.Host {
		return ret
	}
	return ""
}
