package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"kaowu"
)

const importUsage = `用法：
  kaowu import previous YEAR FILE    用考区导出的 YEAR 年度考生记录（.xlsx 或 .csv）替换该年度的记录：整体成功或整体不变
                                     （供 YEAR+1 年度的历史考生自动确认、证件变更成绩合并和成绩滚动使用，二（一）、七）
文件格式见 docs/previous-records.md，示例 docs/examples/previous-2023.csv。
  kaowu import units FILE            添加用人单位（.xlsx 或 .csv）：整体成功或整体不变；列为 单位名称、所在区、
                                     单位类别（中文名称或代码）、社会资本举办（是/否）；单位类别决定现场确认日期（二（二））
  kaowu import scores YEAR FILE      导入国家考试中心的 YEAR 年度成绩文件（.xlsx 或 .csv）：整体成功或整体不变，
                                     逐行报告；同一文件再次导入不做任何修改，更正后的文件只改变不同的行（六、七）
文件格式见 docs/scores.md。成绩在考区设定的公布时间之后才对考生可见（/review/scores）。
以上命令都接受 --db 指定数据库（默认 kaowu.db）。`

func importCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, importUsage)
		return nil
	}
	sub := args[0]
	fs := newFlags("import "+sub, e)
	var c common
	c.register(fs, "kaowu.db")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch sub {
	case "units":
		return importUnits(ctx, fs.Args(), &c, e)
	case "scores":
		return importScores(ctx, fs.Args(), &c, e)
	}
	if sub != "previous" {
		return fmt.Errorf("未知的子命令 %q\n%s", sub, importUsage)
	}
	pos := fs.Args()
	if len(pos) != 2 {
		return fmt.Errorf("参数个数不对\n%s", importUsage)
	}
	year, err := strconv.Atoi(pos[0])
	if err != nil || year < 2000 || year > 2100 {
		return fmt.Errorf("考试年度 %q 应为四位数字，如 2023", pos[0])
	}
	rows, err := readTable(pos[1])
	if err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	before, err := a.Store.CountPreviousRecords(ctx, year)
	if err != nil {
		return err
	}
	n, err := a.ImportPreviousRecords(ctx, cliActor(), year, rows, "导入文件 "+filepath.Base(pos[1]))
	if err != nil {
		var ae *kaowu.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			return fmt.Errorf("%s\n未做任何修改。请改正以上各行后重新导入。", ae.Message)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "已导入 %d 年度考生记录 %d 条（替换原有 %d 条）。\n", year, n, before)
	return nil
}

// importUnits runs `kaowu import units FILE`.
func importUnits(ctx context.Context, pos []string, c *common, e *env) error {
	if len(pos) != 1 {
		return fmt.Errorf("参数个数不对\n%s", importUsage)
	}
	rows, err := readTable(pos[0])
	if err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	n, err := a.ImportUnits(ctx, cliActor(), rows, "导入文件 "+filepath.Base(pos[0]))
	if err != nil {
		var ae *kaowu.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			return fmt.Errorf("%s\n未做任何修改。请改正以上各行后重新导入。", ae.Message)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "已导入用人单位 %d 个。\n", n)
	return nil
}

// importScores runs `kaowu import scores YEAR FILE`.
func importScores(ctx context.Context, pos []string, c *common, e *env) error {
	if len(pos) != 2 {
		return fmt.Errorf("参数个数不对\n%s", importUsage)
	}
	year, err := strconv.Atoi(pos[0])
	if err != nil || year < 2000 || year > 2100 {
		return fmt.Errorf("考试年度 %q 应为四位数字，如 2024", pos[0])
	}
	rows, err := readTable(pos[1])
	if err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	rep, err := a.ImportScores(ctx, cliActor(), year, rows, "导入文件 "+filepath.Base(pos[1]))
	if err != nil {
		var ae *kaowu.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			return fmt.Errorf("%s\n未做任何修改。请改正以上各行后重新导入。", ae.Message)
		}
		return err
	}
	if rep.Same {
		fmt.Fprintf(e.stdout, "这个文件已经导入过（%d 行），未做任何修改。\n", rep.Rows)
		return nil
	}
	fmt.Fprintf(e.stdout, "已导入 %d 年度成绩 %d 行：新增 %d，更正 %d，未变 %d；考试合格 %d 人。\n",
		year, rep.Rows, rep.Created, rep.Changed, rep.Unchanged, rep.Passed)
	return nil
}
