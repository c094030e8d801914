package policy

import (
	"strings"
	"testing"
	"time"

	"kaowu"
)

// TestLoadRefusals breaks the 2024 year one way at a time and checks that
// the loader refuses it with a message naming the field and the problem.
func TestLoadRefusals(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(y *Year)
		want   []string
	}{
		{"window ends before it starts", func(y *Year) {
			w := &y.Calendar[3] // payment
			w.Start, w.End = w.End, w.Start
		}, []string{"calendar[3](payment)", "结束时间", "不晚于开始时间"}},
		{"windows out of order", func(y *Year) {
			y.Calendar[3].Start = time.Date(2023, 11, 1, 0, 0, 0, 0, kaowu.Shanghai)
		}, []string{"calendar(payment)", "窗口顺序颠倒"}},
		{"missing window", func(y *Year) { y.Calendar = y.Calendar[1:] }, []string{"calendar", "缺少时间窗口 application"}},
		{"duplicate code", func(y *Year) {
			y.Catalog = append(y.Catalog, y.Catalog[0])
		}, []string{"专业代码 " + "101" + " 重复"}},
		{"unknown merge target", func(y *Year) {
			for i := range y.Catalog {
				if y.Catalog[i].Code == "311" {
					y.Catalog[i].MergedInto = []string{"999"}
				}
			}
		}, []string{"(311).merged_into", "并入的专业代码 999 不在目录中"}},
		{"removed without merge target", func(y *Year) {
			for i := range y.Catalog {
				if y.Catalog[i].Code == "314" {
					y.Catalog[i].MergedInto = nil
				}
			}
		}, []string{"(314).merged_into", "已取消的专业必须填写并入的专业代码"}},
		{"merge into a removed specialty", func(y *Year) {
			for i := range y.Catalog {
				if y.Catalog[i].Code == "311" {
					y.Catalog[i].MergedInto = []string{"314"}
				}
			}
		}, []string{"(311).merged_into", "并入的专业 314 本身已取消"}},
		{"licence against 一（七）", func(y *Year) {
			for i := range y.Catalog {
				if y.Catalog[i].Code == "368" {
					y.Catalog[i].Licence = kaowu.LicenceNone
				}
			}
		}, []string{"(368).licence", "按 一（七） 应为 nurse"}},
		{"level against code", func(y *Year) { y.Catalog[0].Level = kaowu.LevelIntermediate }, []string{".level", "1 开头的代码是初级（士）"}},
		{"unknown clause", func(y *Year) { y.Fee.Clause = "九（九）" }, []string{"fee.clause", "引用的条款 九（九） 不在 clauses 中"}},
		{"no fee", func(y *Year) { y.Fee.PerSubjectFen = 0 }, []string{"fee.per_subject_fen", "每科报名费必须大于 0"}},
		{"category without a day", func(y *Year) {
			y.Sites[0].Confirmation.Days = y.Sites[0].Confirmation.Days[:4]
		}, []string{"sites[0](fengtai).confirmation.days", "单位类别 clinic（门诊部及以下机构）没有安排现场确认日"}},
		{"two sites for one district", func(y *Year) { y.Sites[1].District = "丰台区" }, []string{"sites[1](dongcheng).district", "每个区只能有一个考点"}},
		{"session subject missing", func(y *Year) { y.Sessions = y.Sessions[1:] }, []string{"sessions", "纸笔作答 缺少科目 基础知识 的场次"}},
		{"year closes before its last window", func(y *Year) { y.Retention.YearCloses = kaowu.NewDate(2024, 6, 1) },
			[]string{"retention.year_closes", "考试年度结束日期 2024-06-01 早于最后一个时间窗口 scores（成绩公布）的最后一天 2024-06-21"}},
		{"year never closes", func(y *Year) { y.Retention.YearCloses = kaowu.Date{} }, []string{"retention.year_closes", "必须填写考试年度结束日期"}},
		{"no retention period", func(y *Year) { y.Retention.KeepMonths = 0 }, []string{"retention.keep_months", "保存期限 0 个月无效，应为 1 至 120 个月"}},
		{"retention period a typo", func(y *Year) { y.Retention.KeepMonths = 240 }, []string{"retention.keep_months", "240 个月无效"}},
		{"retention without basis", func(y *Year) { y.Retention.Basis = " " }, []string{"retention.basis", "必须注明保存期限的法律依据"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			y, err := Default(2024)
			if err != nil {
				t.Fatal(err)
			}
			c.mutate(y)
			b, err := y.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(b)
			if kaowu.ErrorCode(err) != kaowu.EINVALID {
				t.Fatalf("Load = %v, want invalid", err)
			}
			msg := kaowu.ErrorMessage(err)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestLoadRefusesMalformedYAML(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"unknown field", "year: 2024\nfees: 1\n", "fees"},
		{"bad date", "year: 2024\ncutoff: {date: 2023-02-30}\n", "2023-02-30"},
		{"not yaml", "year: [", "考试年度数据格式错误"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load([]byte(c.doc))
			if kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorMessage(err), c.want) {
				t.Errorf("Load = %v, want invalid mentioning %q", err, c.want)
			}
		})
	}
}

func TestDraft(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	d, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(b)
	if err != nil {
		t.Fatalf("the draft does not load: %v", err)
	}
	app, _ := loaded.Window(kaowu.WindowApplication)
	if got := app.Start.In(kaowu.Shanghai).Format(time.DateOnly); got != "2024-12-01" {
		t.Errorf("draft application opens %s, want 2024-12-01", got)
	}
	if loaded.Cutoff.Date != kaowu.NewDate(2024, 12, 31) {
		t.Errorf("draft cut-off %s, want 2024-12-31", loaded.Cutoff.Date)
	}
	if len(loaded.Catalog) != len(y.Catalog) || loaded.Fee != y.Fee {
		t.Error("draft did not copy the catalogue and fee")
	}
	if y.Year != 2024 || y.Cutoff.Date != kaowu.NewDate(2023, 12, 31) {
		t.Error("drafting changed the base year")
	}
}

func TestParseCatalogRoundTripAndRefusals(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	rows := y.CatalogRows()
	got, err := y.ParseCatalog(rows, "test")
	if err != nil {
		t.Fatalf("exported rows do not import: %v", err)
	}
	for i := range got {
		if got[i].Code != y.Catalog[i].Code || got[i].Licence != y.Catalog[i].Licence || got[i].Verified != y.Catalog[i].Verified ||
			strings.Join(got[i].MergedInto, ",") != strings.Join(y.Catalog[i].MergedInto, ",") {
			t.Fatalf("row %d: got %+v, want %+v", i, got[i], y.Catalog[i])
		}
	}
	bad := [][]string{rows[0],
		{"368", "护理学", "中级", "人机对话", "护士执业证书", "在用"},
		{"368", "护理学", "中级", "人机对话", "护士执业证书", "在用"},
		{"301", "全科医学", "高级", "人机对话", "执业医师资格", "在用"},
		{"311", "结核病学", "中级", "人机对话", "执业医师资格", "取消", "999"},
	}
	_, err = y.ParseCatalog(bad, "test")
	msg := kaowu.ErrorMessage(err)
	for _, w := range []string{"第3行(368).code：专业代码 368 重复", "第4行.level：级别“高级”无效", "第5行(311).merged_into：并入的专业代码 999 不在目录中"} {
		if !strings.Contains(msg, w) {
			t.Errorf("report lacks %q:\n%s", w, msg)
		}
	}
	if _, err := y.ParseCatalog([][]string{{"代码"}}, "t"); kaowu.ErrorCode(err) != kaowu.EINVALID {
		t.Errorf("header-only file accepted: %v", err)
	}
}
