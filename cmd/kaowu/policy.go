package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"kaowu"
	"kaowu/internal/server"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

const policyUsage = `用法：
  kaowu policy show YEAR                       以易读形式显示考试年度数据
  kaowu policy draft NEXT --from YEAR [-o F]   以 YEAR 为底稿起草 NEXT 年度数据（日期顺延，其余照抄），供考区修改
  kaowu policy load FILE.yaml                  校验并载入（替换）一个考试年度的数据
  kaowu policy import-catalog YEAR FILE        用官方专业目录（.xlsx 或 .csv）替换 YEAR 的专业目录：整体成功或整体不变
  kaowu policy export-catalog YEAR FILE        把 YEAR 的专业目录导出为 .xlsx 或 .csv（可修改后再导入）
  kaowu policy coverage YEAR [--json]          逐条列出通知条款的执行情况：已实现 / 仅有数据 / 仅供了解 / 尚未实现
  kaowu policy diff OLD NEW                    列出 NEW 年度相对 OLD 年度的变化（日期已按年份顺延后比较）
以上命令都接受 --db 指定数据库（默认 kaowu.db）。`

func policyCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, policyUsage)
		return nil
	}
	sub := args[0]
	fs := newFlags("policy "+sub, e)
	var c common
	c.register(fs, "kaowu.db")
	from := fs.Int("from", 0, "draft：作为底稿的考试年度")
	out := fs.String("o", "", "draft：写入此文件（默认输出到屏幕）")
	asJSON := fs.Bool("json", false, "coverage：以 JSON 输出（供 CI 使用）")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	pos := fs.Args()
	need := map[string]int{"show": 1, "draft": 1, "load": 1, "import-catalog": 2, "export-catalog": 2, "coverage": 1, "diff": 2}
	n, ok := need[sub]
	if !ok {
		return fmt.Errorf("未知的子命令 %q\n%s", sub, policyUsage)
	}
	if len(pos) != n {
		return fmt.Errorf("参数个数不对\n%s", policyUsage)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	year := func(s string) (*policy.Year, error) {
		y, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("考试年度 %q 应为四位数字，如 2024", s)
		}
		return a.Year(ctx, y)
	}

	switch sub {
	case "show":
		y, err := year(pos[0])
		if err != nil {
			return err
		}
		showYear(e.stdout, y)
	case "draft":
		next, err := strconv.Atoi(pos[0])
		if err != nil || *from == 0 {
			return fmt.Errorf("用法：kaowu policy draft 2025 --from 2024")
		}
		base, err := a.Year(ctx, *from)
		if err != nil {
			return err
		}
		d, err := base.Draft(next)
		if err != nil {
			return err
		}
		b, err := d.Marshal()
		if err != nil {
			return err
		}
		header := fmt.Sprintf("# %d 考试年度草稿：由 %d 年度数据生成，所有日期已顺延 %d 年。\n# 请对照 %d 年度通知逐项修改（日期、费用、条款、目录），再用 kaowu policy load 载入。\n", next, *from, next-*from, next)
		b = append([]byte(header), b...)
		if *out == "" {
			_, err = e.stdout.Write(b)
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return fmt.Errorf("写入 %s：%w", *out, err)
		}
		fmt.Fprintf(e.stdout, "已写入 %s\n", *out)
	case "load":
		b, err := os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("读取 %s：%w", pos[0], err)
		}
		y, err := a.LoadYear(ctx, cliActor(), b)
		if err != nil {
			return err
		}
		active, removed := y.CatalogCounts()
		fmt.Fprintf(e.stdout, "已载入 %d 考试年度：%d 个时间窗口，专业 %d 个在用、%d 个取消。\n", y.Year, len(y.Calendar), active, removed)
	case "import-catalog":
		rows, err := readTable(pos[1])
		if err != nil {
			return err
		}
		y, err := strconv.Atoi(pos[0])
		if err != nil {
			return fmt.Errorf("考试年度 %q 应为四位数字，如 2024", pos[0])
		}
		py, err := a.ImportCatalog(ctx, cliActor(), y, rows, "导入文件 "+filepath.Base(pos[1]))
		if err != nil {
			var ae *kaowu.Error
			if errors.As(err, &ae) && len(ae.Fields) > 0 {
				return fmt.Errorf("%s\n未做任何修改。请改正以上各行后重新导入。", ae.Message)
			}
			return err
		}
		active, removed := py.CatalogCounts()
		fmt.Fprintf(e.stdout, "已导入 %d 行：%d 个在用专业，%d 个已取消专业。\n", len(py.Catalog), active, removed)
	case "export-catalog":
		y, err := year(pos[0])
		if err != nil {
			return err
		}
		f, err := os.Create(pos[1])
		if err != nil {
			return fmt.Errorf("创建 %s：%w", pos[1], err)
		}
		if err := tabular.Write(pos[1], f, y.CatalogRows()); err != nil {
			f.Close()
			os.Remove(pos[1])
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已导出 %d 行到 %s\n", len(y.Catalog), pos[1])
	case "coverage":
		y, err := year(pos[0])
		if err != nil {
			return err
		}
		reg := server.ClauseRegister(y)
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(coverageJSON(reg))
		}
		showCoverage(e.stdout, reg)
	case "diff":
		a, err := year(pos[0])
		if err != nil {
			return err
		}
		b, err := year(pos[1])
		if err != nil {
			return err
		}
		changes, err := policy.Diff(a, b)
		if err != nil {
			return err
		}
		showDiff(e.stdout, a, b, changes)
	}
	return nil
}

// coverage is the JSON form of the clause register: status by clause, with
// the counts.
type coverage struct {
	Counts  map[string]int    `json:"counts"`
	Clauses map[string]string `json:"clauses"`
}

func coverageJSON(reg []policy.ClauseEntry) coverage {
	c := coverage{Counts: map[string]int{}, Clauses: map[string]string{}}
	for _, e := range reg {
		c.Counts[e.Status]++
		c.Clauses[e.ID] = e.Status
	}
	return c
}

func showCoverage(w io.Writer, reg []policy.ClauseEntry) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	label := map[string]string{policy.Implemented: "已实现", policy.DataOnly: "仅有数据", policy.InfoOnly: "仅供了解", policy.NotImplemented: "尚未实现"}
	counts := map[string]int{}
	for _, e := range reg {
		counts[e.Status]++
		note := fmt.Sprintf("%d 处", len(e.Uses))
		if e.Cases > 0 {
			note += fmt.Sprintf("，%d 个测试用例", e.Cases)
		}
		if e.Status == policy.InfoOnly {
			note = e.Info
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.ID, label[e.Status], note)
	}
	fmt.Fprintf(tw, "\n共 %d 条：已实现 %d，仅有数据 %d，仅供了解 %d，尚未实现 %d\n", len(reg), counts[policy.Implemented], counts[policy.DataOnly], counts[policy.InfoOnly], counts[policy.NotImplemented])
}

func showDiff(w io.Writer, a, b *policy.Year, changes []policy.Change) {
	fmt.Fprintf(w, "%d → %d 考试年度的变化（%d 年的日期已按年份顺延后比较，只列出实际改动）\n", a.Year, b.Year, a.Year)
	fmt.Fprintf(w, "  %d：%s（%s）\n  %d：%s（%s）\n", a.Year, a.Notice.Title, a.Notice.Date, b.Year, b.Notice.Title, b.Notice.Date)
	if len(changes) == 0 {
		fmt.Fprintln(w, "没有变化。")
		return
	}
	section := ""
	for _, c := range changes {
		if c.Section != section {
			section = c.Section
			fmt.Fprintf(w, "\n[%s]\n", section)
		}
		switch c.Kind() {
		case "新增":
			fmt.Fprintf(w, "  新增 %s：%s\n", c.Path, c.New)
		case "删除":
			fmt.Fprintf(w, "  删除 %s：%s\n", c.Path, c.Old)
		default:
			fmt.Fprintf(w, "  修改 %s：%s → %s\n", c.Path, c.Old, c.New)
		}
	}
	fmt.Fprintf(w, "\n共 %d 处变化。\n", len(changes))
}

func readTable(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("打开 %s：%w", path, err)
	}
	defer f.Close()
	return tabular.Read(path, f)
}

// showYear prints a year readably.
func showYear(w io.Writer, y *policy.Year) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("%s", y.Title)
	p("通知：%s（%s，%s，依据 %s）", y.Notice.Title, y.Notice.Issuer, y.Notice.Date, y.Notice.Basis)
	p("截止日期：%s（%s）\t报名费：%d 分/科（%s）\t合格线：%d/%d（%s）", y.Cutoff.Date, y.Cutoff.Clause,
		y.Fee.PerSubjectFen, y.Fee.Clause, y.PassLine.Score, y.PassLine.Max, y.PassLine.Clause)
	if ends, ok := y.RetentionEnds(); ok {
		basis, _, _ := strings.Cut(y.Retention.Basis, "：")
		p("个人信息保存期限：考试年度于 %s 结束，保存 %d 个月，自 %s 起删除照片、证明材料和联系方式（依据%s）", y.Retention.YearCloses,
			y.Retention.KeepMonths, ends.In(kaowu.Shanghai).Format("2006-01-02 15:04"), basis)
	} else {
		p("个人信息保存期限：未设置（本年度的照片、证明材料和联系方式不会自动删除）")
	}
	p("\n日程（北京时间，结束时刻不含）：")
	cal := append([]kaowu.Window(nil), y.Calendar...)
	sort.SliceStable(cal, func(i, j int) bool { return cal[i].Start.Before(cal[j].Start) })
	for _, win := range cal {
		p("  %s\t%s\t%s — %s\t%s", win.Key, win.Name, win.Start.In(kaowu.Shanghai).Format("2006-01-02 15:04"),
			win.End.In(kaowu.Shanghai).Format("2006-01-02 15:04"), win.Clause)
	}
	p("\n场次：")
	for _, s := range y.Sessions {
		p("  %s\t%s\t%s — %s\t%s", s.Mode.Label(), s.Subject.Label(), s.Start.In(kaowu.Shanghai).Format("01-02 15:04"),
			s.End.In(kaowu.Shanghai).Format("15:04"), s.Clause)
	}
	p("\n考区：%s（%s）", y.Region.Name, y.Region.Code)
	for _, s := range y.Sites {
		p("  考点 %s\t%s\t%s", s.Code, s.Name, s.District)
		if c := s.Confirmation; c != nil {
			p("    现场确认：%s（%s）", c.Venue, c.Clause)
			for _, d := range c.Days {
				names := ""
				for i, k := range d.Categories {
					cat, _ := y.UnitCategory(k)
					if i > 0 {
						names += "、"
					}
					names += cat.Name
				}
				p("      %s\t%s", d.Date, names)
			}
		}
	}
	p("\n执业资格要求：")
	for _, r := range y.LicenceRules {
		p("  %d–%d\t%s\t%s", r.From, r.To, r.Licence.Label(), r.Clause)
	}
	active, removed := y.CatalogCounts()
	p("\n专业目录：%d 个在用，%d 个取消", active, removed)
	byLevel := y.CatalogByLevel()
	for _, l := range kaowu.Levels {
		p("  %s（%d）", l.Label(), len(byLevel[l]))
		for _, s := range byLevel[l] {
			extra := s.Mode.Label()
			if s.Licence != kaowu.LicenceNone {
				extra += "，须" + s.Licence.Label()
			}
			if !s.Active() {
				extra = fmt.Sprintf("已取消，并入 %v", s.MergedInto)
			}
			mark := ""
			if !s.Verified {
				mark = "（待核对）"
			}
			p("    %s\t%s\t%s%s", s.Code, s.Name, extra, mark)
		}
	}
}
