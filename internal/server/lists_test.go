package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var hrefRe = regexp.MustCompile(`href="(/staff/lists/[^"]+)"[^>]*>([^<]+)`)

// links returns the hrefs of the page whose text starts with text.
func links(body, text string) []string {
	var out []string
	for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
		if strings.HasPrefix(m[2], text) {
			out = append(out, html.UnescapeString(m[1]))
		}
	}
	return out
}

// TestListPages: a site office's lists in the browser's terms: the staff
// links, a list with its count, a sorted heading, the next and previous
// pages, a refused filter said by field; a small export downloads at
// once, a large one is followed on its page until its file is there.
func TestListPages(t *testing.T) {
	s := storetest.SQLite(t)
	ts, a := newServer(t, s, inWindow)
	a.ListCountBudget = time.Minute // exact counts, however busy the machine
	ctx := context.Background()
	storetest.SeedLists(t, s, app.ExportNowMax+400)
	staffAccounts(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ftsite", Name: "丰台考点", Site: "fengtai"},
		app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region", Name: "考区"})
	site := login(t, ts.URL, "ftsite")

	status, body, _ := site.get("/me")
	site.expect(status, body, `href="/staff/lists/candidates"`, `href="/staff/lists/applications"`, `href="/staff/lists/scores"`)

	status, body, _ = site.get("/staff/lists/applications?state=paid")
	site.expect(status, body, "报名名单", "（丰台考点）", "共 ", "状态：已缴费", `aria-sort="descending"`, "下一页", `data-label="状态"`)
	if strings.Contains(body, "上一页") || strings.Contains(body, "朝阳考点</td>") {
		t.Error("the first page links back, or shows another site's row")
	}
	next := links(body, "下一页")
	if len(next) != 1 || !strings.Contains(next[0], "state=paid") || !strings.Contains(next[0], "cursor=") {
		t.Fatalf("next link: %v", next)
	}
	status, body, _ = site.get(next[0])
	site.expect(status, body, "上一页", "下一页")
	prev := links(body, "← 上一页")
	status, back, _ := site.get(prev[0])
	site.expect(status, back, "下一页")
	if strings.Contains(back, "上一页") {
		t.Error("back on the first page, it links back again")
	}
	// Sorting by a heading (or by the sort bar of narrow screens).
	byName := links(body, "姓名")
	if len(byName) != 2 || byName[0] != byName[1] || !strings.Contains(byName[0], "sort=name") || strings.Contains(byName[0], "cursor=") {
		t.Fatalf("name heading: %v", byName)
	}
	status, body, _ = site.get(byName[0])
	site.expect(status, body, `aria-sort="ascending"`, "按姓名顺序排列")

	status, body, _ = site.get("/staff/lists/applications?state=lost&specialty=999")
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", status)
	}
	site.expect(status, body, "请从列表中选择状态", "不在2024年度专业目录中")

	// A small export: the file at once, exactly the filtered rows.
	v, err := a.List(ctx, app.Actor{Username: "ftsite", Role: kaowu.RoleSiteStaff}, store.ListScores, app.ListParams{State: store.ScoreMisconduct})
	if err != nil {
		t.Fatal(err)
	}
	status, body, resp := site.post("/staff/lists/export", url.Values{"list": {"scores"}, "state": {"misconduct"}})
	if status != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; ") || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("small export: %d %s %s", status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != v.Count.N+1 || v.Count.N == 0 || rows[0][0] != "准考证号" {
		t.Errorf("small export: %d rows, want %d and the header", len(rows), v.Count.N)
	}

	// A large one: made in the background, followed on its page.
	region := login(t, ts.URL, "region")
	status, body, resp = region.post("/staff/lists/export", url.Values{"list": {"applications"}, "sort": {"name"}})
	if !strings.HasPrefix(resp.Request.URL.Path, "/staff/lists/exports/") {
		t.Fatalf("large export: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
	}
	region.expect(status, body, "导出报名名单", "正在生成", "按姓名顺序排列", `<progress`)
	page := resp.Request.URL.Path
	id := strings.TrimPrefix(page, "/staff/lists/exports/")
	state := func() map[string]any {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+page, nil)
		req.Header.Set("Accept", "application/json")
		_, b, _ := region.do(req)
		var m map[string]any
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Fatalf("progress JSON: %v\n%s", err, b)
		}
		return m
	}
	if m := state(); m["state"] != "running" || m["total"].(float64) <= app.ExportNowMax {
		t.Errorf("progress before the job: %v", m)
	}
	if status, body, _ := site.get(page); status != http.StatusNotFound {
		t.Errorf("another account's export: %d\n%s", status, excerpt(body))
	}
	if done, err := a.RunListExport(ctx, id, nil); !done || err != nil {
		t.Fatal(done, err)
	}
	m := state()
	if m["state"] != "done" || m["done"] != m["total"] || m["file"] != page+"/file" {
		t.Errorf("progress after the job: %v", m)
	}
	status, body, _ = region.get(page)
	region.expect(status, body, "下载 Excel 文件")
	status, body, resp = region.get(page + "/file")
	if status != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") || len(body) < 10000 {
		t.Errorf("file: %d %s, %d bytes", status, resp.Header.Get("Content-Disposition"), len(body))
	}
}
