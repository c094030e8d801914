package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var svgRe = regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`)

// TestDashboardPages: the site office's dashboard shows its site's charts,
// each well-formed SVG with a title, beside its table; a table and the
// workbook download as .xlsx; another site, an unknown table and an
// unknown site are refused with a page that says why; the region sees
// every site.
func TestDashboardPages(t *testing.T) {
	s := storetest.SQLite(t)
	ts, a := newServer(t, s, inWindow)
	ctx := context.Background()
	unit := kaowu.Unit{Name: "丰台看板医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
		t.Fatal(err)
	}
	submittedCandidate(t, a, "nurse-dash", "看板护士", 61, unit.ID)
	createStaff(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "site-dash", Name: "丰台考点", Site: "fengtai"})
	createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-dash", Name: "考区"})

	site := login(t, ts.URL, "site-dash")
	status, body, _ := site.get("/me")
	site.expect(status, body, `href="/staff/dashboard"`)
	if strings.Contains(body, `href="/review/dashboard"`) {
		t.Error("site staff are offered the region's dashboard")
	}
	status, body, _ = site.get("/staff/dashboard")
	if status != http.StatusOK {
		t.Fatalf("site dashboard = %d\n%s", status, excerpt(body))
	}
	site.expect(status, body, "统计看板 · 丰台考点", "统计时间：", "2023年12月5日 10:00", "丰台看板医院", "2023-12-11", "进行中，还剩 10 天",
		`href="/staff/dashboard.xlsx?table=all"`, `href="/staff/dashboard.xlsx?table=confirmation"`)
	charts := svgRe.FindAllString(body, -1)
	if len(charts) != 8 {
		t.Errorf("%d charts, want 8", len(charts))
	}
	for _, c := range charts {
		if err := wellFormed(c); err != nil {
			t.Errorf("chart is not well-formed SVG: %v\n%.300s", err, c)
		}
		if !strings.Contains(c, `role="img"`) || !strings.Contains(c, "<title id=") {
			t.Errorf("chart without role and title: %.200s", c)
		}
	}

	req, _ := http.NewRequest("GET", ts.URL+"/staff/dashboard.xlsx?table=unconfirmed", nil)
	resp, err := site.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="dashboard-2024-fengtai-unconfirmed-20231205-1000.xlsx"`) ||
		resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("unconfirmed.xlsx: %d %v", resp.StatusCode, resp.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("待现场确认（按单位）")
	if len(rows) != 3 || strings.Join(rows[1], ",") != "丰台看板医院,直属医院,2023-12-11,1" || strings.Join(rows[2], ",") != "合计,,,1" {
		t.Errorf("unconfirmed.xlsx rows %q", rows)
	}
	f.Close()

	for _, c := range []struct {
		path   string
		status int
		says   string
	}{
		{"/staff/dashboard?site=chaoyang", http.StatusForbidden, "您只能查看本考点的统计"},
		{"/staff/dashboard.xlsx?site=chaoyang", http.StatusForbidden, "您只能查看本考点的统计"},
		{"/staff/dashboard.xlsx?table=nothing", http.StatusNotFound, "没有名为“nothing”的统计表"},
		{"/review/dashboard", http.StatusForbidden, "无权使用此功能"},
	} {
		status, body, _ := site.get(c.path)
		if status != c.status || !strings.Contains(body, c.says) {
			t.Errorf("site staff GET %s = %d, want %d saying %q\n%s", c.path, status, c.status, c.says, excerpt(body))
		}
	}

	region := login(t, ts.URL, "region-dash")
	status, body, _ = region.get("/review/dashboard")
	region.expect(status, body, "统计看板 · 全部考点", "按考点", "朝阳考点", `<option value="fengtai">丰台考点</option>`, `href="/review/dashboard.xlsx?table=all"`)
	if n := len(svgRe.FindAllString(body, -1)); n != 9 {
		t.Errorf("the region's dashboard has %d charts, want 9", n)
	}
	status, body, _ = region.get("/review/dashboard?site=fengtai")
	region.expect(status, body, "统计看板 · 丰台考点", `<option value="fengtai" selected>`, `href="/review/dashboard.xlsx?site=fengtai&amp;table=all"`)
	status, body, _ = region.get("/review/dashboard?site=nowhere")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "考点 nowhere 不在2024年度的考点中") {
		t.Errorf("unknown site = %d\n%s", status, excerpt(body))
	}
}

// TestDashboardEngines: the dashboard page renders on both engines.
func TestDashboardEngines(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-eng", Name: "考区"})
		region := login(t, ts.URL, "region-eng")
		status, body, _ := region.get("/review/dashboard")
		region.expect(status, body, "统计看板 · 全部考点", "系统中没有2023年度的报名数据")
	})
}

func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
