package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/tabular"
)

// TestScoreJourney: the region imports the national centre's result file
// and sets the publication instant; before it the public look-up says
// when; after it a candidate looks up on a phone by ticket and ID number
// (a wrong ID number gets the one refusal that tells nothing), signs in
// and sees their own scores without typing, downloads the score report
// and checks its QR code in the browser; the region exports the
// certificate list (the browsers share one profile: the region's session
// ends when the candidate signs in).
func TestScoreJourney(t *testing.T) {
	st := newSite(t)
	ctx := context.Background()
	officeActor := app.Actor{Username: "ticket-office", Role: kaowu.RoleSiteStaff}
	st.staff(t, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ticket-office", Name: "丰台考务", Site: "fengtai"})
	st.staff(t, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "ticket-region", Name: "北京考区"})
	fang, yan := st.candidate(t, 71, "王芳"), st.candidate(t, 72, "王䶮")
	apFang, apYan := st.submit(t, fang), st.submit(t, yan)
	st.paid(t, fang, apFang)
	st.paid(t, yan, apYan)
	st.Clock.Set(time.Date(2024, 3, 20, 10, 0, 0, 0, kaowu.Shanghai))
	rooms, err := tabular.Read("rooms.csv", strings.NewReader(journeyRooms))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.ImportRooms(ctx, officeActor, "", rooms, "rooms.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.Seat(ctx, officeActor, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.IssueTickets(ctx, officeActor, ""); err != nil {
		t.Fatal(err)
	}
	tkFang, err := st.App.Store.TicketOf(ctx, apFang.ID)
	if err != nil {
		t.Fatal(err)
	}
	tkYan, err := st.App.Store.TicketOf(ctx, apYan.ID)
	if err != nil {
		t.Fatal(err)
	}

	// After the exam, the region imports the results and sets the instant.
	st.Clock.Set(time.Date(2024, 5, 20, 9, 0, 0, 0, kaowu.Shanghai))
	region := newBrowser(t, st.URL, "scores")
	region.open("/login")
	region.login("ticket-region", password)
	region.open("/review/scores")
	region.expect("review-empty", "成绩导入与公布（2024年度）", "导入成绩文件", "公布成绩")
	file := filepath.Join(t.TempDir(), "scores.csv")
	csv := strings.Join(app.ScoreFileHeader, ",") + "\n" +
		tkFang.TicketNo + ",居民身份证," + residentID(71) + ",王芳," + apFang.Specialty + ",72,65,80,59,否\n" +
		tkYan.TicketNo + ",居民身份证," + residentID(72) + ",王䶮," + apYan.Specialty + ",88,缺考,61,60,否\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	region.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	region.submit(`form[action="/review/scores/import"] button[type="submit"]`)
	region.expect("review-imported", "已导入 2 行：新增 2，更正 0，未变 0", "导入记录")
	region.do(chromedp.SetValue(chromedp.CSS("#publish_at"), "2024-05-21T10:00"))
	region.submit(`form[action="/review/scores/publish"] button.primary`)
	region.expect("review-publish-set", "成绩将于 2024年5月21日 10:00（北京时间）公布")
	x := region.fetch("/staff/certificates.xlsx", "certificates.xlsx")
	if x.Status != 200 || !strings.Contains(x.Type, "spreadsheetml") {
		t.Errorf("certificates.xlsx: %d %s", x.Status, x.Type)
	}

	// Before the instant, the public page says when.
	c := region.fresh("candidate")
	c.open("/scores")
	c.fill(map[string]string{"ticket_no": tkYan.TicketNo, "id_number": residentID(72)})
	c.submit(`form[action="/scores"] button[type="submit"]`)
	c.expect("scores-not-yet", "成绩尚未公布", "2024年5月21日 10:00")

	// After it: a wrong ID number, then the right one.
	st.Clock.Set(time.Date(2024, 5, 21, 10, 5, 0, 0, kaowu.Shanghai))
	c.open("/scores")
	c.fill(map[string]string{"ticket_no": tkYan.TicketNo, "id_number": residentID(99)})
	c.submit(`form[action="/scores"] button[type="submit"]`)
	wrong := c.expect("scores-wrong-id", "准考证号或证件号码不正确")
	c.open("/scores")
	c.fill(map[string]string{"ticket_no": "2411010636899999", "id_number": residentID(99)})
	c.submit(`form[action="/scores"] button[type="submit"]`)
	if missing := c.text(); !strings.Contains(missing, "准考证号或证件号码不正确") || strings.Contains(wrong, "不存在") || strings.Contains(missing, "不存在") {
		t.Errorf("a wrong ID number and a missing ticket read differently:\n%s\n---\n%s", wrong, missing)
	}
	c.open("/scores")
	c.fill(map[string]string{"ticket_no": tkFang.TicketNo, "id_number": residentID(71)})
	c.submit(`form[action="/scores"] button[type="submit"]`)
	c.expect("scores-answer", "王芳", "各科成绩", "72", "不合格", "两年滚动管理：尚未合格", "专业实践能力", "下载成绩单（PDF）")

	// Signed in, the candidate sees their own without typing.
	c.open("/login")
	c.login(yan.Username, password)
	c.open("/application")
	c.expect("status-scored", "查看成绩")
	c.submit(`ol.next-steps a[href="/application/scores"]`)
	c.expect("my-scores", "我的成绩", "王䶮", "缺考", "下载成绩单（PDF）")
	pdf := c.fetch("/application/score-report.pdf", "score-report.pdf")
	if pdf.Status != 200 || pdf.Type != "application/pdf" {
		t.Fatalf("score-report.pdf: %d %s", pdf.Status, pdf.Type)
	}
	if text, ok := pdfText(t, pdf.Body); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{"成绩单", "王䶮", tkYan.TicketNo, "缺考"} {
			if !strings.Contains(flat, w) {
				t.Errorf("score-report.pdf lacks %q:\n%s", w, text)
			}
		}
	}
	payload := qrOfPDF(t, pdf.Body, filepath.Join(c.dir, "score-report-page"))
	if payload != "" {
		c.open("/scores/verify")
		c.fill(map[string]string{"payload": payload})
		c.do(chromedp.Click(chromedp.CSS(`form#manual button[type="submit"]`)))
		c.do(chromedp.WaitVisible(chromedp.CSS(`#result h2`)))
		c.expect("score-verify-valid", "有效：成绩单内容与考区记录一致", "王䶮", "本机核验（考区公钥）")
		c.fill(map[string]string{"payload": strings.Replace(payload, "|0|", "|1|", 1)})
		c.do(chromedp.Click(chromedp.CSS(`form#manual button[type="submit"]`)))
		c.do(chromedp.WaitVisible(chromedp.CSS(`#result h2.err`)))
		c.expect("score-verify-altered", "无效")
	}

}
