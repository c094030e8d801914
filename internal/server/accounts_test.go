package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

const pw = "Kaowu@2024x"

func residentID(n int) string {
	s := fmt.Sprintf("1101061988%02d15%03d", n%12+1, n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

// browser is a client with a cookie jar that follows redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) (int, string, *http.Response) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

func (b *browser) get(path string) (int, string, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, v url.Values) (int, string, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) upload(path, field string, data []byte, extra url.Values) (int, string, *http.Response) {
	b.t.Helper()
	return b.uploadFile(path, field, "photo.jpg", data, extra)
}

// uploadFile posts data as the file filename in field, with extra fields.
func (b *browser) uploadFile(path, field, filename string, data []byte, extra url.Values) (int, string, *http.Response) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range extra {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func (b *browser) expect(status int, body string, want ...string) {
	b.t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			b.t.Errorf("status %d: page lacks %q:\n%s", status, w, excerpt(body))
		}
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

func jpegOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 77, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

func registerForm(username string, n int) url.Values {
	return url.Values{"id_type": {"resident_id"}, "id_number": {residentID(n)}, "name": {"王𠮷"}, "username": {username},
		"password": {pw}, "password_confirm": {pw}, "mobile": {"13912345678"}, "recovery_question": {"我的出生城市？"}, "recovery_answer": {"北京"}}
}

var (
	pinRe    = regexp.MustCompile(`aria-label="确认码">(\d{6})<`)
	ticketRe = regexp.MustCompile(`name="ticket" value="([0-9a-f]+)"`)
)

// bindWeChat runs the local provider's flow: the computer starts it, the
// "phone" (another client, no session) confirms the code shown, the
// computer continues.
func bindWeChat(t *testing.T, b *browser, phoneID string) (int, string) {
	t.Helper()
	status, body, _ := b.post("/me/wechat/bind", nil)
	pin, ticket := pinRe.FindStringSubmatch(body), ticketRe.FindStringSubmatch(body)
	if status != 200 || pin == nil || ticket == nil {
		t.Fatalf("authorize page: %d\n%s", status, excerpt(body))
	}
	phone := newBrowser(t, b.base)
	status, body, _ = phone.post("/wechat/local/confirm", url.Values{"pin": {pin[1]}, "wechat_id": {phoneID}})
	phone.expect(status, body, "已确认")
	status, body, _ = b.post("/wechat/local/authorize", url.Values{"ticket": {ticket[1]}})
	return status, body
}

func TestAccountWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台走查医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, ts.URL)

		status, body, _ := b.get("/register")
		b.expect(status, body, "考生注册", `name="id_number"`, "登录", "注册")

		// A refused registration keeps what was typed and says why, by the field.
		bad := registerForm("walker", 1)
		bad.Set("id_number", "110106198801150011")
		status, body, _ = b.post("/register", bad)
		if status != 422 {
			t.Errorf("bad registration = %d", status)
		}
		b.expect(status, body, "校验码", `value="walker"`, `value="王𠮷"`, `aria-invalid="true"`)
		if strings.Contains(body, pw) {
			t.Error("the password was sent back")
		}

		status, body, resp := b.post("/register", registerForm("walker", 1))
		if status != 200 || resp.Request.URL.Path != "/me/wechat" {
			t.Fatalf("register: %d at %s", status, resp.Request.URL)
		}
		b.expect(status, body, "注册成功", "未绑定", "我的", "退出")

		// Registering the same ID again: conflict, with the way to log in or recover.
		other := newBrowser(t, ts.URL)
		status, body, _ = other.post("/register", registerForm("walker2", 1))
		if status != 409 {
			t.Errorf("duplicate ID = %d", status)
		}
		other.expect(status, body, "该证件号码已注册", `href="/login"`, `href="/recover"`)

		status, body = bindWeChat(t, b, "phone-of-walker")
		b.expect(status, body, "已绑定微信")

		status, body, _ = b.post("/logout", nil)
		b.expect(status, body, "您已退出登录")
		if _, _, resp := b.get("/me"); resp.Request.URL.Path != "/login" {
			t.Errorf("after logout /me ends at %s", resp.Request.URL)
		}

		status, body, resp = b.post("/login", url.Values{"login": {residentID(1)}, "password": {pw}, "next": {"/me"}})
		if resp.Request.URL.Path != "/me" {
			t.Fatalf("login by ID number: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
		}
		b.expect(status, body, "王𠮷", "110106*****", "已绑定")

		// Profile: a malformed date is refused and what was typed stays.
		form := url.Values{"education[0].level": {"bachelor"}, "education[0].major": {"护理学"}, "education[0].school": {"首都医科大学"},
			"education[0].graduated_on": {"2015-02-30"}, "education[0].full_time": {"on"}, "work.unit_id": {unit.ID},
			"work.post": {"护理"}, "titles[0].level": {"junior"}, "titles[0].specialty": {"护理学"}, "titles[0].obtained_on": {"2018-05-20"}}
		status, body, _ = b.post("/me/profile", form)
		if status != 422 {
			t.Errorf("bad profile = %d", status)
		}
		b.expect(status, body, "YYYY-MM-DD", `value="首都医科大学"`, `value="2018-05-20"`)
		form.Set("education[0].graduated_on", "2015-07-01")
		status, body, resp = b.post("/me/profile", form)
		if resp.Request.URL.Path != "/me/profile" || !strings.Contains(body, "已保存") {
			t.Fatalf("profile: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
		}
		b.expect(status, body, `value="2015-07-01"`, "丰台走查医院（丰台区）\u003c/option>")

		// Photo: a landscape picture is refused with the requirement; a portrait one is stored.
		status, body, _ = b.upload("/me/photo", "photo", jpegOf(500, 300), nil)
		if status != 422 {
			t.Errorf("landscape photo = %d", status)
		}
		b.expect(status, body, "295×413", "竖幅")
		status, body, resp = b.upload("/me/photo", "photo", jpegOf(295, 413), nil)
		if resp.Request.URL.Path != "/me/profile" {
			t.Fatalf("photo: %d at %s", status, resp.Request.URL)
		}
		me, _ := a.Store.AccountsByLogin(ctx, "walker")
		b.expect(status, body, "/candidates/"+me[0].ID+"/photo")
		status, body, resp = b.get("/candidates/" + me[0].ID + "/photo")
		if status != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("own photo = %d %s", status, resp.Header.Get("Content-Type"))
		}
		if _, err := jpeg.Decode(strings.NewReader(body)); err != nil {
			t.Errorf("served photo is not a JPEG: %v", err)
		}
		status, body, _ = b.get("/me")
		b.expect(status, body, "已上传", "已保存")

		status, body, _ = b.post("/logout", nil)
		b.expect(status, body, "您已退出登录")
		if status, _, _ := b.get("/candidates/" + me[0].ID + "/photo"); status != 401 && status != 200 {
			t.Errorf("photo after logout = %d", status)
		}
	})
}

func login(t *testing.T, base, username string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	status, body, resp := b.post("/login", url.Values{"login": {username}, "password": {pw}})
	if resp.Request.URL.Path != "/me" {
		t.Fatalf("login %s: %d at %s\n%s", username, status, resp.Request.URL, excerpt(body))
	}
	return b
}

func TestCandidatesCannotReachOthers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "所有权医院", District: "丰台区", Category: "clinic", CreatedAt: inWindow}
		s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) })
		var ids []string
		for i, name := range []string{"owner", "snoop"} {
			r := registerForm(name, 10+i)
			acc, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: r.Get("id_number"), Name: "李四", Username: name,
				Password: pw, PasswordConfirm: pw, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, acc.ID)
		}
		owner := app.Actor{Username: "owner", Role: kaowu.RoleCandidate}
		if _, err := a.UploadPhoto(ctx, owner, ids[0], jpegOf(295, 413)); err != nil {
			t.Fatal(err)
		}
		snoop := login(t, ts.URL, "snoop")
		if status, _, _ := snoop.get("/candidates/" + ids[0] + "/photo"); status != 403 {
			t.Errorf("another candidate's photo = %d, want 403", status)
		}
		status, body, _ := snoop.get("/api/v1/candidates/" + ids[0] + "/profile")
		var e struct{ Error struct{ Code string } }
		json.Unmarshal([]byte(body), &e)
		if status != 403 || e.Error.Code != "forbidden" {
			t.Errorf("another candidate's profile = %d %s", status, body)
		}
		if status, _, _ := snoop.get("/api/v1/candidates/" + ids[1] + "/profile"); status != 200 {
			t.Errorf("own profile by id = %d", status)
		}
		// An id slipped into the form changes nothing but the sender's own profile.
		status, _, _ = snoop.post("/me/profile", url.Values{"user_id": {ids[0]}, "id": {ids[0]}, "education[0].level": {"college"},
			"education[0].major": {"护理"}, "education[0].school": {"卫校"}, "education[0].graduated_on": {"2010-07-01"},
			"work.unit_id": {unit.ID}, "work.post": {"护理"}})
		if status != 200 {
			t.Errorf("save = %d", status)
		}
		if p, _ := s.Profile(ctx, ids[0]); !p.UpdatedAt.IsZero() {
			t.Error("the owner's profile was written by another candidate")
		}
		if p, _ := s.Profile(ctx, ids[1]); p.UpdatedAt.IsZero() {
			t.Error("the sender's own profile was not saved")
		}
		snoop.upload("/me/photo", "photo", jpegOf(300, 420), url.Values{"user_id": {ids[0]}})
		if _, m, _ := s.Photo(ctx, ids[0]); m.Width != 295 {
			t.Errorf("the owner's photo was replaced: %+v", m)
		}
		// Staff pages refuse candidates.
		for _, path := range []string{"/admin/users", "/staff/change-requests", "/staff/desk"} {
			if status, _, _ := snoop.get(path); status != 403 {
				t.Errorf("candidate GET %s = %d, want 403", path, status)
			}
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		clock := a.Clock.(*kaowu.ManualClock)
		ctx := context.Background()
		if _, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: residentID(20), Name: "赵六", Username: "sessioner",
			Password: pw, PasswordConfirm: pw, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"}); err != nil {
			t.Fatal(err)
		}
		// Cookie attributes, plain and behind TLS.
		for _, tls := range []bool{false, true} {
			req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader("login=sessioner&password="+url.QueryEscape(pw)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tls {
				req.Header.Set("X-Forwarded-Proto", "https")
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			c := resp.Header.Get("Set-Cookie")
			if resp.StatusCode != 303 || !strings.Contains(c, "kaowu_session=") || !strings.Contains(c, "HttpOnly") ||
				!strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") != tls {
				t.Errorf("tls=%v: %d Set-Cookie %q", tls, resp.StatusCode, c)
			}
		}
		// Idle timeout on the App's clock.
		b := login(t, ts.URL, "sessioner")
		// Page views within a minute of each other write nothing: the
		// stored idle expiry moves on at most once a minute.
		latest := func() time.Time {
			t.Helper()
			var at time.Time
			if err := s.SQLDB().QueryRowContext(ctx, `SELECT expires_at FROM sessions ORDER BY expires_at DESC LIMIT 1`).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		before := latest()
		for range 5 {
			clock.Advance(5 * time.Second)
			b.get("/me")
		}
		if got := latest(); !got.Equal(before) {
			t.Errorf("five page views within 25 s wrote the session: expiry %s → %s", before, got)
		}
		clock.Advance(time.Minute)
		b.get("/me")
		if got := latest(); got.Sub(before) < time.Minute {
			t.Errorf("a page view 85 s later did not move the expiry on: %s → %s", before, got)
		}
		clock.Advance(29 * time.Minute)
		if _, _, resp := b.get("/me"); resp.Request.URL.Path != "/me" {
			t.Fatal("session ended before 30 idle minutes")
		}
		clock.Advance(29 * time.Minute) // idle time restarts at each request
		if _, _, resp := b.get("/me"); resp.Request.URL.Path != "/me" {
			t.Fatal("an active session ended")
		}
		clock.Advance(31 * time.Minute)
		if _, _, resp := b.get("/me"); resp.Request.URL.Path != "/login" {
			t.Error("session survived 31 idle minutes")
		}
		// Log out everywhere.
		one, two := login(t, ts.URL, "sessioner"), login(t, ts.URL, "sessioner")
		status, body, _ := one.post("/me/logout-all", nil)
		one.expect(status, body, "已退出所有设备上的登录")
		if _, _, resp := two.get("/me"); resp.Request.URL.Path != "/login" {
			t.Error("another device stayed logged in after logging out everywhere")
		}
		if _, _, resp := login(t, ts.URL, "sessioner").get("/me"); resp.Request.URL.Path != "/me" {
			t.Error("a new login after logging out everywhere does not work")
		}
		// Lockout through the pages.
		c := newBrowser(t, ts.URL)
		for range 5 {
			status, body, _ = c.post("/login", url.Values{"login": {"sessioner"}, "password": {"Wrong@2024"}})
		}
		if status != 429 || !strings.Contains(body, "锁定") {
			t.Errorf("fifth failure = %d\n%s", status, excerpt(body))
		}
		// An open redirect through "next" is refused.
		clock.Advance(16 * time.Minute)
		_, _, resp := c.post("/login", url.Values{"login": {"sessioner"}, "password": {pw}, "next": {"//evil.example/x"}})
		if resp.Request.URL.Host != strings.TrimPrefix(ts.URL, "http://") || resp.Request.URL.Path != "/me" {
			t.Errorf("next=//evil went to %s", resp.Request.URL)
		}
	})
}

func TestStaffPages(t *testing.T) {
	ts, a := newServer(t, storetest.SQLite(t), inWindow)
	ctx := context.Background()
	for _, in := range []app.StaffInput{
		{Role: kaowu.RoleAdmin, Username: "root1", Name: "管理员", Password: pw},
		{Role: kaowu.RoleSiteStaff, Username: "desk1", Name: "丰台考点", Password: pw, Site: "fengtai"},
	} {
		if _, _, err := a.CreateStaff(ctx, app.System, in); err != nil {
			t.Fatal(err)
		}
	}
	cand, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: residentID(30), Name: "孙七", Username: "forgot",
		Password: pw, PasswordConfirm: pw, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"})
	if err != nil {
		t.Fatal(err)
	}
	admin := login(t, ts.URL, "root1")
	status, body, _ := admin.post("/admin/users", url.Values{"role": {"unit_hr"}, "username": {"hr-new"}, "name": {"新人事"}})
	admin.expect(status, body, "单位人事账号必须指定所属单位", `value="hr-new"`)
	status, body, _ = admin.post("/admin/users", url.Values{"role": {"region_staff"}, "username": {"region-new"}, "name": {"考区"}})
	admin.expect(status, body, "已创建账号 region-new", "初始密码")
	status, body, _ = admin.get("/admin/users")
	admin.expect(status, body, "region-new", "forgot")

	// The desk issues a reset code; the candidate sets a new password with it.
	desk := login(t, ts.URL, "desk1")
	status, body, _ = desk.get("/staff/desk?q=" + residentID(30))
	desk.expect(status, body, "孙七", "签发重置码")
	status, body, _ = desk.post("/staff/desk/reset-code", url.Values{"q": {residentID(30)}, "note": {"核验居民身份证原件"}})
	code := regexp.MustCompile(`class="pin">([A-Z0-9-]{14})<`).FindStringSubmatch(body)
	if code == nil {
		t.Fatalf("no code shown: %d\n%s", status, excerpt(body))
	}
	c := newBrowser(t, ts.URL)
	const next = "Fresh#Start2024"
	status, body, resp := c.post("/recover/code", url.Values{"login": {"forgot"}, "code": {code[1]}, "password": {next}, "password_confirm": {next}})
	if resp.Request.URL.Path != "/login" || !strings.Contains(body, "密码已重设") {
		t.Fatalf("reset with code: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
	}
	if _, err := a.Login(ctx, "forgot", next, "10.1.1.1"); err != nil {
		t.Errorf("new password: %v", err)
	}
	_ = cand
}

func TestAPIRegister(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(ts.URL+"/api/v1/accounts", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	reg := map[string]string{"id_type": "resident_id", "id_number": residentID(40), "name": "周八", "username": "apiuser",
		"password": pw, "password_confirm": pw, "mobile": "13912345678", "recovery_question": "问题？", "recovery_answer": "答案"}
	b, _ := json.Marshal(reg)
	if status, m := post(string(b)); status != 201 || m["id_number_masked"] != kaowu.MaskID(residentID(40)) {
		t.Errorf("register = %d %v", status, m)
	}
	if status, m := post(string(b)); status != 409 || m["error"].(map[string]any)["code"] != "conflict" {
		t.Errorf("again = %d %v", status, m)
	}
	reg["name"], reg["username"], reg["id_number"] = "<b>x</b>", "apiuser2", residentID(41)
	b, _ = json.Marshal(reg)
	status, m := post(string(b))
	fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
	if status != 422 || fields["name"] == nil {
		t.Errorf("markup name = %d %v", status, m)
	}
	if status, _ := post("{not json"); status != 422 {
		t.Errorf("bad JSON = %d", status)
	}
}

// TestAccountSettings: a candidate changes the mobile number (a bad one is
// refused by its field) and the password: the session that changed it
// goes on, another device's session ends, the old password no longer logs
// in and the new one does; both changes are audited.
func TestAccountSettings(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, _ := newServer(t, s, inWindow)
		b := newBrowser(t, ts.URL)
		if status, _, _ := b.post("/register", registerForm("settler", 61)); status != http.StatusOK {
			t.Fatalf("register = %d", status)
		}
		other := login(t, ts.URL, "settler")

		status, body, _ := b.post("/me/mobile", url.Values{"mobile": {"12345"}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("bad mobile = %d", status)
		}
		b.expect(status, body, "手机号码应为 11 位数字")
		status, body, _ = b.post("/me/mobile", url.Values{"mobile": {"139 1234 5678"}})
		b.expect(status, body, "手机号码已修改。", "13912345678")

		const next = "Kaowu#2025new"
		status, body, _ = b.post("/me/password", url.Values{"current_password": {"wrong"}, "password": {next}, "password_confirm": {next}})
		b.expect(status, body, "当前密码不正确")
		status, body, _ = b.post("/me/password", url.Values{"current_password": {pw}, "password": {next}, "password_confirm": {next}})
		b.expect(status, body, "密码已修改；其他设备上的登录已退出。")
		if _, _, resp := b.get("/me"); resp.Request.URL.Path != "/me" {
			t.Errorf("the session that changed the password ended (at %s)", resp.Request.URL)
		}
		if _, _, resp := other.get("/me"); resp.Request.URL.Path != "/login" {
			t.Errorf("another device's session goes on (at %s)", resp.Request.URL)
		}
		fresh := newBrowser(t, ts.URL)
		if _, _, resp := fresh.post("/login", url.Values{"login": {"settler"}, "password": {pw}, "next": {"/me"}}); resp.Request.URL.Path == "/me" {
			t.Error("the old password still logs in")
		}
		if _, _, resp := fresh.post("/login", url.Values{"login": {"settler"}, "password": {next}, "next": {"/me"}}); resp.Request.URL.Path != "/me" {
			t.Errorf("the new password does not log in (at %s)", resp.Request.URL)
		}
		es, err := s.Audit(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range es {
			seen[e.Action] = true
			if e.Action == "account.mobile_changed" && strings.Contains(e.After, "13912345678") {
				t.Errorf("the audit keeps the whole mobile number: %s", e.After)
			}
		}
		if !seen["account.mobile_changed"] || !seen["account.password_changed"] {
			t.Errorf("audited %v", seen)
		}
	})
}
