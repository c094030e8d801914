package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

const roomsCSV = "考试地点,地址,乘车路线,考场,类型,座位数,每排座位数,可用机位数,可用日期,启用\n" +
	"丰台区第八中学,丰台区东大街甲8号,地铁9号线丰台东大街站B口,第01考场,纸笔考场,30,6,,,是\n" +
	"丰台职业教育中心,丰台区造甲村南1号,,机房A301,计算机考场,40,8,38,,是\n"

// TestSeatingWalk: the site office imports rooms (a bad file is refused
// with its rows), edits one, seats the paid candidates, issues tickets,
// builds them and follows the build; the candidate sees their ticket; the
// entrance check verifies a payload on the server.
func TestSeatingWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台编排医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		ap := confirmedCandidate(t, a, "seated", "入座考生", 81, unit.ID)
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
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "seat-office", Name: "丰台考务", Site: "fengtai"})
		office := login(t, ts.URL, "seat-office")

		status, body, _ := office.uploadFile("/staff/rooms/import", "file", "bad.csv", []byte("考场,类型\n第01考场,教室\n"), nil)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("bad room file = %d", status)
		}
		office.expect(status, body, "考场文件有误，未导入", "缺少列“考试地点”")
		status, body, _ = office.uploadFile("/staff/rooms/import", "file", "rooms.csv", []byte(roomsCSV), nil)
		office.expect(status, body, "已导入：2 个考试地点，新增考场 2 个，修改 0 个", "丰台区第八中学", "机房A301", "38（可用机位 38）")
		rs, err := a.Rooms(ctx, app.Actor{Username: "seat-office", Role: kaowu.RoleSiteStaff}, "")
		if err != nil || len(rs.Rooms) != 2 {
			t.Fatal(err)
		}
		var cbt kaowu.Room
		for _, r := range rs.Rooms {
			if r.Kind == kaowu.RoomComputer {
				cbt = r
			}
		}
		status, body, _ = office.post("/staff/rooms/edit", url.Values{"id": {cbt.ID}, "name": {"机房A301"}, "kind": {"computer"}, "capacity": {"40"},
			"seats_per_row": {"8"}, "working_machines": {"41"}, "days": {""}, "active": {"on"}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("41 machines in 40 seats = %d", status)
		}
		office.expect(status, body, "可用机位数应为 0 至座位数（40）之间的整数")

		status, body, _ = office.post("/staff/seating/run", url.Values{})
		office.expect(status, body, "编排完成：1 名考生中已安排 1 名", "机房A301", "1 / 38")
		status, body, _ = office.post("/staff/tickets/build", url.Values{})
		office.expect(status, body, "第三步：批量生成准考证", "生成进度")
		b, err := a.LatestTicketBuild(ctx, app.Actor{Username: "seat-office", Role: kaowu.RoleSiteStaff}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunTicketBuild(ctx, b.ID, nil); err != nil { // no job queue here
			t.Fatal(err)
		}
		status, body, _ = office.get("/staff/tickets/builds/" + b.ID)
		var prog struct {
			State       string
			Done, Total int
			ZIP         string
		}
		if err := json.Unmarshal([]byte(body), &prog); err != nil || status != 200 || prog.State != "done" || prog.Done != 1 || prog.ZIP == "" {
			t.Fatalf("progress %d %s", status, body)
		}
		status, body, resp := office.get(prog.ZIP)
		if status != 200 || resp.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(body, "PK") {
			t.Errorf("zip = %d %s", status, resp.Header.Get("Content-Type"))
		}
		status, body, _ = office.get("/staff/timetable")
		office.expect(status, body, "已生成准考证 1 份", "机房A301", "门贴（PDF）")
		status, body, _ = office.get("/staff/timetable?q=2411010636800001")
		office.expect(status, body, "入座考生", "准考证号 2411010636800001", "/staff/applications/"+ap.ID+"/ticket.pdf")
		status, body, _ = office.get("/staff/timetable?q=" + url.QueryEscape(residentID(81)[14:]))
		office.expect(status, body, "入座考生")
		status, body, _ = office.get("/staff/timetable?q=nobody")
		office.expect(status, body, "没有找到“nobody”")
		if status, _, resp := office.get("/staff/applications/" + ap.ID + "/ticket.pdf"); status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("office print = %d", status)
		}
		status, body, _ = office.post("/staff/venues/edit", url.Values{"id": {cbt.VenueID}, "address": {"丰台区造甲村南1号（东门）"}, "directions": {"公交300路"}})
		office.expect(status, body, "已保存考试地点“丰台职业教育中心”的地址和乘车路线", "丰台区造甲村南1号（东门）")
		status, _, resp = office.get("/staff/door-list.pdf?room=" + cbt.ID + "&day=" + firstDay(t, a, ap.ID))
		if status != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("door list = %d", status)
		}

		// The candidate: the page before the window, the PDF refused.
		cand := login(t, ts.URL, "seated")
		status, body, _ = cand.get("/application/ticket")
		cand.expect(status, body, "准考证号：2411010636800001", "丰台职业教育中心", "机房A301", "准考证打印时间为 2024年4月1日至4月21日")
		if status, _, _ := cand.get("/application/ticket.pdf"); status != http.StatusForbidden {
			t.Errorf("ticket before the window = %d", status)
		}

		// The entrance check on the server: a forged payload is invalid.
		status, body, _ = office.post("/staff/tickets/verify", url.Values{"payload": {"KT1|2411010636800001|入座考生|x|368|20240413|v|r|1|AAAA"}})
		office.expect(status, body, "✗ 无效")
		status, body, _ = office.get("/tickets/public-key")
		office.expect(status, body, `"algorithm":"Ed25519"`)
	})
}

// firstDay returns the exam day of an application's seat, as YYYY-MM-DD.
func firstDay(t *testing.T, a *app.App, id string) string {
	t.Helper()
	as, err := a.Store.Assignment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return as.Day.String()
}
