package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// siteStaffOf creates a site staff account of site (its username unique
// per site).
func siteStaffOf(t *testing.T, s *store.Store, site string) app.Actor {
	t.Helper()
	u := kaowu.User{Username: "site-" + site, Name: "考点工作人员", Role: kaowu.RoleSiteStaff, PasswordHash: "x", Site: site, CreatedAt: t0}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: u.Username, Role: u.Role}
}

// hrOf creates a unit HR account bound to unit.
func hrOf(t *testing.T, s *store.Store, username, unitID string) app.Actor {
	t.Helper()
	u := kaowu.User{Username: username, Name: "单位人事", Role: kaowu.RoleUnitHR, PasswordHash: "x", UnitID: unitID, CreatedAt: t0}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	return app.Actor{Username: u.Username, Role: u.Role}
}

var unitFile = [][]string{
	{"单位名称", "所在区", "单位类别", "社会资本举办"},
	{"丰台导入医院", "丰台区", "直属医院", "否"},
	{"丰台导入社区卫生服务中心", "丰台区", "direct_community", "否"},
	{"丰台康宁民营医院", "丰台区", "一级以上社民办医院", "是"},
	{"丰台某门诊部", "丰台区", "门诊部及以下机构", "是"},
}

func countUnits(t *testing.T, s *store.Store) int {
	t.Helper()
	us, err := s.Units(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(us)
}

func TestImportUnits(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		site := siteStaffOf(t, s, "fengtai")
		n, err := a.ImportUnits(ctx, site, unitFile, "units.csv")
		if err != nil || n != 4 {
			t.Fatalf("import = %d, %v %v", n, err, kaowu.ErrorFields(err))
		}
		us, err := a.Units(ctx, site)
		if err != nil || len(us) != 4 {
			t.Fatalf("units = %v %v", us, err)
		}
		byName := map[string]kaowu.Unit{}
		for _, u := range us {
			byName[u.Name] = u
		}
		if u := byName["丰台康宁民营医院"]; u.Category != "private_hospital" || !u.Private || u.District != "丰台区" {
			t.Errorf("private hospital stored as %+v", u)
		}
		if u := byName["丰台导入社区卫生服务中心"]; u.Category != "direct_community" || u.Private {
			t.Errorf("category by key stored as %+v", u)
		}
		audit, _ := s.Audit(ctx, 10)
		if len(audit) == 0 || audit[0].Action != "unit.import" || !strings.Contains(audit[0].Detail, "4 个") {
			t.Errorf("audit %+v", audit)
		}

		// Each kind of bad row: the whole file is refused, every row named.
		bad := [][]string{
			{"单位名称", "所在区", "单位类别", "社会资本举办"},
			{"", "丰台区", "直属医院", "否"},             // 2: no name
			{"丰台甲医院", "丰台", "直属医院", "否"},         // 3: not a district
			{"朝阳甲医院", "朝阳区", "直属医院", "否"},        // 4: another site's district
			{"丰台乙医院", "丰台区", "三甲医院", "否"},        // 5: unknown category
			{"丰台丙医院", "丰台区", "直属医院", "不详"},       // 6: bad private
			{"丰台丁民营医院", "丰台区", "一级以上社民办医院", "否"}, // 7: private category, not private
			{"丰台戊医院", "丰台区", "直属医院", "否"},        // 8
			{"丰台 戊医院", "丰台区", "直属医院", "否"},       // 9: same as 8 as typed
			{"丰台导入医院", "丰台区", "直属医院", "否"},       // 10: exists already
			{"丰台某门诊部", "丰台区", "门诊部及以下机构", "是"},   // 11: exists already
			{"丰台己医院", "丰台区", "直属医院", "否", "多余"},  // fine: extra cell without header
		}
		_, err = a.ImportUnits(ctx, site, bad, "bad.csv")
		if kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Fatalf("bad file: %v", err)
		}
		fields := kaowu.ErrorFields(err)
		for key, want := range map[string]string{
			"第2行.name":          "请填写单位名称",
			"第3行.district":      "无效",
			"第4行.district":      "不属于本考点",
			"第5行.unit_category": "单位类别“三甲医院”无效",
			"第6行.private":       "请填“是”或“否”",
			"第7行.private":       "社会资本举办应为“是”",
			"第9行.name":          "与第8行重复",
			"第10行.name":         "已存在",
			"第11行.name":         "已存在",
		} {
			if !strings.Contains(fields[key], want) {
				t.Errorf("%s = %q, want it to say %q", key, fields[key], want)
			}
		}
		if len(fields) != 9 {
			t.Errorf("%d problems reported, want 9: %v", len(fields), fields)
		}
		if !strings.Contains(kaowu.ErrorMessage(err), "未导入") || !strings.Contains(kaowu.ErrorMessage(err), "第7行.private") {
			t.Errorf("message %q", kaowu.ErrorMessage(err))
		}
		if got := countUnits(t, s); got != 4 {
			t.Errorf("a refused file changed the units: %d", got)
		}

		// Header problems and empty files.
		for _, c := range []struct {
			rows [][]string
			key  string
		}{
			{[][]string{{"单位名称", "所在区", "单位类别"}, {"丰台庚医院", "丰台区", "直属医院"}}, "表头"},
			{[][]string{{"单位名称", "所在区", "单位类别", "社会资本举办", "床位数"}, {"丰台庚医院", "丰台区", "直属医院", "否", "10"}}, "表头第5列"},
			{[][]string{{"单位名称", "所在区", "单位类别", "单位名称"}}, "文件"},
			{[][]string{{"单位名称", "所在区", "单位类别", "社会资本举办"}, {"", "", "", ""}}, "文件"},
		} {
			_, err := a.ImportUnits(ctx, site, c.rows, "x.csv")
			if kaowu.ErrorFields(err)[c.key] == "" {
				t.Errorf("%v: %v, want a problem under %s", c.rows, err, c.key)
			}
		}

		// Admin imports any district; others may not import at all.
		admin := app.Actor{Username: "system", Role: kaowu.RoleAdmin}
		if n, err := a.ImportUnits(ctx, admin, [][]string{unitFile[0], {"朝阳导入医院", "朝阳区", "驻区医院", "否"}}, "admin.csv"); err != nil || n != 1 {
			t.Errorf("admin import: %d %v", n, err)
		}
		if us, _ := a.Units(ctx, site); len(us) != 4 {
			t.Errorf("site staff sees %d units, want its district's 4", len(us))
		}
		for _, who := range []kaowu.Role{kaowu.RoleCandidate, kaowu.RoleUnitHR, kaowu.RoleRegionStaff, kaowu.RoleMilitaryUnit} {
			if _, err := a.ImportUnits(ctx, app.Actor{Username: "x", Role: who}, unitFile, "x.csv"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s import: %v", who, err)
			}
		}
	})
}

// TestImportUnitsFromLibreOffice: a file saved by LibreOffice Calc from a
// CSV reads and imports like the CSV.
func TestImportUnitsFromLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if soffice, err = exec.LookPath("libreoffice"); err != nil {
			t.Skip("libreoffice not installed (apt-get install libreoffice-calc): skipping the LibreOffice file case")
		}
	}
	dir := t.TempDir()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(unitFile)
	csvPath := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(csvPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", dir, csvPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "units.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := tabular.Read("units.xlsx", f)
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	n, err := a.ImportUnits(context.Background(), siteStaffOf(t, s, "fengtai"), rows, "units.xlsx")
	if err != nil || n != 4 {
		t.Fatalf("import of LibreOffice's file = %d %v %v\nrows %q", n, err, kaowu.ErrorFields(err), rows)
	}
}

func TestUpdateUnit(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		ft, cy := units(t, s)
		site := siteStaffOf(t, s, "fengtai")

		u, err := a.UpdateUnit(ctx, site, ft.ID, app.UnitInput{Name: "丰台测试医院（新名）", District: "丰台区", Category: "其他社区卫生中心、卫生服务站"})
		if err != nil || u.Category != "other_community" || u.Name != "丰台测试医院（新名）" {
			t.Fatalf("update = %+v %v %v", u, err, kaowu.ErrorFields(err))
		}
		if got, _ := s.Unit(ctx, ft.ID); got.Name != u.Name || got.Category != "other_community" || !got.CreatedAt.Equal(ft.CreatedAt) {
			t.Errorf("stored %+v", got)
		}
		audit, _ := s.AuditOf(ctx, ft.ID)
		if len(audit) != 1 || audit[0].Action != "unit.update" || !strings.Contains(audit[0].Before, "direct_hospital") || !strings.Contains(audit[0].After, "other_community") {
			t.Errorf("audit %+v", audit)
		}

		for _, c := range []struct {
			name  string
			in    app.UnitInput
			field string
		}{
			{"same name as another", app.UnitInput{Name: "朝阳测试医院", District: "丰台区", Category: "direct_hospital"}, "name"},
			{"moved out of the district", app.UnitInput{Name: "丰台测试医院", District: "朝阳区", Category: "direct_hospital"}, "district"},
			{"unknown category", app.UnitInput{Name: "丰台测试医院", District: "丰台区", Category: "x"}, "unit_category"},
			{"private category", app.UnitInput{Name: "丰台测试医院", District: "丰台区", Category: "private_hospital"}, "private"},
		} {
			if _, err := a.UpdateUnit(ctx, site, ft.ID, c.in); kaowu.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: %v %v, want a problem with %s", c.name, err, kaowu.ErrorFields(err), c.field)
			}
		}

		// Another district's unit is refused exactly like a missing one.
		_, errOther := a.UpdateUnit(ctx, site, cy.ID, app.UnitInput{Name: "朝阳测试医院", District: "朝阳区", Category: "clinic"})
		_, errMissing := a.UpdateUnit(ctx, site, "00000000-0000-7000-8000-000000000000", app.UnitInput{Name: "x医院", District: "丰台区", Category: "clinic"})
		if errOther == nil || kaowu.ErrorCode(errOther) != kaowu.ErrorCode(errMissing) || kaowu.ErrorMessage(errOther) != kaowu.ErrorMessage(errMissing) {
			t.Errorf("other district %v, missing %v", errOther, errMissing)
		}
		if _, err := a.ManagedUnit(ctx, site, cy.ID); kaowu.ErrorMessage(err) != kaowu.ErrorMessage(errMissing) {
			t.Errorf("reading another district's unit: %v", err)
		}
		// The administrator edits any unit; HR none.
		if _, err := a.UpdateUnit(ctx, app.System, cy.ID, app.UnitInput{Name: "朝阳测试医院", District: "朝阳区", Category: "clinic", Private: true}); err != nil {
			t.Errorf("admin update: %v", err)
		}
		if _, err := a.UpdateUnit(ctx, hrOf(t, s, "hr-ft", ft.ID), ft.ID, app.UnitInput{Name: "丰台测试医院", District: "丰台区", Category: "clinic"}); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("HR update: %v", err)
		}
	})
}

// unitApplicant registers a nurse at unit with WeChat, profile and photo,
// and submits an application for 368 at Fengtai unless draft.
func unitApplicant(t *testing.T, a *app.App, username string, n int, unitID string, submit bool) (kaowu.Account, kaowu.Application) {
	t.Helper()
	ctx := context.Background()
	acc := register(t, a, username, n)
	if err := a.BindWeChat(ctx, actor(acc), "openid-"+username, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveProfile(ctx, actor(acc), acc.ID, validProfile(unitID), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UploadPhoto(ctx, actor(acc), acc.ID, photoJPEG(360, 480)); err != nil {
		t.Fatal(err)
	}
	appl := apply(t, a, actor(acc), app.Choices{Site: "fengtai", Specialty: "368", Decl: nurseDecl})
	if submit {
		var err error
		if appl, err = a.Submit(ctx, actor(acc), 0, true); err != nil {
			t.Fatal(err)
		}
	}
	return acc, appl
}

func TestUnitPortal(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		a, _ := newApp(t, s)
		ctx := context.Background()
		unitA, _ := units(t, s)
		unitB := kaowu.Unit{Name: "丰台某门诊部", District: "丰台区", Category: "clinic", Private: true, CreatedAt: t0}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unitB) }); err != nil {
			t.Fatal(err)
		}
		a1, app1 := unitApplicant(t, a, "nursea1", 41, unitA.ID, true)
		a1.Name = "张考生"
		_, _ = unitApplicant(t, a, "nursea2", 42, unitA.ID, false)
		b1, appB := unitApplicant(t, a, "nurseb1", 43, unitB.ID, true)
		hrA, hrB := hrOf(t, s, "hr-a", unitA.ID), hrOf(t, s, "hr-b", unitB.ID)

		p, err := a.UnitPortal(ctx, hrA)
		if err != nil {
			t.Fatal(err)
		}
		if p.Unit.ID != unitA.ID || p.Day != kaowu.NewDate(2023, 12, 11) || p.Venue == "" || len(p.Slots) != 2 || p.CategoryName != "直属医院" {
			t.Errorf("portal of A: unit %s day %s venue %q slots %v", p.Unit.Name, p.Day, p.Venue, p.Slots)
		}
		if len(p.Candidates) != 2 {
			t.Fatalf("A has %d candidates, want 2: %+v", len(p.Candidates), p.Candidates)
		}
		var sub, draft *app.PortalCandidate
		for i := range p.Candidates {
			c := &p.Candidates[i]
			if c.ApplicationID == appB.ID || c.AccountID == b1.ID {
				t.Errorf("HR of A sees B's candidate %s", c.Name)
			}
			if c.ApplicationID == app1.ID {
				sub = c
			} else {
				draft = c
			}
		}
		if sub == nil || draft == nil {
			t.Fatalf("candidates %+v", p.Candidates)
		}
		if sub.State != kaowu.StateSubmitted || sub.Version != 1 || sub.SpecialtyCode != "368" || sub.Outcome != "eligible" || !sub.OnRoster() {
			t.Errorf("submitted candidate %+v", sub)
		}
		if sub.IDNumber != kaowu.MaskID(string(a1.IDNumber)) || strings.Contains(sub.IDNumber, string(a1.IDNumber)) {
			t.Errorf("ID number shown as %q", sub.IDNumber)
		}
		mats := ""
		for _, m := range sub.Materials {
			if m.Clause == "" {
				t.Errorf("material %q without clause", m.Text)
			}
			mats += m.Text + "（" + m.Clause + "）；"
		}
		if !strings.Contains(mats, "护士执业证书") || strings.Contains(mats, "医疗机构执业许可证") {
			t.Errorf("materials of a public hospital's nurse: %s", mats)
		}
		if draft.State != kaowu.StateDraft || draft.Version != 0 || len(draft.Materials) != 0 || draft.OnRoster() || draft.StateText() != "未提交" {
			t.Errorf("draft candidate %+v", draft)
		}

		// B's HR sees B's candidate, whose private unit brings its licence.
		pb, err := a.UnitPortal(ctx, hrB)
		if err != nil || len(pb.Candidates) != 1 || pb.Candidates[0].AccountID != b1.ID || pb.Day != kaowu.NewDate(2023, 12, 15) {
			t.Fatalf("portal of B: %+v %v", pb, err)
		}
		found := false
		for _, m := range pb.Candidates[0].Materials {
			found = found || strings.Contains(m.Text, "医疗机构执业许可证")
		}
		if !found {
			t.Errorf("a private unit's candidate is not told to bring the institution licence: %+v", pb.Candidates[0].Materials)
		}

		// A's HR cannot reach B's candidate by id either.
		if _, _, err := a.Application(ctx, hrA, appB.ID); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("HR of A reads B's application: %v", err)
		}
		if _, err := a.ApplicationFormPDF(ctx, hrA, appB.ID, 1); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("HR of A prints B's form: %v", err)
		}
		if _, _, err := a.Application(ctx, hrA, app1.ID); err != nil {
			t.Errorf("HR of A reads A's application: %v", err)
		}
		for _, who := range []app.Actor{actor(a1), siteStaffOf(t, s, "fengtai"), app.System} {
			if _, err := a.UnitPortal(ctx, who); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s opens a unit portal: %v", who.Role, err)
			}
		}

		// The roster: PDF and spreadsheet.
		b, err := a.UnitRosterPDF(ctx, hrA)
		if err != nil {
			t.Fatal(err)
		}
		if text, ok := pdfText(t, b); ok {
			flat := strings.Join(strings.Fields(text), "")
			for _, want := range []string{"现场确认名单及材料核对表", "2023年12月11日", "上午09:00—11:30", "下午13:30—16:30", "北京市丰台区社区学院",
				"张考生", kaowu.MaskID(string(a1.IDNumber)), "368护理学", "第1版", "□", "护士执业证书"} {
				if !strings.Contains(flat, want) {
					t.Errorf("roster PDF lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(flat, string(a1.IDNumber)) || strings.Contains(flat, kaowu.MaskID(string(b1.IDNumber))) || !strings.Contains(flat, "待现场确认考生1名") {
				t.Errorf("roster PDF shows an ID number or another unit's candidate:\n%s", text)
			}
		}
		rows, err := a.UnitRosterRows(ctx, hrA)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tabular.Write("roster.xlsx", &buf, rows); err != nil {
			t.Fatal(err)
		}
		back, err := tabular.Read("roster.xlsx", &buf)
		if err != nil {
			t.Fatal(err)
		}
		all := ""
		for _, r := range back {
			all += strings.Join(r, "|") + "\n"
		}
		for _, want := range []string{"2023年12月11日", "北京市丰台区社区学院", "序号|姓名|证件号码|报考专业", "1|张考生|" + kaowu.MaskID(string(a1.IDNumber)) + "|368 护理学", "□"} {
			if !strings.Contains(all, want) {
				t.Errorf("roster sheet lacks %q:\n%s", want, all)
			}
		}
		if _, err := a.UnitRosterPDF(ctx, siteStaffOf(t, s, "chaoyang")); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
			t.Errorf("site staff prints a unit roster: %v", err)
		}
	})
}
