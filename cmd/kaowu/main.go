// Command kaowu runs the health qualification exam system: the web server
// and its maintenance commands. Run `kaowu help` for the list.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env *env) error
}

var commands = []command{
	{"serve", "运行网站、JSON 接口和后台任务", serveCmd},
	{"migrate", "创建或升级数据库，并载入内置考试年度数据", migrateCmd},
	{"policy", "查看、起草、载入考试年度数据；导入导出专业目录", policyCmd},
	{"check", "按考试年度规则判断报考资格（标准输入读入 JSON，输出 JSON 结论）", checkCmd},
	{"import", "导入上一年度考生记录（历史考生自动确认、证件变更成绩合并、成绩滚动）", importCmd},
	{"user", "添加、列出工作人员账号（单位人事、考点、考区、军队单位、管理员）", userCmd},
	{"bench", "压力测试：模拟大量考生通过 HTTP 访问运行中的服务器，报告吞吐量和延迟", benchCmd},
	{"jobs", "手动运行后台任务：现场确认截止作废未确认的报名、缴费提醒等（kaowu jobs -h）", jobsCmd},
	{"tickets", "考场与准考证：导入考场、编排考场座位、批量生成准考证（kaowu tickets -h）", ticketsCmd},
	{"export-person", "导出一名考生的全部个人信息（JSON，或连同照片和证明材料的 ZIP）", exportPersonCmd},
	{"backup", "备份数据库（serve 运行时也可进行；SQLite 在线备份，PostgreSQL 用 pg_dump）", backupCmd},
	{"restore", "用备份恢复数据库（检查备份；目标正在使用时拒绝；覆盖已有数据须 --force）", restoreCmd},
	{"audit", "审计日志：核对防篡改的哈希链、立即加封新记录（kaowu audit -h）", auditCmd},
}

// env is the process environment a command runs in.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			if err := c.run(ctx, args[1:], e); err != nil {
				fmt.Fprintln(stderr, "kaowu "+c.name+": "+userMessage(err))
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "kaowu: 未知的命令 %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "用法：kaowu <命令> [参数]\n\n命令：")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n每个命令的参数见 kaowu <命令> -h；参数也可用环境变量 KAOWU_<参数名> 设置。")
}
