package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kaowu/internal/app"
	"kaowu/internal/demo"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestListsJourney: the staff lists on a phone with the demo data (and
// enough applications, payments and scores besides for every list to fill
// its pages): the site office opens each of its five lists, filters,
// sorts by a heading, pages on and back, and downloads a small export;
// the region office exports the whole applications list, which is made
// in the background, and downloads it when its page says it is ready; a
// unit's HR sees its own unit's candidates only.
func TestListsJourney(t *testing.T) {
	st := newSite(t)
	ctx := context.Background()
	// The demo has this site's unit of its own.
	if _, err := st.App.Store.SQLDB().ExecContext(ctx, `DELETE FROM units WHERE id = $1`, st.Unit.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := demo.Seed(ctx, st.App, 300); err != nil {
		t.Fatal(err)
	}
	storetest.SeedLists(t, st.App.Store, app.ExportNowMax+200)
	b := newBrowser(t, st.URL, "lists")

	b.open("/login?next=/me")
	b.login("fengtai", demo.Password)
	b.expect("me-links", "名单（筛选、排序、导出 Excel）", "考生", "报名", "单位", "缴费", "成绩")
	for _, c := range []struct {
		list  store.ListKind
		shot  string
		want  []string
		cells int
	}{
		{store.ListCandidates, "candidates", []string{"考生名单（丰台考点）", "注册日期", "报名状态"}, 0},
		{store.ListApplications, "applications", []string{"报名名单（丰台考点）", "提交时间", "确认日期", "报名费（元）"}, 0},
		{store.ListUnits, "units", []string{"单位名单", "报名人数", "各状态人数", "丰台区"}, 0},
		{store.ListPayments, "payments", []string{"缴费名单（丰台考点）", "支付时间", "交易单号", "已入账"}, 0},
		{store.ListScores, "scores", []string{"成绩名单（丰台考点）", "准考证号", "专业实践能力", "合格"}, 0},
	} {
		b.open("/staff/lists/" + string(c.list))
		b.expect("list-"+c.shot, c.want...)
		if n := b.count(`.list-table tbody tr`); n != 50 {
			t.Errorf("%s: %d rows on the first page, want 50", c.list, n)
		}
		// The count: exact, or an estimate when counting took too long.
		count, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`.list-summary strong`)))
		if err != nil || !countRe.MatchString(count) {
			t.Errorf("%s: count %q (%v)", c.list, count, err)
		}
		if strings.Contains(b.text(), "110106199") {
			t.Errorf("%s shows an ID number in full", c.list)
		}
	}
	// On a phone every row is a card: its cells one under another, each
	// with its column's name.
	width, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('.list-table td').getBoundingClientRect().width`))
	if err != nil || width < 300 {
		t.Errorf("a cell is %.0f px wide on a 390 px screen (%v): not a card", width, err)
	}

	// Filter, sort by a heading, page on and back.
	b.open("/staff/lists/applications")
	b.do(chromedp.Click(chromedp.CSS(`.more-filters summary`)))
	b.screenshot("applications-filters")
	b.do(chromedp.SetValue(chromedp.CSS(`#f-state`), "paid"))
	b.submit(`.list-filter button[type="submit"]`)
	b.expect("applications-paid", "状态：已缴费", "已缴费")
	other, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('td[data-label="状态"]')].filter(td => !td.textContent.startsWith('已缴费')).length`))
	if err != nil || other != 0 {
		t.Errorf("the paid filter shows %d applications in another state (%v)", other, err)
	}
	// On a phone the headings are hidden (each card names its cells):
	// the sorts are a bar of their own.
	b.submit(`.sort-bar a[href*="sort=name"]`)
	b.expect("applications-by-name", "按姓名顺序排列")
	if p := b.path(); !strings.Contains(p, "state=paid") || !strings.Contains(p, "sort=name") {
		t.Errorf("sorted page at %s: the filter or the sort is lost", p)
	}
	b.submit(`.pager a[rel="next"]`)
	b.expect("applications-page-2", "上一页")
	b.submit(`.pager a[rel="prev"]`)
	if n := b.count(`.pager a[rel="prev"]`); n != 0 {
		t.Error("back on the first page, it links back again")
	}

	// A small export downloads at once.
	f := b.post("/staff/lists/export", "list=scores&state=misconduct", "scores-misconduct.xlsx")
	if f.Status != 200 || !strings.HasPrefix(f.Type, "application/vnd.openxmlformats") || !strings.Contains(f.Disposition, "attachment") {
		t.Errorf("small export: %d %s %s", f.Status, f.Type, f.Disposition)
	}

	// The region exports every application: made in the background.
	r := b.fresh("region")
	r.open("/login?next=/staff/lists/applications")
	r.login("region", demo.Password)
	r.expect("region-applications", "报名名单", "考点")
	r.submit(`.list-summary button[type="submit"]`)
	r.expect("export-running", "导出报名名单", "生成进度", "正在生成")
	id := strings.TrimPrefix(r.path(), "/staff/lists/exports/")
	if done, err := st.App.RunListExport(ctx, id, nil); !done || err != nil { // serve's job queue does this
		t.Fatal(done, err)
	}
	r.do(chromedp.WaitVisible(chromedp.CSS(`.export-state a`)))
	r.expect("export-done", "下载 Excel 文件")
	file := r.fetch(r.href(`.export-state a`), "applications.xlsx")
	if file.Status != 200 || len(file.Body) < 100_000 {
		t.Errorf("background export: %d, %d bytes", file.Status, len(file.Body))
	}

	// On a desk's wide screen: a table, with sortable headings.
	r.do(chromedp.EmulateViewport(1280, 900))
	r.open("/staff/lists/applications?site=fengtai&sort=specialty")
	r.expect("desktop-applications", "报名名单", "考点：丰台考点", "按报考专业顺序排列")
	if n := r.count(`th[aria-sort="ascending"] a[href*="sort=specialty"]`); n != 1 {
		t.Errorf("the specialty heading is not marked as the sort (%d)", n)
	}

	// A unit's HR: their unit's candidates only.
	h := b.fresh("unit-hr")
	h.open("/login?next=/staff/lists/candidates")
	h.login("hr-direct", demo.Password)
	text := h.expect("hr-candidates", "考生名单", "用户名")
	for _, other := range []string{"朝阳", "丰台区第0"} {
		if strings.Contains(text, other) {
			t.Errorf("unit HR's list shows a row of %s", other)
		}
	}
}

var countRe = regexp.MustCompile(`^(共|约) [1-9]\d* 条$`)

// post posts a form from the page, as its submit button would, and saves
// the answer as file.
func (b *browser) post(path, form, file string) fetched {
	b.t.Helper()
	f, err := chromedp.Run(b.ctx, chromedp.Evaluate[fetched](fmt.Sprintf(`fetch(%q, {method: 'POST', body: new URLSearchParams(%q)}).then(async r => {
  const b = new Uint8Array(await r.arrayBuffer()); let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return {status: r.status, type: r.headers.get('content-type') || '', disposition: r.headers.get('content-disposition') || '', body: btoa(s)};
})`, path, form), chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("post %s: %v", path, err)
	}
	return f
}
