package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaowu"
	"kaowu/internal/app"
)

const journeyRooms = "考试地点,地址,乘车路线,考场,类型,座位数,每排座位数,可用机位数,可用日期,启用\n" +
	"丰台区第八中学,丰台区东大街甲8号,地铁9号线丰台东大街站B口出，向东200米,第01考场,纸笔考场,30,6,,,是\n" +
	"丰台职业教育中心,丰台区造甲村南1号,公交300路造甲村站,机房A301,计算机考场,40,8,36,,是\n"

// paid takes a submitted candidate through the desk, the region's review
// and the sandbox payment, as those users would.
func (st site) paid(t *testing.T, p person, ap kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	st.Clock.Set(time.Date(2023, 12, 11, 9, 30, 0, 0, kaowu.Shanghai))
	if _, err := st.App.Confirm(ctx, app.Actor{Username: "ticket-office", Role: kaowu.RoleSiteStaff}, ap.ID, 1); err != nil {
		t.Fatal(err)
	}
	st.Clock.Set(time.Date(2024, 1, 10, 10, 0, 0, 0, kaowu.Shanghai))
	if _, err := st.App.Review(ctx, app.Actor{Username: "ticket-region", Role: kaowu.RoleRegionStaff}, app.ReviewInput{IDs: []string{ap.ID}, Approve: true}); err != nil {
		t.Fatal(err)
	}
	st.Clock.Set(time.Date(2024, 1, 30, 10, 0, 0, 0, kaowu.Shanghai))
	if _, err := st.App.StartPayment(ctx, p.Actor); err != nil {
		t.Fatal(err)
	}
	o, err := st.App.Store.OrderOf(ctx, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	at, err := st.App.Store.Attempts(ctx, o.ID)
	if err != nil || len(at) == 0 {
		t.Fatal(err)
	}
	if err := st.Sandbox.Pay(at[len(at)-1].OutTradeNo); err != nil {
		t.Fatal(err)
	}
	if err := st.App.SyncMyPayment(ctx, p.Actor); err != nil {
		t.Fatal(err)
	}
}

// TestTicketJourney: the site office imports its rooms, seats the paid
// candidates and builds the tickets; a candidate prints theirs on a phone
// inside the window; at the entrance, the office's page verifies the QR
// code read off the printed ticket, and refuses an altered one.
func TestTicketJourney(t *testing.T) {
	st := newSite(t)
	st.staff(t, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ticket-office", Name: "丰台考务", Site: "fengtai"})
	st.staff(t, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "ticket-region", Name: "北京考区"})
	fang, yan := st.candidate(t, 61, "王芳"), st.candidate(t, 62, "王䶮")
	apFang, apYan := st.submit(t, fang), st.submit(t, yan)
	st.paid(t, fang, apFang)
	st.paid(t, yan, apYan)

	st.Clock.Set(time.Date(2024, 3, 20, 10, 0, 0, 0, kaowu.Shanghai))
	office := newBrowser(t, st.URL, "tickets")
	office.open("/login")
	office.login("ticket-office", password)
	office.open("/staff/rooms")
	office.expect("rooms-empty", "考试地点与考场（丰台考点）", "还没有考场")
	f := filepath.Join(t.TempDir(), "rooms.csv")
	if err := os.WriteFile(f, []byte(journeyRooms), 0o644); err != nil {
		t.Fatal(err)
	}
	office.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{f}))
	office.submit(`form[action="/staff/rooms/import"] button[type="submit"]`)
	office.expect("rooms-imported", "已导入：2 个考试地点，新增考场 2 个", "丰台职业教育中心", "机房A301", "36（可用机位 36）")

	office.open("/staff/seating")
	office.expect("seating-start", "第一步：编排考场", "开始编排")
	office.submit(`form[action="/staff/seating/run"] button[type="submit"]`)
	office.expect("seated", "编排完成：2 名考生中已安排 2 名", "各考场安排情况", "机房A301")
	office.submit(`form[action="/staff/tickets/build"] button[type="submit"]`)
	office.expect("build-started", "生成进度")
	b, err := st.App.LatestTicketBuild(context.Background(), app.Actor{Username: "ticket-office", Role: kaowu.RoleSiteStaff}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.RunTicketBuild(context.Background(), b.ID, nil); err != nil { // serve's job queue does this
		t.Fatal(err)
	}
	office.open("/staff/seating")
	office.expect("build-done", "下载全部准考证（ZIP）")
	office.open("/staff/timetable")
	office.expect("timetable", "已生成准考证 2 份", "门贴（PDF）")
	door := office.fetch(office.href(`a[href^="/staff/door-list.pdf"]`), "door-list.pdf")
	if door.Status != 200 || door.Type != "application/pdf" {
		t.Errorf("door list: %d %s", door.Status, door.Type)
	}

	// The candidate, on 2024-04-02, prints the ticket.
	st.Clock.Set(time.Date(2024, 4, 2, 20, 0, 0, 0, kaowu.Shanghai))
	c := office.fresh("candidate")
	c.open("/login")
	c.login(yan.Username, password)
	c.open("/application")
	c.expect("status-ticketed", "✓ 准考证", "准考证已生成：请在打印时间内下载打印", "打印准考证")
	c.submit(`ol.next-steps a[href="/application/ticket"]`)
	c.expect("ticket", "准考证号：", "档案号：", "考试地点：丰台", "座位号", "下载并打印准考证（PDF）")
	pdf := c.fetch("/application/ticket.pdf", "ticket.pdf")
	if pdf.Status != 200 || pdf.Type != "application/pdf" {
		t.Fatalf("ticket.pdf: %d %s", pdf.Status, pdf.Type)
	}
	if text, ok := pdfText(t, pdf.Body); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{"准考证", "王䶮", "368护理学", "考生须知", "丰台考点"} {
			if !strings.Contains(flat, w) {
				t.Errorf("ticket.pdf lacks %q:\n%s", w, text)
			}
		}
	}
	payload := qrOfPDF(t, pdf.Body, filepath.Join(c.dir, "ticket-page"))
	if payload == "" {
		return
	}

	// Exam day at the entrance: the office's page checks the QR code in
	// the browser, with the public key.
	st.Clock.Set(time.Date(2024, 4, 13, 7, 50, 0, 0, kaowu.Shanghai))
	if a, err := st.App.Store.Assignment(context.Background(), apYan.ID); err == nil && !a.Day.IsZero() {
		st.Clock.Set(a.Day.In(kaowu.Shanghai).Add(7*time.Hour + 50*time.Minute))
	}
	office.open("/login") // a new day, a new session
	office.login("ticket-office", password)
	office.open("/staff/tickets/verify")
	office.expect("verify-open", "准考证入场核验", "打开摄像头扫码")
	office.fill(map[string]string{"payload": payload})
	office.do(chromedp.Click(chromedp.CSS(`form#manual button[type="submit"]`)))
	office.do(chromedp.WaitVisible(chromedp.CSS(`#result h2`)))
	office.expect("verify-valid", "✓ 有效：今天的考试", "王䶮", "本机核验（考点公钥）")
	office.fill(map[string]string{"payload": strings.Replace(payload, "王䶮", "王芳", 1)})
	office.do(chromedp.Click(chromedp.CSS(`form#manual button[type="submit"]`)))
	office.do(chromedp.WaitVisible(chromedp.CSS(`#result h2.err`)))
	office.expect("verify-altered", "✗ 无效")
}

// qrOfPDF renders a PDF's first page (saved as prefix.png, to look at) and
// decodes its QR code with zbarimg; "" when the tools are missing.
func qrOfPDF(t *testing.T, pdf []byte, prefix string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Log("QR not checked: pdftoppm is not installed (apt-get install poppler-utils)")
		return ""
	}
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Log("QR not checked: zbarimg is not installed (apt-get install zbar-tools)")
		return ""
	}
	in := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", in, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sbinary", prefix+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.TrimRight(string(out), "\n")
}
