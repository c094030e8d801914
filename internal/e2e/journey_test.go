// Package e2e drives the system in a real browser (Debian's chromium,
// headless, through chromedp) as its users do, on a phone-sized screen, and
// saves screenshots of the key pages under artifacts/journeys/ (or
// $KAOWU_ARTIFACTS). The tests skip, saying so, when chromium is missing;
// CI installs it.
package e2e

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/payment"
	"kaowu/internal/server"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var inWindow = time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)

// site is a running kaowu on a fresh SQLite store, with one Fengtai unit,
// on a manual clock inside the online application window, paying through
// the sandbox provider (WeChat Pay API v3 over HTTP) as serve --demo does.
type site struct {
	URL     string
	App     *app.App
	Clock   *kaowu.ManualClock
	Unit    kaowu.Unit
	Sandbox *payment.Sandbox
}

func newSite(t *testing.T) site {
	t.Helper()
	a, clock := newApp(t)
	ctx := context.Background()
	u := kaowu.Unit{Name: "丰台区方庄社区卫生服务中心", District: "丰台区", Category: "direct_community", CreatedAt: inWindow}
	if err := a.Store.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	st := start(t, a, clock)
	st.Unit = u
	return st
}

// newApp is an App on a fresh SQLite store with the embedded exam years,
// on a manual clock inside the online application window.
func newApp(t *testing.T) (*app.App, *kaowu.ManualClock) {
	t.Helper()
	clock := kaowu.NewManualClock(inWindow)
	a := app.New(storetest.SQLite(t), clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, clock
}

// start serves a, paying through the sandbox provider over HTTP as serve
// --demo does.
func start(t *testing.T, a *app.App, clock *kaowu.ManualClock) site {
	t.Helper()
	srv, err := server.New(a, a.Log, "演示模式")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	base := "http://" + ts.Listener.Addr().String()
	sb, err := payment.NewSandbox(payment.SandboxOptions{PublicURL: base + "/sandbox/wxpay", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	client, err := payment.NewClient(sb.MerchantConfig(base + "/sandbox/wxpay"))
	if err != nil {
		t.Fatal(err)
	}
	a.Payments, a.Ledger, a.NotifyURL = client, sb, base+"/payment/notify"
	srv.Mount("/sandbox/wxpay/", sb.Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	return site{URL: ts.URL, App: a, Clock: clock, Sandbox: sb}
}

// browser is one headless chromium tab with a phone-sized viewport.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // where screenshots go
	n    int
}

func newBrowser(t *testing.T, base, journey string) *browser {
	t.Helper()
	exe, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("browser journeys skipped: Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true)}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	root := os.Getenv("KAOWU_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "..", "artifacts")
	}
	dir := filepath.Join(root, "journeys", journey)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dir: dir}
	// The first action starts the browser, which lives as long as the
	// context it runs in: the journey's, not a bounded step's.
	if err := chromedp.Do(ctx, phone()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// phone is the viewport of every journey: a phone held upright.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)
}

// fresh returns the browser of another person in the same chromium: a new
// browser context, sharing no cookies with b, its screenshots under who/ in
// the journey's directory.
func (b *browser) fresh(who string) *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	o := &browser{t: b.t, ctx: ctx, base: b.base, dir: filepath.Join(b.dir, who)}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := chromedp.Do(ctx, phone()); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return o
}

// step bounds one browser action, so that a page that is not what the
// journey expects fails in seconds, with a screenshot, instead of waiting
// for the element until the test's deadline.
const step = 15 * time.Second

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("browser: %v", err)
	}
}

// fail saves a screenshot of the page as it is and stops the journey.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	b.screenshot("FAILED")
	b.t.Fatalf("at %s: %s", loc, fmt.Sprintf(format, args...))
}

// open navigates to a path and waits for the page.
func (b *browser) open(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path)); err != nil {
		b.fail("open %s: %v", path, err)
	}
}

// submit clicks a button that submits a form, or a link, and waits for
// the next page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fail("submit %s: %v", sel, err)
	}
}

// fill sets form fields by name.
func (b *browser) fill(fields map[string]string) {
	b.t.Helper()
	for name, v := range fields {
		b.do(chromedp.SetValue(chromedp.CSS(`[name="`+name+`"]`), v))
	}
}

func (b *browser) check(name string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(`input[name="` + name + `"]`)))
}

// login signs in on the login page the browser is on and waits for the
// page it leads to.
func (b *browser) login(username, password string) {
	b.t.Helper()
	b.fill(map[string]string{"login": username, "password": password})
	b.submit(`form[action="/login"] button[type="submit"]`)
}

// path returns the path, query and fragment of the page the browser is on,
// unescaped.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("location: %v", err)
	}
	p := strings.TrimPrefix(loc, b.base)
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

// href returns the href of the first element matching sel, failing the
// journey when the page has none.
func (b *browser) href(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "href"))
	if err != nil || !a.Exists || a.Value == "" {
		b.fail("no link %s: %v", sel, err)
	}
	return a.Value
}

// count returns how many elements on the page match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.fail("count %s: %v", sel, err)
	}
	return n
}

// fetched is a response fetched by the page, with the session's cookies.
type fetched struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Body        []byte `json:"body"`
}

// fetch fetches path from the page, as a click on a download link would,
// with the session's cookies, and saves the body as file in the journey's
// directory.
func (b *browser) fetch(path, file string) fetched {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[fetched](fmt.Sprintf(`fetch(%q).then(async r => {
  const b = new Uint8Array(await r.arrayBuffer()); let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return {status: r.status, type: r.headers.get('content-type') || '', disposition: r.headers.get('content-disposition') || '', body: btoa(s)};
})`, path), chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("fetch %s: %v", path, err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, file), f.Body, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return f
}

// pdfText returns the text of a PDF by poppler's pdftotext. When pdftotext
// is missing it says so and returns false: the journey goes on without
// checking the text.
func pdfText(t *testing.T, pdf []byte) (string, bool) {
	t.Helper()
	exe, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("PDF text not checked: pdftotext is not installed (apt-get install poppler-utils)")
		return "", false
	}
	f := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

// text returns the visible text of the main content.
func (b *browser) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		b.t.Fatalf("text: %v", err)
	}
	return s
}

// axeJS is axe-core, vendored at a pinned version (MPL-2.0, its LICENSE
// beside it): the accessibility rules every key page must pass.
//
//go:embed testdata/axe-core-4.14.1/axe.min.js
var axeJS string

// axeCheck runs axe-core's WCAG 2 A and AA rules on the page and reports
// serious and critical violations.
const axeCheck = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}).then(r =>
  r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
   .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`

func (b *browser) accessible(page string) {
	b.t.Helper()
	for _, v := range b.violations() {
		b.t.Errorf("%s: accessibility: %s", page, v)
	}
}

// violations returns the page's serious and critical axe-core violations.
func (b *browser) violations() []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeJS+";true")); err != nil {
		b.fail("inject axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeCheck, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("axe-core: %v", err)
	}
	return v
}

// expect checks that the page shows each of want and passes the
// accessibility rules, and saves a screenshot.
func (b *browser) expect(shot string, want ...string) string {
	b.t.Helper()
	b.screenshot(shot)
	b.accessible(shot)
	s := b.text()
	for _, w := range want {
		if !strings.Contains(s, w) {
			loc, _ := chromedp.Run(b.ctx, chromedp.Location())
			b.t.Errorf("%s (%s) does not show %q", shot, loc, w)
		}
	}
	return s
}

// screenshot saves the whole page.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	b.saveShot(name, png)
}

// saveShot saves a screenshot taken otherwise, such as of the screen only
// (chromedp.CaptureScreenshot), numbered in the journey's order.
func (b *browser) saveShot(name string, png []byte) {
	b.t.Helper()
	b.n++
	if err := os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func residentID(n int) string {
	s := fmt.Sprintf("1101061988%02d%02d%03d", n%12+1, n%28+1, n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

func photo(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 360, 480))
	for y := range 480 {
		for x := range 360 {
			img.Set(x, y, color.RGBA{200, uint8(180 + y%60), uint8(150 + x%80), 255})
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, nil)
	f := filepath.Join(t.TempDir(), "photo.jpg")
	os.WriteFile(f, buf.Bytes(), 0o644)
	return f
}

// password is the password of every account the journeys make.
const password = "Kaowu@2024x"

var pinRe = regexp.MustCompile(`\b(\d{6})\b`)

// TestCandidateJourney: a candidate on a phone registers, binds WeChat
// (local provider), fills the profile and photo, checks eligibility,
// applies, withdraws, modifies, resubmits and gets the form.
func TestCandidateJourney(t *testing.T) {
	st := newSite(t)
	b := newBrowser(t, st.URL, "candidate")

	b.open("/")
	b.expect("home", "现在可以办理", "网上报名")

	b.open("/register")
	b.fill(map[string]string{"id_type": "resident_id", "id_number": residentID(5), "name": "李䶮", "username": "liyan",
		"password": password, "password_confirm": password, "mobile": "13912345678", "recovery_question": "我的出生城市？", "recovery_answer": "北京"})
	b.screenshot("register-filled")
	b.submit(`form[action="/register"] button[type="submit"]`)
	b.expect("registered", "注册成功", "绑定微信")

	// WeChat: the computer shows a code; the "phone" confirms it.
	b.submit(`form[action="/me/wechat/bind"] button`)
	page := b.expect("wechat-code", "确认码")
	pin := pinRe.FindString(page[strings.Index(page, "确认码"):])
	if pin == "" {
		pin = pinRe.FindString(page)
	}
	resp, err := http.PostForm(st.URL+"/wechat/local/confirm", url.Values{"pin": {pin}, "wechat_id": {"phone-of-liyan"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("phone confirm: %v %v", err, resp)
	}
	resp.Body.Close()
	b.submit(`form[action="/wechat/local/authorize"] button`)
	b.expect("wechat-bound", "已绑定微信")

	// Profile and photo.
	b.open("/me/profile")
	b.fill(map[string]string{"education[0].level": "bachelor", "education[0].major": "护理学", "education[0].school": "首都医科大学",
		"education[0].graduated_on": "2015-07-01", "work.unit_id": st.Unit.ID, "work.post": "社区护理",
		"work.specialty_started_on": "2015-10-01", "work.practice_registered_on": "2015-10-01",
		"titles[0].level": "junior", "titles[0].specialty": "护理学", "titles[0].obtained_on": "2019-05-20",
		"licences[0].kind": "nurse", "licences[0].obtained_on": "2015-09-01"})
	b.check("education[0].full_time")
	b.check("education[0].medical")
	b.submit(`form[action="/me/profile"] button[type="submit"]`)
	b.expect("profile-saved", "已保存")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{photo(t)}))
	b.submit(`form[action="/me/photo"] button`)
	b.expect("photo-uploaded", "像素")

	// Eligibility from the profile.
	b.open("/eligibility")
	b.fill(map[string]string{"specialty": "373", "site": "fengtai", "edu_relevant": "yes", "title_relevant": "yes", "edu_recognised": "yes"})
	b.submit(`form.card button[type="submit"]`)
	b.expect("eligibility", "可以报考：373 社区护理（中级）", "现场确认须携带的材料")

	// Apply, step by step.
	b.open("/apply")
	b.expect("apply-start", "✓ 已绑定微信", "开始报名")
	b.submit(`form[action="/apply/start"] button`)
	b.expect("apply-site", "须选择丰台考点")
	b.submit(`form[action="/apply/site"] button`)
	b.open("/apply/specialty?q=" + url.QueryEscape("护理"))
	b.expect("apply-specialty", "2024年起取消，请改报 203 护理学")
	b.do(chromedp.Click(chromedp.CSS(`input[name="specialty"][value="373"]`)))
	b.submit(`form.form[action="/apply/specialty"] button`)
	b.fill(map[string]string{"education_relevant": "yes", "education_recognised": "yes", "title_relevant": "yes"})
	b.screenshot("apply-info")
	b.submit(`form[action="/apply/info"] button`)
	b.expect("apply-check", "可以报考：373 社区护理（中级）")
	b.open("/apply/photo")
	b.check("photo_confirmed")
	b.screenshot("apply-photo")
	b.submit(`form[action="/apply/submit"] button`)
	b.expect("application-submitted", "提交成功", "已提交，待现场确认", "第1版", "2023年12月11日", "下载申报表")

	// Withdraw, modify, resubmit.
	b.submit(`form[action="/application/withdraw"] button`)
	b.expect("withdrawn", "已撤回")
	b.open("/apply/specialty")
	b.do(chromedp.Click(chromedp.CSS(`input[name="specialty"][value="368"]`)))
	b.submit(`form.form[action="/apply/specialty"] button`)
	b.submit(`form[action="/apply/info"] button`)
	b.open("/apply/photo")
	b.check("photo_confirmed")
	b.submit(`form[action="/apply/submit"] button`)
	b.expect("resubmitted", "第2版", "已被新版本取代", "368 护理学")

	// The form of version 2 downloads as a PDF in this session.
	if f := b.fetch(b.href(`a[href$="/versions/2/form.pdf"]`), "form-v2.pdf"); f.Status != 200 || f.Type != "application/pdf" {
		t.Errorf("the version 2 form: %d %s", f.Status, f.Type)
	}
}

// TestAxeFindsViolations: the accessibility check reports what it should,
// on a page made to fail it.
func TestAxeFindsViolations(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>t</title></head><body><img src="/x.png"><form><input name="q"></form></body></html>`)
	}))
	defer ts.Close()
	b := newBrowser(t, ts.URL, "axe-selftest")
	b.open("/")
	got := strings.Join(b.violations(), "\n")
	for _, rule := range []string{"image-alt", "label", "html-has-lang"} {
		if !strings.Contains(got, rule) {
			t.Errorf("axe-core did not report %s on a page made to fail it; got:\n%s", rule, got)
		}
	}
}
