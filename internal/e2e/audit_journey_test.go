package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/tabular"
)

// TestAuditJourney: a candidate complains at the site office; the office
// finds her trail in the audit log by name, reads an entry's before and
// after, narrows it to her submission, follows the link to her whole
// trail and exports it; the region office sees the whole log.
func TestAuditJourney(t *testing.T) {
	st := newSite(t)
	fang, fang2 := st.candidate(t, 51, "王芳"), st.candidate(t, 52, "王芳")
	apFang := st.submit(t, fang)
	st.submit(t, fang2)
	ctx := context.Background()
	// She corrects her post afterwards: a before/after that differs.
	p := nurse(st.Unit.ID)
	p.Work.Post = "护理部"
	if _, err := st.App.SaveProfile(ctx, fang.Actor, fang.ID, p, nil); err != nil {
		t.Fatal(err)
	}
	st.staff(t, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "fengtai-office", Name: "丰台考点工作人员", Site: "fengtai"})
	st.staff(t, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-office", Name: "考区工作人员"})
	if _, err := st.App.SealAudit(ctx); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, st.URL, "audit")

	b.open("/login")
	b.login("fengtai-office", password)
	b.submit(`a[href="/staff/audit"]`)
	b.expect("log", "审计日志", "本页只列出与丰台考点考生", "已加封至第", "提交报名", "注册账号")

	// By name: two candidates are 王芳, the office picks one.
	b.fill(map[string]string{"candidate": "王芳"})
	b.submit(`form.audit-filter button[type="submit"]`)
	b.expect("two-matches", "找到 2 名考生，请选择一名", fang.Username, fang2.Username)
	b.submit(`a[href*="cid=` + fang.ID + `"]`)
	text := b.expect("trail", "考生：王芳", string(fang.IDNumber), "提交报名", "保存基本信息", "修改前后", "已改", "已加封 第")
	if strings.Count(text, string(fang.IDNumber)) != 1 {
		t.Errorf("the full ID number shows %d times on the trail, want once (the header)", strings.Count(text, string(fang.IDNumber)))
	}
	if n := b.count("table.audit-diff tr.changed"); n == 0 {
		t.Error("no changed field marked in the before/after tables")
	}

	// Narrowed to her submission on the day.
	b.do(chromedp.SetValue(chromedp.CSS(`select[name="action"]`), "application.submit"))
	b.fill(map[string]string{"from": "2023-12-05", "to": "2023-12-05"})
	b.submit(`form.audit-filter button[type="submit"]`)
	b.expect("submission", "考生：王芳", "提交报名")
	if n := b.count("article.audit-entry"); n != 1 {
		t.Errorf("%d entries for her submission, want 1", n)
	}
	if !strings.Contains(b.text(), apFang.ID) {
		t.Error("the submission entry does not name her application")
	}
	// Back to everything about her, and the export of it.
	b.submit(`a[href="/staff/audit?cid=` + fang.ID + `"]`)
	b.expect("whole-trail", "考生：王芳", "注册账号", "绑定微信", "提交报名")
	f := b.fetch(b.href(`a[href^="/staff/audit.xlsx"]`), "audit.xlsx")
	if f.Status != 200 || !strings.Contains(f.Type, "spreadsheetml") {
		t.Fatalf("export: %d %s", f.Status, f.Type)
	}
	rows, err := tabular.Read("audit.xlsx", bytes.NewReader(f.Body))
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	if len(rows) < 5 || strings.Contains(all, string(fang.IDNumber)) || !strings.Contains(all, "提交报名") {
		t.Errorf("export of %d rows:\n%s", len(rows), all)
	}

	// The region office: the whole log, the export recorded in it.
	r := b.fresh("region")
	r.open("/login")
	r.login("region-office", password)
	r.open("/staff/audit?action=audit.export")
	r.expect("region-exports", "导出审计日志", "fengtai-office")
}
