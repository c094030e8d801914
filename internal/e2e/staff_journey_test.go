package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
)

// The journeys of the staff: a unit's HR prints its roster, the site office
// confirms at the desk. Their candidates are set up through the use cases,
// as internal/demo does, rather than clicked through.

// nurse is a bachelor nurse at unit with a junior title from 2019 and a
// licence: eligible for 368 护理学（中级）.
func nurse(unitID string) kaowu.Profile {
	return kaowu.Profile{
		Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", School: "首都医科大学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
		Work:      kaowu.Work{UnitID: unitID, Post: "护理", PracticeRegisteredOn: kaowu.NewDate(2015, 10, 1), SpecialtyStartedOn: kaowu.NewDate(2015, 10, 1)},
		Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2019, 5, 20)}},
		Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2015, 9, 1)}},
	}
}

// person is a candidate of the journeys.
type person struct {
	kaowu.Account
	Actor app.Actor
}

// candidate registers candidate n (username cand<n>) at the site's unit,
// binds WeChat, saves a nurse's profile and a photo: ready to apply.
func (st site) candidate(t *testing.T, n int, name string) person {
	t.Helper()
	ctx := context.Background()
	acc, err := st.App.Register(ctx, app.Registration{IDType: string(kaowu.IDResident), IDNumber: residentID(n), Name: name,
		Username: fmt.Sprintf("cand%04d", n), Password: password, PasswordConfirm: password, Mobile: fmt.Sprintf("139%08d", n),
		RecoveryQuestion: "我的出生城市？", RecoveryAnswer: "北京"})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	p := person{Account: acc, Actor: app.Actor{Username: acc.Username, Role: acc.Role}}
	if err := st.App.BindWeChat(ctx, p.Actor, "openid-"+acc.Username, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.SaveProfile(ctx, p.Actor, acc.ID, nurse(st.Unit.ID), nil); err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(photo(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.App.UploadPhoto(ctx, p.Actor, acc.ID, jpg); err != nil {
		t.Fatal(err)
	}
	return p
}

// submit applies for 368 护理学（中级） at the Fengtai site and submits.
func (st site) submit(t *testing.T, p person) kaowu.Application {
	t.Helper()
	ctx := context.Background()
	if _, err := st.App.StartApplication(ctx, p.Actor); err != nil {
		t.Fatal(err)
	}
	decl := kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes"}
	if _, err := st.App.SaveChoices(ctx, p.Actor, app.Choices{Site: "fengtai", Specialty: "368", Decl: decl}); err != nil {
		t.Fatal(err)
	}
	ap, err := st.App.Submit(ctx, p.Actor, 0, true)
	if err != nil {
		t.Fatalf("submit %s: %v", p.Name, err)
	}
	return ap
}

// staff creates a staff account, as the administrator does, with the
// journeys' password.
func (st site) staff(t *testing.T, in app.StaffInput) {
	t.Helper()
	in.Password = password
	if _, _, err := st.App.CreateStaff(context.Background(), app.System, in); err != nil {
		t.Fatalf("create %s: %v", in.Username, err)
	}
}

// TestUnitHRJourney: a unit's HR logs in, sees the unit's candidates on
// the portal and downloads the confirmation roster (PDF and Excel) and the
// unit's pledge.
func TestUnitHRJourney(t *testing.T) {
	st := newSite(t)
	submitted := []person{st.candidate(t, 31, "王芳"), st.candidate(t, 32, "王䶮"), st.candidate(t, 33, "阿依古丽·买买提")}
	for _, p := range submitted {
		st.submit(t, p)
	}
	idle := st.candidate(t, 34, "李娜") // chose the unit, has not applied
	st.staff(t, app.StaffInput{Role: kaowu.RoleUnitHR, Username: "hr-fangzhuang", Name: "方庄人事", Unit: st.Unit.ID})
	b := newBrowser(t, st.URL, "unit-hr")

	b.open("/unit")
	if p := b.path(); !strings.HasPrefix(p, "/login?next=/unit") {
		t.Errorf("/unit before logging in leads to %s, want the login page", p)
	}
	b.expect("login", "登录", "用户名或证件号码", "密码")
	b.login("hr-fangzhuang", password)
	if p := b.path(); p != "/unit" {
		t.Fatalf("after logging in the HR is on %s, want /unit", p)
	}
	page := b.expect("unit-portal", st.Unit.Name+"：本单位考生", "现场确认（二（二））", "2023年12月11日", "上午 09:00—11:30",
		"北京市丰台区社区学院", "考生（4 名）", "王芳", "王䶮", "阿依古丽·买买提", "李娜", "已提交，待现场确认", "未报名",
		"报考 368 护理学（中级）", "打印现场确认名单及材料核对表（PDF，3 名考生）", "下载名单及材料核对表（Excel）", "《报名材料真实性承诺书（单位版）》")
	for _, p := range append(submitted, idle) {
		if strings.Contains(page, string(p.IDNumber)) {
			t.Errorf("the portal shows %s's ID number in full", p.Name)
		}
	}
	b.do(chromedp.Click(chromedp.CSS(`ul.portal details summary`)))
	b.expect("unit-materials", "现场确认须携带的材料", "护士执业证书")

	// The roster and checklist, as a PDF to print.
	f := b.fetch(b.href(`a[href="/unit/roster.pdf"]`), "roster.pdf")
	if f.Status != 200 || f.Type != "application/pdf" {
		t.Fatalf("roster.pdf: %d %s", f.Status, f.Type)
	}
	if text, ok := pdfText(t, f.Body); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{st.Unit.Name, "王芳", "王䶮", "阿依古丽·买买提", "2023年12月11日"} {
			if !strings.Contains(flat, w) {
				t.Errorf("roster.pdf does not show %q:\n%s", w, text)
			}
		}
		if strings.Contains(flat, "李娜") {
			t.Errorf("roster.pdf lists 李娜, who has not applied")
		}
	}

	// The same roster as a spreadsheet.
	f = b.fetch(b.href(`a[href="/unit/roster.xlsx"]`), "roster.xlsx")
	if f.Status != 200 || f.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || !strings.Contains(f.Disposition, `.xlsx"`) {
		t.Fatalf("roster.xlsx: %d %s %s", f.Status, f.Type, f.Disposition)
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.Body))
	if err != nil {
		t.Fatalf("roster.xlsx does not open: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	header := -1
	for i, r := range rows {
		switch {
		case len(r) > 3 && r[2] == "单位" && r[3] != st.Unit.Name:
			t.Errorf("roster.xlsx row %d: unit %q, want %q", i+1, r[3], st.Unit.Name)
		case len(r) > 1 && r[0] == "序号" && r[1] == "姓名":
			header = i
		case header >= 0 && len(r) > 5:
			names = append(names, r[1])
			if r[3] != "368 护理学" || r[5] != "第1版" || !strings.Contains(r[2], "****") {
				t.Errorf("roster.xlsx row %d: %q", i+1, r)
			}
		}
	}
	slices.Sort(names)
	if header < 0 || strings.Join(names, " ") != "王䶮 王芳 阿依古丽·买买提" {
		t.Errorf("roster.xlsx: candidates %q (header at row %d), want the three who submitted:\n%q", names, header+1, rows)
	}

	// The unit's pledge (附件4), listing the candidates who submitted.
	f = b.fetch(b.href(`a[href="/unit/pledge.pdf"]`), "pledge-unit.pdf")
	if f.Status != 200 || f.Type != "application/pdf" {
		t.Fatalf("pledge.pdf: %d %s", f.Status, f.Type)
	}
	if text, ok := pdfText(t, f.Body); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{st.Unit.Name, "王芳", "王䶮", "阿依古丽·买买提", "承诺"} {
			if !strings.Contains(flat, w) {
				t.Errorf("pledge.pdf does not show %q:\n%s", w, text)
			}
		}
	}
}

// TestDeskJourney: on the unit's confirmation day the site office finds a
// candidate by name, checks the materials and confirms; finds another by
// ID number and returns the application with reasons; each candidate then
// sees the outcome on their status page.
func TestDeskJourney(t *testing.T) {
	st := newSite(t)
	fang, yan, na := st.candidate(t, 41, "王芳"), st.candidate(t, 42, "王䶮"), st.candidate(t, 43, "李娜")
	apFang := st.submit(t, fang)
	st.submit(t, yan)
	apNa := st.submit(t, na)
	st.staff(t, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "fengtai-desk", Name: "丰台考点工作人员", Site: "fengtai"})
	// 2023-12-11 is the day of the unit's category (direct_community), in
	// the morning slot.
	st.Clock.Set(time.Date(2023, 12, 11, 9, 30, 0, 0, kaowu.Shanghai))
	b := newBrowser(t, st.URL, "desk")

	b.open("/login")
	b.login("fengtai-desk", password)
	b.expect("staff-home", "考点工作人员", "现场确认：扫码或按证件号码查找考生")
	b.submit(`a[href="/staff/confirm"]`)

	// By name: two candidates named 王, a list to choose from.
	b.fill(map[string]string{"q": "王"})
	b.submit(`form.search button[type="submit"]`)
	b.expect("search", "现场确认 · 丰台考点", "找到 2 人", "王芳", "王䶮", "已提交，待现场确认")
	b.submit(`a[href="/staff/confirm/applications/` + apFang.ID + `"]`)
	if p := b.path(); p != "/staff/confirm/applications/"+apFang.ID {
		t.Errorf("the search result leads to %s", p)
	}
	b.expect("case", "现场确认 · 王芳", "未扫码：请核对申报表上的版本号为第1版", st.Unit.Name, "368 护理学（中级）",
		"已提交，待现场确认", "核对材料", "材料齐全，确认（第1版）", "退回修改的原因（考生可见）")
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.desk-check input[type=checkbox]').length`))
	if err != nil || n == 0 {
		t.Fatalf("no materials to tick on the case page: %d %v", n, err)
	}
	for i := range n {
		b.check(fmt.Sprintf("m%d", i))
	}
	b.screenshot("case-checked")
	b.submit(`form[action="/staff/confirm/confirm"] button[type="submit"]`)
	b.expect("confirmed", "✓ 已确认。请扫描下一位考生的申报表。", "已确认，待资格审核", "办理记录", "第1版 · 确认 · 操作员")

	// By ID number: one match goes straight to the case.
	b.fill(map[string]string{"q": string(na.IDNumber)})
	b.submit(`form.search button[type="submit"]`)
	if p := b.path(); p != "/staff/confirm/applications/"+apNa.ID {
		t.Fatalf("searching an ID number leads to %s, want the candidate's case", p)
	}
	b.expect("case-by-id", "现场确认 · 李娜")
	const note = "护士执业证书原件未带"
	b.do(chromedp.Click(chromedp.CSS(`input[name="reasons"][value="materials"]`)))
	b.fill(map[string]string{"note": note})
	b.screenshot("return-reasons")
	b.submit(`form[action="/staff/confirm/return"] button[type="submit"]`)
	b.expect("returned", "已退回修改，考生将在“我的报名”和待办事项提醒中看到退回原因。", "退回修改", "退回修改：材料不全；"+note)

	// Each candidate sees the outcome on their status page.
	c := b.fresh("candidates")
	c.open("/application")
	if p := c.path(); !strings.HasPrefix(p, "/login?next=/application") {
		t.Fatalf("a new browser context is on %s, want the login page: it shares the staff's session", p)
	}
	c.login(fang.Username, password)
	c.expect("confirmed-status", "状态：已确认，待资格审核", "您已完成报名确认", "✓ 报名确认")
	c.submit(`form[action="/logout"] button`)
	c.login(string(na.IDNumber), password) // by ID number this time
	c.open("/application")
	c.expect("returned-status", "状态：退回修改", "考点退回修改（第1版，2023年12月11日", "材料不全", note, "请按上述原因修改后重新提交")
	if got := c.href(`section.returned ul.reasons a.clause`); got != clauseLink("二（二）") {
		t.Errorf("the reason 材料不全 links to %s, want its clause 二（二）", got)
	}
}
