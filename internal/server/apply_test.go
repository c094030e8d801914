package server_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestApplyWalk walks the whole application flow as a candidate does, to
// the printed form; the form's text and QR code are checked, and the QR of
// a superseded version is refused at the desk.
func TestApplyWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台报名医院", District: "丰台区", Category: "garrison_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.CreateStaff(ctx, app.System, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "desk", Name: "丰台考点", Password: pw, Site: "fengtai"}); err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, ts.URL)
		status, body, _ := b.post("/register", registerForm("applier", 41))
		b.expect(status, body, "注册成功")
		b = login(t, ts.URL, "applier")

		// Before anything: the start page says what is missing.
		status, body, _ = b.get("/apply")
		b.expect(status, body, "报名前须完成", "✗ 已绑定微信", "去绑定", "请先完成上面标 ✗ 的事项")

		bindWeChat(t, b, "phone-of-applier")
		profile := nurseForm()
		profile.Set("work.unit_id", unit.ID)
		if status, body, _ := b.post("/me/profile", profile); status >= 400 {
			t.Fatalf("profile: %d %s", status, excerpt(body))
		}
		if status, body, _ := b.upload("/me/photo", "photo", jpegOf(360, 480), nil); status >= 400 {
			t.Fatalf("photo: %d %s", status, excerpt(body))
		}
		status, body, _ = b.get("/apply")
		b.expect(status, body, "✓ 已绑定微信", "开始报名", "还剩 10 天")
		status, body, resp := b.post("/apply/start", nil)
		if resp.Request.URL.Path != "/apply/site" {
			t.Fatalf("start ends at %s", resp.Request.URL)
		}
		b.expect(status, body, "须选择丰台考点", `value="chaoyang" disabled`)

		// A forged choice of another site is refused, on the same page.
		status, body, _ = b.post("/apply/site", url.Values{"site": {"chaoyang"}})
		if status != 422 {
			t.Errorf("forged site = %d", status)
		}
		b.expect(status, body, "不能选择朝阳考点")
		_, _, resp = b.post("/apply/site", url.Values{"site": {"fengtai"}})
		if resp.Request.URL.Path != "/apply/specialty" {
			t.Fatalf("site ends at %s", resp.Request.URL)
		}
		status, body, _ = b.get("/apply/specialty?q=护理")
		b.expect(status, body, `value="368"`, "2024年起取消，请改报 203 护理学")
		status, body, _ = b.post("/apply/specialty", url.Values{"specialty": {"374"}})
		b.expect(status, body, "已并入 368 护理学")
		_, _, resp = b.post("/apply/specialty", url.Values{"specialty": {"368"}})
		if resp.Request.URL.Path != "/apply/info" {
			t.Fatalf("specialty ends at %s", resp.Request.URL)
		}
		_, body, resp = b.post("/apply/info", url.Values{"education_relevant": {"yes"}, "education_recognised": {"yes"}, "title_relevant": {"yes"}})
		if resp.Request.URL.Path != "/apply/check" {
			t.Fatalf("info ends at %s", resp.Request.URL)
		}
		b.expect(200, body, "✓ 可以报考：368 护理学（中级）", "下一步：确认照片并提交")
		status, body, _ = b.get("/apply/photo")
		b.expect(status, body, "确认这是本人近期照片", `name="version" value="0"`)

		// Submitting without confirming the photo is refused; then submitted.
		status, body, _ = b.post("/apply/submit", url.Values{"version": {"0"}})
		b.expect(status, body, "请确认报名照片后再提交")
		_, body, resp = b.post("/apply/submit", url.Values{"version": {"0"}, "photo_confirmed": {"on"}})
		if resp.Request.URL.Path != "/application" {
			t.Fatalf("submit ends at %s", resp.Request.URL)
		}
		b.expect(200, body, "提交成功", "已提交，待现场确认", "第1版", "打印《申报表》第1版", "2023年12月12日", "北京市丰台区社区学院", "撤回修改", "护士执业证书")

		// A second tab submitting the same version lands on the status page; still one version.
		b.post("/apply/submit", url.Values{"version": {"0"}, "photo_confirmed": {"on"}})
		if _, body, _ = b.get("/application"); strings.Count(body, "提交 · <a href=") != 1 {
			t.Errorf("two versions after a double submit")
		}

		appID := regexp.MustCompile(`/applications/([0-9a-f-]+)/versions/1/form.pdf`).FindStringSubmatch(body)
		if appID == nil {
			t.Fatalf("no form link on the status page")
		}
		status, pdfBody, resp := b.get("/applications/" + appID[1] + "/versions/1/form.pdf")
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("form pdf = %d %s", status, resp.Header.Get("Content-Type"))
		}
		payload1 := checkFormPDF(t, []byte(pdfBody), "王𠮷", "368", "第1版")

		// Withdraw, change, resubmit: version 2; the printed v1 is now refused at the desk.
		_, body, resp = b.post("/application/withdraw", nil)
		if resp.Request.URL.Path != "/apply" {
			t.Fatalf("withdraw ends at %s", resp.Request.URL)
		}
		b.expect(200, body, "已撤回")
		b.post("/apply/specialty", url.Values{"specialty": {"369"}})
		b.post("/apply/info", url.Values{"education_relevant": {"yes"}, "education_recognised": {"yes"}, "title_relevant": {"yes"}})
		_, body, _ = b.post("/apply/submit", url.Values{"version": {"1"}, "photo_confirmed": {"on"}})
		b.expect(200, body, "第2版", "已被新版本取代", "最终版本")

		desk := login(t, ts.URL, "desk")
		if payload1 != "" {
			_, body, _ = desk.get("/staff/verify?c=" + url.QueryEscape(payload1))
			desk.expect(200, body, "✗ 不是最终版本", "考生后来提交了第2版")
		}
		_, pdf2, _ := b.get("/applications/" + appID[1] + "/versions/2/form.pdf")
		if payload2 := checkFormPDF(t, []byte(pdf2), "王𠮷", "369", "第2版"); payload2 != "" {
			_, body, _ = desk.get("/staff/verify?c=" + url.QueryEscape(payload2))
			desk.expect(200, body, "✓ 最终版本", "王𠮷")
		}
		_, body, _ = desk.get("/staff/verify?c=KW1.nope.1.forged")
		desk.expect(200, body, "✗ 无效")

		// The personal pledge (附件3) is pre-filled with the name.
		status, pledge, resp := b.get("/application/pledge.pdf")
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("pledge = %d %s", status, resp.Header.Get("Content-Type"))
		} else if text, ok := pdfText(t, []byte(pledge)); ok && !strings.Contains(text, "王𠮷") {
			t.Errorf("pledge text lacks the name:\n%s", text)
		}

		// The unit's HR prints the unit pledge (附件4) listing this candidate.
		if _, _, err := a.CreateStaff(ctx, app.System, app.StaffInput{Role: kaowu.RoleUnitHR, Username: "unithr", Name: "人事", Password: pw, Unit: unit.ID}); err != nil {
			t.Fatal(err)
		}
		hr := login(t, ts.URL, "unithr")
		_, body, _ = hr.get("/me")
		hr.expect(200, body, "打印本单位《报名材料真实性承诺书（单位版）》")
		status, unitPledge, resp := hr.get("/unit/pledge.pdf")
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("unit pledge = %d", status)
		} else if text, ok := pdfText(t, []byte(unitPledge)); ok && (!strings.Contains(text, "王𠮷") || !strings.Contains(text, "丰台报名医院")) {
			t.Errorf("unit pledge text lacks the candidate or the unit:\n%s", text)
		}
		if status, _, _ := b.get("/unit/pledge.pdf"); status != 403 {
			t.Errorf("a candidate printed the unit pledge: %d", status)
		}

		// Another candidate cannot download this form.
		other := newBrowser(t, ts.URL)
		other.post("/register", registerForm("nosy", 42))
		other = login(t, ts.URL, "nosy")
		if status, _, _ := other.get("/applications/" + appID[1] + "/versions/2/form.pdf"); status != 403 {
			t.Errorf("another candidate's form = %d, want 403", status)
		}
	})
}

// checkFormPDF checks the form's text layer and returns its decoded QR
// payload ("" when poppler or zbar are not installed, which CI installs).
func checkFormPDF(t *testing.T, b []byte, want ...string) string {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("%s not installed (Debian poppler-utils, zbar-tools): form text and QR not checked", tool)
			return ""
		}
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "form.pdf")
	os.WriteFile(f, b, 0o644)
	text, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(string(text), w) {
			t.Errorf("form text lacks %q", w)
		}
	}
	if err := exec.Command("pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", f, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	out, err := exec.Command("zbarimg", "--quiet", "--raw", pages[0]).Output()
	if err != nil {
		t.Fatalf("no QR code decoded from the form: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// pdfText returns a PDF's text layer, or false when pdftotext is missing.
func pdfText(t *testing.T, b []byte) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		return "", false
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(f, b, 0o644)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), true
}
