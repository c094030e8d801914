package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

var region = app.Actor{Username: "region", Role: kaowu.RoleRegionStaff}

// exampleRows returns the rows of docs/examples/previous-2023.csv: six
// candidates of 2023, the first (张三) a returning candidate.
func exampleRows(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open("../../docs/examples/previous-2023.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := tabular.Read("previous-2023.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// withCell returns a copy of rows with the cell of data row i (1 = the
// first after the header) under header h set to v.
func withCell(t *testing.T, rows [][]string, i int, h, v string) [][]string {
	t.Helper()
	out := make([][]string, len(rows))
	for r := range rows {
		out[r] = append([]string(nil), rows[r]...)
	}
	for j, name := range rows[0] {
		if name == h {
			out[i][j] = v
			return out
		}
	}
	t.Fatalf("no column %s", h)
	return nil
}

func cell(t *testing.T, rows [][]string, i int, h string) string {
	t.Helper()
	for j, name := range rows[0] {
		if name == h {
			return rows[i][j]
		}
	}
	t.Fatalf("no column %s", h)
	return ""
}

func TestImportPreviousRecords(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := bootApp(t, s)
		rows := exampleRows(t)
		n, err := a.ImportPreviousRecords(ctx, region, 2023, rows, "previous-2023.csv")
		if err != nil || n != 6 {
			t.Fatalf("import = %d, %v", n, err)
		}
		id := kaowu.IDNumber(cell(t, rows, 1, "证件号码"))
		rec, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDResident, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Name != "张三" || rec.Region != "beijing" || rec.Site != "fengtai" || rec.ArchiveNo != "2023110600001" ||
			rec.BirthDate != kaowu.NewDate(1985, 3, 12) || len(rec.Education) != 2 || rec.Education[0].Level != "bachelor" ||
			rec.Source != "previous-2023.csv" || !rec.ImportedAt.Equal(a.Clock.Now()) {
			t.Errorf("record = %+v", rec)
		}
		if y, spec, passed, absent, misconduct := rec.CarryOver(); y != 2023 || spec != "368" || len(passed) != 1 || absent || misconduct {
			t.Errorf("carry-over = %d %s %v %v %v", y, spec, passed, absent, misconduct)
		}
		if byArchive, err := s.PreviousRecordByArchive(ctx, 2023, "2023110600005"); err != nil || byArchive.IDType != kaowu.IDHKMacaoPass ||
			byArchive.BirthDate != kaowu.NewDate(1989, 11, 23) || byArchive.Education[0].Level != "master" {
			t.Errorf("by archive = %+v, %v", byArchive, err)
		}
		if _, err := s.PreviousRecordByArchive(ctx, 2023, "2023110699999"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("unknown archive number: %v", err)
		}
		if _, err := s.PreviousRecordByID(ctx, 2022, kaowu.IDResident, id); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("another year: %v", err)
		}
		audit, err := s.Audit(ctx, 1)
		if err != nil || len(audit) != 1 {
			t.Fatal(audit, err)
		}
		if e := audit[0]; e.Action != "previous.import" || e.Actor != "region" || e.Object != "2023" ||
			!strings.Contains(e.Detail, "原 0 条，现 6 条（缺考 1，违纪 1，考试合格 1，可能适用自动确认 3）") {
			t.Errorf("audit = %+v", e)
		}

		// Re-importing the year replaces it: the rows left out are gone.
		n, err = a.ImportPreviousRecords(ctx, region, 2023, rows[:3], "fewer.csv")
		if err != nil || n != 2 {
			t.Fatalf("re-import = %d, %v", n, err)
		}
		if c, _ := s.CountPreviousRecords(ctx, 2023); c != 2 {
			t.Errorf("after re-import %d records, want 2", c)
		}
		if _, err := s.PreviousRecordByArchive(ctx, 2023, "2023110600005"); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
			t.Errorf("a record left out of the new file survived: %v", err)
		}
		if audit, _ := s.Audit(ctx, 1); !strings.Contains(audit[0].Detail, "原 6 条，现 2 条") {
			t.Errorf("re-import audit = %+v", audit[0])
		}
		// Another year is another set.
		other := withCell(t, rows[:2], 1, "考试年度", "2022")
		if _, err := a.ImportPreviousRecords(ctx, region, 2022, other, "2022.csv"); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.CountPreviousRecords(ctx, 2023); c != 2 {
			t.Errorf("importing 2022 changed 2023: %d records", c)
		}
	})
}

func TestImportPreviousRecordsRefusesBadFiles(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := bootApp(t, s)
		rows := exampleRows(t)
		if _, err := a.ImportPreviousRecords(ctx, region, 2023, rows, "good.csv"); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Audit(ctx, 100)
		id3 := cell(t, rows, 3, "证件号码")
		for _, c := range []struct {
			name     string
			rows     [][]string
			field    string // the reported key
			contains string
		}{
			{"bad ID number", withCell(t, rows, 3, "证件号码", id3[:17]+"0"), "第4行.id_number", "校验码"},
			{"unknown ID type", withCell(t, rows, 2, "证件类型", "护照"), "第3行.id_type", "无效"},
			{"bad date", withCell(t, rows, 5, "毕业时间", "2015-02-30"), "第6行.graduated_on", "完整的真实日期"},
			{"bad level", withCell(t, rows, 1, "级别", "高级"), "第2行.level", "无效"},
			{"level against code", withCell(t, rows, 1, "级别", "初级（士）"), "第2行.level", "不符"},
			{"bad specialty code", withCell(t, rows, 6, "专业代码", "2O3"), "第7行.specialty_code", "三位数字"},
			{"score out of range", withCell(t, rows, 4, "专业知识成绩", "120"), "第5行.professional_score", "0 至 100"},
			{"bad flag", withCell(t, rows, 2, "缺考", "不知道"), "第3行.absent", "无效"},
			{"bad misconduct flag", withCell(t, rows, 2, "违纪", "?"), "第3行.misconduct", "无效"},
			{"duplicate ID", withCell(t, rows, 6, "证件号码", cell(t, rows, 1, "证件号码")), "第7行.id_number", "与第2行重复"},
			{"duplicate archive number", withCell(t, rows, 6, "档案号", "2023110600003"), "第7行.archive_no", "与第4行重复"},
			{"duplicate row", append(append([][]string(nil), rows...), rows[1]), "第8行.id_number", "与第2行重复"},
			{"missing column", func() [][]string {
				out := make([][]string, len(rows))
				for i, r := range rows {
					out[i] = r[1:] // drop 考试年度 (optional) …
				}
				out[0] = append([]string(nil), out[0]...)
				out[0][1] = "备注" // … and rename 证件号码
				return out
			}(), "表头第2列", "无法识别"},
			{"no data rows", rows[:1], "文件", "没有数据行"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := a.ImportPreviousRecords(ctx, region, 2023, c.rows, "bad.csv")
				if kaowu.ErrorCode(err) != kaowu.EINVALID {
					t.Fatalf("got %v, want invalid", err)
				}
				if got := kaowu.ErrorFields(err)[c.field]; !strings.Contains(got, c.contains) {
					t.Errorf("fields[%q] = %q, want %q; all %v", c.field, got, c.contains, kaowu.ErrorFields(err))
				}
				for i := 1; i < len(rows); i++ {
					if id := cell(t, rows, i, "证件号码"); len(id) == 18 && strings.Contains(err.Error(), id) {
						t.Errorf("the error shows an ID number unmasked: %v", err)
					}
				}
				if n, _ := s.CountPreviousRecords(ctx, 2023); n != 6 {
					t.Errorf("a refused file changed the records: %d", n)
				}
				if after, _ := s.Audit(ctx, 100); len(after) != len(before) {
					t.Errorf("a refused file was audited")
				}
			})
		}
	})
}

func TestImportPreviousRecordsAuthorization(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := bootApp(t, s)
		rows := exampleRows(t)
		for _, role := range []kaowu.Role{kaowu.RoleCandidate, kaowu.RoleUnitHR, kaowu.RoleSiteStaff, kaowu.RoleMilitaryUnit, ""} {
			if _, err := a.ImportPreviousRecords(ctx, app.Actor{Username: "x", Role: role}, 2023, rows, "t.csv"); kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%q imported previous records: %v", role, err)
			}
		}
		if n, _ := s.CountPreviousRecords(ctx, 2023); n != 0 {
			t.Fatalf("a refused actor stored %d records", n)
		}
		for _, actor := range []app.Actor{region, {Username: "admin", Role: kaowu.RoleAdmin}} {
			if _, err := a.ImportPreviousRecords(ctx, actor, 2023, rows, "t.csv"); err != nil {
				t.Errorf("%s: %v", actor.Role, err)
			}
		}
	})
}

func TestImportPreviousRecordsMasksLogs(t *testing.T) {
	s := storetest.SQLite(t)
	var logs bytes.Buffer
	a := app.New(s, kaowu.NewManualClock(time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)),
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: kaowu.MaskingReplaceAttr})))
	ctx := context.Background()
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	rows := exampleRows(t)
	if _, err := a.ImportPreviousRecords(ctx, region, 2023, rows, "previous-2023.csv"); err != nil {
		t.Fatal(err)
	}
	audit, _ := s.Audit(ctx, 1)
	for i := 1; i < len(rows); i++ {
		id := cell(t, rows, i, "证件号码")
		if strings.Contains(logs.String(), id) || strings.Contains(audit[0].Detail, id) {
			t.Errorf("an ID number reached the log or the audit: %s / %s", logs.String(), audit[0].Detail)
		}
	}
	if !strings.Contains(logs.String(), "previous records imported") {
		t.Errorf("no log line: %s", logs.String())
	}
}

// zhangSan2024 is 张三's 2024 application, unchanged from 2023.
func zhangSan2024(t *testing.T, rows [][]string) kaowu.ReturningSnapshot {
	return kaowu.ReturningSnapshot{
		Year: 2024, Name: "张三", IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(cell(t, rows, 1, "证件号码")),
		Region: "beijing", Site: "fengtai", SpecialtyCode: "368", Level: kaowu.LevelIntermediate,
		Education: []kaowu.Education{
			{Level: "college", School: "北京卫生职业学院", Major: "护理", GraduatedOn: kaowu.NewDate(2006, 7, 1), FullTime: true},
			{Level: "bachelor", School: "首都医科大学", Major: "护理学", GraduatedOn: kaowu.NewDate(2012, 7, 1)},
		},
		UnitName: "北京市丰台区某医院(南院)", Post: "临床护理",
	}
}

func TestCheckReturning(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := bootApp(t, s)
		rows := exampleRows(t)
		if _, err := a.ImportPreviousRecords(ctx, region, 2023, rows, "previous-2023.csv"); err != nil {
			t.Fatal(err)
		}
		// Unchanged: confirmed automatically.
		c, err := a.CheckReturning(ctx, nil, zhangSan2024(t, rows))
		if err != nil || !c.Found || !c.Result.Eligible || c.IDChange != "" {
			t.Errorf("unchanged = %+v, %v", c, err)
		}
		// Changed site and specialty: the differences by name, read inside a transaction.
		moved := zhangSan2024(t, rows)
		moved.Site, moved.SpecialtyCode = "chaoyang", "369"
		err = s.Update(ctx, func(tx *store.Tx) error {
			c, err = a.CheckReturning(ctx, tx, moved)
			return err
		})
		if err != nil || !c.Found || c.Result.Eligible || !c.Result.Returning || len(c.Result.Diffs) != 2 {
			t.Fatalf("moved = %+v, %v", c, err)
		}
		if d := c.Result.Diffs[0]; d.Field != "site" || d.Previous != "丰台考点" || d.Current != "朝阳考点" {
			t.Errorf("site diff = %+v", d)
		}
		if d := c.Result.Diffs[1]; d.Label != "报考专业" || d.Previous != "368 护理学" || !strings.HasPrefix(d.Current, "369 ") {
			t.Errorf("specialty diff = %+v", d)
		}
		// Absent last year (李四): not confirmed automatically.
		li := kaowu.ReturningSnapshot{Year: 2024, Name: "李四", IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(cell(t, rows, 2, "证件号码"))}
		if c, err := a.CheckReturning(ctx, nil, li); err != nil || !c.Found || c.Result.Eligible || !strings.Contains(c.Result.Reason, "2023年缺考") {
			t.Errorf("absent = %+v, %v", c, err)
		}
		// Not in last year's records: nothing to say.
		nobody := kaowu.ReturningSnapshot{Year: 2024, Name: "新考生", IDType: kaowu.IDTaiwanPass, IDNumber: "12345678", ArchiveNo: "2023999999999"}
		if c, err := a.CheckReturning(ctx, nil, nobody); err != nil || c.Found || c.IDChange != "" {
			t.Errorf("nobody = %+v, %v", c, err)
		}
		// A new ID document with last year's archive number: the score merge.
		changed := zhangSan2024(t, rows)
		permit := "81000019850312001"
		changed.IDType, changed.IDNumber, changed.ArchiveNo = kaowu.IDHKMacaoTaiwanResidence, kaowu.IDNumber(permit+string(kaowu.GBCheckChar(permit))), "2023110600001"
		c, err = a.CheckReturning(ctx, nil, changed)
		if err != nil || c.Found || c.Record.ArchiveNo != "2023110600001" || !strings.Contains(c.IDChange, "二（一）") || !strings.Contains(c.IDChange, "成绩的合并") {
			t.Errorf("ID changed = %+v, %v", c, err)
		}
		if _, err := a.CheckReturning(ctx, nil, kaowu.ReturningSnapshot{}); err == nil {
			t.Error("a snapshot without an exam year was checked")
		}
	})
}
