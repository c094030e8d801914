package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// uploadAs posts a file under its own name (the extension decides how it
// is read).
func (b *browser) uploadAs(path, field, filename string, data []byte) (int, string, *http.Response) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// nurse registers a nurse at unit with everything needed to apply and
// submits an application for 368 at Fengtai, giving archiveNo.
func nurse(t *testing.T, a *app.App, username, name string, n int, unitID, archiveNo string) (kaowu.Account, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	acc, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: residentID(n), Name: name, Username: username,
		Password: pw, PasswordConfirm: pw, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"})
	if err != nil {
		t.Fatal(err)
	}
	me := app.Actor{Username: username, Role: kaowu.RoleCandidate}
	p := kaowu.Profile{
		Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", School: "首都医科大学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
		Work:      kaowu.Work{UnitID: unitID, Post: "护理", PracticeRegisteredOn: kaowu.NewDate(2016, 3, 1)},
		Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2018, 5, 20)}},
		Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2016, 1, 1)}},
	}
	steps := []func() error{
		func() error { return a.BindWeChat(ctx, me, "openid-"+username, "") },
		func() error { _, err := a.SaveProfile(ctx, me, acc.ID, p, nil); return err },
		func() error { _, err := a.UploadPhoto(ctx, me, acc.ID, jpegOf(360, 480)); return err },
		func() error { _, err := a.StartApplication(ctx, me); return err },
		func() error {
			_, err := a.SaveChoices(ctx, me, app.Choices{Site: "fengtai", Specialty: "368",
				Decl: kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes", ArchiveNo: archiveNo}})
			return err
		},
	}
	for _, f := range steps {
		if err := f(); err != nil {
			t.Fatalf("%v %v", err, kaowu.ErrorFields(err))
		}
	}
	appl, err := a.Submit(ctx, me, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return acc, appl
}

func staffAccounts(t *testing.T, a *app.App, ins ...app.StaffInput) {
	t.Helper()
	for _, in := range ins {
		in.Password = pw
		if _, _, err := a.CreateStaff(context.Background(), app.System, in); err != nil {
			t.Fatalf("%v %v", err, kaowu.ErrorFields(err))
		}
	}
}

func TestUnitsPages(t *testing.T) {
	s := storetest.SQLite(t)
	ts, a := newServer(t, s, inWindow)
	ctx := context.Background()
	staffAccounts(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ftsite", Name: "丰台考点", Site: "fengtai"},
		app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "cysite", Name: "朝阳考点", Site: "chaoyang"})
	site := login(t, ts.URL, "ftsite")

	status, body, _ := site.get("/staff/units")
	site.expect(status, body, "还没有单位", "单位名称、所在区、单位类别、社会资本举办")

	good := "\ufeff单位名称,所在区,单位类别,社会资本举办\n丰台页面医院,丰台区,直属医院,否\n丰台页面门诊部,丰台区,门诊部及以下机构,是\n"
	status, body, resp := site.uploadAs("/staff/units/import", "file", "units.csv", []byte(good))
	if resp.Request.URL.Path != "/staff/units" {
		t.Fatalf("import: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
	}
	site.expect(status, body, "已导入 2 个单位", "丰台页面医院", "门诊部及以下机构")

	bad := "单位名称,所在区,单位类别,社会资本举办\n丰台页面二院,丰台区,三甲医院,否\n丰台页面医院,丰台区,直属医院,否\n"
	status, body, _ = site.uploadAs("/staff/units/import", "file", "bad.csv", []byte(bad))
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad file: %d", status)
	}
	site.expect(status, body, "单位文件有误，未导入", "第2行.unit_category", "第3行.name", "已存在")
	status, body, _ = site.uploadAs("/staff/units/import", "file", "units.txt", []byte(good))
	site.expect(status, body, "请上传 .xlsx 或 .csv 文件")
	units, _ := s.Units(ctx)
	if len(units) != 2 {
		t.Fatalf("units after refused files: %d", len(units))
	}
	id := ""
	for _, u := range units {
		if u.Name == "丰台页面医院" {
			id = u.ID
		}
	}

	// Edit: the category changes the confirmation day.
	status, body, _ = site.get("/staff/units/edit?id=" + id)
	site.expect(status, body, `value="丰台页面医院"`, `<option value="direct_hospital" selected>直属医院</option>`)
	status, body, resp = site.post("/staff/units/edit", url.Values{"id": {id}, "name": {"丰台页面医院"}, "district": {"丰台区"}, "unit_category": {"garrison_hospital"}})
	if resp.Request.URL.Path != "/staff/units" {
		t.Fatalf("edit: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
	}
	site.expect(status, body, "已保存单位“丰台页面医院”", "驻区医院")
	status, body, _ = site.post("/staff/units/edit", url.Values{"id": {id}, "name": {"丰台页面门诊部"}, "district": {"丰台区"}, "unit_category": {"private_hospital"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad edit: %d", status)
	}
	site.expect(status, body, "已有同名单位", "社会资本举办应为“是”")

	// Another site's staff: the unit answers like a missing one.
	other := login(t, ts.URL, "cysite")
	st1, b1, _ := other.get("/staff/units/edit?id=" + id)
	st2, b2, _ := other.get("/staff/units/edit?id=00000000-0000-7000-8000-000000000000")
	rid := regexp.MustCompile(`请求编号：[0-9a-f]+`)
	if st1 != http.StatusNotFound || st1 != st2 || rid.ReplaceAllString(b1, "") != rid.ReplaceAllString(b2, "") {
		t.Errorf("another site's unit: %d vs missing %d", st1, st2)
	}
	if status, body, _ := other.get("/staff/units"); strings.Contains(body, "丰台页面医院") || status != http.StatusOK {
		t.Errorf("another site lists Fengtai's units: %d", status)
	}
}

func TestUnitPortalPages(t *testing.T) {
	s := storetest.SQLite(t)
	ts, a := newServer(t, s, inWindow)
	ctx := context.Background()
	unitA := kaowu.Unit{Name: "丰台甲医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
	unitB := kaowu.Unit{Name: "丰台乙门诊部", District: "丰台区", Category: "clinic", Private: true, CreatedAt: inWindow}
	if err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUnit(ctx, &unitA); err != nil {
			return err
		}
		return tx.CreateUnit(ctx, &unitB)
	}); err != nil {
		t.Fatal(err)
	}
	a1, _ := nurse(t, a, "nursea", "李甲", 71, unitA.ID, "")
	b1, appB := nurse(t, a, "nurseb", "赵乙", 72, unitB.ID, "")
	staffAccounts(t, a, app.StaffInput{Role: kaowu.RoleUnitHR, Username: "hr-a", Name: "甲人事", Unit: unitA.ID},
		app.StaffInput{Role: kaowu.RoleUnitHR, Username: "hr-b", Name: "乙人事", Unit: unitB.ID})

	hr := login(t, ts.URL, "hr-a")
	status, body, _ := hr.get("/me")
	hr.expect(status, body, `href="/unit"`)
	status, body, _ = hr.get("/unit")
	hr.expect(status, body, "丰台甲医院", "2023年12月11日", "上午 09:00—11:30", "北京市丰台区社区学院", "李甲", kaowu.MaskID(string(a1.IDNumber)),
		"已提交，待现场确认", "368 护理学", "护士执业证书", "/unit/roster.pdf", "/unit/roster.xlsx", "/unit/pledge.pdf")
	if strings.Contains(body, "赵乙") || strings.Contains(body, string(a1.IDNumber)) || strings.Contains(body, kaowu.MaskID(string(b1.IDNumber))) {
		t.Errorf("HR of A sees B's candidate or a full ID number")
	}

	status, body, resp := hr.get("/unit/roster.pdf")
	if status != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("roster.pdf: %d %s %s", status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if text, ok := pdfText(t, []byte(body)); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{"现场确认名单及材料核对表", "2023年12月11日", "李甲", kaowu.MaskID(string(a1.IDNumber)), "□"} {
			if !strings.Contains(flat, w) {
				t.Errorf("roster PDF lacks %q:\n%s", w, text)
			}
		}
		if strings.Contains(flat, "赵乙") {
			t.Errorf("roster PDF lists another unit's candidate")
		}
	}
	status, body, resp = hr.get("/unit/roster.xlsx")
	if status != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("roster.xlsx: %d %s", status, resp.Header.Get("Content-Type"))
	}
	rows, err := tabular.Read("roster.xlsx", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var sheet string
	for _, r := range rows {
		sheet += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(sheet, "1|李甲|"+kaowu.MaskID(string(a1.IDNumber))) || strings.Contains(sheet, "赵乙") || !strings.Contains(sheet, "□") {
		t.Errorf("roster sheet:\n%s", sheet)
	}

	// A's HR cannot reach B's candidate's form; B's HR sees B's day.
	if status, _, _ := hr.get("/applications/" + appB.ID + "/versions/1/form.pdf"); status != http.StatusForbidden {
		t.Errorf("HR of A prints B's form: %d", status)
	}
	hrB := login(t, ts.URL, "hr-b")
	status, body, _ = hrB.get("/unit")
	hrB.expect(status, body, "赵乙", "2023年12月15日", "医疗机构执业许可证")
	if strings.Contains(body, "李甲") {
		t.Errorf("HR of B sees A's candidate")
	}
}

func TestScoreMergePages(t *testing.T) {
	s := storetest.SQLite(t)
	ts, a := newServer(t, s, inWindow)
	ctx := context.Background()
	unit := kaowu.Unit{Name: "丰台丙医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
		t.Fatal(err)
	}
	// Last year under a residence permit; this year a resident ID.
	n := residentID(73)
	prevNo := "810000" + n[6:17]
	prevNo += string(kaowu.GBCheckChar(prevNo))
	birth, _ := kaowu.ParseIDNumber(kaowu.IDResident, n, kaowu.Date{})
	rec := kaowu.PreviousRecord{Year: 2023, IDType: kaowu.IDHKMacaoTaiwanResidence, IDNumber: kaowu.IDNumber(prevNo), Name: "钱丙", BirthDate: birth.Birth,
		ArchiveNo: "B2023-9", Region: "beijing", Site: "fengtai", SpecialtyCode: "368", Level: kaowu.LevelIntermediate, UnitName: "丰台丙医院",
		Results: []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: 70, Passed: true}, {Subject: kaowu.SubjectRelated, Sat: true, Score: 50},
			{Subject: kaowu.SubjectProfessional, Sat: true, Score: 40}, {Subject: kaowu.SubjectPractice, Sat: true, Score: 65, Passed: true}},
		Source: "test", ImportedAt: inWindow}
	if err := s.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.ReplacePreviousRecords(ctx, 2023, []kaowu.PreviousRecord{rec})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	acc, appl := nurse(t, a, "moved", "钱丙", 73, unit.ID, "B2023-9")
	staffAccounts(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ftsite", Name: "丰台考点", Site: "fengtai"})

	site := login(t, ts.URL, "ftsite")
	status, body, _ := site.get("/me")
	site.expect(status, body, `href="/staff/merges"`, `href="/staff/units"`)
	status, body, _ = site.get("/staff/merges")
	site.expect(status, body, "钱丙", "B2023-9", "基础知识、专业实践能力", "合并2023年度成绩")
	if strings.Contains(body, n) || strings.Contains(body, prevNo) {
		t.Errorf("the queue shows a full ID number")
	}
	status, body, _ = site.post("/staff/merges", url.Values{"application_id": {appl.ID}, "note": {"核验居民身份证原件"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("merge without verification: %d", status)
	}
	site.expect(status, body, "请先当面核验", `value="核验居民身份证原件"`)
	status, body, resp := site.post("/staff/merges", url.Values{"application_id": {appl.ID}, "note": {"核验居民身份证原件及证件变更证明"}, "verified": {"on"}})
	if resp.Request.URL.Path != "/staff/merges" {
		t.Fatalf("merge: %d at %s\n%s", status, resp.Request.URL, excerpt(body))
	}
	site.expect(status, body, "已合并，考生已收到待办事项提醒", "经办人 ftsite", "核验居民身份证原件及证件变更证明")

	cand := login(t, ts.URL, "moved")
	status, body, _ = cand.get("/me/inbox")
	cand.expect(status, body, "2023年度考试成绩已合并", "B2023-9")
	if m, err := s.ScoreMergeOf(ctx, acc.ID, 2023); err != nil || m.Operator != "ftsite" {
		t.Errorf("merge stored: %+v %v", m, err)
	}
}
