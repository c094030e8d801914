package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// ticketedCandidate makes candidate n of unit paid, seated and ticketed
// (rooms imported as the site office does), and returns the application
// with its ticket number.
func ticketedCandidate(t *testing.T, a *app.App, s *store.Store, username, name string, n int, unitID string) (kaowu.Application, string) {
	t.Helper()
	ctx := context.Background()
	ap := confirmedCandidate(t, a, username, name, n, unitID)
	if err := s.Update(ctx, func(tx *store.Tx) error {
		for _, st := range [][2]kaowu.ApplicationState{{kaowu.StateConfirmed, kaowu.StateApproved}, {kaowu.StateApproved, kaowu.StatePaid}} {
			if err := tx.SetApplicationState(ctx, ap.ID, st[0], st[1], inWindow); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"考试地点", "考场", "类型", "座位数", "每排座位数", "可用机位数"}, {"丰台职业教育中心", "机房A301", "计算机考场", "40", "8", "40"}}
	if _, err := a.ImportRooms(ctx, app.System, "fengtai", rows, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Seat(ctx, app.System, "fengtai", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IssueTickets(ctx, app.System, "fengtai"); err != nil {
		t.Fatal(err)
	}
	tk, err := s.TicketOf(ctx, ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ap, tk.TicketNo
}

// TestScoresWalk: the region imports the result file and sets the
// publication; before it nobody sees scores; after it the public page and
// the API answer, a wrong ID number reads exactly like a ticket number
// that does not exist, the report downloads and its QR checks on the
// server; the candidate sees their own.
func TestScoresWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		clock := a.Clock.(*kaowu.ManualClock)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台成绩医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		_, ticket := ticketedCandidate(t, a, s, "scorer", "查分考生", 95, unit.ID)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-scores", Name: "考区"})
		clock.Set(time.Date(2024, 5, 20, 10, 0, 0, 0, kaowu.Shanghai))
		region := login(t, ts.URL, "region-scores")
		file := strings.Join(app.ScoreFileHeader, ",") + "\n" + ticket + ",居民身份证," + residentID(95) + ",查分考生,368,72,65,80,70,否\n"
		status, body, _ := region.uploadFile("/review/scores/import", "file", "scores.csv", []byte(file), nil)
		region.expect(status, body, "已导入 1 行：新增 1", "考试合格（可取得资格证书）1 人", "导入记录")
		status, body, _ = region.uploadFile("/review/scores/import", "file", "scores.csv", []byte(file), nil)
		region.expect(status, body, "这个文件已经导入过（1 行），未做任何修改")
		status, body, _ = region.uploadFile("/review/scores/import", "file", "bad.csv", []byte(strings.Replace(file, ",72,", ",720,", 1)), nil)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("bad score file = %d", status)
		}
		region.expect(status, body, "成绩文件有误，未导入", "第2行.basics")

		lookup := func(ticket, id string) (int, string) {
			t.Helper()
			resp, err := http.PostForm(ts.URL+"/api/v1/scores", url.Values{"ticket_no": {ticket}, "id_number": {id}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			json.NewDecoder(resp.Body).Decode(&m)
			if e, ok := m["error"].(map[string]any); ok {
				delete(e, "request_id")
			}
			b, _ := json.Marshal(m)
			return resp.StatusCode, string(b)
		}
		if status, body := lookup(ticket, residentID(95)); status != http.StatusForbidden || !strings.Contains(body, "尚未公布") {
			t.Errorf("before publication = %d %s", status, body)
		}
		status, body, _ = region.post("/review/scores/publish", url.Values{"publish_at": {"2024-06-01T10:00"}})
		region.expect(status, body, "成绩将于 2024年6月1日 10:00（北京时间）公布")
		clock.Set(time.Date(2024, 6, 1, 10, 0, 0, 0, kaowu.Shanghai))

		status, body = lookup(ticket, residentID(95))
		if status != 200 || !strings.Contains(body, `"passed":true`) || !strings.Contains(body, "查分考生") {
			t.Errorf("API look-up = %d %s", status, body)
		}
		stWrong, wrong := lookup(ticket, residentID(96))
		stMissing, missing := lookup("2411010636899999", residentID(96))
		if stWrong != 404 || stWrong != stMissing || wrong != missing {
			t.Errorf("a wrong ID number (%d %s) and a missing ticket (%d %s) must read the same", stWrong, wrong, stMissing, missing)
		}
		resp, err := http.Get(ts.URL + "/api/v1/scores?ticket_no=" + ticket + "&id_number=" + residentID(95))
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET look-up: %v %v", err, resp)
		}
		resp.Body.Close()

		anon := newBrowser(t, ts.URL)
		status, body, _ = anon.get("/scores")
		anon.expect(status, body, "凭本人准考证号和报名时使用的有效证件号码查询成绩")
		status, body, _ = anon.post("/scores", url.Values{"ticket_no": {ticket}, "id_number": {residentID(95)}})
		anon.expect(status, body, "查分考生", "两年滚动管理：考试合格", "下载成绩单（PDF）", "72")
		status, body, _ = anon.post("/scores", url.Values{"ticket_no": {ticket}, "id_number": {residentID(97)}})
		anon.expect(status, body, "准考证号或证件号码不正确")
		if strings.Contains(body, residentID(97)) {
			t.Error("a refused look-up shows the ID number typed")
		}
		status, body, resp = anon.post("/scores/report.pdf", url.Values{"ticket_no": {ticket}, "id_number": {residentID(95)}})
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("report = %d", status)
		}
		text, ok := pdfText(t, []byte(body))
		if ok && !strings.Contains(strings.Join(strings.Fields(text), ""), "成绩单") {
			t.Errorf("report text:\n%s", text)
		}
		status, body, _ = anon.post("/scores/verify", url.Values{"payload": {"KS1|" + ticket + "|查分考生|x|368|2024|72,65,80,70|1|AAAA"}})
		anon.expect(status, body, "✗ 无效")

		cand := login(t, ts.URL, "scorer")
		status, body, _ = cand.get("/application/scores")
		cand.expect(status, body, "我的成绩", "考试合格", "下载成绩单（PDF）")
		status, body, _ = cand.get("/application")
		cand.expect(status, body, "查看成绩", "✓ 成绩")
		if status, _, resp := cand.get("/application/score-report.pdf"); status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("my report = %d", status)
		}

		region = login(t, ts.URL, "region-scores") // days later
		status, body, resp = region.get("/staff/certificates.xlsx")
		if status != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Errorf("certificates = %d", status)
		}
		if rows, err := tabular.Read("certificates.xlsx", strings.NewReader(body)); err != nil || len(rows) != 2 || !strings.Contains(rows[1][3], "********") {
			t.Errorf("certificate list %v %v: one row, its ID number masked", rows, err)
		}
	})
}
