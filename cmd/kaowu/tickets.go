package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kaowu"
	"kaowu/internal/app"
)

const ticketsUsage = `用法：
  kaowu tickets rooms FILE --site 考点    导入考试地点和考场（.xlsx 或 .csv，整体成功或整体不变）：列为
                                         考试地点、地址、乘车路线、考场、类型（纸笔考场/计算机考场）、座位数、每排座位数、
                                         可用机位数、可用日期（留空为每个考试日）、启用（是/否）
  kaowu tickets seat --site 考点 [--fill-early]
                                         为已缴费考生编排考场和座位（五）；重新编排时只调整失效的座位
  kaowu tickets build --site 考点 [-o tickets.zip]
                                         生成准考证号，并按考场批量生成准考证 PDF（四），显示进度；中断后再次运行从中断处继续；
                                         完成后写出 ZIP（每个考场一个 PDF）
--site 为考点代码或名称（如 fengtai 或 丰台考点）；以上命令都接受 --db 和 --now。`

// ticketsCmd runs the venues, seating and tickets commands.
func ticketsCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, ticketsUsage)
		return nil
	}
	sub := args[0]
	fs := newFlags("tickets "+sub, e)
	var c common
	c.register(fs, "kaowu.db")
	site := fs.String("site", "", "考点代码或名称，如 fengtai 或 丰台考点")
	early := fs.Bool("fill-early", false, "先排满较早的考试日（默认各考试日平均安排）")
	out := fs.String("o", "tickets.zip", "build：写出的 ZIP 文件")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *site == "" {
		return fmt.Errorf("请用 --site 指定考点\n%s", ticketsUsage)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	code, err := siteCode(ctx, a, *site)
	if err != nil {
		return err
	}
	switch sub {
	case "rooms":
		return importRoomsCmd(ctx, a, code, fs, e)
	case "seat":
		rep, err := a.Seat(ctx, cliActor(), code, *early)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "编排完成：%d 名考生中已安排 %d 名（保留原座位 %d，新安排 %d，调整 %d），未能安排 %d 名。\n",
			rep.Candidates, rep.Seated, rep.Kept, rep.New, len(rep.Moved), len(rep.Unplaced))
		for _, u := range rep.Unplaced {
			fmt.Fprintf(e.stdout, "  未能安排：%s（%s）：%s\n", u.Name, u.Specialty, u.Reason)
		}
		for _, b := range rep.Binding {
			fmt.Fprintln(e.stdout, "  "+b)
		}
		return nil
	case "build":
		return buildTickets(ctx, a, code, *out, e)
	}
	return fmt.Errorf("未知的子命令 %q\n%s", sub, ticketsUsage)
}

// siteCode finds a site of the current year by code or name.
func siteCode(ctx context.Context, a *app.App, s string) (string, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return "", err
	}
	for _, st := range y.Sites {
		if st.Code == s || st.Name == s {
			return st.Code, nil
		}
	}
	names := make([]string, len(y.Sites))
	for i, st := range y.Sites {
		names[i] = st.Code + "（" + st.Name + "）"
	}
	return "", fmt.Errorf("没有考点 %q：%d年度的考点有 %s", s, y.Year, strings.Join(names, "、"))
}

func importRoomsCmd(ctx context.Context, a *app.App, site string, fs *flag.FlagSet, e *env) error {
	if fs.NArg() != 1 {
		return fmt.Errorf("请给出考场文件\n%s", ticketsUsage)
	}
	rows, err := readTable(fs.Arg(0))
	if err != nil {
		return err
	}
	rep, err := a.ImportRooms(ctx, cliActor(), site, rows, "导入文件 "+filepath.Base(fs.Arg(0)))
	if err != nil {
		var ae *kaowu.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			return fmt.Errorf("%s\n未做任何修改。请改正以上各行后重新导入。", ae.Message)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "已导入 %d 个考试地点：新增考场 %d 个，修改 %d 个。\n", rep.Venues, rep.Created, rep.Updated)
	return nil
}

// buildTickets starts (or resumes) a site's ticket build, runs it here
// with a progress bar on stderr, and writes the ZIP.
func buildTickets(ctx context.Context, a *app.App, site, out string, e *env) error {
	b, err := a.StartTicketBuild(ctx, cliActor(), site)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "准考证生成任务 %s：共 %d 个考场文件\n", b.ID, b.Total)
	done, err := a.RunTicketBuild(ctx, b.ID, func(done, total int) { progressBar(e, done, total) })
	fmt.Fprintln(e.stderr)
	if err != nil {
		return err
	}
	if !done {
		return fmt.Errorf("已中断：再次运行同一命令将从中断处继续")
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := a.WriteTicketBuildZIP(ctx, cliActor(), b.ID, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已写出 %s（%d 个考场文件）。\n", out, b.Total)
	return nil
}

// progressBar draws done/total as a bar on one line of stderr.
func progressBar(e *env, done, total int) {
	const width = 30
	n := 0
	if total > 0 {
		n = done * width / total
	}
	fmt.Fprintf(e.stderr, "\r[%s%s] %d/%d 个考场", strings.Repeat("#", n), strings.Repeat("-", width-n), done, total)
}
